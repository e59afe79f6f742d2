"""Stack profiles: what a provider's real server stack does where OpenAPI leaves the choice open.

A spec says which media types an operation takes and answers, and the schema of each body; it does
not say how a server picks among the answer types, what a form's field names mean, how forgiving
the body binding is, or what an XML document declares beyond its elements. Connexion's answers are
the plain profile (`PLAIN_OPENAPI`), which every provider gets unless it names another: 2SMS names
ASP.NET Web API 2's (`mockserver.engine.webapi.WEB_API_2`). The engine is given the profile when a
spec's route table and plans are compiled, and asks it; it never tests a profile's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from mockserver.engine.negotiation import choose_media_type
from mockserver.engine.xmlschema import OPENAPI_XML, XmlConventions

if TYPE_CHECKING:
    from mockserver.errors import ClientWarning


class BodyBinder(Protocol):
    """A body schema's binding: what the stack does to a decoded value before the schema check."""

    def bind(self, value: Any, *, xml_root: str | None = None) -> tuple[Any, list[ClientWarning]]:
        """The value as bound, and what was forgiven on the way (each a client warning). `xml_root`
        (the root element's name) says the value was decoded from XML."""
        ...


Negotiator = Callable[[str | None, str | None, tuple[str, ...]], str | None]
"""(Accept, the request body's media type or None, the types offered) -> the answer's media type;
None: none is acceptable (a 406)."""
FormReader = Callable[[bytes, str, dict], Any]
"""(body, charset, the body's schema) -> the form as data; raises InvalidInput for a form it refuses."""


def accept_only(accept: str | None, request_type: str | None, offered: tuple[str, ...]) -> str | None:
    """Negotiation on `Accept` alone (the request's own type plays no part), a 406 when it allows
    none of the offered types: what Connexion's users get."""
    return choose_media_type(accept, offered)


def no_binder(schema: dict) -> BodyBinder | None:
    """Bodies are read exactly as their schema says."""
    return None


@dataclass(frozen=True, slots=True)
class StackProfile:
    name: str
    """For people: the banner and the home page say it (`ASP.NET Web API 2`)."""
    negotiate: Negotiator = accept_only
    charset: str | None = None
    """Named in every answer's Content-Type (`; charset=utf-8`), or nothing."""
    binder: Callable[[dict], BodyBinder | None] = no_binder
    """A request body schema (refs resolved) -> its binder, or None where binding changes nothing."""
    read_form: FormReader | None = None
    """How form bodies are read; None: flat fields, as Connexion reads them."""
    xml: XmlConventions = OPENAPI_XML

    @property
    def binds_bodies(self) -> bool:
        """Whether request bodies are read otherwise than their schema says (binding or forms)."""
        return self.binder is not no_binder or self.read_form is not None

    def plain_bodies(self) -> StackProfile:
        """The same stack reading request bodies exactly as their schema says: `--strict`, and an
        operation the stack serves outside its body binding (`x-mockserver-binding: openapi`)."""
        if not self.binds_bodies:
            return self
        return dataclasses.replace(self, binder=no_binder, read_form=None)


PLAIN_OPENAPI = StackProfile("plain OpenAPI")
"""Connexion's meaning: Accept alone, flat forms, bodies as the schema says, XML as the `xml`
objects say and nothing more."""
