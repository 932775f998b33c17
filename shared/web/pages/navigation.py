"""The navigation bars: the staff console's places (`PLACES`) and the city portal's (`PORTAL_PLACES`,
for a city's focal point or deputy), each list the one definition, in whichever service they live.

Each place is a path on one service's public URL (Settings.public_url_of), so that a page of any
service links to all of them. A place shown only to some roles says so; the page itself still checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.security.auth import Role, StaffMember
from shared.security.sessions import SignedInContact
from shared.settings import Settings
from shared.web.pages.texts import N_


@dataclass(frozen=True)
class Place:
    key: str
    label: str
    service: str
    path: str
    roles: tuple[Role, ...] = ("admin", "reviewer")


PLACES = (
    Place("calls", N_("Calls"), "registration", "/staff"),
    Place("cities", N_("Cities"), "registration", "/staff/cities"),
    Place("programme", N_("Programme"), "scheduling", "/staff/programme"),
    Place("report", N_("Report"), "scheduling", "/staff/report"),
    Place("mail", N_("Mail"), "notifications", "/staff/mail", ("admin",)),
    Place("accounts", N_("Accounts"), "registration", "/staff/accounts", ("admin",)),
    Place("profile", N_("My profile"), "notifications", "/staff/profile"),
)
PORTAL_PLACES = (
    Place("city", N_("My city"), "registration", "/city"),
    Place("city-programme", N_("Programme"), "scheduling", "/city/programme"),
)
"""The city portal's places, shown to a signed-in focal point or deputy (keys: city, city-programme)."""
SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"
"""Both on registration, which owns the sessions."""


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool


def url_of(settings: Settings, service: str, path: str) -> str:
    return settings.public_url_of(service) + path


def bar(
    settings: Settings, who: StaffMember | None, current: str, contact: SignedInContact | None = None
) -> list[Link]:
    """The places `who` may open (the portal's for a city `contact`), `current` marked (labels are
    msgids: the layout translates them)."""
    if who is None:
        if contact is None:
            return []
        return [Link(p.label, url_of(settings, p.service, p.path), p.key == current) for p in PORTAL_PLACES]
    return [
        Link(place.label, url_of(settings, place.service, place.path), place.key == current)
        for place in PLACES
        if who.role in place.roles
    ]
