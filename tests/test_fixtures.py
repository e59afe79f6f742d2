from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mockserver import FixtureError, create_app
from mockserver.fixtures import read_document
from mockserver.providers.jframework.model import SETTINGS


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


EXTRA_BRAND = """
    jframework:
      brands:
        - url: extra.example.com
          authKeys: [{key: extra-key, role: admin}]
          smsSettings:
            - id: extraSetting000001
              appIntegrationId: twilio
              name: Extra
              username: u
              password: p
              phoneNumber: "+15005550008"
"""


def test_later_files_add_to_earlier_ones(tmp_path):
    app = create_app(["default", write(tmp_path, "extra.yaml", EXTRA_BRAND)])
    with app.world.store.transaction() as tx:
        ids = sorted(s.id for s in tx.rows(SETTINGS))
    assert ids == ["demoSmsSetting0001", "extraSetting000001", "otherSmsSetting001"]


def test_an_entry_with_a_known_id_replaces_the_earlier_one(tmp_path):
    rename = write(
        tmp_path,
        "rename.yaml",
        """
        jframework:
          brands:
            - url: demo.example.com
              smsSettings:
                - {id: demoSmsSetting0001, appIntegrationId: vonage, name: Renamed,
                   username: u, password: p, phoneNumber: "+15005550006"}
        """,
    )
    app = create_app(["default", rename])
    with app.world.store.transaction() as tx:
        setting = tx.get(SETTINGS, "demoSmsSetting0001")
    assert (setting.name, setting.app_integration_id) == ("Renamed", "vonage")


def test_schema_problems_name_file_path_and_problem_one_line_each(tmp_path):
    bad = write(
        tmp_path,
        "bad.yaml",
        """
        jframework:
          brands:
            - url: demo.example.com
              authKeys: [{key: k, role: owner}]
              smsSettings:
                - {id: s1, appIntegrationId: twilio, name: n, username: u, password: p,
                   phoneNumber: +15005550006}
          colour: blue
        """,
    )
    with pytest.raises(FixtureError) as caught:
        create_app([bad])
    assert caught.value.lines == [
        f"{bad}: /jframework: Additional properties are not allowed ('colour' was unexpected)",
        f'{bad}: /jframework/brands/0/authKeys/0/role: must be one of "admin", "viewer"',
        f"{bad}: /jframework/brands/0/smsSettings/0/phoneNumber: must be of type string, not an integer",
        # and, in the same pass, what the provider's own rules find (this file has no catalogue)
        f"{bad}: /jframework/brands/0/smsSettings/0/appIntegrationId: names no SMS entry of appIntegrations",
    ]


def test_rule_problems_are_reported_and_nothing_is_loaded(tmp_path):
    bad = write(
        tmp_path,
        "ref.yaml",
        """
        jframework:
          brands:
            - url: demo.example.com
              smsSettings:
                - {id: s1, appIntegrationId: stripe, name: n, username: u, password: p,
                   phoneNumber: "+15005550006"}
        """,
    )
    with pytest.raises(FixtureError) as caught:
        create_app(["default", bad])
    assert caught.value.lines == [
        f"{bad}: /jframework/brands/0/smsSettings/0/appIntegrationId: names no SMS entry of appIntegrations"
    ]


def test_loading_into_a_running_app_is_all_or_nothing(tmp_path):
    app = create_app()
    before = app.world.store.snapshot()
    good = write(tmp_path, "good.yaml", EXTRA_BRAND)
    broken = write(
        tmp_path,
        "broken.yaml",
        "jframework: {brands: [{url: x.example.com, authKeys: [{key: demo-admin-key, role: admin}]}]}",
    )
    with pytest.raises(FixtureError, match=r"already belongs to brand demo\.example\.com"):
        app.world.load([read_document(good), read_document(broken)])
    assert app.world.store.snapshot() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jframework: [unclosed", "not valid YAML or JSON (line 2, column 1)"),  # where the list ends
        ("jframework:\n  brands: [\n    {url: a}\n  oops", "not valid YAML or JSON (line 4"),
        ("- just\n- a list\n", "/: must be of type object, not an array"),
    ],
)
def test_unreadable_documents(tmp_path, text, expected):
    with pytest.raises(FixtureError, match=re.escape(expected)):
        create_app([write(tmp_path, "x.yaml", text)])


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FixtureError, match="cannot be read"):
        create_app([tmp_path / "absent.yaml"])


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_serve_with_an_invalid_fixture_exits_non_zero_with_one_line_per_problem(tmp_path):
    bad = write(tmp_path, "bad.yaml", "jframework: {brands: [{url: a.example.com, authKeys: [{key: k}]}]}")
    result = run_cli("serve", "--port", "0", "--fixtures", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"{bad}: /jframework/brands/0/authKeys/0/role: is required"]
    assert "listening" not in result.stdout


def test_fixtures_check_command(tmp_path):
    good = write(tmp_path, "good.yaml", EXTRA_BRAND)
    assert run_cli("fixtures", "check", "default", str(good)).returncode == 0
    alone = run_cli("fixtures", "check", str(good))  # its settings name the demo world's catalogue
    assert alone.returncode == 1
    assert "names no SMS entry of appIntegrations" in alone.stderr
    bad = write(tmp_path, "bad.yaml", "jframework: {brands: 3}")
    result = run_cli("fixtures", "check", "default", str(good), str(bad))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{bad}: /jframework/brands: must be of type array, not an integer"


def test_twosms_references_are_checked(tmp_path):
    bad = write(
        tmp_path,
        "sms.yaml",
        """
        twosms:
          accounts:
            - id: 71a9437e-9ae2-410d-b3d1-983c44a55dcd
              name: A
              credits: 5
              contacts: [{personNumber: 16, mobile: "+15550100016"}]
              groups: [{id: 3e13280a-5c26-412e-8e3b-ca41e0d3fea9, name: G, members: [16, 99]}]
        """,
    )
    with pytest.raises(FixtureError) as caught:
        create_app([bad])
    assert caught.value.lines == [
        f"{bad}: /twosms/accounts/0/groups/0/members/1: names no contact of this account"
    ]


def test_twosms_schema_problems(tmp_path):
    bad = write(
        tmp_path,
        "sms.yaml",
        """
        twosms:
          accounts:
            - id: not-a-guid
              name: A
              credits: -1
              messages: [{id: 3e13280a-5c26-412e-8e3b-ca41e0d3fea9, recipients: []}]
        """,
    )
    with pytest.raises(FixtureError) as caught:
        create_app([bad])
    assert [line.split(": ", 2)[1] for line in caught.value.lines] == [
        "/twosms/accounts/0/credits",
        "/twosms/accounts/0/id",
        "/twosms/accounts/0/messages/0/recipients",
    ]


TYPOS = """
jframework:
  brands:
    - url: typo.example.com
      name: Typos
      authKeys:
        - {key: typo-admin-key, role: admn}
      smsSettings:
        - id: typoSetting0000001
          appIntegrationId: twillio
          name: Typo
          username: u
          pasword: p
          phoneNumber: "+15005550006"
          status: Active
          isDefault: true
          createdDate: "2026-01-01T09:00:00Z"
"""


def test_fixtures_check_reports_schema_and_reference_errors_in_one_pass_with_near_misses(tmp_path):
    bad = write(tmp_path, "typos.yaml", TYPOS)
    result = run_cli("fixtures", "check", "default", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    where = f"{bad}: /jframework/brands/0"
    assert result.stderr.strip().splitlines() == [
        f'{where}/authKeys/0/role: must be one of "admin", "viewer" (did you mean "admin"?)',
        f"{where}/smsSettings/0: Additional properties are not allowed ('pasword' was unexpected)"
        ' (did you mean "password"?)',
        f"{where}/smsSettings/0/password: is required",
        f'{where}/smsSettings/0/appIntegrationId: names no SMS entry of appIntegrations (did you mean "twilio"?)',
    ]


def test_loading_a_document_with_both_kinds_of_error_changes_nothing(tmp_path):
    app = create_app()
    before = app.world.store.snapshot()
    with pytest.raises(FixtureError) as refused:
        app.world.load([read_document(write(tmp_path, "typos.yaml", TYPOS))])
    assert len(refused.value.lines) == 4
    assert app.world.store.snapshot() == before


def test_a_value_far_from_every_choice_gets_no_suggestion(tmp_path):
    bad = write(tmp_path, "far.yaml", TYPOS.replace("admn", "superuser").replace("twillio", "acme"))
    lines = run_cli("fixtures", "check", "default", str(bad)).stderr.strip().splitlines()
    assert lines[0].endswith('/role: must be one of "admin", "viewer"')
    assert lines[-1].endswith("/appIntegrationId: names no SMS entry of appIntegrations")
