"""Words of the city registry pages (web/city_pages.py), in the viewer's language: each label of a
city's role, a contact's designation and a sign-up state defined once here, on top of the staff
console's (web/staff_texts.py; same catalogue `staff`, extracted with staff-babel.cfg)."""

from __future__ import annotations

from pathlib import Path

from babel import Locale

from services.registration.domain.cities import City
from services.registration.domain.fields import N_
from services.registration.web.staff_texts import StaffTexts
from services.registration.web.texts import LOCALES
from shared.web.pages.rendering import Pages

CITY_ROLES = {
    "coordinator": N_("Consortium coordinator"),
    "partner": N_("Consortium partner"),
    "associated": N_("Associated city"),
}
DESIGNATIONS = {"focal_point": N_("Focal point"), "deputy": N_("Deputy"), "contact": N_("Other contact")}
SIGN_UP_STATES = {"pending": N_("Not signed up yet"), "signed_up": N_("Signed up")}


class CityTexts(StaffTexts):
    def city_role(self, city: City) -> str:
        return self(CITY_ROLES[city.role])

    def designation(self, designation: str) -> str:
        return self(DESIGNATIONS[designation])

    def sign_up(self, city: City) -> str:
        return self(SIGN_UP_STATES[city.status])

    def country(self, code: str) -> str:
        return Locale.parse(self.locale).territories.get(code, code)

    def language_name(self, code: str) -> str:
        return Locale.parse(self.locale).languages.get(code, code)

    def languages(self, codes: tuple[str, ...]) -> str:
        return ", ".join(self.language_name(code) for code in codes)

    def contact_name(self, city: City, designation: str) -> str:
        contact = city.contact(designation)  # type: ignore[arg-type]
        return contact.name if contact is not None else "—"


TEMPLATES = Path(__file__).parent / "templates"
CITY_PAGES = Pages((TEMPLATES / "staff", TEMPLATES / "contacts"), LOCALES, "staff", CityTexts)
"""The city registry pages on the shared layout (the staff console's templates and catalogue)."""
