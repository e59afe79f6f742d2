"""Secrets never written anywhere by the proxy: every credential, token, key or password seen in a
request or an answer is remembered and replaced by a stable placeholder (`<secret-1>`) in all it
writes, and a last check refuses to write a file that still holds one.

What counts as a secret: the values of the spec's security schemes (the `Authorization` header, an
apiKey's header or query parameter), and every JSON member, form field, XML element or attribute,
header or query parameter whose name says it holds one (`state/masking.py`), in requests and
answers alike.
"""

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl

import ahocorasick
from lxml import etree

from mockserver.state.masking import SECRET_HEADERS, is_secret_name

MIN_LENGTH = 4
"""Shorter values are not tainted: replacing `1` or `true` everywhere would say nothing and hide a lot."""
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class SecretLeak(RuntimeError):
    """A file about to be written still holds a secret seen in the traffic (nothing was written)."""


class Taint:
    """The secret values seen so far, each with its placeholder."""

    def __init__(self, scheme_fields: Iterable[str] = ()) -> None:
        self._placeholders: dict[str, str] = {}
        self._fields = {name.lower() for name in scheme_fields} | set(SECRET_HEADERS)
        # Aho-Corasick: one pass over a text finds every secret, however many were seen (a regex
        # alternation of 10,000 secrets took 300 ms to compile at each new one; this 3 ms to build).
        self._automaton = ahocorasick.Automaton()
        self._stale = False

    def see_headers(self, headers: Mapping[str, str]) -> None:
        for name, value in headers.items():
            if name.lower() in self._fields or is_secret_name(name):
                scheme, _, rest = value.partition(" ")
                self.see(value)
                if rest and scheme.lower() in ("bearer", "basic"):
                    self.see(rest.strip())

    def see_query(self, query: str) -> None:
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name.lower() in self._fields or is_secret_name(name):
                self.see(value)

    def see_body(self, body: bytes) -> None:
        text = body.decode("utf-8", errors="replace")
        start = text.lstrip()[:1]
        if start in ("{", "["):
            with contextlib.suppress(ValueError, RecursionError):
                self._see_json(json.loads(text))
        elif start == "<":
            self._see_xml(body)
        elif "=" in text:
            self.see_query(text)

    def see(self, value: str) -> None:
        value = value.strip()
        if len(value) >= MIN_LENGTH and value not in self._placeholders:
            placeholder = self._placeholders[value] = f"<secret-{len(self._placeholders) + 1}>"
            # As a page shows it too (HTML-escaped), so a scrubbed page cannot hold it either.
            for form in {value, html.escape(value)}:
                self._automaton.add_word(form, (len(form), placeholder))
            self._stale = True

    def scrub(self, text: str) -> str:
        """`text` with every secret seen replaced by its placeholder (leftmost, then longest)."""
        if not self._placeholders:
            return text
        if self._stale:
            self._automaton.make_automaton()
            self._stale = False
        out, position = [], 0
        for end, (length, placeholder) in self._automaton.iter_long(text):
            out += [text[position : end + 1 - length], placeholder]
            position = end + 1
        return "".join(out) + text[position:] if out else text

    def scrub_bytes(self, data: bytes) -> bytes:
        """`scrub` over bytes (UTF-8; other bytes kept as they are)."""
        if not self._placeholders:
            return data
        return self.scrub(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def check_clean(self, text: str, where: str) -> None:
        """SecretLeak if `text` (about to be written to `where`) still holds a secret seen."""
        if self._placeholders and self.scrub(text) != text:
            raise SecretLeak(f"{where} would hold a secret seen in the traffic: not written")

    def _see_json(self, value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if is_secret_name(str(key)) and isinstance(item, str | int):
                    self.see(str(item))
                else:
                    self._see_json(item)
        elif isinstance(value, list):
            for item in value:
                self._see_json(item)

    def _see_xml(self, body: bytes) -> None:
        try:
            root = etree.fromstring(body, _XML)
        except (etree.XMLSyntaxError, ValueError):
            return
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for name, value in element.attrib.items():
                if is_secret_name(name):
                    self.see(value)
            if is_secret_name(element.tag) and element.text:
                self.see(element.text)
