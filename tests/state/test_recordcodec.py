"""state/recordcodec.py: keys as text, records as restricted pickles, layouts that must not drift."""

from __future__ import annotations

import dataclasses
import enum
import pickle
from datetime import UTC, datetime

import pytest

from mockserver.providers.twosms.records import Channel, Contact
from mockserver.state.recordcodec import (
    RecordCodec,
    StateFileError,
    class_path,
    decode_key,
    encode_key,
    layout_of,
)

CONTACT = Contact("acct", 16, "+15550100016", "Ada", "Lovelace")


@pytest.mark.parametrize("key", ["plain", "", ("acct", 16), ("a", ("b", 1))])
def test_keys_round_trip_as_text(key):
    assert decode_key(encode_key(key)) == key
    assert isinstance(encode_key(key), str)


def test_records_enums_and_instants_round_trip():
    codec = RecordCodec({"mockserver"})
    for record in (CONTACT, Channel.SMS, datetime(2026, 1, 1, tzinfo=UTC), "text as it is"):
        assert codec.loads(codec.dumps(record)) == record
    assert codec.dumps("text as it is") == "text as it is"


def test_only_record_classes_of_the_allowed_packages_are_written():
    codec = RecordCodec({"mockserver"})
    codec.note(Contact)
    assert codec.layouts[class_path(Contact)] == layout_of(Contact) and codec.new_layouts
    with pytest.raises(StateFileError, match="must be dataclasses and enums"):
        codec.note(dict)
    with pytest.raises(StateFileError, match="must be dataclasses and enums"):
        RecordCodec({"other"}).note(Contact)


class _Gadget:
    def __reduce__(self):  # what a hostile file would carry: a call on load
        return (print, ("pwned",))


def test_a_pickle_naming_anything_else_is_refused_on_read():
    codec = RecordCodec({"mockserver"})
    with pytest.raises(StateFileError, match="may not hold"):
        codec.loads(pickle.dumps(_Gadget()))
    with pytest.raises(StateFileError, match="not a record class"):
        codec.loads(pickle.dumps(RecordCodec))  # in an allowed package, but not a record


def test_a_file_whose_classes_have_changed_is_refused_by_name():
    codec = RecordCodec({"mockserver"})
    stored = {class_path(Contact): ["dataclass", ["account_id", "mobile"]]}
    with pytest.raises(StateFileError, match=r"records:Contact was dataclass \(account_id, mobile\), is now"):
        codec.check_layouts(stored)
    codec.check_layouts({class_path(Contact): layout_of(Contact)})  # unchanged: accepted


def test_layouts_name_fields_and_enum_values():
    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    class Colour(enum.Enum):
        RED = 1

    assert layout_of(Point) == ["dataclass", ["x", "y"]]
    assert layout_of(Colour) == ["enum", {"RED": 1}]
    assert layout_of(int) is None
