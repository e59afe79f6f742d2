"""proxy/secrets.py: every secret seen is replaced by a stable placeholder in what is written."""

from __future__ import annotations

import pytest

from mockserver.proxy.secrets import SecretLeak, Taint


def test_secrets_from_headers_queries_and_bodies_get_stable_placeholders():
    taint = Taint(["auth-key"])
    taint.see_headers({"auth-key": "key-123", "authorization": "Bearer tok-456", "x-other": "visible"})
    taint.see_query("client_secret=sec-789&page=2")
    taint.see_body(b'{"data": {"password": "pw-abc", "name": "Main"}}')
    taint.see_body(b"<r><AuthKey><![CDATA[xml-key]]></AuthKey><x token_not='1'/></r>")
    taint.see_body(b"Options%5BPassword%5D=form-pw&Content=hi")
    text = "key-123 tok-456 sec-789 pw-abc xml-key form-pw visible Main 2 key-123"
    assert taint.scrub(text) == (
        "<secret-1> <secret-3> <secret-4> <secret-5> <secret-6> <secret-7> visible Main 2 <secret-1>"
    )


def test_short_values_are_not_tainted_and_a_file_holding_a_secret_is_refused():
    taint = Taint()
    taint.see("ab")
    assert taint.scrub("ab") == "ab"
    taint.see("long-enough")
    with pytest.raises(SecretLeak, match=r"report\.json would hold a secret"):
        taint.check_clean("... long-enough ...", "report.json")
    taint.check_clean("nothing here", "report.json")
