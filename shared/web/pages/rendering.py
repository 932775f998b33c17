"""`Pages`: one service's people's pages, rendered on the shared layout in the viewer's language.

A service makes one `Pages` with its own templates folder (or folders, first found wins) and page
catalogue (gettext domain `staff` in its locales folder unless named); its templates
`{% extends "layout.html" %}` from this package.
Each render gets a fresh CSRF token (cookie and hidden field), the navigation bar for the signed-in
person (a staff member, or a city's focal point or deputy: shared.web.pages.contact_guard), links to
the page in each language (named in that language), and `t`, the viewer's `PageTexts` (or the service's
subclass of it, which adds the service's labels).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.security.auth import StaffMember
from shared.security.sessions import SignedInContact
from shared.web import csrf
from shared.web.pages import navigation
from shared.web.pages.assets import STYLESHEET
from shared.web.pages.texts import PageTexts, page_translations
from shared.web.pages.viewer import PAGE_LANGUAGES, PUBLIC_LANGUAGES, LinkHolder, Viewer

LAYOUT_TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
TextsFactory = Callable[..., PageTexts]


class Pages:
    def __init__(
        self,
        templates: Path | tuple[Path, ...] | None,
        locales: Path | None,
        domain: str = "staff",
        texts: TextsFactory = PageTexts,
        languages: tuple[str, ...] = PAGE_LANGUAGES,
    ) -> None:
        self.templates = (templates,) if isinstance(templates, Path) else tuple(templates or ())
        self.locales = locales or Path(__file__).parent / "locales"
        self.domain = domain if locales else "pages"
        self.make_texts = texts
        self.languages = languages
        self._environments: dict[str, Environment] = {}

    def texts(self, viewer: Viewer) -> PageTexts:
        return self.make_texts(page_translations(self.locales, self.domain, viewer.language), viewer)

    def environment(self, language: str) -> Environment:
        """One Environment per language (gettext is installed per Environment, so never shared)."""
        if language not in self._environments:
            folders = [*self.templates, LAYOUT_TEMPLATES]
            env = Environment(
                loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
                autoescape=select_autoescape(("html",)),
                extensions=["jinja2.ext.i18n"],
                undefined=StrictUndefined,
                auto_reload=False,  # templates ship with the code: no stat() of the file per render
            )
            env.install_gettext_translations(page_translations(self.locales, self.domain, language), newstyle=True)
            self._environments[language] = env
        return self._environments[language]

    def viewer(self, request: Request) -> Viewer:
        """Whose page it is (signed in, or holding a signed link), else the browser's languages."""
        who: StaffMember | SignedInContact | LinkHolder | None = getattr(request.state, "staff_member", None)
        who = who or getattr(request.state, "contact", None) or getattr(request.state, "link_holder", None)
        accepted = request.headers.get("accept-language")
        return Viewer.of(who, request.query_params.get("lang"), self.languages, accepted)

    def render(
        self, request: Request, template: str, code: int = 200, current: str = "", **context: Any
    ) -> HTMLResponse:
        """The page; `current` is the navigation place it belongs to (navigation.PLACES keys)."""
        runtime = request.app.state.runtime
        settings = runtime.settings
        token = csrf.new_token(settings.signing_key, runtime.clock())
        who: StaffMember | None = getattr(request.state, "staff_member", None)
        contact: SignedInContact | None = None if who else getattr(request.state, "contact", None)
        viewer = self.viewer(request)
        texts = self.texts(viewer)
        html = (
            self.environment(viewer.language)
            .get_template(template)
            .render(
                t=texts,
                who=who,
                contact=contact,
                csrf_token=token,
                keep=kept_language(request, self.languages),
                navigation=navigation.bar(settings, who, current, contact),
                sign_out_url=navigation.url_of(settings, "registration", navigation.SIGN_OUT_PATH),
                stylesheet=STYLESHEET,
                languages=self.language_links(request),
                **context,
            )
        )
        response = HTMLResponse(html, status_code=code)
        response.set_cookie(csrf.COOKIE, token, httponly=True, samesite="strict", max_age=4 * 3600)
        response.headers["Content-Language"] = viewer.language
        return response

    def message(self, request: Request, code: int, title: str, body: str, **options: Any) -> HTMLResponse:
        """The layout's message page: `title` and `body` (untranslated messages) in the viewer's language;
        `options` as for `render` (current place, navigation name)."""
        t = self.texts(self.viewer(request))
        return self.render(request, "message.html", code, title=t(title), body=t(body), **options)

    def language_links(self, request: Request) -> list[tuple[str, str, str]]:
        """(code, name, url) of this page in each of the pages' languages (other query kept)."""
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return [
            (code, language_name(code), f"{request.url.path}?{urlencode([*kept, ('lang', code)])}")
            for code in self.languages
        ]


def language_name(code: str) -> str:
    """A language's name in itself ('Deutsch', 'Malti'), as a language switcher shows it."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


def kept_language(request: Request, languages: tuple[str, ...] = PAGE_LANGUAGES) -> str:
    """'?lang=fr' when the page's language was chosen by ?lang=, for its own links and forms to keep."""
    wanted = (request.query_params.get("lang") or "").lower()
    return f"?lang={wanted}" if wanted in languages else ""


LAYOUT_PAGES = Pages(None, None, languages=PUBLIC_LANGUAGES)
"""The layout's own pages (not allowed, not found, the other error pages) for any service and any
person: in every EU language (shared.web.pages.guard)."""
