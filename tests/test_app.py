"""app.py: the assembly: a Router of Mounts, each API with its Swagger UI beside it, the guards as
middleware, the fake's own 404 everywhere else."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mockserver.app import create_app

ADMIN = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}


@pytest.fixture(scope="module")
def app():
    return create_app(seed=1)


def get(app, path: str, **headers: str) -> httpx.Response:
    async def send() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as c:
            return await c.get(path, headers=headers)

    return asyncio.run(send())


@pytest.mark.parametrize("name", ["jframework", "twosms", "__admin"])
def test_each_api_has_its_docs_and_spec_beside_it(app, name):
    assert get(app, f"/{name}/ui/").headers["content-type"].startswith("text/html")
    assert get(app, f"/{name}/openapi.json").json()["openapi"] == "3.0.3"


def test_a_provider_path_with_a_line_feed_is_the_providers_own_404():
    """Starlette's Mount pattern stops at a newline; the fake's mounts take every path below them."""
    answer = get(app=create_app(seed=1), path="/jframework/api/v1/app-integrations/sms/a%0Ab", **ADMIN)
    assert answer.status_code == 404 and answer.json()["success"] is False  # JFramework's envelope


def test_outside_every_mount_the_answer_is_the_fakes_plain_404(app):
    answer = get(app, "/nowhere")
    assert answer.status_code == 404
    assert answer.json() == {"status": 404, "errors": ["The requested URL was not found on this server."]}


def test_the_guards_stand_before_the_control_plane_and_the_pages_not_the_providers(app):
    assert get(app, "/__admin/health", host="evil.example").status_code == 403
    assert get(app, "/_/inbox", host="evil.example").status_code == 403
    provider = get(app, "/jframework/api/v1/app-integrations/sms", host="evil.example", **ADMIN)
    assert provider.status_code == 200


def test_with_an_admin_token_pages_ask_for_it_and_a_providers_own_pages_do_not():
    app = create_app(seed=1, admin_token="t0ken")
    assert get(app, "/_/inbox").status_code == 401
    assert get(app, "/__admin/health").status_code == 401
    assert get(app, "/__admin/health", authorization="Bearer t0ken").status_code == 200
    recipient_page = get(app, "/_/twosms/read/11111111-1111-4111-8111-111111111111?contactId=x")
    assert recipient_page.status_code == 404 and "text/html" in recipient_page.headers["content-type"]


def test_a_mount_takes_its_own_prefix_only(app):
    assert get(app, "/jframeworks/api/v1/app-integrations/sms", **ADMIN).json()["status"] == 404  # plain
    own = get(app, "/jframework", **ADMIN)
    assert own.status_code == 404 and own.json()["success"] is False  # the provider's own 404
    assert get(app, "/_").status_code == 404  # no redirect to /_/
