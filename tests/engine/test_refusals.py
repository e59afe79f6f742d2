"""Compiling a spec refuses what the engine does not honour: the file, a JSON pointer, the construct."""

import subprocess
import sys

import pytest

from mockserver.errors import SpecError
from tests.engine.harness import engine, spec_of


class Handlers:
    async def op(self, **kwargs):
        return {}

    def check(self, key):
        return {}


def op_with(**operation) -> dict:
    return {
        "/o/{id}": {"get": {"operationId": "op", "responses": {"200": {"description": "ok"}}, **operation}}
    }


PATH_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


@pytest.mark.parametrize(
    ("spec", "pointer", "words"),
    [
        (
            spec_of(op_with(parameters=[{**PATH_ID, "style": "matrix"}])),
            "/paths/~1o~1{id}/get/parameters/0/style",
            "style 'matrix'",
        ),
        (
            spec_of(
                op_with(parameters=[PATH_ID, {"name": "f", "in": "query", "schema": {"type": "object"}}])
            ),
            "/paths/~1o~1{id}/get/parameters/1/style",
            "deepObject",
        ),
        (
            spec_of(
                op_with(
                    parameters=[PATH_ID, {"name": "f", "in": "query", "content": {"application/json": {}}}]
                )
            ),
            "/paths/~1o~1{id}/get/parameters/1/content",
            "content",
        ),
        (
            spec_of(
                op_with(
                    parameters=[PATH_ID],
                    requestBody={
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [{"type": "object"}],
                                    "discriminator": {"propertyName": "t"},
                                }
                            }
                        }
                    },
                )
            ),
            "/paths/~1o~1{id}/get/requestBody/content/application~1json/schema/discriminator",
            "discriminator",
        ),
        (
            spec_of(
                op_with(
                    parameters=[PATH_ID],
                    requestBody={"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
                )
            ),
            "/paths/~1o~1{id}/get/requestBody/content/multipart~1form-data",
            "multipart/form-data",
        ),
        (
            spec_of(
                op_with(
                    parameters=[PATH_ID],
                    requestBody={
                        "content": {
                            "application/xml": {
                                "schema": {"anyOf": [{"type": "integer"}, {"type": "object"}]}
                            }
                        }
                    },
                )
            ),
            "/paths/~1o~1{id}/get/requestBody/content/application~1xml/schema",
            "different kinds",
        ),
        (
            spec_of(
                op_with(parameters=[PATH_ID], security=[{"Digest": []}]),
                components={"securitySchemes": {"Digest": {"type": "http", "scheme": "digest"}}},
            ),
            "/components/securitySchemes/Digest/scheme",
            "'digest'",
        ),
        (
            spec_of(
                op_with(parameters=[PATH_ID], security=[{"Key": []}]),
                components={"securitySchemes": {"Key": {"type": "apiKey", "in": "header", "name": "K"}}},
            ),
            "/components/securitySchemes/Key/x-apikeyInfoFunc",
            "every request",
        ),
        (
            spec_of(
                op_with(parameters=[PATH_ID], security=[{"Oidc": []}]),
                components={"securitySchemes": {"Oidc": {"type": "openIdConnect", "openIdConnectUrl": "x"}}},
            ),
            "/components/securitySchemes/Oidc/type",
            "openIdConnect",
        ),
        (
            spec_of(
                op_with(
                    parameters=[PATH_ID],
                    responses={
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"discriminator": {"propertyName": "t"}}}
                            },
                        }
                    },
                )
            ),
            "/paths/~1o~1{id}/get/responses/200/content/application~1json/schema/discriminator",
            "discriminator",
        ),
        (
            spec_of(op_with(parameters=[{**PATH_ID, "schema": {"type": "string", "pattern": "(unclosed"}}])),
            "/paths/~1o~1{id}/get/parameters/0/schema",
            "cannot be compiled",
        ),
    ],
)
def test_unsupported_constructs_are_refused_with_a_pointer(spec, pointer, words):
    with pytest.raises(SpecError) as refused:
        engine(spec, Handlers())
    assert refused.value.pointer == pointer
    assert words in refused.value.construct
    assert str(refused.value).startswith(f"inline: {pointer}: ")


def test_the_bundled_specs_compile(tmp_path):
    """`mockserver serve` refuses a spec with exit 2; the bundled ones all compile."""
    from mockserver.app import create_app

    assert create_app() is not None


def test_serve_exits_2_naming_the_spec(monkeypatch, tmp_path):
    script = (
        "import sys\n"
        "import mockserver.app as app\n"
        "from mockserver.errors import SpecError\n"
        "def broken(*a, **k):\n"
        "    raise SpecError('/paths/~1x/get/parameters/0/style', \"style 'matrix' is not supported\", 'openapi/x.yaml')\n"
        "app.create_app = broken\n"
        "from mockserver.cli import main\n"
        "sys.argv = ['mockserver', 'serve', '--port', '0']\n"
        "sys.exit(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert (
        "openapi/x.yaml: /paths/~1x/get/parameters/0/style: style 'matrix' is not supported" in result.stderr
    )
