"""Requests to replay against the engine and Connexion: the README's examples, then Schemathesis cases.

Schemathesis generates positive and negative cases per operation, with the demo credentials and
without, some aimed at records that exist. Generation is derandomised (Hypothesis derives its seed
from the collecting function), so a given Schemathesis/Hypothesis pair yields the same corpus.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from mockserver.resources import load_yaml

from .harness import Request

README = Path(__file__).resolve().parents[2] / "README.md"
SERVE_URL = "http://127.0.0.1:8080"
TRANSPORT_HEADERS = {
    "user-agent",
    "accept-encoding",
    "connection",
    "x-schemathesis-testcaseid",
    "content-length",
}


def readme_requests(mount: str, token: str) -> list[Request]:
    """Every curl call in the README that goes to `/<mount>/`, in order, `$TOKEN` filled in."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL):
        for arguments in _curl_calls(block.replace("$TOKEN", token)):
            call = _from_curl(arguments)
            if call.path.startswith(f"/{mount}/"):
                found.append(call)
    return found


def _curl_calls(block: str) -> Iterator[list[str]]:
    lexer = shlex.shlex(block.replace("\\\n", " "), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    for start, token in enumerate(tokens):
        if token == "curl":
            end = start + 1
            while end < len(tokens) and tokens[end] not in ("|", ")", ";", "&&"):
                end += 1
            yield tokens[start + 1 : end]


def _from_curl(arguments: list[str]) -> Request:
    method, url, headers, data = None, "", {}, []
    options = iter(arguments)
    for option in options:
        if option == "-X":
            method = next(options)
        elif option == "-H":
            name, _, value = next(options).partition(":")
            headers[name.strip()] = value.strip()
        elif option == "-d":
            data.append(next(options))
        elif option.startswith("http"):
            url = option
    if data and not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/x-www-form-urlencoded"  # what curl sends with -d
    path, _, query = url.removeprefix(SERVE_URL).partition("?")
    return Request(
        method or ("POST" if data else "GET"),
        path,
        headers,
        "&".join(data).encode() if data else None,
        query or None,
    )


def schemathesis_requests(
    spec_path: Path,
    mount: str,
    credentials: dict[str, str],
    known_ids: dict[str, str],
    per_operation: int,
) -> list[Request]:
    """For each operation: positive and negative cases with `credentials`, a quarter as many with
    whatever Schemathesis makes of the security schemes, and positive cases with the path and query
    parameters named in `known_ids` set to records that exist."""
    spec = load_yaml(spec_path.read_bytes())
    schema = schemathesis.openapi.from_dict(spec)
    found: list[Request] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        aimed = {
            where: {p.name: known_ids[p.name] for p in parameters if p.name in known_ids}
            for where, parameters in (
                ("path_parameters", operation.path_parameters),
                ("query", operation.query),
            )
        }
        aimed = {where: values for where, values in aimed.items() if values}
        plans: list[tuple[GenerationMode, dict[str, Any], int]] = [
            (GenerationMode.POSITIVE, {"headers": credentials}, per_operation),
            (GenerationMode.NEGATIVE, {"headers": credentials}, per_operation),
            (GenerationMode.POSITIVE, {}, per_operation // 4),
            (GenerationMode.NEGATIVE, {}, per_operation // 4),
        ]
        if aimed:
            plans.append((GenerationMode.POSITIVE, {"headers": credentials, **aimed}, per_operation))
        for mode, fixed, count in plans:
            strategy = operation.as_strategy(generation_mode=mode, **fixed)
            found += _draw(strategy, count, lambda case: _as_request(case, mount))
    return found


def _draw(strategy: Any, count: int, convert: Callable[[Any], Request]) -> list[Request]:
    drawn: list[Request] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Any) -> None:
        drawn.append(convert(case))

    with contextlib.suppress(Unsatisfiable):  # e.g. no negative case for an operation with no inputs
        collect()
    return drawn


def _as_request(case: Any, mount: str) -> Request:
    """The bytes Schemathesis would send (through `requests`), minus transport headers."""
    kwargs = case.as_transport_kwargs(base_url=f"http://corpus/{mount}")
    accepted = ("method", "url", "headers", "params", "data", "json", "cookies")
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in accepted}).prepare()
    url = prepared.url.removeprefix("http://corpus")
    path, _, query = url.partition("?")
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in TRANSPORT_HEADERS}
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return Request(prepared.method, path, headers, body, query or None)


def negotiation_requests(mount: str, token: str) -> list[Request]:
    """Requests where ASP.NET Web API's negotiation answers differently from Accept alone (so where
    a profile's negotiation would show): the README's XML bodies sent with no Accept (as a .NET
    client sends them) and with a browser's, and a read with an Accept that allows none of the
    operation's types. Only for the 2SMS mount."""
    if mount != "twosms":
        return []
    found = []
    for request in readme_requests(mount, token):
        content_type = request.headers.get("Content-Type", "")
        if content_type.endswith("/xml"):
            without = {k: v for k, v in request.headers.items() if k.lower() != "accept"}
            found.append(Request(request.method, request.path, without, request.content, request.params))
            browser = {**without, "Accept": "text/html,application/xhtml+xml"}
            found.append(Request(request.method, request.path, browser, request.content, request.params))
    found.append(
        Request(
            "GET",
            "/twosms/api/v1/admin/accounts",
            {"Authorization": f"Bearer {token}", "Accept": "image/png"},
        )
    )
    return found


def binding_requests(mount: str, token: str) -> list[Request]:
    """Bodies Json.NET and XmlSerializer bind where the schema refuses them (so where a profile's
    binding would show): each README JSON body with
    its member names in lower case, with an unknown member, with its optional members null and its
    dates without a zone; each README XML body with an unknown element. Only for the 2SMS mount."""
    if mount != "twosms":
        return []
    found = []
    for request in readme_requests(mount, token):
        content_type = request.headers.get("Content-Type", "")
        if content_type.endswith("json") and request.content:
            body = json.loads(request.content)
            variants = [
                {k.lower(): v for k, v in body.items()},
                {**body, "Surprise": 1},
                {
                    k: (v.removesuffix("Z") if isinstance(v, str) and v.endswith(":00Z") else v)
                    for k, v in body.items()
                },
                {**body, "Reference": None, "NoOfReads": None, "Reason": None},
            ]
            found += [
                Request(request.method, request.path, request.headers, json.dumps(v).encode(), request.params)
                for v in variants
            ]
        elif content_type.endswith("/xml") and request.content:
            root = re.search(rb"</(\w+)>\s*$", request.content)
            assert root is not None, request.content
            unknown = (
                request.content[: root.start()] + b"<Mood>happy</Mood>" + request.content[root.start() :]
            )
            found.append(Request(request.method, request.path, request.headers, unknown, request.params))
    return found
