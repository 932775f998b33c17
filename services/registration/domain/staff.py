"""Staff accounts: who works on the programme at Efus, with which role, in which language.

Rules: only an admin manages accounts; the platform always keeps one active admin (the last active
admin can be neither demoted nor deactivated); an address has one account (compared without case).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.contracts.common import EU_LANGUAGES
from shared.refusals import Refused
from shared.security.auth import ROLES, Role, StaffMember


@dataclass(frozen=True)
class StaffAccount:
    id: UUID
    email: str
    name: str
    role: Role
    language: str
    timezone: str
    active: bool
    created_at: datetime
    updated_at: datetime

    @property
    def is_active_admin(self) -> bool:
        return self.active and self.role == "admin"

    def member(self) -> StaffMember:
        """The account as the workflows' actor; named by its address in the audit log."""
        return StaffMember(self.email, self.role, self.id, self.language, self.timezone)


def new_account(
    account_id: UUID, email: str, name: str | None, role: str, language: str, timezone: str, now: datetime
) -> StaffAccount:
    _known_role(role)
    if language not in EU_LANGUAGES:
        raise Refused("unknown_language", "the language must be one of the 24 official EU languages")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused("unknown_timezone", f"{timezone!r} is not an IANA timezone (e.g. Europe/Brussels)") from None
    address = email.strip()
    display = (name or "").strip() or address.split("@")[0]
    return StaffAccount(account_id, address, display, role, language, timezone, True, now, now)  # type: ignore[arg-type]


def ensure_admin(actor: StaffMember) -> None:
    if actor.role != "admin":
        raise Refused("admin_only", "only an admin manages staff accounts")


def _known_role(role: str) -> None:
    if role not in ROLES:
        raise Refused("unknown_role", f"the role must be one of {', '.join(ROLES)}")


def reactivate(account: StaffAccount, role: str, actor: StaffMember, now: datetime) -> StaffAccount:
    """A deactivated account invited again comes back with the role it is invited with."""
    ensure_admin(actor)
    _known_role(role)
    return replace(account, role=role, active=True, updated_at=now)  # type: ignore[arg-type]


def _keeps_an_admin(account: StaffAccount, active_admins: int) -> None:
    if account.is_active_admin and active_admins <= 1:
        raise Refused("last_admin", "this is the last active admin: make another admin first")


def change_role(
    account: StaffAccount, role: str, actor: StaffMember, active_admins: int, now: datetime
) -> StaffAccount:
    """`active_admins`: how many active admin accounts there are now, this one included."""
    ensure_admin(actor)
    _known_role(role)
    if role != "admin":
        _keeps_an_admin(account, active_admins)
    return replace(account, role=role, updated_at=now)  # type: ignore[arg-type]


def deactivate(account: StaffAccount, actor: StaffMember, active_admins: int, now: datetime) -> StaffAccount:
    """A deactivated account cannot sign in; its sessions end (the workflow ends them)."""
    ensure_admin(actor)
    _keeps_an_admin(account, active_admins)
    return replace(account, active=False, updated_at=now)
