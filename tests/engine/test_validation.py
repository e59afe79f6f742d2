"""A JSON body is read as `json.loads` reads it, though orjson reads it first (speed), except that
text no UTF-8 answer can carry (a lone surrogate) is refused where it is read."""

from __future__ import annotations

import json
import random

import pytest

from mockserver.engine.validation import InvalidInput, decode_json

EDGES = [
    '{"a": 1, "b": [true, false, null], "c": "\\u00e9"}',
    "[18446744073709551616]",  # past 64 bits: orjson would make it a float
    "[-9223372036854775809]",
    "[12345678901234567890123]",
    "[1e400]",  # json: infinity
    "[NaN]",  # json takes it, orjson does not
    "[-Infinity]",
    '"\\ud800"',  # a lone surrogate: json takes it, we refuse it
    '{"k\\udc00": 1}',  # in a name too
    '["\\ud83d\\ude00"]',  # a pair is one character, and passes
    '{"a": 1, "a": 2}',
    "[-0]",
    "[1.0, 0.1, 1E2]",
    "\ufeff{}",
    "",
    "[1,]",
    '{"a": "\x01"}',
    "[" * 3000 + "]" * 3000,  # deeper than orjson reads, within json's reach or not
]


def _as_json_reads(text: str) -> tuple[str, object]:
    try:
        value = json.loads(text)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # what an answer would have to do
        return "value", value
    except UnicodeEncodeError:
        return "error", "the body holds a lone UTF-16 surrogate, which is not text"
    except RecursionError:
        return "error", "the JSON body is nested too deeply"
    except ValueError as exc:
        return "error", f"the body is not valid JSON: {exc}"


def _as_we_read(text: str) -> tuple[str, object]:
    try:
        return "value", decode_json(text.encode("utf-8", "surrogatepass"))
    except InvalidInput as exc:
        return "error", exc.problems[0].message


def _random_texts(count: int) -> list[str]:
    draws, alphabet = random.Random(11), '{}[]",:0123456789.eE-+ntrufalsNIy\\u \x01é'
    return ["".join(draws.choice(alphabet) for _ in range(draws.randint(0, 12))) for _ in range(count)]


@pytest.mark.parametrize("text", EDGES, ids=lambda t: repr(t)[:30])
def test_a_body_reads_as_json_loads_reads_it(text):
    assert repr(_as_we_read(text)) == repr(_as_json_reads(text))  # repr: NaN is NaN, 1 is not 1.0


def test_random_bodies_read_as_json_loads_reads_them():
    texts = _random_texts(20_000)  # seeded: about 600 are valid JSON
    differ = [t for t in texts if repr(_as_we_read(t)) != repr(_as_json_reads(t))]
    assert not differ, differ[:5]
    assert sum(_as_json_reads(t)[0] == "value" for t in texts) > 500


def test_a_big_body_reads_as_json_loads_reads_it():
    from mockserver.engine.validation import ORJSON_BELOW

    text = json.dumps({"ids": [1] * ORJSON_BELOW, "big": 10**30, "x": 0.5})  # past orjson's share
    assert repr(_as_we_read(text)) == repr(_as_json_reads(text))


def test_an_integer_past_64_bits_stays_an_integer():
    assert decode_json(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}


@pytest.mark.parametrize(
    ("text", "pointer"),
    [('{"a": "\\ud800"}', "/a"), ('{"a": [1, {"b~/": "x\\udfff"}]}', "/a/1/b~0~1"), ('"\\udbff"', "/")],
)
def test_a_lone_surrogate_is_refused_naming_where_it_is(text, pointer):
    with pytest.raises(InvalidInput) as refused:
        decode_json(text.encode())
    assert [p.field for p in refused.value.problems] == [pointer]
