"""A posted HTML form and its CSRF check (shared.web.csrf), for every service's pages."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from shared.web import csrf

MAX_FORM_BYTES = 256 * 1024
"""A staff form is small; a larger body is cut rather than parsed (the public limits cap it earlier)."""


async def posted(request: Request) -> dict[str, str]:
    """The url-encoded form, each field's last value."""
    body = (await request.body())[:MAX_FORM_BYTES]
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[-1] for key, values in fields.items()}


async def posted_lists(request: Request) -> dict[str, list[str]]:
    """The url-encoded form with every value of repeated fields (checkbox groups)."""
    body = (await request.body())[:MAX_FORM_BYTES]
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def csrf_ok(request: Request, data: dict[str, str]) -> bool:
    runtime = request.app.state.runtime
    cookie = request.cookies.get(csrf.COOKIE)
    return csrf.valid(runtime.settings.signing_key, cookie, data.get(csrf.FIELD), runtime.clock())
