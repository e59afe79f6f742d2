"""Message templates (T27): stored per account, and filled into a send's content.

A template's text holds numbered placeholders, `{1}`, `{2}`, ..., filled from a send's
`Template.PlaceHolders` (keys are the numbers as strings, as Json.NET writes an int-keyed map).
`{{` and `}}` are literal braces, as in .NET's composite format strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockserver.providers.twosms.addressbook import no_id
from mockserver.providers.twosms.errors import InvalidRequest, TemplateIdTaken, TemplateNotFound
from mockserver.providers.twosms.records import TEMPLATES, Caller, Template
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.store import Store, Transaction, evolve

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d{1,3})\}")


TEMPLATE_TYPES = ("RECIPIENT_CODE", "SMS", "EMAIL", "SMSPLUS")
"""TemplateType by number: the docs name only RECIPIENT_CODE (0); the others are the fake's reading of
the help text."""


def template_type(value: object, field: str) -> int:
    """JSON sends the number, XML the upper-case name (T7)."""
    if isinstance(value, str) and value in TEMPLATE_TYPES:
        return TEMPLATE_TYPES.index(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(TEMPLATE_TYPES):
        return value
    raise InvalidRequest(f"{value!r} is not a TemplateType", field=field)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{n}` replaced by `values["n"]`; a placeholder without a value is a 400
    naming it (nothing is sent), a value no placeholder uses is left unused."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        number = str(int(match.group(1)))  # "{01}" is placeholder 1, as String.Format reads it
        if number not in values:
            raise InvalidRequest(
                f"The template's placeholder {token} has no value in PlaceHolders.",
                field=f"/Template/PlaceHolders/{number}",
            )
        return values[number]

    return PLACEHOLDER.sub(replace, text)


def template_of(tx: Transaction, account_id: str, template_id: str, field: str) -> Template:
    template: Template | None = tx.get(TEMPLATES, str(template_id).lower())
    if template is None or template.account_id != account_id:
        raise TemplateNotFound(f"No template {template_id} in this account.", field=field)
    return template


def filled_content(tx: Transaction, caller: Caller, info: Mapping[str, Any]) -> str:
    """The content a send's `Template` makes: the template's text, filled."""
    template = template_of(tx, caller.account_id, info["ID"], "/Template/ID")
    return fill(template.text, info.get("PlaceHolders") or {})


class Templates:
    """Every account's templates, over the shared store."""

    def __init__(self, store: Store, clock: Clock, ids: IdGenerator) -> None:
        self.store, self.clock, self.ids = store, clock, ids

    def save(self, caller: Caller, body: Mapping[str, Any]) -> Template:
        """A new template (the empty GUID asks for a fresh id), or the caller's own one replaced."""
        now = self.clock.now()
        kind = template_type(body["Type"], "/Type")
        with self.store.transaction() as tx:
            given = body["TemplateID"]
            template_id = self.ids.uuid("twosms.template") if no_id(given) else str(given).lower()
            current: Template | None = tx.get(TEMPLATES, template_id)
            if current is not None and current.account_id != caller.account_id:
                raise TemplateIdTaken(
                    f"The template id {given} is taken; send the empty GUID for a new one.",
                    field="/TemplateID",
                )
            fresh = Template(
                template_id, caller.account_id, body["Name"], kind, body["TemplateText"], now, now
            )
            saved = fresh if current is None else evolve(fresh, created=current.created)
            tx.put(TEMPLATES, template_id, saved)
        return saved

    def get(self, caller: Caller, template_id: str) -> Template:
        with self.store.transaction() as tx:
            return template_of(tx, caller.account_id, template_id, "templateID")
