"""Turns a template + language + context into a subject, a plain-text and an HTML body.

Templates: `templates/<name>.subject.txt`, `<name>.txt`, `<name>.html` (jinja2 + i18n extension,
source strings in English). Catalogues: `locales/<lang>/LC_MESSAGES/messages.po`, read directly
(no compiled .mo in the repository). One Environment per language, built once and cached: jinja2
overlays share globals, so installing translations on a shared environment would leak across
languages during concurrent rendering.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = Path(__file__).parent / "locales"
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    language: str


def fallback_chain(language: str) -> list[str]:
    """'pt-PT' -> ['pt_PT', 'pt']; the source language (English) is always the last resort."""
    normalized = language.replace("-", "_")
    parts = normalized.split("_")
    chain = [f"{parts[0].lower()}_{parts[1].upper()}"] if len(parts) > 1 else []
    return chain + [parts[0].lower()]


def _catalogue(language: str) -> Translations | None:
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return None
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@lru_cache(maxsize=64)
def _translations(language: str) -> tuple[gettext.NullTranslations, str]:
    """The chained translations for a language, and the language actually used."""
    found = [(lang, cat) for lang in fallback_chain(language) if (cat := _catalogue(lang)) is not None]
    if not found:
        return gettext.NullTranslations(), SOURCE_LANGUAGE
    first = found[0][1]
    for _, more in found[1:]:
        first.add_fallback(more)
    return first, found[0][0]


@lru_cache(maxsize=64)
def _environment(language: str) -> Environment:
    translations, used = _translations(language)
    locale = Locale.parse(used)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )
    env.install_gettext_translations(translations, newstyle=True)

    def localized_datetime(value: datetime, timezone: str) -> str:
        """Date and time in the zone given by name: CLDR's zone abbreviations can mislead (EEST in winter)."""
        local = value.astimezone(ZoneInfo(timezone))
        return f"{format_date(local, 'long', locale=locale)}, {format_time(local, 'short', locale=locale)} ({timezone})"

    env.filters["datetime"] = localized_datetime
    env.globals["language"] = used.replace("_", "-")
    return env


def render(template: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    env = _environment(language)
    subject = " ".join(env.get_template(f"{template}.subject.txt").render(context).split())
    return RenderedEmail(
        subject=subject,
        text=env.get_template(f"{template}.txt").render(context).strip() + "\n",
        html=env.get_template(f"{template}.html").render(context),
        language=env.globals["language"],
    )
