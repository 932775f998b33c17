"""Words of the city portal's programme pages (web/portal.py), in the contact's language: all 24 EU
languages, from the gettext domain `portal` (`locales/portal.pot`, `locales/<lang>/LC_MESSAGES/portal.po`,
extracted with `portal-babel.cfg`; the layout's own words come from shared.web.pages' `pages`).
Each label of a nomination's state, a waiting reason, a form field's problem and a broken rule is
defined once here; templates call `PortalTexts` for them.

Refresh from services/scheduling/ after changing a portal page, then translate every new message:

    pybabel extract -F portal-babel.cfg -k N_ -k t -o locales/portal.pot --no-location --sort-output .
    pybabel update -D portal -i locales/portal.pot -d locales -N
"""

from __future__ import annotations

from pathlib import Path

from services.scheduling.domain.nominations import Listed
from services.scheduling.web.staff_texts import LOCALES, StaffTexts
from shared.contracts import EU_LANGUAGES
from shared.web.pages.rendering import Pages
from shared.web.pages.texts import N_

PORTAL_LANGUAGES: tuple[str, ...] = tuple(sorted(EU_LANGUAGES))
NAVIGATION = (N_("My city"), N_("Programme"), N_("City portal"))
"""The portal's navigation labels (shared.web.pages.navigation.PORTAL_PLACES) and its name, for this catalogue."""
STATES = {
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
    "declined": N_("Declined by the participant"),
    "attended": N_("Attended"),
    "absent": N_("Absent"),
}
"""A nomination's state as the city sees it (waitlisted: `PortalTexts.state` gives the position)."""
WAITING_REASONS = {
    "capacity_full": N_("All places are taken."),
    "city_quota_full": N_("Your city's quota is reached."),
    "overlapping": N_("Confirmed in an overlapping activity."),
}
FIELD_PROBLEMS = {
    "required": N_("This field is required."),
    "email": N_("Please enter a valid email address."),
    "language": N_("Please choose a language from the list."),
    "timezone": N_("Please choose a timezone from the list."),
    "too_long": N_("This text is too long."),
}
RULES = {
    "email": N_("This person is already nominated for this activity, or for one at the same time."),
    "activity_id": N_("Nominations for this activity are closed."),
    "attended": N_("Attendance can be recorded once the activity has started."),
    "nomination_id": N_("This nomination can no longer be changed."),
    "session": N_("Session expired: please try again."),
}
"""A broken rule's message (domain.activities.RuleBroken) by the field it names."""


class PortalTexts(StaffTexts):
    """Scheduling's page texts (titles, spans of dates, language and country names: web/staff_texts.py)
    plus the portal's own labels; the staff labels are not used on portal pages."""

    def nomination_state(self, item: Listed) -> str:
        n = item.nomination
        if n.status == "waitlisted":
            return self(N_("Waitlisted, position %(position)s"), position=self.number(item.position or 0))
        if n.status == "confirmed" and n.attended is not None:
            return self(STATES["attended" if n.attended else "absent"])
        return self(STATES.get(n.status, n.status))

    def reason(self, reason: str | None) -> str:
        return self(WAITING_REASONS[reason]) if reason in WAITING_REASONS else ""

    def field_problem(self, kind: str) -> str:
        return self(FIELD_PROBLEMS[kind])

    def broken_rule(self, field: str) -> str:
        return self(RULES.get(field, RULES["nomination_id"]))


PAGES = Pages(Path(__file__).parent / "templates" / "portal", LOCALES, "portal", PortalTexts, PORTAL_LANGUAGES)
"""The city portal's programme pages on the shared layout, in every EU language."""
