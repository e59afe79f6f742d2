"""Every curl example in the README works as written against a fresh `mockserver serve`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mockserver import MockServer

README = Path(__file__).resolve().parents[1] / "README.md"
SERVE_URL = "http://127.0.0.1:8080"


def curl_examples() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [b for b in blocks if b.lstrip().startswith("curl")]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_curl_examples_work_in_order_against_the_default_server():
    examples = curl_examples()
    assert len(examples) >= 8
    with MockServer(seed=0) as server:  # what `make serve` runs: default fixtures, seed 0
        results = []
        for example in examples:
            command = example.replace(SERVE_URL, server.url)
            out = subprocess.run(
                ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=True
            )
            results.append(json.loads(out.stdout))
    *successes, error = results
    for example, envelope in zip(examples, successes, strict=False):
        assert envelope["success"] is True, (example, envelope)
    assert error["statusCode"] == 400
    assert {e["details"] for e in error["errors"]} >= {"/name", "/phoneNumber"}
    created = next(r["data"] for r in successes if r["statusCode"] == 201)
    assert created["id"] == "Ww2zTDWxbuOtLill9U"  # the id the README promises
