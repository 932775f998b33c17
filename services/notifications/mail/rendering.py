"""Turns a template + language + context into a subject, a plain-text and an HTML body.

Templates: `mail/templates/<name>.subject.txt`, `<name>.txt`, `<name>.html` (jinja2 + i18n
extension, source strings in English, StrictUndefined: a name the context lacks fails instead of
rendering empty); names starting with `_` are partials, not emails. An event's email reads its
contract instance as `payload` (see domain/routes.py). The service's pages (web/templates) use the
same translated environments, from `environment()`.
Catalogues: `locales/<lang>/LC_MESSAGES/messages.po` (one set for emails and pages), loaded by
`shared.i18n.translations()` (read directly, fallback chain pt-PT -> pt -> the English source
strings). The language actually used is the global `content_language`: a payload may carry its own
`language` field, which must not decide the `lang` of the email. One Environment per folder and
language, built once and cached: jinja2 overlays share globals, so installing translations on a
shared environment would leak across languages during concurrent rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.contracts.common import title_in
from shared.i18n import months_between, translations

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = Path(__file__).parent.parent / "locales"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    language: str


@lru_cache(maxsize=128)
def environment(templates: Path, language: str) -> Environment:
    """The jinja environment of the templates in `templates`, translated into `language` (or its fallback)."""
    catalogue, used = translations(LOCALES, language)
    locale = Locale.parse(used)
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        auto_reload=False,  # templates ship with the code: no stat() of the file per render
        keep_trailing_newline=False,
    )
    env.install_gettext_translations(catalogue, newstyle=True)

    def localized_datetime(value: datetime, timezone: str) -> str:
        """Date and time in the zone given by name: CLDR's zone abbreviations can mislead (EEST in winter)."""
        local = value.astimezone(ZoneInfo(timezone))
        return f"{format_date(local, 'long', locale=locale)}, {format_time(local, 'short', locale=locale)} ({timezone})"

    env.filters["datetime"] = localized_datetime

    def months(activity: Any) -> str:
        """The months a tentative activity may fall in (shared.i18n.months_between)."""
        return months_between(activity.starts_at, activity.ends_at, activity.timezone, str(locale))

    env.filters["months"] = months
    env.filters["title"] = lambda titles: title_in(dict(titles), used.split("_")[0])
    env.globals["content_language"] = used.replace("_", "-")
    return env


def email_templates() -> list[str]:
    """The name of every email template (partials start with an underscore)."""
    return sorted(p.name.removesuffix(".subject.txt") for p in TEMPLATES.glob("*.subject.txt"))


def render(
    template: str, language: str, context: Mapping[str, Any], *, unsubscribe_url: str | None = None, html: bool = True
) -> RenderedEmail:
    """`unsubscribe_url` (non-essential emails only) adds the unsubscribe link to both parts; without
    `html` the HTML part is left empty (an email that is never sent on its own)."""
    env = environment(TEMPLATES, language)
    context = {**context, "unsubscribe_url": unsubscribe_url}
    subject = " ".join(env.get_template(f"{template}.subject.txt").render(context).split())
    text = env.get_template(f"{template}.txt").render(context).strip() + "\n"
    footer = env.get_template("_footer.txt").render(context).strip()
    return RenderedEmail(
        subject=subject,
        text=text + (f"\n{footer}\n" if footer else ""),
        html=env.get_template(f"{template}.html").render(context) if html else "",
        language=env.globals["content_language"],
    )
