"""operationId and security-function targets for openapi.yaml: validated request in, data out."""

from __future__ import annotations

from typing import Any

from acme_sms.model import Acme, Message
from mockserver.state.clock import isoformat


class AcmeHandlers:
    def __init__(self, model: Acme) -> None:
        self.model = model

    # Security functions (x-basicInfoFunc, x-apikeyInfoFunc); both schemes are required together.
    def check_account(self, username: str, password: str) -> dict[str, Any]:
        return {"account": self.model.authenticate(username, password)}

    def check_project_key(self, api_key: str) -> dict[str, Any]:
        return {"project": self.model.project(api_key)}

    def _caller(self, token_info: dict[str, Any]) -> Any:
        return self.model.caller(token_info["AccountAuth"]["account"], token_info["ProjectKey"]["project"])

    async def send_message(self, token_info: dict, body: dict) -> Any:
        message = self.model.send(self._caller(token_info), body["to"], body["from"], body["text"])
        return message_json(message), 201

    async def get_message(self, token_info: dict, message_id: str) -> Any:
        return message_json(self.model.message(self._caller(token_info), message_id))

    async def get_balance(self, token_info: dict) -> Any:
        account = self._caller(token_info)
        return {"account": account.sid, "credits": self.model.credits(account)}


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "to": message.to,
        "from": message.sender,
        "text": message.text,
        "segments": message.segments,
        "status": "delivered",
        "createdAt": isoformat(message.created_at),
    }
