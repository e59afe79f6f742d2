"""The ASP.NET Web API 2 stack profile: for a provider whose real server is Web API 2 with Json.NET,
XmlSerializer and the jQuery form formatter (2SMS names it; see `engine/profile.py`).

- negotiation as `DefaultContentNegotiator` (negotiation.py): never a 406;
- every answer's Content-Type names `charset=utf-8`, as Web API's JSON and XML formatters write it;
- JSON bodies bound as Json.NET binds them, XML as XmlSerializer (binding.py), each forgiveness a
  client warning;
- forms read as `JQueryMvcFormUrlEncodedFormatter` (formdata.py);
- XML answers as XmlSerializer writes them: `xmlns:xsd` and `xmlns:xsi` on the root, and an array
  item without an `xml.name` named by its .NET type (`string`, `int`, `guid`...).

Each part is checked against tables written from AspNetWebStack's behaviour (tests/engine/webapi/),
never against itself.
"""

from __future__ import annotations

from mockserver.engine.profile import StackProfile, XmlConventions
from mockserver.engine.webapi.binding import compile_binder
from mockserver.engine.webapi.formdata import read_form_or_refuse
from mockserver.engine.webapi.negotiation import choose_like_web_api
from mockserver.engine.xmlschema import XSD_NS, XSI_NS, Node

__all__ = ["WEB_API_2", "xml_serializer_item_name"]


def xml_serializer_item_name(items: Node, array_element: str) -> str:
    """XmlSerializer names the items of a primitive collection by their .NET type: `string`, `int`,
    `boolean`, `decimal`, and `guid` for a string holding a GUID (a pattern of 8 hex digits first)."""
    if items.kind == "string" and "[0-9a-fA-F]{8}" in items.schema.get("pattern", ""):
        return "guid"
    return {"integer": "int", "number": "decimal", "boolean": "boolean"}.get(items.kind or "", "string")


WEB_API_2 = StackProfile(
    "ASP.NET Web API 2",
    negotiate=choose_like_web_api,
    charset="utf-8",
    binder=compile_binder,
    read_form=read_form_or_refuse,
    xml=XmlConventions(
        root_declarations=(("xsd", XSD_NS), ("xsi", XSI_NS)), item_name=xml_serializer_item_name
    ),
)
