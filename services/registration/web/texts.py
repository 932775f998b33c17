"""Words for applicants in their language: the gettext catalogues under locales/, dates, the messages
the JSON API and the web pages share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from services.registration.domain.applications import CONSENT
from services.registration.domain.reference import FORM_LANGUAGES
from shared.i18n import negotiate, translations

LOCALES = Path(__file__).parents[1] / "locales"
BABEL_LOCALE = {"en": "en_GB"}
"""English dates the European way (31 October 2023), not the US one."""


class Texts:
    """gettext for one language (falls back to English for languages the form does not ship)."""

    def __init__(self, language: str) -> None:
        self.translations, self.language = translations(LOCALES, language)

    def __call__(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def when(self, moment: datetime, timezone: str) -> str:
        """'31 October 2023, 23:59 (Europe/Brussels)' in the language, at the place."""
        local = moment.astimezone(ZoneInfo(timezone))
        locale = BABEL_LOCALE.get(self.language, self.language)
        return f"{format_date(local, 'long', locale=locale)}, {format_time(local, 'HH:mm', locale=locale)} ({timezone})"


def language_of(requested: str | None, accept_language: str | None) -> str:
    """An explicit ?lang= / form language if the form ships it, else the browser's preference."""
    if requested and requested.lower() in FORM_LANGUAGES:
        return requested.lower()
    return negotiate(accept_language, FORM_LANGUAGES)


def consent_text(texts: Texts, days: int) -> str:
    """The consent's label in the language (stored with the application as the text agreed to)."""
    return texts(CONSENT, days=days)


def call_not_open(texts: Texts, not_yet_open: bool, when: datetime, timezone: str) -> str:
    if not_yet_open:
        return texts("The call opens on %(when)s.", when=texts.when(when, timezone))
    return texts("The call closed on %(when)s.", when=texts.when(when, timezone))


def already_applied(texts: Texts, city: str, country: str) -> str:
    return texts(
        "%(city)s (%(country)s) has already applied to this call. To view or change that application, ask for "
        "its link to be sent again to the contact person's email address.",
        city=city,
        country=country,
    )
