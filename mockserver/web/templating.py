"""Jinja2 templates for the web pages (and for pages a provider contributes), with the SMS filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from mockserver.state.clock import isoformat
from mockserver.state.outbox import LINK, OTP

TEMPLATES = Path(__file__).resolve().parent / "templates"


def sms_html(text: str) -> Markup:
    """The SMS text, escaped, with links made links and numeric codes highlighted (with a copy button)."""
    out, position = [], 0
    spans = sorted([(m.start(), m.end(), "link") for m in LINK.finditer(text)])
    spans += [(m.start(1), m.end(1), "otp") for m in OTP.finditer(text) if not _inside(m.start(1), spans)]
    for start, end, kind in sorted(spans):
        out.append(escape(text[position:start]))
        piece = text[start:end]
        if kind == "link":
            out.append(Markup('<a href="{0}">{0}</a>').format(piece))
        else:
            out.append(
                Markup(
                    '<span class="otp">{0}</span><button class="copy secondary" data-code="{0}" '
                    'title="copy the code">copy</button>'
                ).format(piece)
            )
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def _inside(index: int, spans: list[tuple[int, int, str]]) -> bool:
    return any(start <= index < end for start, end, _ in spans)


def pretty(body: str | None, content_type: str = "") -> str:
    """A JSON or XML body indented for reading; anything else as it is."""
    if not body:
        return ""
    if "json" in content_type:
        try:
            return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        except ValueError:
            return body
    if "xml" in content_type and "<!DOCTYPE" not in body.upper():  # a DOCTYPE is shown as it came
        from lxml import etree

        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            return etree.tostring(etree.fromstring(body.encode(), parser), pretty_print=True).decode()
        except (etree.XMLSyntaxError, ValueError):
            return body
    return body


def shown_instant(instant: datetime) -> Markup:
    """An instant for people: `2026-06-01 09:00:05 UTC`, to the second, the exact ISO 8601 text
    (what the APIs answer) in its tooltip."""
    exact = isoformat(instant)
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(
        exact, instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    )


class Pages:
    """Renders templates from `directories` first, then the web pages' own."""

    def __init__(self, *directories: Path) -> None:
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader([*map(str, directories), str(TEMPLATES)])]),
            autoescape=select_autoescape(["html"]),
        )
        self.env.filters.update(sms=sms_html, pretty=pretty, instant=shown_instant)

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(request=request, **context)
        return HTMLResponse(html, status_code=status)
