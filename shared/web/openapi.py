"""The answers that shared plumbing gives outside the handlers, written into each service's OpenAPI document.

FastAPI documents what a handler declares; it does not know that an undecodable body gets a 400
(FastAPI itself), that a staff or focal-point token dependency answers 401/403 (shared.security.auth), or that
a middleware answers 413/429 (shared.web.http_limits). `document_answers` adds such answers to every
operation they apply to, so that clients (and schemathesis) see every status code a service can give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI

Answers = Mapping[int, dict[str, Any]]
"""Status code -> OpenAPI response object."""

DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


def detail_answer(description: str, **extra: Any) -> dict[str, Any]:
    """A response whose JSON body is `{"detail": "<message>"}`."""
    return {"description": description, "content": {"application/json": {"schema": DETAIL}}, **extra}


UNDECODABLE_BODY: Answers = {400: detail_answer("The body could not be read (not UTF-8, or not JSON)")}
STAFF_TOKEN: Answers = {
    401: detail_answer("No token, or not a valid one"),
    403: detail_answer("The token does not allow this"),
}


def common_answers(method: str, path: str, operation: dict[str, Any]) -> Answers:
    """400 where a body is read, 401/403 where a token is required."""
    answers: dict[int, dict[str, Any]] = {}
    if "requestBody" in operation:
        answers |= UNDECODABLE_BODY
    if operation.get("security"):
        answers |= STAFF_TOKEN
    return answers


def document_answers(app: FastAPI, answers: Callable[[str, str, dict[str, Any]], Answers]) -> None:
    """Make `app.openapi()` also list `answers(method, path, operation)` on every operation
    (an answer the handler documents itself is kept)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                documented = operation.setdefault("responses", {})
                for code, answer in answers(method.upper(), path, operation).items():
                    documented.setdefault(str(code), answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
