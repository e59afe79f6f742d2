"""`--har FILE`: the exchanges the proxy passed, masked, as HAR 1.2; and `mockserver proxy check
FILE.har`: each exchange of a HAR file re-validated offline against today's spec.

Secrets in a HAR are their placeholders (`secrets.py`), so `Authorization: Bearer <secret-2>` still
says a token was sent; a secret too short to taint is `****`. Bodies are kept whole up to
MAX_BODY_BYTES (a longer one is cut, and its check skipped); at most MAX_ENTRIES exchanges are kept.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mockserver.proxy.secrets import Taint
from mockserver.state.masking import MASK, SECRET_HEADERS, is_secret_name, mask_body
from mockserver.version import __version__

MAX_ENTRIES = 10_000
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as the proxy forwarded them (nothing masked yet)."""

    started: datetime
    duration_ms: float
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes


class HarWriter:
    def __init__(self, taint: Taint, target_path: str) -> None:
        self.taint, self.target_path = taint, target_path.rstrip("/")
        self.entries: list[Exchange] = []
        self.left_out = 0

    def add(self, exchange: Exchange) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            self.left_out += 1
            return
        self.entries.append(exchange)

    def document(self) -> dict[str, Any]:
        """Masked when written, so secrets seen after an exchange are masked in it too."""
        return {
            "log": {
                "version": "1.2",
                "creator": {"name": "mockserver proxy", "version": __version__},
                "_mockserverTargetPath": self.target_path,
                "_mockserverLeftOut": self.left_out,
                "entries": [self._entry(e) for e in self.entries],
            }
        }

    def write(self, path: str | Path) -> None:
        text = json.dumps(self.document(), indent=1, ensure_ascii=False) + "\n"
        self.taint.check_clean(text, str(path))
        Path(path).write_text(text, encoding="utf-8")

    def _entry(self, e: Exchange) -> dict[str, Any]:
        url = self.taint.scrub(e.url)
        request_type = e.request_headers.get("content-type", "")
        response_type = e.response_headers.get("content-type", "")
        request: dict[str, Any] = {
            "method": e.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": self._headers(e.request_headers),
            "queryString": [
                {"name": k, "value": self._value(k, v)}
                for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            ],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(e.request_body),
        }
        if e.request_body:
            request["postData"] = {"mimeType": request_type, **self._content(e.request_body, request_type)}
        return {
            "startedDateTime": e.started.isoformat(),
            "time": round(e.duration_ms, 3),
            "request": request,
            "response": {
                "status": e.status,
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "headers": self._headers(e.response_headers),
                "cookies": [],
                "content": {
                    "size": len(e.response_body),
                    "mimeType": response_type,
                    **self._content(e.response_body, response_type),
                },
                "redirectURL": e.response_headers.get("location", ""),
                "headersSize": -1,
                "bodySize": len(e.response_body),
            },
            "cache": {},
            "timings": {"send": 0, "wait": round(e.duration_ms, 3), "receive": 0},
        }

    def _headers(self, headers: Mapping[str, str]) -> list[dict[str, str]]:
        return [{"name": k, "value": self._value(k, v)} for k, v in headers.items()]

    def _value(self, name: str, value: str) -> str:
        scrubbed = self.taint.scrub(value)
        secret = name.lower() in SECRET_HEADERS or is_secret_name(name)
        return MASK if secret and scrubbed == value and value else scrubbed

    def _content(self, body: bytes, content_type: str) -> dict[str, Any]:
        cut = body[:MAX_BODY_BYTES]
        scrubbed = self.taint.scrub_bytes(cut)
        masked = mask_body(scrubbed, content_type.lower(), 4 * len(scrubbed) + 64)  # a short secret too
        extra = {"_mockserverCut": True} if len(body) > MAX_BODY_BYTES else {}
        try:
            text = masked if masked is not None else scrubbed.decode("utf-8")
            return {"text": text, **extra}
        except UnicodeDecodeError:
            return {"text": base64.b64encode(scrubbed).decode(), "encoding": "base64", **extra}


@dataclass(frozen=True)
class HarEntry:
    method: str
    path: str
    query: bytes
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_type: str
    response_body: bytes
    cut: bool


def read_har(path: str | Path, base_path: str | None = None) -> Iterator[HarEntry]:
    """A HAR file's exchanges, paths relative to the target (`base_path`, else the one the proxy
    wrote, else none). ValueError when it is not a HAR."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise ValueError(f"{path} is not a HAR file (no log.entries)")
    prefix = (base_path if base_path is not None else log.get("_mockserverTargetPath", "")).rstrip("/")
    for entry in log["entries"]:
        request, response = entry["request"], entry["response"]
        url = urlsplit(request["url"])
        route = url.path[len(prefix) :] if prefix and url.path.startswith(prefix) else url.path
        posted = request.get("postData") or {}
        content = response.get("content") or {}
        yield HarEntry(
            method=request["method"].upper(),
            path=route or "/",
            query=url.query.encode("latin-1", "replace"),
            request_headers={h["name"].lower(): h["value"] for h in request.get("headers", ())},
            request_body=_body(posted),
            status=int(response["status"]),
            response_type=content.get("mimeType", ""),
            response_body=_body(content),
            cut=bool(posted.get("_mockserverCut") or content.get("_mockserverCut")),
        )


def _body(content: Mapping[str, Any]) -> bytes:
    text = content.get("text") or ""
    return base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8")
