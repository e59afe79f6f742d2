"""The pytest plugin, as a user's project sees it (pytester)."""

from __future__ import annotations

import textwrap

EXTRA_BRAND = """
jframework:
  brands:
    - url: marked.example.com
      authKeys: [{key: marked-key, role: admin}]
"""

SEND = """
import httpx

def send(server, phone, text):
    token = httpx.post(f"{server.url_for('twosms')}/Token", data={"grant_type": "client_credentials",
        "client_id": "demo-client", "client_secret": "demo-secret"}).json()["access_token"]
    httpx.post(f"{server.url_for('twosms')}/api/v2/sms/messages", headers={"Authorization": f"Bearer {token}"},
        json={"Type": 1, "Content": text, "Contacts": {"QuickRecipients": {phone: 2}}, "Options": {}}
    ).raise_for_status()
"""


def test_each_test_starts_from_the_baseline(pytester):
    pytester.makepyfile(
        SEND
        + textwrap.dedent(
            """
            def test_first(mockserver):
                send(mockserver, "+15550100001", "one")
                assert len(mockserver.outbox.messages()) == 1

            def test_second_sees_nothing_of_the_first(mockserver):
                assert mockserver.outbox.messages() == []
                send(mockserver, "+15550100002", "two 1234")
                assert mockserver.outbox.wait_for(to="+15550100002").otp() == "1234"
            """
        )
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_failed_wait_for_says_what_the_outbox_held(pytester):
    pytester.makepyfile(
        SEND
        + textwrap.dedent(
            """
            def test_waits_in_vain(mockserver):
                send(mockserver, "+15550100003", "Your code is 1234")
                mockserver.outbox.wait_for(to="+15550109999", timeout=0.2)
            """
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: no SMS with to='+15550109999' within 0.2 s; the outbox holds:",
            "*to +15550100003 from '': 'Your code is 1234'",
        ]
    )


def test_the_marker_adds_fixture_files_for_one_test(pytester):
    pytester.makefile(".yaml", extra=EXTRA_BRAND)
    pytester.makepyfile(
        textwrap.dedent(
            """
            import httpx, pytest

            def status(server):
                headers = {"Brand-URL": "marked.example.com", "Auth-Key": "marked-key"}
                return httpx.get(f"{server.url_for('jframework')}/api/v1/app-integrations/sms", headers=headers).status_code

            @pytest.mark.mockserver_fixtures("extra.yaml")
            def test_marked(mockserver):
                assert status(mockserver) == 200

            def test_unmarked(mockserver):
                assert status(mockserver) == 401
            """
        )
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


CHECK_BRANDS = """
import httpx

def test_brands(mockserver):
    def status(brand, key):
        headers = {"Brand-URL": brand, "Auth-Key": key}
        return httpx.get(f"{mockserver.url_for('jframework')}/api/v1/app-integrations/sms", headers=headers).status_code
    assert status("marked.example.com", "marked-key") == 200
    assert status("demo.example.com", "demo-admin-key") == {demo}
"""


def test_the_command_line_option_chooses_the_session_fixtures(pytester):
    extra = pytester.makefile(".yaml", extra=EXTRA_BRAND)
    pytester.makepyfile(CHECK_BRANDS.replace("{demo}", "401"))
    pytester.runpytest("-p", "no:cacheprovider", f"--mockserver-fixtures={extra}").assert_outcomes(passed=1)
    pytester.makepyfile(CHECK_BRANDS.replace("{demo}", "200"))
    args = ["--mockserver-fixtures=default", f"--mockserver-fixtures={extra}"]
    pytester.runpytest("-p", "no:cacheprovider", *args).assert_outcomes(passed=1)


def test_the_ini_option_chooses_the_session_fixtures(pytester):
    pytester.makefile(".yaml", extra=EXTRA_BRAND)
    pytester.makeini("[pytest]\nmockserver_fixtures =\n    default\n    extra.yaml\n")
    pytester.makepyfile(CHECK_BRANDS.replace("{demo}", "200"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_an_invalid_session_fixture_file_errors_clearly(pytester):
    bad = pytester.makefile(".yaml", bad="jframework: {brands: 3}")
    pytester.makepyfile("def test_x(mockserver):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", f"--mockserver-fixtures={bad}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*/jframework/brands: must be of type array, not an integer*"])


def test_parallel_tenants_under_xdist_never_see_each_other(pytester):
    tests = "\n".join(
        textwrap.dedent(
            f"""
            def test_tenant_{n}(mockserver_tenant, mockserver_session):
                import httpx
                creds = mockserver_tenant.twosms
                token = httpx.post(f"{{mockserver_session.url_for('twosms')}}/Token", data={{"grant_type": "client_credentials",
                    "client_id": creds["clientId"], "client_secret": creds["clientSecret"]}}).json()["access_token"]
                httpx.post(f"{{mockserver_session.url_for('twosms')}}/api/v2/sms/messages",
                    headers={{"Authorization": f"Bearer {{token}}"}},
                    json={{"Type": 1, "Content": "tenant {n}", "Contacts": {{"ContactID": {{"16": 2}}}}, "Options": {{}}}},
                ).raise_for_status()
                mine = mockserver_tenant.outbox.messages()
                assert [m.text for m in mine] == ["tenant {n}"]
                # the send carries the tenant's bearer; the /Token call before it carries no credentials header
                assert [e["path"] for e in mockserver_tenant.journal.entries()] == ["/twosms/api/v2/sms/messages"]
            """
        )
        for n in range(6)
    )
    pytester.makepyfile(tests)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=6)
