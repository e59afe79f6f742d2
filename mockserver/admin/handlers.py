"""operationId targets for openapi/admin.yaml: the control plane, a client of one World."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockserver.engine.faults import FaultRule
from mockserver.errors import FixtureError, HttpProblem
from mockserver.fixtures import FixtureDocument, parse_document
from mockserver.state.clock import ClockOutOfRange, isoformat, parse_instant
from mockserver.state.delivery import FINAL_STATUSES, DeliveryStatus, Outcome
from mockserver.state.journal import JournalEntry
from mockserver.state.masking import MASK, SECRET_FIELDS
from mockserver.state.outbox import OutboxMessage, OutboxQuery
from mockserver.version import __version__
from mockserver.world import SnapshotLimit

if TYPE_CHECKING:
    from mockserver.world import World

MAX_WAIT_SECONDS = 60.0
SECRET_ATTRIBUTES = SECRET_FIELDS | {"key", "token"}
_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


class AdminError(HttpProblem):
    """A refused control-plane request; nothing changed."""

    def __init__(self, status: int, *lines: str) -> None:
        super().__init__(status, "; ".join(lines))
        self.lines = list(lines)


def done() -> dict[str, bool]:
    return {"ok": True}


class AdminHandlers:
    def __init__(self, world: World) -> None:
        self.world = world

    # -- state ------------------------------------------------------------------------------------
    async def health(self) -> Any:
        return {"status": "ok", "version": __version__, "listening": self.world.outbox.listening()}

    async def reset(self) -> Any:
        self.world.reset()
        return done()

    async def load_fixtures(self, body: Any, baseline: bool = True) -> Any:
        try:
            source = "request body"
            document = (
                parse_document(body, source)
                if isinstance(body, bytes | str)
                else FixtureDocument(source, body)
            )
            self.world.load([document], into_baseline=baseline)
        except FixtureError as exc:
            raise AdminError(400, *exc.lines) from None
        return done()

    async def dump_state(self) -> Any:
        tables = self.world.store.snapshot()
        return {
            name: [_plain(record) for record in rows.values()]
            for name, rows in sorted(tables.items())
            if not name.startswith("index:")  # indexes over other tables, not state of their own
        }

    async def take_snapshot(self, name: str) -> Any:
        try:
            self.world.snapshot(name)
        except SnapshotLimit as exc:
            raise AdminError(409, str(exc)) from None
        return done()

    async def list_snapshots(self) -> Any:
        return {"snapshots": sorted(self.world.snapshots)}

    async def delete_snapshot(self, name: str) -> Any:
        try:
            self.world.delete_snapshot(name)
        except KeyError:
            raise AdminError(404, f"There is no snapshot named {name!r}.") from None
        return done()

    async def restore_snapshot(self, name: str) -> Any:
        try:
            self.world.restore(name)
        except KeyError:
            raise AdminError(404, f"There is no snapshot named {name!r}.") from None
        return done()

    # -- outbox -----------------------------------------------------------------------------------
    async def list_outbox(
        self,
        provider: str | None = None,
        to: str | None = None,
        from_: str | None = None,
        contains: str | None = None,
        since: str | None = None,
        message_id: str | None = None,
        tenant: str | None = None,
        wait: float | None = None,
        disconnected: Callable[[], Awaitable[None]] | None = None,
    ) -> Any:
        accepts = OutboxQuery(
            provider=provider,
            to=to,
            sender=from_,
            contains=contains,
            since=_instant(since, "since"),
            message_id=message_id,
            owner=None if tenant is None else (lambda owner: self.world.tenant_of(owner) == tenant),
        )

        if not wait:
            return {"messages": [self._outbox_json(m) for m in self._matching(accepts)]}
        messages = await self._wait_for(accepts, min(wait, MAX_WAIT_SECONDS), disconnected)
        return {"messages": [self._outbox_json(m) for m in messages]}

    def _matching(self, accepts: Callable[[OutboxMessage], bool]) -> list[OutboxMessage]:
        return [m for m in self.world.outbox.messages() if accepts(m)]

    async def _wait_for(
        self,
        accepts: Callable[[OutboxMessage], bool],
        timeout: float,
        disconnected: Callable[[], Awaitable[None]] | None,
    ) -> list[OutboxMessage]:
        """Long poll: what already matches, else the first matching deliveries; gives up at the
        deadline or when the client leaves. Only deliveries its filter accepts wake it."""
        loop = asyncio.get_running_loop()
        arrived: list[OutboxMessage] = []
        woken = asyncio.Event()

        def deliver(message: OutboxMessage) -> None:
            loop.call_soon_threadsafe(lambda: (arrived.append(message), woken.set()))

        unsubscribe = self.world.outbox.subscribe(deliver, accepts)  # before the scan: none missed
        try:
            found = self._matching(accepts)
            if found:
                return found
            gone = asyncio.ensure_future(disconnected() if disconnected else asyncio.Event().wait())
            waiting = asyncio.ensure_future(woken.wait())
            await asyncio.wait({waiting, gone}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            gone.cancel()
            return arrived
        finally:
            unsubscribe()

    def _outbox_json(self, message: OutboxMessage) -> dict[str, Any]:
        return {
            "provider": message.provider,
            "from": message.sender,
            "to": message.to,
            "text": message.text,
            "sentAt": isoformat(message.sent_at),
            "messageId": message.message_id,
            "contactId": message.extra.get("contactId"),
            "tenant": self.world.tenant_of(message.extra.get("owner")),
            "delivery": self.world.delivery_of(message).as_json(isoformat),
        }

    async def set_delivery(self, body: dict[str, Any]) -> Any:
        """How one SMS ends: its final status, why, and how long after it went out."""
        status = DeliveryStatus(body["status"])
        if status not in FINAL_STATUSES:
            raise AdminError(400, f"status: give a final status ({', '.join(FINAL_STATUSES)}).")
        reason = body.get("reason") or f"Set by the control plane: {status.value}."
        outcome = Outcome(status, reason, _duration(body.get("after", 0), "after"))
        if outcome.after < timedelta(0):
            raise AdminError(400, "after: a delivery cannot settle before the SMS went out.")
        try:
            delivery = self.world.set_outcome(body["provider"], body["messageId"], body["to"], outcome)
        except LookupError as missing:
            raise AdminError(404, str(missing)) from None
        return delivery.as_json(isoformat)

    async def clear_outbox(self) -> Any:
        self.world.outbox.clear()
        return done()

    # -- journal ----------------------------------------------------------------------------------
    async def list_journal(
        self,
        provider: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        since: str | None = None,
        tenant: str | None = None,
        warned: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Any:
        after = _instant(since, "since")
        entries = [
            e
            for e in self.world.journal.entries()
            if (provider is None or e.provider == provider)
            and (method is None or e.method == method.upper())
            and (path is None or path in e.path)
            and (status is None or e.status == status)
            and (after is None or e.at >= after)
            and (tenant is None or e.tenant == tenant)
            and (warned is None or bool(e.warnings) == warned)
        ]
        return {
            "total": len(entries),
            "entries": [_journal_json(e) for e in entries[offset : offset + limit]],
        }

    async def clear_journal(self) -> Any:
        self.world.journal.clear()
        return done()

    # -- faults -----------------------------------------------------------------------------------
    async def list_faults(self) -> Any:
        return {"faults": [_fault_json(rule) for rule in self.world.faults.rules()]}

    async def add_fault(self, body: dict[str, Any]) -> Any:
        if not (
            body.get("status") is not None or body.get("delayMs") or body.get("drop") or body.get("dropAfter")
        ):
            raise AdminError(400, "A fault needs an action: status, delayMs, drop or dropAfter.")
        rule = FaultRule(
            id=self.world.ids.alphanumeric("fault", 8),
            provider=body.get("provider"),
            operation_id=body.get("operationId"),
            method=body.get("method"),
            path=body.get("path"),
            header=body.get("header", {}),
            body_field=body.get("bodyField", {}),
            status=body.get("status"),
            message=body.get("message"),
            delay_ms=body.get("delayMs", 0),
            drop=body.get("drop", False),
            drop_after=body.get("dropAfter", False),
            times=body.get("times"),
            probability=body.get("probability", 1.0),
            seed=body.get("seed"),
        )
        return _fault_json(self.world.faults.add(rule)), 201

    async def clear_faults(self) -> Any:
        self.world.faults.clear()
        return done()

    async def remove_fault(self, fault_id: str) -> Any:
        if not self.world.faults.remove(fault_id):
            raise AdminError(404, f"There is no fault rule {fault_id!r}.")
        return done()

    # -- clock ------------------------------------------------------------------------------------
    async def get_clock(self) -> Any:
        clock = self.world.clock
        return {"now": isoformat(clock.now()), "frozen": clock.frozen}

    async def set_clock(self, body: dict[str, Any]) -> Any:
        if len(body) != 1:
            raise AdminError(400, "Give exactly one of freeze, advance or unfreeze.")
        clock = self.world.clock
        try:
            if "freeze" in body:
                clock.freeze(None if body["freeze"] == "now" else _instant(body["freeze"], "freeze"))
            elif "advance" in body:
                clock.advance(_duration(body["advance"], "advance"))
            else:
                clock.unfreeze()
        except ClockOutOfRange as refused:
            raise AdminError(400, str(refused)) from None
        return await self.get_clock()

    # -- tenants ----------------------------------------------------------------------------------
    async def create_tenant(self) -> Any:
        return self.world.create_tenant(), 201


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        raise AdminError(400, f"{name}: {value!r} is not an ISO 8601 date-time.") from None


def _duration(value: object, name: str) -> timedelta:
    """ISO 8601 (`PT8H`, `P1DT30M`) or a number of seconds, possibly negative."""
    text = str(value).strip()
    try:
        try:
            return timedelta(seconds=float(text))
        except ValueError:
            pass
        match = _DURATION.match(text)
        if match is None or text in ("P", "PT"):
            raise AdminError(400, f"{name}: {value!r} is neither seconds nor an ISO 8601 duration like PT8H.")
        parts = {k: float(v) for k, v in match.groupdict().items() if v}
        return timedelta(**parts)
    except OverflowError:
        raise AdminError(400, f"{name}: {value!r} is longer than a duration can be.") from None


def _plain(value: Any, name: str = "") -> Any:
    """A record as JSON-ready data, secrets masked."""
    if name.lower() in SECRET_ATTRIBUTES and isinstance(value, str):
        return MASK  # not even its last characters
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        if name == "credentials":
            return [[u, MASK] for u, _ in value]
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, k) for k, v in value.items()}
    return value


def _journal_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        "at": isoformat(entry.at),
        "provider": entry.provider,
        "method": entry.method,
        "path": entry.path,
        "query": entry.request_query,
        "status": entry.status,
        "durationMs": entry.duration_ms,
        "tenant": entry.tenant,
        "requestHeaders": entry.request_headers,
        "requestBody": entry.request_body,
        "responseType": entry.response_type or None,
        "responseBody": entry.response_body,
        "warnings": [w.as_dict() for w in entry.warnings],
        **({"dropped": True} if entry.dropped else {}),
    }


def _fault_json(rule: FaultRule) -> dict[str, Any]:
    data = {
        "id": rule.id,
        "provider": rule.provider,
        "operationId": rule.operation_id,
        "method": rule.method,
        "path": rule.path,
        "header": dict(rule.header),
        "bodyField": dict(rule.body_field),
        "status": rule.status,
        "message": rule.message,
        "delayMs": rule.delay_ms,
        "drop": rule.drop,
        "dropAfter": rule.drop_after or None,
        "times": rule.times,
        "probability": rule.probability,
        "seed": rule.seed,
        "applied": rule.applied,
    }
    return {k: v for k, v in data.items() if v is not None}
