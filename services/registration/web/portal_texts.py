"""Words of the city portal's own page (web/portal.py: the city, its sign-up and its contacts), in the
contact's language: all 24 EU languages, from the gettext domain `portal` (`locales/portal.pot`,
`locales/<lang>/LC_MESSAGES/portal.po`, extracted with `portal-babel.cfg`; the layout's own words come
from shared.web.pages' `pages`). Scheduling's portal pages (the programme) have their own `portal`
catalogue in that service.

Refresh from services/registration/ after changing the page, then translate every new message:

    pybabel extract -F portal-babel.cfg -k N_ -k t -o locales/portal.pot --no-location --sort-output .
    pybabel update -D portal -i locales/portal.pot -d locales -N
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale

from services.registration.domain.fields import N_
from services.registration.web.texts import LOCALES
from shared.contracts import EU_LANGUAGES
from shared.web.pages.rendering import Pages
from shared.web.pages.texts import PageTexts

PORTAL_LANGUAGES: tuple[str, ...] = tuple(sorted(EU_LANGUAGES))
NAVIGATION = (N_("My city"), N_("Programme"), N_("City portal"))
"""The portal's navigation labels (shared.web.pages.navigation.PORTAL_PLACES) and its name, for this catalogue."""
DESIGNATIONS = {"focal_point": N_("Focal point"), "deputy": N_("Deputy focal point"), "contact": N_("Other contact")}


class PortalTexts(PageTexts):
    def designation(self, designation: str) -> str:
        return self(DESIGNATIONS[designation])

    def country(self, code: str) -> str:
        return Locale.parse(self.locale).territories.get(code, code)

    def language_name(self, code: str) -> str:
        return Locale.parse(self.locale).languages.get(code, code)

    def languages(self, codes: tuple[str, ...]) -> str:
        return ", ".join(self.language_name(code) for code in codes)


TEMPLATES = Path(__file__).parent / "templates"
PAGES = Pages((TEMPLATES / "portal", TEMPLATES / "contacts"), LOCALES, "portal", PortalTexts, PORTAL_LANGUAGES)
"""The city portal's own page on the shared layout, in every EU language."""
