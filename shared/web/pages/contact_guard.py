"""Who may open a city portal page: `ContactPage()` as a FastAPI dependency of a page handler.

The portal's pages (registration's city page, scheduling's programme) are for a city's focal point
or deputy, signed in by an emailed link (shared.web.access.session_contact: the session names their
city). Anyone else, a staff member included, is sent to sign in (303 to registration's /sign-in, the
same refusal as guard.StaffPage's). Which city's data a contact may see or change is the page's own
check against the contact's `city_id`; the workflows check it again (scheduling: acting_city).
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from shared.security.sessions import SignedInContact
from shared.web.access import session_contact
from shared.web.pages.guard import SignInNeeded


async def signed_in_contact(request: Request) -> SignedInContact | None:
    """The request's focal point or deputy, kept for the page (its language, timezone, navigation)."""
    contact = await session_contact(request)
    request.state.contact = contact
    return contact


class ContactPage:
    """Dependency: the signed-in focal point or deputy of a city (of either kind unless `kinds` says)."""

    def __init__(self, *kinds: str) -> None:
        self.kinds = kinds or ("focal_point", "deputy")

    async def __call__(self, request: Request) -> SignedInContact:
        contact = await signed_in_contact(request)
        if contact is None or contact.kind not in self.kinds:
            raise SignInNeeded()
        return contact


def seen_in_zone(request: Request, contact: SignedInContact, zone: str) -> None:
    """The contact's pages show dates in their own timezone, else in `zone` (their city's)."""
    request.state.contact = replace(contact, timezone=contact.timezone or zone)
