"""operationId targets for openapi/jframework.yaml: validated request in, envelope out."""

from __future__ import annotations

from typing import Any

from mockserver.providers.jframework import envelope
from mockserver.providers.jframework.model import Caller, JFramework, TestMessage

REJECTED_CREDENTIALS = "The SMS provider rejected the credentials."
READ_METHODS = frozenset({"GET", "HEAD"})


def _caller(token_info: dict[str, Any]) -> Caller:
    return token_info["AuthKey"]["caller"]


class JFrameworkHandlers:
    """Bound to one model, so several servers can live in one process."""

    def __init__(self, model: JFramework) -> None:
        self.model = model

    # Security functions named by `x-apikeyInfoFunc` (both schemes are required together).
    def check_brand_url(self, api_key: str) -> dict[str, Any]:
        return {"brand": self.model.authenticate_brand(api_key)}

    def check_auth_key(self, api_key: str, request: Any) -> dict[str, Any]:
        """The key, for its brand; a viewer's key on a write is a 403 here, before the body is
        checked (J3: who may do it comes before what was sent)."""
        caller = self.model.authenticate(request.headers.get("brand-url", ""), api_key)
        if request.method not in READ_METHODS:
            self.model.require_admin(caller)
        return {"caller": caller}

    async def list_app_integrations(
        self,
        token_info: dict,
        type_: str | None = None,
        status: str | None = None,
        keywords: str | None = None,
    ) -> Any:
        entries = self.model.catalogue(type=type_, status=status, keywords=keywords)
        return envelope.ok([envelope.integration_json(e) for e in entries])

    async def list_sms_settings(self, token_info: dict) -> Any:
        views = self.model.list_settings(_caller(token_info))
        return envelope.ok([envelope.setting_json(v) for v in views])

    async def get_sms_setting(self, token_info: dict, id_: str) -> Any:
        return envelope.ok(envelope.setting_json(self.model.get_setting(_caller(token_info), id_)))

    async def create_sms_setting(self, token_info: dict, body: dict) -> Any:
        view = self.model.create_setting(_caller(token_info), body)
        return envelope.ok(envelope.setting_json(view), status=201)

    async def update_sms_setting(self, token_info: dict, id_: str, body: dict) -> Any:
        view = self.model.update_setting(_caller(token_info), id_, body)
        return envelope.ok(envelope.setting_json(view))

    async def delete_sms_setting(self, token_info: dict, id_: str) -> Any:
        self.model.delete_setting(_caller(token_info), id_)
        return envelope.ok(True)

    async def send_sms_test(self, token_info: dict, app_integration_id: str, body: dict) -> Any:
        message = TestMessage(
            username=body["username"],
            password=body["password"],
            sender=body["phoneNumberFrom"],
            to=body["phoneNumberTo"],
            text=body["message"],
        )
        if self.model.send_test(_caller(token_info), app_integration_id, message):
            return envelope.ok(True)
        return envelope.ok(False, message=REJECTED_CREDENTIALS)
