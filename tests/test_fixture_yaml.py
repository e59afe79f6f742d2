"""YAML fixtures are read within a budget: an alias bomb is refused before it is expanded, and a
scalar a fixture cannot hold is a refusal naming its line, never a 500 (issue 26, points 3-4)."""

from __future__ import annotations

import tracemalloc

import httpx
import pytest
import yaml

from mockserver.errors import FixtureError
from mockserver.fixture_yaml import ALIAS_NODE_BUDGET, load_fixture_yaml
from mockserver.fixtures import parse_document


def alias_bomb(levels: int) -> str:
    """The classic "billion laughs": each level nine aliases of the one before (9^levels nodes)."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [8, 9])  # 272 and 306 bytes in the red-team run
def test_an_alias_bomb_is_refused_before_it_is_expanded(levels):
    tracemalloc.start()
    try:
        with pytest.raises(yaml.YAMLError, match="past the 10,000 a fixture may add"):
            load_fixture_yaml(alias_bomb(levels))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # expanded, even level 8 held 1.2 GiB


def test_aliases_within_the_budget_are_read_as_the_safe_loader_reads_them():
    text = "base: &base {sender: Clinic, limit: 2}\nfirst:\n  <<: *base\n  limit: 3\nsecond: *base\nlist: [*base, *base]\n"
    assert load_fixture_yaml(text) == yaml.safe_load(text)
    near = alias_bomb(3)  # 9^3 + ... nodes: well within
    assert load_fixture_yaml(near) == yaml.safe_load(near)
    assert ALIAS_NODE_BUDGET == 10_000


def test_dates_become_iso_strings_and_plain_scalars_stay_as_yaml_reads_them():
    text = "at: 2026-01-02T03:04:05\nzoned: 2026-01-02T03:04:05+02:00\nday: 2026-01-02\nn: 12\nf: 1.5\nb: yes\nz: ~\n"
    assert load_fixture_yaml(text) == {
        "at": "2026-01-02T03:04:05+00:00",
        "zoned": "2026-01-02T03:04:05+02:00",
        "day": "2026-01-02",
        "n": 12,
        "f": 1.5,
        "b": True,
        "z": None,
    }


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            "a: 2026-13-45",
            "(line 1, column 4): '2026-13-45' is not a valid timestamp: month must be in 1..12",
        ),
        ("x: 1\na: !!timestamp 2026-02-30", "(line 2, column 4): '2026-02-30' is not a valid timestamp"),
        ("a: !!float abc", "(line 1, column 4): 'abc' is not a valid float"),
        ("a: !!binary AAAA", "tag:yaml.org,2002:binary is not plain data a fixture can hold"),
        ("a: !!python/object:os.system x", "is not plain data a fixture can hold"),
        ("a: !!set {x, y}", "tag:yaml.org,2002:set is not plain data a fixture can hold"),
        ("? [1]\n: 2", "a mapping key must be a plain value"),
        ("a: &x [*x]", "an alias refers to the node it is inside of"),
    ],
)
def test_what_a_fixture_cannot_hold_is_refused_naming_its_line(text, complaint):
    with pytest.raises(FixtureError) as refused:
        parse_document(text, "body")
    [line] = refused.value.lines
    assert line.startswith("body: /: cannot be a fixture") and complaint in line, line


def test_a_json_fixture_with_a_lone_surrogate_is_refused_naming_where():
    with pytest.raises(FixtureError) as refused:
        parse_document('{"twosms": {"accounts": ["\\udc00"]}}', "file.json")
    assert refused.value.lines == [
        "file.json: /twosms/accounts/0: the document holds a lone UTF-16 surrogate, which is not text"
    ]


@pytest.mark.parametrize(
    "body",
    [alias_bomb(9), "a: 2026-13-45", "a: !!binary AAAA", "a: !!timestamp 2026-02-30", "a: !!float abc"],
)
def test_the_control_plane_answers_each_with_a_400_and_keeps_its_state(server, state, body):
    before = state()
    answer = httpx.post(
        f"{server.url}/__admin/fixtures", content=body, headers={"Content-Type": "application/yaml"}
    )
    assert answer.status_code == 400, answer.text
    assert "cannot be a fixture" in answer.json()["errors"][0]
    assert httpx.get(f"{server.url}/__admin/health").status_code == 200
    assert state() == before
