"""settings.py: one typed Settings, built once from keywords, the address known before serving."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.settings import Limits, Settings


def test_keywords_fill_the_settings_and_the_limits_by_their_own_names():
    settings = Settings.of(["a.yaml"], seed=3, strict=True, state="w.db", max_messages=5, header_timeout=0.5)
    assert settings.fixtures == ("a.yaml",) and settings.seed == 3 and settings.strict
    assert settings.state == Path("w.db")
    assert settings.limits == Limits(max_messages=5, header_timeout=0.5)


def test_limits_given_whole_and_by_name_combine():
    settings = Settings.of(limits=Limits(max_connections=4), journal_limit=9)
    assert settings.limits.max_connections == 4 and settings.limits.journal_limit == 9


def test_an_unknown_keyword_is_refused_by_name():
    with pytest.raises(TypeError, match=r"unknown setting.*: sead"):
        Settings.of(sead=1)


def test_the_public_url_names_the_bound_address():
    assert Settings().with_address("127.0.0.1", 8123).public_url == "http://127.0.0.1:8123"
    assert Settings().with_address("::1", 9, "https").public_url == "https://[::1]:9"


def test_settings_cannot_be_changed_once_built():
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.seed = 2  # type: ignore[misc]
