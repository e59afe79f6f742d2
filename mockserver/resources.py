"""Where the bundled specs and fixtures live: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """`data_path("openapi", "jframework.yaml")`: the wheel's copy if installed, else the checkout's."""
    bundled = PACKAGE_DIR.joinpath("_data", *parts)
    return bundled if bundled.exists() else PACKAGE_DIR.parent.joinpath(*parts)


def default_fixtures() -> Path:
    return data_path("fixtures", "default.yaml")


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str | bytes) -> Any:
    """`yaml.safe_load` with libyaml when PyYAML has it (10x faster on big documents)."""
    return yaml.load(text, Loader=_SafeLoader)  # a safe loader: plain data only
