"""Staff authentication of machine clients: bearer tokens configured by env, stored only as SHA-256 hashes.

People sign in with an emailed link instead (registration's staff accounts, shared.security.sessions);
`STAFF_TOKENS` is for scripts and monitoring.

`STAFF_TOKENS` is a comma-separated list of `name:role:sha256-hex-of-the-token`. Hash a new token
with `python -m shared.security.auth <token>` (prints the hex digest) and hand the token itself to the
person. Roles: `reviewer` (reads, scores) and `admin` (everything a reviewer does, plus decisions
and configuration). A request without a valid token is refused with 401, a valid token with the
wrong role with 403 (the FastAPI dependencies are in shared.web.access).

City focal points are not staff: they hold a signed, expiring token (`issue_focal_point_token`,
shared.security.signing with SECRET_KEY) naming their city and person. `require_staff_or_focal_point` accepts
either; the service then checks the city scope and that the person is still the city's focal point.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.security import signing

Role = Literal["reviewer", "admin"]
ROLES: tuple[Role, ...] = ("reviewer", "admin")


@dataclass(frozen=True)
class StaffToken:
    name: str
    role: Role
    token_sha256: str


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: Role
    person_id: UUID | None = None
    """The staff account of a signed-in person (shared.security.sessions); None for a STAFF_TOKENS client."""
    language: str = "en"
    """The language of the person's pages (their account's)."""
    timezone: str | None = None
    """Their timezone (their account's); None for a STAFF_TOKENS client."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_staff_tokens(value: str) -> tuple[StaffToken, ...]:
    """`name:role:hex,...` -> tokens; raises ValueError naming the faulty entry."""
    tokens = []
    for entry in (e.strip() for e in value.split(",") if e.strip()):
        parts = entry.split(":")
        if len(parts) != 3:
            raise ValueError(f"entry {parts[0]!r} must be name:role:sha256hex")
        name, role, digest = (p.strip() for p in parts)
        if role not in ROLES:
            raise ValueError(f"entry {name!r}: role must be one of {', '.join(ROLES)}")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
            raise ValueError(f"entry {name!r}: the token must be given as its SHA-256 hex digest")
        tokens.append(StaffToken(name, role, digest.lower()))  # type: ignore[arg-type]
    return tuple(tokens)


def authenticate(tokens: tuple[StaffToken, ...], presented: str) -> StaffMember | None:
    """The staff member owning `presented`, comparing digests in constant time."""
    digest = token_hash(presented)
    found = None
    for candidate in tokens:
        if hmac.compare_digest(candidate.token_sha256, digest):
            found = StaffMember(candidate.name, candidate.role)
    return found


FOCAL_POINT_PURPOSE = "city-focal-point"


@dataclass(frozen=True)
class FocalPoint:
    """A city's focal point (or deputy), authenticated by a signed token issued by staff."""

    city_id: str
    person_id: str
    name: str


def issue_focal_point_token(secret: bytes, *, city_id: str, person_id: str, name: str, expires_at: datetime) -> str:
    return signing.sign(
        secret, FOCAL_POINT_PURPOSE, {"city": city_id, "person": person_id, "name": name}, expires_at=expires_at
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m shared.security.auth <token>   (prints the SHA-256 to put in STAFF_TOKENS)")
    print(token_hash(sys.argv[1]))
