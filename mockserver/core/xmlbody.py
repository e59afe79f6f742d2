"""XML request and response bodies in Connexion: parsed by the codec, validated like JSON."""

from __future__ import annotations

import typing as t

from connexion.exceptions import NonConformingResponseBody
from connexion.json_schema import Draft4ResponseValidator
from connexion.validators import AbstractRequestBodyValidator, AbstractResponseBodyValidator
from jsonschema import Draft4Validator

from mockserver.core import xmlcodec
from mockserver.core.errors import Problem
from mockserver.core.validation import InvalidInput, request_validator, schema_problems, stash_body

XML_MEDIA_TYPES = ("application/xml", "text/xml")


class XMLRequestBodyValidator(AbstractRequestBodyValidator):
    """Decodes the body with the spec's `xml` objects and validates the result with its schema."""

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: t.Any) -> t.Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            body = xmlcodec.loads(raw, self._schema)
        except xmlcodec.XMLDecodeError as exc:
            raise InvalidInput([Problem(str(exc))]) from None
        stash_body(scope, body)
        return body

    def _validate(self, body: t.Any) -> None:
        if body is None:
            raise InvalidInput([Problem("the request body must not be empty")])
        problems = schema_problems(request_validator(self._schema), body)
        if problems:
            raise InvalidInput(problems)


class XMLResponseBodyValidator(AbstractResponseBodyValidator):
    """Checks an XML response against its schema (Connexion would skip it silently)."""

    def _parse(self, stream: t.Generator[bytes, None, None]) -> t.Any:
        try:
            return xmlcodec.loads(b"".join(stream), self._schema)
        except xmlcodec.XMLDecodeError as exc:
            raise NonConformingResponseBody(detail=f"Response body is not valid XML: {exc}") from None

    def _validate(self, body: t.Any) -> None:
        validator = Draft4ResponseValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        error = next(iter(validator.iter_errors(body)), None)
        if error is not None:
            raise NonConformingResponseBody(
                detail=f"Response body does not conform to specification: {error.message}"
            )
