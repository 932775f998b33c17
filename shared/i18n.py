"""Gettext catalogues read straight from .po files (no compiled .mo in the repository).

`translations(locales, "pt-PT")` chains pt_PT -> pt and falls back to the source strings (English);
the domain is `messages` unless named (registration's staff pages have a `staff` one).
Cached per (directory, language): build one jinja2 Environment per language on top of it.
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE_LANGUAGE = "en"


def fallback_chain(language: str) -> list[str]:
    """'pt-PT' -> ['pt_PT', 'pt']; the source language (English) is always the last resort."""
    parts = language.replace("-", "_").split("_")
    chain = [f"{parts[0].lower()}_{parts[1].upper()}"] if len(parts) > 1 else []
    return chain + [parts[0].lower()]


def _catalogue(locales: Path, language: str, domain: str) -> Translations | None:
    po = locales / language / "LC_MESSAGES" / f"{domain}.po"
    if not po.exists():
        return None
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@lru_cache(maxsize=128)
def translations(locales: Path, language: str, domain: str = "messages") -> tuple[gettext.NullTranslations, str]:
    """The chained translations for `language` from `domain`.po, and the language actually used."""
    chain = fallback_chain(language)
    found = [(lang, cat) for lang in chain if (cat := _catalogue(locales, lang, domain)) is not None]
    if not found:
        return gettext.NullTranslations(), SOURCE_LANGUAGE
    first = found[0][1]
    for _, more in found[1:]:
        first.add_fallback(more)
    return first, found[0][0]


def layered_translations(language: str, *sources: tuple[Path, str]) -> gettext.NullTranslations:
    """One fresh catalogue for `language` from several (locales, domain) sources, later ones winning
    (a service's page words over the shared layout's); the source strings when none has the language."""
    merged: Translations | None = None
    for locales, domain in sources:
        for language_tag in reversed(fallback_chain(language)):
            catalogue = _catalogue(locales, language_tag, domain)
            if catalogue is None:
                continue
            if merged is None:
                merged = catalogue
            else:
                merged.merge(catalogue)
    return merged if merged is not None else gettext.NullTranslations()


def negotiate(accept_language: str | None, available: tuple[str, ...], default: str = SOURCE_LANGUAGE) -> str:
    """The best of `available` for an Accept-Language header (q-values honoured)."""
    ranked = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().split("-")[0].lower()))
    for _, _, language in sorted(ranked):
        if language in available:
            return language
    return default


def months_between(starts_at: datetime, ends_at: datetime, timezone: str, locale: str) -> str:
    """The months a period spans, in the locale ('June – August 2025', 'juillet 2025'): how pages and
    emails name the dates of an activity known only to the month or season (tentative)."""
    zone = ZoneInfo(timezone)
    first = starts_at.astimezone(zone).date()
    last = (ends_at.astimezone(zone) - timedelta(microseconds=1)).date()
    return format_interval(first, max(first, last), "yMMMM", locale=locale)
