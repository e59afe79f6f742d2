"""How reports and templates look on the wire (the spec's Report, MessageResponseSummary,
MessageResponse and Template): JSON-ready data, the engine writes XML from the same."""

from __future__ import annotations

from typing import Any

from mockserver.providers.twosms.records import RecurrenceEnd, Reply, Template
from mockserver.providers.twosms.reports import (
    MessageReport,
    Paging,
    RecipientReport,
    ReportFilter,
    Seen,
    SortField,
)
from mockserver.providers.twosms.schedules import PlannedSend
from mockserver.providers.twosms.values import parse_instant
from mockserver.state.clock import dotnet_isoformat
from mockserver.state.delivery import DeliveryStatus

DELIVERY_NUMBERS = {status: number for number, status in enumerate(DeliveryStatus)}
"""DeliveryStatus in the order the spec numbers it: QUEUED 0 ... UNDELIVERABLE 4."""


def report_filter(query: dict[str, Any], status_is_response: bool = False) -> ReportFilter:
    """The `filter.*` query parameters, by Connexion's pythonic names (`filter.ReadStatus` ->
    `filterread_status`); the responses report's `filter.Status` is a StatusResponse."""
    status = query.get("filterstatus") or 0
    return ReportFilter(
        user=query.get("filteruser"),
        status=0 if status_is_response else status,
        read=Seen(query.get("filterread_status") or 0),
        responses=Seen(status if status_is_response else query.get("filterread_response_status") or 0),
        start=_instant(query.get("filterstart_date"), "filter.StartDate"),
        end=_instant(query.get("filterend_date"), "filter.EndDate"),
        custom_range=query.get("filterrange") == 1,
        destination=query.get("filterdestination"),
        reference=query.get("filterreference"),
    )


def _instant(value: str | None, field: str) -> Any:
    return parse_instant(value, field) if value else None


def sorted_paging(page: int, per_page: int, field: int | None, ascending: bool) -> Paging:
    """`paging.*` and `sort.*`: SortField 0 DATE when none is given, descending unless asked."""
    return Paging(page, per_page, SortField(field or 0), ascending)


def recipient_json(report: RecipientReport) -> dict[str, Any]:
    delivery = report.delivery
    return {
        "Contact": report.recipient.mobile,
        "PersonNumber": report.recipient.person_number,
        "NoOfReads": report.recipient.reads,
        "NoOfResponses": len(report.responses),
        "DeliveryStatus": DELIVERY_NUMBERS[delivery.status],
        "DeliveryReason": delivery.reason or None,
        "DeliveryDate": dotnet_isoformat(delivery.since) if delivery.since else None,
    }


def message_report_json(report: MessageReport) -> dict[str, Any]:
    message = report.message
    return {
        "DateSent": dotnet_isoformat(message.sent_at or message.date_to_send),
        "MessageID": message.id,
        "NoofContacts": len(report.recipients),
        "NoofReads": report.reads,
        "NoofResponses": report.responses,
        "NoofUnreadResponses": report.unread,
        "Reference": message.reference,
        "Sender": message.sender,
        "Content": message.content,
        "ExpiryDate": dotnet_isoformat(message.expiry) if message.expiry else None,
        "Status": 2 if report.expired else 1,
        "Recipients": [recipient_json(r) for r in report.recipients],
    }


def responder_json(message_id: str, report: RecipientReport) -> dict[str, Any]:
    last = max(report.responses, key=lambda r: r.inserted)
    return {
        "MessageID": message_id,
        "Recipient": report.recipient.mobile,
        "PersonNumber": report.recipient.person_number,
        "NoOfReads": report.recipient.reads,
        "NoOfResponses": len(report.responses),
        "NoOfUnreadResponses": report.unread,
        "LastResponse": last.text,
        "LastResponseDate": dotnet_isoformat(last.inserted),
    }


def reply_json(message_id: str, reply: Reply) -> dict[str, Any]:
    """A MessageResponse, as the recipient view lists them."""
    return {
        "MessageID": message_id,
        "From": reply.sender,
        "DateInsert": dotnet_isoformat(reply.inserted),
        "Response": reply.text,
        "SenderSent": reply.sender_sent,
    }


def said_json(message_id: str, reply: Reply) -> dict[str, Any]:
    """One line of a conversation: a MessageResponse, with when the account read it."""
    said = reply_json(message_id, reply)
    if reply.read_at is not None:
        said["DateRead"] = dotnet_isoformat(reply.read_at)
    return said


def template_json(template: Template) -> dict[str, Any]:
    return {
        "TemplateID": template.id,
        "Name": template.name,
        "Type": template.type,
        "TemplateText": template.text,
        "DateCreated": dotnet_isoformat(template.created),
        "DateModified": dotnet_isoformat(template.modified),
    }


def planned_json(planned: PlannedSend) -> dict[str, Any]:
    """A PendingRecurringMessage: a queued message, or a recurring send with its pattern and count."""
    shown: dict[str, Any] = {
        "MessageID": planned.id,
        "Type": planned.kind.value,
        "DateToSend": dotnet_isoformat(planned.next_at),
        "Reference": planned.reference,
        "Sender": planned.sender,
        "Content": planned.content,
        "NoOfContacts": len(planned.recipients),
    }
    schedule = planned.schedule
    if schedule is not None:
        shown |= {
            "RecurrenceRange": schedule.end.value,
            "PatternScheduleDays": sum(1 << ((day + 1) % 7) for day in schedule.days),
            "OccurrencesSent": schedule.sent,
            "OccurrencesMissed": schedule.missed,
        }
        if schedule.end is RecurrenceEnd.END_AFTER and schedule.occurrences is not None:
            shown["OccurrencesLeft"] = schedule.occurrences - schedule.sent - schedule.missed
        if schedule.end is RecurrenceEnd.END_BY and schedule.last_date is not None:
            shown["LastDate"] = dotnet_isoformat(schedule.last_date)
    return shown
