"""Words of the participant page (web/participant.py), in the participant's language: all 24 EU
languages, from the gettext domain `participant` (`locales/participant.pot`,
`locales/<lang>/LC_MESSAGES/participant.po`, extracted with `participant-babel.cfg`; the layout's own
words come from shared.web.pages' `pages`). The page is public (its signed link is the key): it is in
the language and timezone the person's latest nomination holds, or ?lang=.

Refresh from services/scheduling/ after changing the page, then translate every new message:

    pybabel extract -F participant-babel.cfg -k N_ -k t -o locales/participant.pot --no-location --sort-output .
    pybabel update -D participant -i locales/participant.pot -d locales -N
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from services.scheduling.domain.nominations import Commitment
from services.scheduling.web.staff_texts import LOCALES, StaffTexts
from shared.contracts import EU_LANGUAGES
from shared.web.pages.rendering import Pages
from shared.web.pages.texts import N_
from shared.web.pages.viewer import Viewer, page_language

PARTICIPANT_LANGUAGES: tuple[str, ...] = tuple(sorted(EU_LANGUAGES))
STATES = {
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
    "declined": N_("Declined"),
    "attended": N_("Attended"),
    "absent": N_("Absent"),
}
"""The participant's state in an activity (waitlisted: `ParticipantTexts.state_of` gives the position)."""
WAITING_REASONS = {
    "capacity_full": N_("All places are taken."),
    "city_quota_full": N_("Your city's quota is reached."),
    "overlapping": N_("Confirmed in an overlapping activity."),
}


@dataclass(frozen=True)
class Person:
    """Whose page it is: their language and timezone (as their latest nomination holds them)."""

    name: str
    language: str
    timezone: str


class ParticipantTexts(StaffTexts):
    """Scheduling's page texts (titles, spans of dates, language names: web/staff_texts.py) plus the
    participant page's own labels; the staff labels are not used on this page."""

    def state_of(self, commitment: Commitment) -> str:
        if commitment.state == "waitlisted":
            position = commitment.place.position or 0
            return self(N_("Waitlisted, position %(position)s"), position=self.number(position))
        return self(STATES[commitment.state])

    def reason(self, reason: str | None) -> str:
        return self(WAITING_REASONS[reason]) if reason in WAITING_REASONS else ""


class ParticipantPages(Pages):
    """Pages whose viewer is the link's person (`request.state.participant`), signed in or not."""

    def viewer(self, request: Request) -> Viewer:
        person: Person | None = getattr(request.state, "participant", None)
        if person is None:
            return super().viewer(request)
        language = page_language(request.query_params.get("lang"), person.language, self.languages)
        return Viewer(language, person.timezone)


PAGES = ParticipantPages(
    Path(__file__).parent / "templates" / "participant", LOCALES, "participant", ParticipantTexts, PARTICIPANT_LANGUAGES
)
"""The participant page on the shared layout, in every EU language."""
