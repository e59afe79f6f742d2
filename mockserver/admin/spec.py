"""The control plane's spec: openapi/admin.yaml with the registered providers filled in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockserver import resources
from mockserver.providers.base import Provider

EMPTY_JSON_BODY = {
    "description": (
        "Nothing, or `{}`: a change to the fake either has no body (and no browser says it comes from "
        "another site) or declares JSON, so no other site's page can send one."
    ),
    "required": False,
    "content": {"application/json": {"schema": {"type": "object", "maxProperties": 0}}},
}


def admin_spec(providers: Iterable[Provider]) -> dict[str, Any]:
    """openapi/admin.yaml with the registered providers filled in: the `provider` enums and the
    tenant's credentials (one object per provider)."""
    spec = resources.load_yaml(resources.data_path("openapi", "admin.yaml").read_bytes())
    names = [p.name for p in providers]
    schemas = spec["components"]["schemas"]
    schemas["ProviderName"] = {"type": "string", "enum": names}
    for path_item in spec["paths"].values():
        for method, operation in path_item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                refusals = ["401", "403"] + ([] if method == "get" else ["400", "415"])
                for status in refusals:  # the guard's answers, whatever the operation
                    operation["responses"].setdefault(status, {"$ref": "#/components/responses/Error"})
                if method != "get" and "requestBody" not in operation:
                    operation["requestBody"] = EMPTY_JSON_BODY
    schemas["Tenant"]["required"] = ["id", *names]
    for name in names:
        schemas["Tenant"]["properties"][name] = {"type": "object", "additionalProperties": {"type": "string"}}
    return spec
