"""Turns a template + language + context into a subject, a plain-text and an HTML body.

Templates: `templates/<name>.subject.txt`, `<name>.txt`, `<name>.html` (jinja2 + i18n extension,
source strings in English); names starting with `_` are partials and pages, not emails.
Catalogues: `locales/<lang>/LC_MESSAGES/messages.po`, loaded by `shared.i18n.translations()` (read
directly, fallback chain pt-PT -> pt -> the English source strings). The language actually used is
the global `content_language`: a payload may carry its own `language` field, which must not decide
the `lang` of the email. One Environment per language, built once and cached: jinja2 overlays share
globals, so installing translations on a shared environment would leak across languages during
concurrent rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.i18n import translations

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = Path(__file__).parent / "locales"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    language: str


@lru_cache(maxsize=64)
def _environment(language: str) -> Environment:
    catalogue, used = translations(LOCALES, language)
    locale = Locale.parse(used)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )
    env.install_gettext_translations(catalogue, newstyle=True)

    def localized_datetime(value: datetime, timezone: str) -> str:
        """Date and time in the zone given by name: CLDR's zone abbreviations can mislead (EEST in winter)."""
        local = value.astimezone(ZoneInfo(timezone))
        return f"{format_date(local, 'long', locale=locale)}, {format_time(local, 'short', locale=locale)} ({timezone})"

    env.filters["datetime"] = localized_datetime
    env.globals["content_language"] = used.replace("_", "-")
    return env


def email_templates() -> list[str]:
    """The name of every email template (pages and partials start with an underscore)."""
    return sorted(p.name.removesuffix(".subject.txt") for p in TEMPLATES.glob("*.subject.txt"))


def render(
    template: str, language: str, context: dict[str, Any], *, unsubscribe_url: str | None = None
) -> RenderedEmail:
    """`unsubscribe_url` (non-essential emails only) adds the unsubscribe link to both parts."""
    env = _environment(language)
    context = context | {"unsubscribe_url": unsubscribe_url}
    subject = " ".join(env.get_template(f"{template}.subject.txt").render(context).split())
    text = env.get_template(f"{template}.txt").render(context).strip() + "\n"
    footer = env.get_template("_footer.txt").render(context).strip()
    return RenderedEmail(
        subject=subject,
        text=text + (f"\n{footer}\n" if footer else ""),
        html=env.get_template(f"{template}.html").render(context),
        language=env.globals["content_language"],
    )


def render_page(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """An HTML page for a recipient (e.g. the unsubscribe page), and the language used."""
    env = _environment(language)
    return env.get_template(template).render(context), env.globals["content_language"]
