"""The fidelity suites each serve their own fake, as `live` (a default one, or default and strict)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import MockServer
from tests.conftest import twosms_client


@pytest.fixture
def twosms(live: MockServer) -> Iterator[httpx.Client]:
    """A 2SMS client of the module's `live` fake, reset first."""
    live.reset()
    with twosms_client(live) as client:
        yield client
