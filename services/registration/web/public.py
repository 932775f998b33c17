"""Server-rendered pages for applicants and focal points (jinja2, no JavaScript needed), in their language.

Same workflows as the JSON API. Forms are protected by a signed double-submit CSRF token; errors are
shown next to their fields; a successful submission redirects to a confirmation page (POST/redirect/GET).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from babel import Locale
from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError

from services.registration.domain.applications import FIELDS, AnswerInput, ApplicationForm, NotEditable, edit_deadline
from services.registration.domain.calls import Call, CallNotOpen
from services.registration.domain.fields import by_section
from services.registration.domain.reference import COUNTRY_TIMEZONES, FORM_LANGUAGES, LANGUAGES
from services.registration.storage.applications import DuplicateApplication
from services.registration.web import texts as words
from services.registration.web.errors import field_errors
from services.registration.web.texts import Texts
from services.registration.workflows import applicant, calls
from services.registration.workflows import cities as city_flow
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_in, dependencies_of
from shared.security.signing import InvalidToken
from shared.web import csrf

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]


@lru_cache(maxsize=32)
def environment(language: str) -> Environment:
    """One Environment per language (jinja2 overlays would share the installed translations)."""
    texts = Texts(language)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        auto_reload=False,  # templates ship with the code: no stat() of the file per render
    )
    env.install_gettext_translations(texts.translations, newstyle=True)
    locale = Locale.parse(texts.language)
    env.globals.update(
        lang=texts.language,
        form_languages=[(code, Locale.parse(code).get_display_name(code).capitalize()) for code in FORM_LANGUAGES],
        choices={
            "countries": sorted(((c, locale.territories.get(c, c)) for c in COUNTRY_TIMEZONES), key=lambda x: x[1]),
            "languages": sorted(((c, locale.languages.get(c, c).capitalize()) for c in LANGUAGES), key=lambda x: x[1]),
            "timezones": [(zone, zone) for zone in sorted(set(COUNTRY_TIMEZONES.values()))],
        },
        sections=by_section(FIELDS),
        when=texts.when,
    )
    return env


def page(request: Request, language: str, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    """Render with a fresh CSRF token (cookie + hidden field)."""
    deps = dependencies_in(request)
    token = csrf.new_token(deps.settings.signing_key, deps.now())
    days = deps.settings.rejected_retention_days
    html = (
        environment(language)
        .get_template(template)
        .render(csrf_token=token, path=request.url.path, retention_days=days, **context)
    )
    response = HTMLResponse(html, status_code=code)
    response.set_cookie(csrf.COOKIE, token, httponly=True, samesite="strict", max_age=4 * 3600)
    response.headers["Content-Language"] = language
    return response


async def posted(request: Request) -> dict[str, str]:
    """The url-encoded form (the body was size-checked by the public limits middleware)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in fields.items()}


def csrf_ok(request: Request, data: dict[str, str]) -> bool:
    deps = dependencies_in(request)
    cookie = request.cookies.get(csrf.COOKIE)
    return csrf.valid(deps.settings.signing_key, cookie, data.get(csrf.FIELD), deps.now())


def form_values(data: dict[str, str]) -> dict[str, Any]:
    """Browser fields -> ApplicationForm input: empty optional answers are absent, checkboxes booleans."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        if field.checkbox:
            values[field.name] = field.name in data
        elif field.editable and data.get(field.name, "").strip() != "":
            values[field.name] = data[field.name]
    return values


def session_expired(texts: Texts) -> str:
    """The answer to a form whose CSRF token is missing, wrong or expired (403)."""
    return texts("Your session expired. Please check your answers and send the form again.")


def expired_page(request: Request, language: str, error: InvalidToken | NotFound) -> HTMLResponse:
    texts = Texts(language)
    if isinstance(error, InvalidToken) and "expired" in error.reason:
        return page(request, language, "message.html", 410, title=texts("This link has expired."), body="")
    return page(request, language, "message.html", 404, title=texts("This link is not valid."), body="")


def lang_of(request: Request, fallback: str | None = None) -> str:
    return words.language_of(request.query_params.get("lang") or fallback, request.headers.get("accept-language"))


def no_such_call(request: Request, language: str) -> HTMLResponse:
    texts = Texts(language)
    return page(request, language, "message.html", 404, title=texts("This call does not exist."), body="")


async def call_of(deps: Dependencies, slug: str) -> Call | None:
    try:
        return await calls.get_call(deps, slug)
    except NotFound:
        return None


@router.get("/calls/{slug}/apply", response_class=HTMLResponse)
async def application_form(slug: str, request: Request, deps: Deps) -> Response:
    language = lang_of(request)
    call = await call_of(deps, slug)
    if call is None:
        return no_such_call(request, language)
    return page(request, language, "apply.html", call=call, values={"language": language}, errors={}, now=deps.now())


@router.post("/calls/{slug}/apply", response_class=HTMLResponse)
async def submit_form(slug: str, request: Request, deps: Deps) -> Response:
    data = await posted(request)
    language = lang_of(request)
    texts = Texts(language)
    call = await call_of(deps, slug)
    if call is None:
        return no_such_call(request, language)
    context = dict(call=call, values=data, now=deps.now())
    if not csrf_ok(request, data):
        return page(request, language, "apply.html", 403, errors={"_form": session_expired(texts)}, **context)
    try:
        form = ApplicationForm(**form_values(data))
    except ValidationError as error:
        return page(request, language, "apply.html", 422, errors=field_errors(error, texts), **context)
    consent = words.consent_text(texts, deps.settings.rejected_retention_days)
    try:
        await applicant.submit(deps, slug, form, consent)
    except CallNotOpen as closed:
        message = words.call_not_open(texts, closed.not_yet_open, closed.when, form.timezone)
        return page(request, language, "apply.html", 409, errors={"_form": message}, **context)
    except DuplicateApplication:
        message = words.already_applied(texts, form.city, form.country)
        return page(request, language, "apply.html", 409, errors={"_form": message}, duplicate=True, **context)
    return RedirectResponse(f"/calls/{slug}/received?lang={language}", status.HTTP_303_SEE_OTHER)


@router.get("/calls/{slug}/received", response_class=HTMLResponse)
async def received(slug: str, request: Request, deps: Deps) -> Response:
    language = lang_of(request)
    call = await call_of(deps, slug)
    if call is None:
        return no_such_call(request, language)
    return page(request, language, "received.html", call=call)


@router.post("/calls/{slug}/link-request", response_class=HTMLResponse)
async def link_request(slug: str, request: Request, deps: Deps) -> Response:
    data = await posted(request)
    language = lang_of(request)
    texts = Texts(language)
    if not csrf_ok(request, data):
        return page(request, language, "message.html", 403, title=session_expired(texts), body="")
    await applicant.resend_link(deps, slug, data.get("city", "").strip(), data.get("country", "").strip())
    body = texts("If this city has applied, its contact person will receive the link by email in a moment.")
    return page(request, language, "message.html", title=texts("Link requested"), body=body)


async def _edit_page(request: Request, token: str, deps: Dependencies, **extra: Any) -> Response:
    try:
        opened = await applicant.open_by_token(deps, token)
    except (InvalidToken, NotFound) as error:
        return expired_page(request, lang_of(request), error)
    language = lang_of(request, opened.application.form.language)
    values = extra.pop("values", None) or opened.application.form.answers()
    return page(
        request,
        language,
        "application.html",
        extra.pop("code", 200),
        opened=opened,
        call=opened.call,
        values=values,
        errors=extra.pop("errors", {}),
        until=edit_deadline(opened.application, opened.call),
        now=deps.now(),
        **extra,
    )


@router.get("/applications/{token}", response_class=HTMLResponse)
async def view_application(token: str, request: Request, deps: Deps) -> Response:
    return await _edit_page(request, token, deps)


@router.post("/applications/{token}", response_class=HTMLResponse)
async def edit_application(token: str, request: Request, deps: Deps) -> Response:
    data = await posted(request)
    texts = Texts(lang_of(request))
    if not csrf_ok(request, data):
        errors = {"_form": session_expired(texts)}
        return await _edit_page(request, token, deps, values=data, errors=errors, code=403)
    try:
        form = ApplicationForm(**form_values(data))
        await applicant.edit(deps, token, form)
    except ValidationError as error:
        return await _edit_page(request, token, deps, values=data, errors=field_errors(error, texts), code=422)
    except (InvalidToken, NotFound) as error:
        return expired_page(request, texts.language, error)
    except NotEditable:
        message = texts("This application can no longer be changed.")
        return await _edit_page(request, token, deps, errors={"_form": message}, code=409)
    except DuplicateApplication:
        message = words.already_applied(texts, data.get("city", ""), data.get("country", ""))
        return await _edit_page(request, token, deps, values=data, errors={"_form": message}, code=409)
    return await _edit_page(request, token, deps, saved=True)


@router.post("/applications/{token}/answer", response_class=HTMLResponse)
async def answer_question(token: str, request: Request, deps: Deps) -> Response:
    """The applicant answers staff's request for more information (same workflow as the JSON API)."""
    data = await posted(request)
    texts = Texts(lang_of(request))
    if not csrf_ok(request, data):
        return await _edit_page(request, token, deps, errors={"_form": session_expired(texts)}, code=403)
    try:
        wanted = AnswerInput(answer=data.get("answer", ""))
    except ValidationError:
        message = texts("Please write your answer (at most 5,000 characters).")
        typed = data.get("answer", "")
        return await _edit_page(request, token, deps, errors={"answer": message}, typed_answer=typed, code=422)
    try:
        await applicant.answer_question(deps, token, wanted.answer)
    except (InvalidToken, NotFound) as error:
        return expired_page(request, texts.language, error)
    except NotEditable:
        message = texts("This question was answered already, or its time has passed.")
        return await _edit_page(request, token, deps, errors={"_form": message}, code=409)
    return await _edit_page(request, token, deps, answered=True)


@router.post("/applications/{token}/withdraw", response_class=HTMLResponse)
async def withdraw_application(token: str, request: Request, deps: Deps) -> Response:
    data = await posted(request)
    texts = Texts(lang_of(request))
    if not csrf_ok(request, data):
        return await _edit_page(request, token, deps, errors={"_withdraw": session_expired(texts)}, code=403)
    if "confirm" not in data:
        message = texts("Please tick the box to confirm the withdrawal.")
        return await _edit_page(request, token, deps, errors={"_withdraw": message}, code=422)
    try:
        await applicant.withdraw_by_token(deps, token)
    except (InvalidToken, NotFound) as error:
        return expired_page(request, texts.language, error)
    except (NotEditable, Refused):
        message = texts("This application can no longer be changed.")
        return await _edit_page(request, token, deps, errors={"_withdraw": message}, code=409)
    body = texts("Your application has been withdrawn.")
    return page(request, texts.language, "message.html", title=texts("Application withdrawn"), body=body)


@router.get("/cities/signup/{token}", response_class=HTMLResponse)
async def signup_page(token: str, request: Request, deps: Deps) -> Response:
    try:
        city = await city_flow.city_by_token(deps, token)
    except (InvalidToken, NotFound) as error:
        return expired_page(request, lang_of(request), error)
    language = lang_of(request, city.languages[0])
    return page(request, language, "signup.html", city=city, errors={})


@router.post("/cities/signup/{token}", response_class=HTMLResponse)
async def signup_confirm(token: str, request: Request, deps: Deps) -> Response:
    data = await posted(request)
    try:
        city = await city_flow.city_by_token(deps, token)
    except (InvalidToken, NotFound) as error:
        return expired_page(request, lang_of(request), error)
    language = lang_of(request, city.languages[0])
    texts = Texts(language)
    if not csrf_ok(request, data):
        return page(request, language, "signup.html", 403, city=city, errors={"accept_terms": session_expired(texts)})
    if "accept_terms" not in data:
        errors = {"accept_terms": texts("Please accept the terms to confirm the sign-up.")}
        return page(request, language, "signup.html", 422, city=city, errors=errors)
    city = await city_flow.sign_up(deps, city.id)
    return page(request, language, "signup.html", city=city, errors={})
