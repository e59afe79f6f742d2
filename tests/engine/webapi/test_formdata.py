"""engine/webapi/formdata.py: form bodies as Web API 2's JQueryMvcFormUrlEncodedFormatter reads them."""

from __future__ import annotations

import pytest

from mockserver.engine.webapi.formdata import MAX_DEPTH, FormError, problem, read_form

SCHEMA = {
    "type": "object",
    "properties": {
        "Type": {"type": "integer", "x-enum-names": ["Standard", "Advanced"]},
        "Count": {"type": "integer"},
        "Price": {"type": "number"},
        "Flag": {"type": "boolean"},
        "Options": {
            "type": "object",
            "properties": {"Sender": {"type": "string"}, "Reads": {"type": "integer"}},
        },
        "MessageIDs": {"type": "array", "items": {"type": "string"}},
        "Numbers": {"type": "array", "items": {"type": "integer"}},
    },
}


def read(body: str) -> dict:
    return read_form(body.encode(), "utf-8", SCHEMA)


def test_jquery_names_build_objects_and_arrays():
    assert read("Options[Sender]=x&Options[Reads]=3&MessageIDs[]=a&MessageIDs[]=b") == {
        "Options": {"Sender": "x", "Reads": 3},
        "MessageIDs": ["a", "b"],
    }
    assert read("Numbers[1]=20&Numbers[0]=10") == {"Numbers": [10, 20]}  # indexed: in index order
    assert read("MessageIDs=a&MessageIDs=b") == {"MessageIDs": ["a", "b"]}  # a plain name twice


def test_values_are_converted_as_dotnet_converts_them_or_left_as_text_for_the_schema():
    assert read("Type=advanced&Count=+7&Price=1.5&Flag=TRUE") == {
        "Type": 1,
        "Count": 7,
        "Price": 1.5,
        "Flag": True,
    }
    assert read("Type=1&Count=seven&Flag=yes") == {"Type": 1, "Count": "seven", "Flag": "yes"}
    assert read("Count=\u0661\u0666") == {"Count": "\u0661\u0666"}  # ASCII digits only
    assert read("Options[sender]=x") == {"Options": {"sender": "x"}}  # typed ignoring case, name kept
    assert read("Count=") == {"Count": ""}  # an empty value stays text, as "" in JSON


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("Options[[Sender]]=x", "nested or unmatched"),
        ("Options[Sender=x", "unmatched bracket"),
        ("Options=x&Options[Sender]=y", "both a value and an object"),
        ("Options[Sender]=x&Options[Sender]=y", "given twice"),
        ("MessageIDs[][a]=x", "may only end a name"),
        ("a" + "[b]" * MAX_DEPTH + "=x", f"more than {MAX_DEPTH} levels"),
    ],
)
def test_what_the_formatter_refuses_is_a_form_error(body, says):
    with pytest.raises(FormError, match=says) as refused:
        read(body)
    assert problem(refused.value).message.startswith("the form cannot be read: ")


def test_a_body_not_in_its_charset_is_refused():
    with pytest.raises(FormError, match="not valid utf-8"):
        read_form(b"Count=\xff", "utf-8", SCHEMA)


def test_a_plain_name_given_once_where_the_model_has_a_collection_is_a_one_item_collection():
    assert read("MessageIDs=a") == {"MessageIDs": ["a"]}  # was "a", then "must be of type array"
    assert read("Numbers=7") == {"Numbers": [7]}  # typed as an item
    assert read("Count=7") == {"Count": 7}  # a scalar member stays a scalar
