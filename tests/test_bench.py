"""The benchmark's own parts: its workloads must stay valid requests that change state (or, for the
invalid one, do not), its wrk scripts must send them, its tables must compute ratios right.
Nothing here times anything."""

from __future__ import annotations

import httpx
import pytest

from bench import durable, rejections, report, scale
from bench.__main__ import QUICK
from bench.workloads import TWOSMS_CLIENT, Workload, all_workloads, twosms_put_json, twosms_send
from bench.wrk import Run
from mockserver.server import MockServer


@pytest.fixture(scope="module")
def server():
    with MockServer() as live:
        yield live


def _token(server: MockServer, client: dict[str, str]) -> str:
    return httpx.post(f"{server.url}/twosms/Token", data=client).json()["access_token"]


def _row(server: MockServer, workload: Workload) -> dict:
    table, key = workload.target
    rows = httpx.get(f"{server.url}/__admin/state").json()[table]
    return next(row for row in rows if row["id"] == key)


def _send(server: MockServer, workload: Workload, n: int) -> httpx.Response:
    return httpx.request(
        workload.method, server.url + workload.path, headers=workload.headers, content=workload.body_for(n)
    )


@pytest.mark.parametrize("index", range(5))
def test_each_workload_gets_its_status_and_changes_what_it_says(server, index):
    server.reset()
    workload = all_workloads(_token(server, TWOSMS_CLIENT))[index]
    before = _row(server, workload)
    for n in (1, 2):
        answer = _send(server, workload, n)
        assert answer.status_code == workload.status, answer.text
    after = _row(server, workload)
    if workload.changes is None:
        assert after == before
    else:
        assert after[workload.changes] != before[workload.changes]
        assert "2" in after[workload.changes]  # the second request's number landed


def test_the_xml_workload_is_answered_in_xml(server):
    server.reset()
    workload = all_workloads(_token(server, TWOSMS_CLIENT))[3]
    answer = _send(server, workload, 7)
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    assert answer.content.startswith(b"<ResponseOf")


def test_the_wrk_script_sends_the_workload():
    workload = all_workloads("t0k3n")[0]
    script = workload.lua()
    assert 'wrk.method = "PUT"' in script
    assert f'wrk.path = "{workload.path}"' in script
    assert 'wrk.headers["Auth-Key"] = "demo-admin-key"' in script
    head, _, tail = workload.body.partition("{n}")
    assert head.replace('"', '\\"') in script and tail.replace('"', '\\"') in script
    assert "latency:percentile(99)" in script


def test_a_stored_messages_world_loads_and_its_messages_take_updates(tmp_path):
    path = scale.write_world(tmp_path, 3)
    with MockServer(["default", path]) as live:
        workload = twosms_put_json(_token(live, scale.BENCH_CLIENT), scale.message_id(2))
        assert _send(live, workload, 1).status_code == 200
        assert _row(live, workload)["content"].endswith("(update 1).")


def test_the_table_gives_medians_and_ratios():
    fake = report.Series([Run(1000, 1.0, 2.0, 9.0), Run(3000, 1.0, 1.0, 5.0), Run(2000, 1.0, 1.5, 7.0)])
    base = report.Series([Run(4000, 1.0, 0.5, 2.0)])
    lines = report.throughput_table({"PUT": {"fake": fake, "baseline": base}}, ["fake", "baseline"])
    assert lines[2] == ("| PUT | 2,000 (1,000-3,000) | 1.50 | 7.00 | 4,000 | 0.50 | 2.00 | 0.50x | 3.50x |")


@pytest.mark.parametrize("rejection", rejections.rejections(), ids=lambda r: r.name)
def test_every_rejected_body_is_near_the_limit_and_refused_without_changing_state(server, rejection):
    assert rejections.LIMIT - 64 * 1024 < len(rejection.body) < rejections.LIMIT
    headers = rejections._authorised(rejection, _token(server, TWOSMS_CLIENT))
    before = httpx.get(f"{server.url}/__admin/state").json()
    answer = httpx.request(
        rejection.method, server.url + rejection.path, content=rejection.body, headers=headers
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith(
        "application/xml" if "XML" in rejection.name else "application/json"
    )
    assert httpx.get(f"{server.url}/__admin/state").json() == before


def test_the_waiter_workload_opens_its_waiters_and_closes_them_all(tmp_path):
    from bench import waiters
    from bench.servers import Server

    with MockServer(["default", scale.write_world(tmp_path, 0)]) as live:
        fake = Server("fake", None, live.port, 0.0)  # type: ignore[arg-type]
        cost = waiters.send_cost(fake, _token(live, scale.BENCH_CLIENT), messages=150, waiters=10, sends=5)
        assert (cost.outbox, cost.waiters) == (150, 10) and cost.alone_ms > 0 and cost.waited_ms > 0
        assert len(live.outbox.messages(contains="measured")) == 10  # both rounds of sends were delivered
        assert httpx.get(f"{live.url}/__admin/health").json()["listening"] == 0


def test_the_soak_mix_runs_against_a_live_fake_without_server_errors():
    import asyncio
    import time as clock

    from bench.servers import Server
    from bench.soak import Soak

    with MockServer() as live:
        run = Soak(Server("fake", None, live.port, 0.0), seed=1)  # type: ignore[arg-type]
        asyncio.run(run.client_loop(clock.monotonic() + 2))
        assert run.minute.requests > 20
        assert (run.minute.server_errors, run.minute.unexpected) == (0, 0), run.minute.samples


def test_the_reset_sections_run_and_report_every_case(tmp_path):
    """The in-process reset timings (both stores): the code runs, each case gets a figure."""
    times = scale.reset_times(tmp_path, 2)
    assert [t.label for t in times] == [
        "default fixtures, one row changed",
        "10,000 messages in the baseline, one row changed",
        "default baseline, 10,000 messages added by the test",
    ]
    assert all(t.median_us > 0 for t in times)
    lines = durable._resets(QUICK, tmp_path)
    assert any(line.startswith("| --state, in-process |") for line in lines)
    assert any("goal at most 20 ms" in line for line in lines)


def test_the_group_send_workload_texts_and_charges_every_contact_of_the_group(tmp_path):
    path = scale.write_group_world(tmp_path, 50)
    with MockServer(["default", path]) as live:
        token = _token(live, scale.GROUP_CLIENT)
        workload = twosms_send(token, {"GroupID": {scale.BENCH_GROUP: 2}}, "group", scale.GROUP_ACCOUNT)
        before = _row(live, workload)["credits"]
        answer = _send(live, workload, 3)
        assert answer.status_code == 200, answer.text
        assert answer.json()["ResponseData"]["Detail"]["NoOfContacts"] == "50"
        assert before - _row(live, workload)["credits"] == 50
        assert len(live.outbox.messages(contains="Shift change 3")) == 50


def test_the_stall_sections_big_sends_are_refused_at_the_recipient_cap_and_change_nothing():
    from types import SimpleNamespace

    from bench import stall

    with MockServer() as live:
        token = _token(live, TWOSMS_CLIENT)
        before = live.app.world.store.snapshot()
        big = stall.BigSends(SimpleNamespace(url=live.url), token, limit=3)
        big.run()
        assert big.sent == 3 and big.statuses == {400}
        assert live.app.world.store.snapshot() == before and live.outbox.messages() == []
    assert len(stall.big_send_body()) > 990_000
