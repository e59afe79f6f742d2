"""Schemathesis extensions for the fake's specs, shared by the in-process suite and `mockserver contract`."""

from __future__ import annotations

from functools import cache
from typing import Any

import schemathesis

from mockserver import registry
from mockserver.engine.dispatch import WARNINGS_HEADER
from mockserver.engine.routes import Operation
from mockserver.engine.specs import route_table


@cache
def _operations() -> dict[tuple[str, str], Operation]:
    """Every registered provider's operations, by (spec title, operationId)."""
    operations: dict[tuple[str, str], Operation] = {}
    for provider in registry.discover():
        routes = route_table(provider.spec, "", profile=provider.profile)
        title = routes.spec["info"]["title"]
        operations.update({(title, op_id): op for op_id, op in routes.operations.items()})
    return operations


@schemathesis.deserializer("application/xml", "text/xml")
def deserialize_xml(ctx: Any, response: Any) -> Any:
    """Read XML answers with the spec's own `xml` objects; without a deserializer Schemathesis
    counts every XML answer as conforming, so XML would go unchecked."""
    title = ctx.operation.schema.raw_schema["info"]["title"]
    operation = _operations()[(title, ctx.operation.definition.raw["operationId"])]
    media_type = response.headers.get("content-type", ["application/xml"])[0].split(";")[0]
    schema = operation.response_schema(response.status_code, media_type)
    return operation.xml.loads(response.content, schema)


TEXT_BLIND_SPOTS = {"AcceptedNegativeData", "RejectedPositiveData"}


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Drop only what text bodies cannot express (XML and form bodies only) and what the fake forgave.

    Text cannot carry JSON's types: a generated "negative" `null` or number is serialised as text
    such as `<Sender>null</Sender>` or `Sender=None`, which is a valid string, so the fake rightly
    accepts it (AcceptedNegativeData); Schemathesis strips characters XML 1.0 cannot hold, so a
    "positive" one-character string can arrive empty, and it flattens a form's nested objects (an
    empty map becomes `Contacts[ContactID]=`), so valid data can arrive as something else and be
    rightly refused (RejectedPositiveData). Every other failure, and every failure of a JSON request,
    is kept. Negative data the fake
    marks as forgiven (`X-Mockserver-Warnings`) is the provider's own leniency, not a failure.
    """
    kind = type(failure).__name__
    if kind == "AcceptedNegativeData" and _forgiven(response):
        return False
    is_text_body = case.media_type is not None and (
        case.media_type.endswith("xml") or case.media_type == "application/x-www-form-urlencoded"
    )
    return not (is_text_body and kind in TEXT_BLIND_SPOTS)


def _forgiven(response: Any) -> bool:
    """The fake says it accepted this input only as the provider's real server forgives it (an
    unknown member, a name in the wrong case, a null, a zone-less date): a client warning, which the
    journal records, not a lapse in validation. Under `--strict` the fake forgives nothing."""
    headers = {name.lower(): values for name, values in (response.headers or {}).items()}
    return bool(headers.get(WARNINGS_HEADER.lower()))


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any]) -> dict[str, Any]:
    """Keep generated long polls short: a valid `wait` (0-60 s) stays valid, just brief; invalid
    values are left alone so negative tests still send them."""
    wait = query.get("wait") if query else None
    if isinstance(wait, int | float) and not isinstance(wait, bool) and 0 < wait <= 60:
        return {**query, "wait": 0.01}
    return query
