"""CSRF protection of server-rendered forms: a signed double-submit token.

The page sets a cookie and a hidden field with the same token, signed (shared.security.signing) and expiring.
A POST is accepted only when both are present, equal and the signature holds: another site can make a
browser send the cookie, but cannot read it to put it in the form.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from shared.security.signing import InvalidToken, sign, verify

COOKIE = "pactesur_csrf"
FIELD = "csrf_token"
PURPOSE = "csrf"
LIFETIME = timedelta(hours=4)


def new_token(secret: bytes, now: datetime) -> str:
    return sign(secret, PURPOSE, {"n": secrets.token_urlsafe(16)}, expires_at=now + LIFETIME)


def valid(secret: bytes, cookie: str | None, field: str | None, now: datetime) -> bool:
    if not cookie or not field or not hmac.compare_digest(cookie, field):
        return False
    try:
        verify(secret, PURPOSE, field, now=now)
    except InvalidToken:
        return False
    return True
