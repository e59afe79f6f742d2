"""operationId targets for openapi/twosms.yaml: validated request in, envelope data out (the engine
renders it as JSON or XML, whichever was negotiated)."""

from __future__ import annotations

from typing import Any

from mockserver.engine.render import json_response
from mockserver.providers.twosms import envelope
from mockserver.providers.twosms.addressbook import AddressBook, ContactPage, GroupSummary
from mockserver.providers.twosms.model import TwoSms
from mockserver.providers.twosms.records import Caller, Contact, MessageView, SmsTransaction
from mockserver.providers.twosms.report_views import (
    message_report_json,
    planned_json,
    reply_json,
    report_filter,
    responder_json,
    said_json,
    sorted_paging,
    template_json,
)
from mockserver.providers.twosms.reports import Paging, Reports
from mockserver.providers.twosms.schedules import PlannedKind
from mockserver.providers.twosms.templates import Templates
from mockserver.state.clock import dotnet_isoformat

PLANNED_FILTERS = {
    "Reference": "filterreference",
    "Destination": "filterdestination",
    "Range": "filterrange",
    "StartDate": "filterstart_date",
    "EndDate": "filterend_date",
}
"""The pending report's `filter.*` query names (Connexion's pythonic forms), as the cancel body's."""


class TwoSmsHandlers:
    """Bound to one model, so several servers can live in one process."""

    def __init__(self, model: TwoSms, book: AddressBook, templates: Templates, reports: Reports) -> None:
        self.model = model
        self.book = book
        self.templates = templates
        self.reports = reports

    def _caller(self, token_info: dict[str, Any]) -> Caller:
        return token_info["caller"]

    def tick(self) -> None:
        """Time moved: deliver what is due (tokens and messages expire by themselves)."""
        self.model.deliver_due()

    # Security function named by `x-bearerInfoFunc`.
    def check_token(self, token: str) -> dict[str, Any]:
        return {"caller": self.model.authenticate(token)}

    # Security function named by `x-basicInfoFunc` (`/Token` only).
    def basic_client(self, client_id: str, client_secret: str) -> dict[str, str]:
        """HTTP Basic client credentials are checked with the form's, by the token request itself."""
        return {"client_id": client_id, "client_secret": client_secret}

    async def issue_token(self, body: dict[str, Any], token_info: dict[str, str]) -> Any:
        # HTTP Basic wins over the form, as the usual Katana provider reads them (basic, then form).
        credentials = token_info or body
        token = self.model.issue_token(
            body["grant_type"], credentials.get("client_id"), credentials.get("client_secret")
        )
        answer = {"access_token": token.token, "token_type": "bearer", "expires_in": 28800}
        return json_response(answer, 200, envelope.TOKEN_HEADERS)

    async def send_message(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        result = self.model.send(caller, body)
        return envelope.success(transaction_json(result), caller.client_id)

    async def send_to_groups(self, token_info: dict, body: dict) -> Any:
        """A standard send to the groups' contacts (T25): the send's rules, recipients and answer."""
        caller = self._caller(token_info)
        result = self.model.send_to_groups(caller, body["Groups"], body["Text"])
        return envelope.success(transaction_json(result), caller.client_id)

    async def send_standard(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        return envelope.success(transaction_json(self.model.send_standard(caller, body)), caller.client_id)

    async def add_recurring(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        return envelope.success(transaction_json(self.model.add_recurring(caller, body)), caller.client_id)

    async def cancel_pendings(self, token_info: dict, body: dict) -> Any:
        return self._cancelled(token_info, body, PlannedKind.PENDING)

    async def cancel_recurrings(self, token_info: dict, body: dict) -> Any:
        return self._cancelled(token_info, body, PlannedKind.RECURRING)

    def _cancelled(self, token_info: dict, body: dict, kind: PlannedKind) -> Any:
        caller = self._caller(token_info)
        ids = self.model.cancel(caller, body, kind)
        return envelope.success({"NoOfMessages": str(len(ids)), "MessageIDs": ids}, caller.client_id)

    async def update_message(self, token_info: dict, message_id: str, body: dict) -> Any:
        caller = self._caller(token_info)
        result = self.model.update(caller, message_id, body)
        return envelope.success(transaction_json(result), caller.client_id)

    async def view_message(self, message_id: str, contact_id: str) -> Any:
        view = self.model.view(message_id, contact_id)
        return envelope.success(view_json(view), view.recipient.mobile)

    async def post_reply(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        message = self.model.reply(caller, body)
        return envelope.success({"MessageID": message.id}, caller.client_id)

    async def expire_messages(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        count = self.model.expire(caller, body)
        return envelope.success({"NoOfMessages": str(count)}, caller.client_id)

    async def get_account(self, token_info: dict) -> Any:
        caller = self._caller(token_info)
        account = self.model.account(caller)
        detail = {
            "AccountID": account.id,
            "Name": account.name,
            "AnyTimeBalance": account.credits,
            "OffPeakBalance": account.off_peak_credits,
            "TwoFactorEnabled": False,
        }
        return envelope.success(detail, caller.client_id)

    # -- the address book (T19-T24) -----------------------------------------------------------------
    async def add_contacts(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        added = self.book.add_contacts(caller, body["contacts"], body.get("GroupID"))
        return envelope.success([contact_json(c) for c in added], caller.client_id)

    # Argument names are Connexion's pythonic forms of the query names (`paging.Page` -> `pagingpage`).
    async def list_contacts(
        self,
        token_info: dict,
        pagingpage: int = 1,
        pagingno_of_records: int = 50,
        inheritance: bool | None = None,  # checked, changes nothing: no sub-accounts in the fake (T21)
        sortfield: int = 0,
        sortdirection: int = 0,
    ) -> Any:
        caller = self._caller(token_info)
        page = self.book.contacts(caller, pagingpage, pagingno_of_records, sortfield, sortdirection)
        return envelope.success(page_json(page), caller.client_id)

    async def delete_contacts(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        count = self.book.delete_contacts(caller, body.get("All", False), body.get("Contacts") or [])
        return envelope.success({"NoOfContacts": str(count)}, caller.client_id)

    async def list_groups(
        self, token_info: dict, count: int = 50, start_index: int = 0, summary: bool = False
    ) -> Any:
        caller = self._caller(token_info)
        groups, total = self.book.groups(caller, count, start_index)
        detail = {"TotalRecords": total, "Groups": [group_json(g, summary) for g in groups]}
        return envelope.success(detail, caller.client_id)

    async def create_group(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        group = self.book.create_group(caller, body["GroupName"], body.get("ParentGroupID"))
        return envelope.success({"GroupName": group.name, "GroupID": group.id}, caller.client_id)

    async def list_group_contacts(
        self,
        token_info: dict,
        group_id: str,
        no_of_records_per_page: int = 50,
        page: int = 1,
        field: int = 0,
        direction: int = 0,
    ) -> Any:
        caller = self._caller(token_info)
        found = self.book.group_contacts(caller, group_id, page, no_of_records_per_page, field, direction)
        return envelope.success(page_json(found), caller.client_id)

    async def add_to_group(self, token_info: dict, group_id: str, body: dict) -> Any:
        caller = self._caller(token_info)
        count = self.book.add_to_group(caller, group_id, body.get("All", False), body.get("Contacts") or [])
        return envelope.success({"NoOfContacts": str(count)}, caller.client_id)

    # -- templates (T27) and reports (T28) ------------------------------------------------------------
    async def create_template(self, token_info: dict, body: dict) -> Any:
        caller = self._caller(token_info)
        return envelope.success(template_json(self.templates.save(caller, body)), caller.client_id)

    async def get_template(self, token_info: dict, template_id: str) -> Any:
        caller = self._caller(token_info)
        return envelope.success(template_json(self.templates.get(caller, template_id)), caller.client_id)

    # The query's names are Connexion's pythonic forms (`filter.ReadStatus` -> `filterread_status`).
    async def report_messages(
        self,
        token_info: dict,
        pagingpage: int,
        pagingno_of_records: int,
        sortfield: int | None = None,
        sortascending_descending: bool = False,
        **filters: Any,
    ) -> Any:
        caller = self._caller(token_info)
        paging = sorted_paging(pagingpage, pagingno_of_records, sortfield, sortascending_descending)
        found = self.reports.messages(caller, report_filter(filters), paging)
        return envelope.success([message_report_json(r) for r in found], caller.client_id)

    async def report_pending(
        self,
        token_info: dict,
        pagingpage: int,
        pagingno_of_records: int,
        filtertype: int | None = None,
        **filters: Any,
    ) -> Any:
        caller = self._caller(token_info)
        kind = None if filtertype is None else PlannedKind(filtertype)
        criteria = {name: filters.get(key) for name, key in PLANNED_FILTERS.items()}
        found = self.reports.planned(caller, kind, criteria, Paging(pagingpage, pagingno_of_records))
        return envelope.success([planned_json(p) for p in found], caller.client_id)

    async def report_responses(
        self,
        token_info: dict,
        message_id: str,
        pagingpage: int,
        pagingno_of_records: int,
        sortfield: int | None = None,
        sortascending_descending: bool = False,
        **filters: Any,
    ) -> Any:
        caller = self._caller(token_info)
        paging = sorted_paging(pagingpage, pagingno_of_records, sortfield, sortascending_descending)
        given = report_filter(filters, status_is_response=True)
        found = self.reports.responders(caller, message_id, given, paging)
        return envelope.success([responder_json(message_id.lower(), r) for r in found], caller.client_id)

    async def report_conversation(self, token_info: dict, message_id: str, recipient: str) -> Any:
        caller = self._caller(token_info)
        message, said = self.reports.conversation(caller, message_id, recipient)
        return envelope.success([said_json(message.id, r) for r in said], caller.client_id)


def contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "PersonNumber": contact.person_number,
        "FirstName": contact.first_name,
        "LastName": contact.last_name,
        "MobilePhone": contact.mobile,
        "EmailAddress": contact.email,
        "LoginType": contact.login_type,
        "Validated": contact.validated,
        "DateCreated": dotnet_isoformat(contact.created) if contact.created else None,
        "OwnerAccountID": contact.account_id,
    }


def page_json(page: ContactPage) -> dict[str, Any]:
    return {
        "Page": page.page,
        "NoOfRecords": page.per_page,
        "TotalRecords": page.total,
        "Contacts": [contact_json(c) for c in page.contacts],
    }


def group_json(summary: GroupSummary, brief: bool) -> dict[str, Any]:
    group = summary.group
    shown: dict[str, Any] = {"GroupID": group.id, "GroupName": group.name, "ParentGroupID": group.parent_id}
    if not brief:
        shown |= {"NoOfContacts": summary.contacts, "NoOfSubGroups": summary.subgroups}
    return shown


def transaction_json(result: SmsTransaction) -> dict[str, str]:
    """SmsTransaction: every value a string, as the docs show."""
    return {
        "MessageID": result.message.id,
        "NoOfContacts": str(result.contacts),
        "NoOfQuickRecipients": str(result.quick_recipients),
        "NoOfSMS": str(result.sms),
        "NoOfEmails": str(result.emails),
        "PreTransaction": str(result.credits_before),
        "PostTransaction": str(result.credits_after),
        "CreditsUsed": str(result.credits_used),
        "MessageText": result.message.content,
    }


def view_json(view: MessageView) -> dict[str, Any]:
    message, recipient = view.message, view.recipient
    limit = message.response_limit
    replies = [r for r in message.replies if r.sender == recipient.mobile]
    return {
        "Contact": recipient.mobile,
        "DateTimeExpiry": dotnet_isoformat(message.expiry) if message.expiry else None,
        "DateTimeSent": dotnet_isoformat(message.sent_at or message.date_to_send),
        "Disclaimer": "",
        "Flagger": False,
        "From": message.sender,
        "LogoURL": "",
        "Message": message.content,
        "MessageId": message.id,
        "ReadsRemaining": "Unlimited" if view.reads_remaining is None else str(view.reads_remaining),
        "Responses": [reply_json(message.id, r) for r in replies],
        "ResponseEnabled": limit is None or limit > 0,
        "ResponseLimitReached": limit is not None and len(replies) >= limit,
        "To": recipient.mobile,
    }
