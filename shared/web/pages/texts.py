"""Words, dates, numbers and plurals of a page, in the viewer's language and timezone (Babel)."""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_date_format, get_datetime_format, get_time_format
from babel.numbers import format_decimal, format_percent

from shared.i18n import layered_translations
from shared.web.pages.viewer import Viewer

LAYOUT_LOCALES = Path(__file__).parent / "locales"
LAYOUT_DOMAIN = "pages"
BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR", "pt": "pt_PT"}
"""English pages write dates the European way (2 December 2026), Portuguese ones as in Portugal; every
other EU language is a locale of Babel under its own code."""


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


ROLES = {"admin": N_("Administrator"), "reviewer": N_("Reviewer")}
"""Each staff role's name, the one definition."""


@lru_cache(maxsize=64)
def page_translations(locales: Path, domain: str, language: str) -> gettext.NullTranslations:
    """The service's page catalogue over the layout's (the service's words win)."""
    return layered_translations(language, (LAYOUT_LOCALES, LAYOUT_DOMAIN), (locales, domain))


class PageTexts:
    """gettext of one page catalogue plus Babel's dates and numbers for one viewer; templates get it as `t`."""

    def __init__(self, translations: gettext.NullTranslations, viewer: Viewer) -> None:
        self.translations = translations
        self.language = viewer.language
        self.timezone = viewer.timezone
        self.zone = ZoneInfo(viewer.timezone)
        self.locale = BABEL_LOCALES.get(viewer.language, viewer.language)

    def __call__(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def plural(self, singular: str, plural: str, count: int, **values: object) -> str:
        """'1 application' / '3 applications' ('%(count)s' is the number written in the locale)."""
        text = self.translations.ngettext(singular, plural, count)
        return text % ({"count": self.number(count)} | values)

    def role(self, role: str) -> str:
        return self(ROLES[role]) if role in ROLES else role

    def yes_no(self, value: object) -> str:
        return self(N_("Yes")) if value else self(N_("No"))

    def when(self, moment: datetime | None) -> str:
        """'2 December 2026, 22:36' / '2 décembre 2026, 22:36' at the viewer's place; '—' for none."""
        if moment is None:
            return "—"
        day = get_date_format("long", self.locale).pattern
        time = get_time_format("short", self.locale).pattern
        pattern = get_datetime_format("long", self.locale).replace("{1}", day).replace("{0}", time)
        return format_datetime(moment.astimezone(self.zone), pattern, locale=self.locale)

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, "long", locale=self.locale)

    def time(self, moment: datetime) -> str:
        return format_time(moment.astimezone(self.zone), "short", locale=self.locale)

    def number(self, value: float) -> str:
        return format_decimal(value, "#,##0.##", locale=self.locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    def local_input(self, moment: datetime | None) -> str:
        """A moment as a datetime-local field's value at the viewer's place ('' for none)."""
        return moment.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M") if moment else ""
