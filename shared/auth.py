"""Staff authentication: bearer tokens configured by env, stored only as SHA-256 hashes.

`STAFF_TOKENS` is a comma-separated list of `name:role:sha256-hex-of-the-token`. Hash a new token
with `python -m shared.auth <token>` (prints the hex digest) and hand the token itself to the
person. Roles: `reviewer` (reads, scores) and `admin` (everything a reviewer does, plus decisions
and configuration). A request without a valid token is refused with 401, a valid token with the
wrong role with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


_bearer = HTTPBearer(auto_error=False, description="Staff token (see STAFF_TOKENS)")


def require_role(*roles: Role) -> Callable[..., StaffMember]:
    """FastAPI dependency: the authenticated staff member, if their role is one of `roles`."""
    allowed = set(roles) | {"admin"}

    def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> StaffMember:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "A staff bearer token is required.", {"WWW-Authenticate": "Bearer"}
            )
        member = authenticate(request.app.state.runtime.settings.staff_tokens, credentials.credentials)
        if member is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "This token is not valid.", {"WWW-Authenticate": "Bearer"}
            )
        if member.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"This needs the role: {' or '.join(sorted(allowed))}.")
        return member

    return dependency


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m shared.auth <token>   (prints the SHA-256 to put in STAFF_TOKENS)")
    print(token_hash(sys.argv[1]))
