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


YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, libyaml's when PyYAML has it (10x faster on big documents)."""


def load_yaml(text: str | bytes) -> Any:
    """`yaml.safe_load`, with libyaml when there: for the bundled specs (fixtures that anyone may
    send are read by `fixture_yaml`, within a budget)."""
    return yaml.load(text, Loader=YamlLoader)  # a safe loader: plain data only
