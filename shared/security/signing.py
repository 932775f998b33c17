"""Signed, expiring links (edit an application, confirm a sign-up, unsubscribe, decline a place).

A token is `base64url(json payload) . base64url(HMAC-SHA256(secret, purpose | payload))`. The purpose
is part of the MAC, so a token made for one use is refused for another. Expiry is in the payload and
checked against the clock the caller passes in. Tokens are unguessable (they may carry a random
nonce) but not secret from their holder: never put anything in them the holder may not read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any


class InvalidToken(Exception):
    """Tampered, malformed, made for another purpose, or expired; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, purpose: str, body: str) -> str:
    return _b64(hmac.new(secret, f"{purpose}|{body}".encode(), hashlib.sha256).digest())


def sign(secret: bytes, purpose: str, data: dict[str, Any], *, expires_at: datetime | None) -> str:
    if not secret:
        raise ValueError("SECRET_KEY is empty: signed links cannot be made")
    payload = dict(data, exp=int(expires_at.timestamp()) if expires_at else None)
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(secret, purpose, body)}"


def verify(secret: bytes, purpose: str, token: str, *, now: datetime) -> dict[str, Any]:
    """The signed data, or InvalidToken."""
    if not token.isascii():  # base64url only; hmac.compare_digest refuses other text with TypeError
        raise InvalidToken("this link is not valid")
    body, _, mac = token.partition(".")
    if not body or not mac or not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        raise InvalidToken("this link is not valid")
    try:
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        raise InvalidToken("this link is not valid") from None
    expires = payload.pop("exp", None)
    if expires is not None and now >= datetime.fromtimestamp(expires, UTC):
        raise InvalidToken("this link has expired")
    return payload
