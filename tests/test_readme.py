"""Every example in the README works as written, in order, against a fresh `mockserver serve`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import xmltodict

from mockserver import MockServer

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SERVE_URL = "http://127.0.0.1:8080"
DELIMITER = "=====README-EXAMPLE====="


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 3)
    return text[start : end if end != -1 else None]


def examples(text: str | None = None) -> list[tuple[str, str]]:
    """(the paragraph before, the shell block) for every ```sh block that runs curl, in the
    provider example sections unless `text` is given."""
    if text is None:
        text = section("JFramework examples") + section("2SMS examples")
    found = re.findall(r"([^\n]*(?:\n[^\n`]+)*)\n\n```sh\n(.*?)```", text, flags=re.DOTALL)
    return [(intro.strip(), block) for intro, block in found if "curl" in block]


def run_in_one_shell(blocks: list[str], url: str) -> list[str]:
    script = "".join(f"echo '{DELIMITER}'\n{block.replace(SERVE_URL, url)}\necho\n" for block in blocks)
    out = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return [chunk.strip() for chunk in out.stdout.split(DELIMITER)[1:]]


def parsed(output: str) -> dict:
    if output.startswith("<"):
        [(root, body)] = xmltodict.parse(output).items()
        assert root.startswith("ResponseOf")
        return {"Error": body.get("Error"), "ResponseData": body.get("ResponseData")}
    return json.loads(output)


def succeeded(body: dict) -> bool:
    if "success" in body:  # JFramework
        return body["success"] is True
    return body["Error"] is None and body["ResponseData"]["Result"] == "Success"  # 2SMS


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_examples_work_in_order_against_the_default_server():
    found = examples()
    assert len(found) >= 20
    with MockServer(seed=0) as server:  # what `make serve` runs: default fixtures, seed 0
        outputs = run_in_one_shell([block for _, block in found], server.url)
    assert len(outputs) == len(found)
    for (intro, block), output in zip(found, outputs, strict=True):
        if block.lstrip().startswith("TOKEN="):
            assert re.fullmatch(r"[A-Za-z0-9]{40}", output), output
            continue
        if re.match(r"[A-Z]+=\$\(", block.lstrip()):  # an id kept for the next examples
            assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", output), (
                output
            )
            continue
        if "/__admin/" in block:  # the control plane's own JSON, one answer per line
            assert all("errors" not in json.loads(line) for line in output.splitlines()), output
            continue
        body = parsed(output)
        if intro.startswith("An error"):
            assert not succeeded(body), (block, body)
        else:
            assert succeeded(body), (block, body)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_promises_hold():
    found = examples()
    with MockServer(seed=0) as server:
        outputs = run_in_one_shell([block for _, block in found], server.url)
    bodies = {block: output for (_, block), output in zip(found, outputs, strict=True)}
    created = next(
        json.loads(o) for b, o in bodies.items() if "-X POST" in b and "app-integrations/sms \\" in b
    )
    assert created["data"]["id"] == "Ww2zTDWxbuOtLill9U"
    jframework_error = next(json.loads(o) for b, o in bodies.items() if '"name": ""' in b)
    assert {e["details"] for e in jframework_error["errors"]} >= {"/name", "/phoneNumber"}
    expired = next(json.loads(o) for b, o in bodies.items() if "22222222" in b and "-X PUT" in b)
    assert expired["Error"]["ErrorCode"] == "MESSAGE_EXPIRED"
    staff = next(json.loads(o) for b, o in bodies.items() if "Staff meeting" in b)
    assert staff["ResponseData"]["Detail"]["NoOfContacts"] == "5"  # both shifts, and the two added
    assert staff["ResponseData"]["Detail"]["CreditsUsed"] == "5"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_end_to_end_walk_through_shows_what_it_says():
    found = examples()
    with MockServer(seed=0) as server:
        outputs = run_in_one_shell([block for _, block in found], server.url)
    bodies = {block: output for (_, block), output in zip(found, outputs, strict=True)}
    watched = next(o for b, o in bodies.items() if '"advance": "PT10S"' in b).splitlines()
    before, after = (
        {m["to"]: m["delivery"]["status"] for m in json.loads(line)["messages"]} for line in watched[::2]
    )
    assert before == {"+15550100031": "sent", "+15005550003": "sent"}
    assert after == {"+15550100031": "delivered", "+15005550003": "failed"}
    report = xmltodict.parse(next(o for b, o in bodies.items() if "filter.Reference=results" in b))
    [row] = [report["ResponseOfArrayOfReport"]["ResponseData"]["Detail"]["Report"]]
    statuses = {r["Contact"]: r["DeliveryStatus"] for r in row["Recipients"]["ReportRecipient"]}
    assert statuses == {"+15550100031": "DELIVERED", "+15005550003": "FAILED", "+15550100016": "SENT"}
    filled = json.loads(next(o for b, o in bodies.items() if '"PlaceHolders"' in b))
    assert filled["ResponseData"]["Detail"]["MessageText"].startswith(
        "Hello Ada, your appointment is on Friday at 10:00."
    )
    planned = json.loads(next(o for b, o in bodies.items() if "pendingandrecurring" in b))["ResponseData"][
        "Detail"
    ]
    reminders = next(p for p in planned if p["Reference"] == "check-ups")
    assert (reminders["DateToSend"], reminders["OccurrencesLeft"]) == ("2026-06-04T08:00:00Z", 4)
    cancelled = xmltodict.parse(next(o for b, o in bodies.items() if "<Reference>check-ups</Reference>" in b))
    detail = cancelled["ResponseOfDeletePendingMessagesResponse"]["ResponseData"]["Detail"]
    assert (detail["NoOfMessages"], detail["MessageIDs"]["string"]) == ("1", reminders["MessageID"])


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_admin_examples_work():
    found = examples((ROOT / "docs" / "admin-api.md").read_text())
    assert len(found) >= 6
    with MockServer(seed=0) as server:
        outputs = run_in_one_shell([block for _, block in found], server.url)
    answers = [json.loads(line) for output in outputs for line in output.splitlines() if line.strip()]
    assert len(answers) >= 10
    for answer in answers:
        assert "errors" not in answer, answer
    fault = next(a for a in answers if "operationId" in a)
    assert (fault["status"], fault["times"]) == (429, 1)


def test_readme_pytest_example_passes_in_a_project_that_only_installed_the_package(pytester):
    code = re.search(r"```python\n(.*?)```", section("Testing with pytest"), flags=re.DOTALL)[1]
    pytester.makepyfile(test_readme_example=code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, warnings=0)  # none of our dependencies' warnings reach users


def test_the_first_screen_shows_the_picture_and_the_two_commands():
    first_screen = "\n".join(README.read_text().splitlines()[:20])
    assert "](docs/inbox.png)" in first_screen
    assert "make serve" in first_screen and "make test" in first_screen


def test_every_relative_link_in_the_readme_and_docs_resolves():
    for page in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\((?!https?://|#)([^)#]+)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_the_architecture_page_lists_every_deliberate_difference_from_connexion():
    from tests.engine.harness import DIFFERENCES

    page = (ROOT / "docs" / "architecture.md").read_text()
    section = page[page.index("Where the engine differs from Connexion on purpose") :]
    table = section[: section.index("\n\n", section.index("| difference |"))]
    assert set(re.findall(r"^\| `([a-z-]+)` \|", table, re.M)) == set(DIFFERENCES)
