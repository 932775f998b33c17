"""Whose language and timezone a page is in (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.security.auth import StaffMember
from shared.security.sessions import SignedInContact

PAGE_LANGUAGES = ("en", "fr")
"""The languages of the staff console (people's pages for applicants and cities speak more)."""
DEFAULT_TIMEZONE = "Europe/Brussels"
"""For a viewer without an account (a STAFF_TOKENS machine client): Efus's own time."""


@dataclass(frozen=True)
class Viewer:
    language: str = "en"
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def of(
        cls,
        member: StaffMember | SignedInContact | None,
        requested: str | None = None,
        available: tuple[str, ...] = PAGE_LANGUAGES,
    ) -> Viewer:
        """The signed-in person's (staff member's or city contact's) language, or ?lang= when the pages
        speak it, and timezone."""
        if member is None:
            return cls(page_language(requested, "en", available))
        return cls(page_language(requested, member.language, available), member.timezone or DEFAULT_TIMEZONE)


def page_language(requested: str | None, preferred: str, available: tuple[str, ...] = PAGE_LANGUAGES) -> str:
    """?lang= if the pages speak it, else the person's language if they do, else English."""
    for language in ((requested or "").lower(), (preferred or "").lower().split("-")[0]):
        if language in available:
            return language
    return "en"
