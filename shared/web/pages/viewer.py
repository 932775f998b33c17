"""Whose language and timezone a page is in (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts import EU_LANGUAGES
from shared.i18n import negotiate
from shared.security.auth import StaffMember
from shared.security.sessions import SignedInContact

PAGE_LANGUAGES = ("en", "fr")
"""The languages of the staff console (people's pages for applicants and cities speak more)."""
PUBLIC_LANGUAGES: tuple[str, ...] = tuple(sorted(EU_LANGUAGES))
"""The languages of every public page (city portal, participant page, decline, unsubscribe, error
pages): all 24 official EU languages."""
DEFAULT_TIMEZONE = "Europe/Brussels"
"""For a viewer without an account (a STAFF_TOKENS machine client): Efus's own time."""


@dataclass(frozen=True)
class LinkHolder:
    """Someone known only by the signed link they opened (not signed in): the language and timezone
    the link or its record names. A page handler sets it as `request.state.link_holder`."""

    language: str
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True)
class Viewer:
    language: str = "en"
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def of(
        cls,
        member: StaffMember | SignedInContact | LinkHolder | None,
        requested: str | None = None,
        available: tuple[str, ...] = PAGE_LANGUAGES,
        accepted: str | None = None,
    ) -> Viewer:
        """?lang= when the pages speak it, else the signed-in person's (staff member's, city contact's)
        or link holder's language and timezone; for nobody known, the browser's Accept-Language
        (`accepted`) among the pages' languages, else English."""
        if member is None:
            return cls(page_language(requested, negotiate(accepted, available), available))
        return cls(page_language(requested, member.language, available), member.timezone or DEFAULT_TIMEZONE)


def page_language(requested: str | None, preferred: str, available: tuple[str, ...] = PAGE_LANGUAGES) -> str:
    """?lang= if the pages speak it, else the person's language if they do, else English."""
    for language in ((requested or "").lower(), (preferred or "").lower().split("-")[0]):
        if language in available:
            return language
    return "en"
