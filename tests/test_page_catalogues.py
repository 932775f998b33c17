"""Every catalogue of people's pages (the shared layout's `pages`, each service's `staff`) is complete
in French, and each public pages' catalogue (the layout's `pages`, used by every public page and the
error pages; `portal`, `participant`) in all 24 EU languages, with the placeholders of the source,
and its template holds every message the pages use: gated like the email catalogues. The catalogues
that public pages share with others (registration's `messages`: the form and sign-in pages;
notifications' `messages`: the emails and the unsubscribe page) are checked complete in 24 languages
here too (their own tests check their extraction). Refresh a template with the commands in its babel config."""

import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted([*ROOT.glob("services/*/locales/staff.pot"), ROOT / "shared/web/pages/locales/pages.pot"])
LAYOUT_TEMPLATE = ROOT / "shared/web/pages/locales/pages.pot"
PUBLIC_TEMPLATES = sorted(
    [
        *ROOT.glob("services/*/locales/portal.pot"),
        *ROOT.glob("services/*/locales/participant.pot"),
        LAYOUT_TEMPLATE,
    ]
)
SHARED_PUBLIC_TEMPLATES = [
    ROOT / "services/registration/locales/messages.pot",
    ROOT / "services/notifications/locales/messages.pot",
]
"""Catalogues of public pages that also hold other words (the form, the emails)."""
EU_LANGUAGES = "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _french(template: Path) -> polib.POFile:
    return polib.pofile(str(template.parent / "fr" / "LC_MESSAGES" / template.with_suffix(".po").name))


def test_every_service_with_staff_pages_has_a_catalogue():
    assert len(TEMPLATES) >= 2, TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_catalogue_is_complete_in_french_with_the_placeholders_of_the_source(template):
    source = polib.pofile(str(template))
    french = _french(template)
    missing = {e.msgid for e in source} - {e.msgid for e in french.translated_entries()}
    assert missing == set(), f"untranslated in French: {sorted(missing)}"
    assert [e.msgid for e in french.fuzzy_entries()] == []
    wrong = [e.msgid for e in french if not _same_placeholders(e)]
    assert wrong == []


def test_the_public_pages_have_their_catalogues():
    shipped = {path.relative_to(ROOT).as_posix() for path in PUBLIC_TEMPLATES}
    assert {
        "services/scheduling/locales/participant.pot",
        "services/scheduling/locales/portal.pot",
        "shared/web/pages/locales/pages.pot",
    } <= shipped


@pytest.mark.parametrize("language", EU_LANGUAGES)
@pytest.mark.parametrize(
    "template", [*PUBLIC_TEMPLATES, *SHARED_PUBLIC_TEMPLATES], ids=lambda path: str(path.relative_to(ROOT))
)
def test_a_public_catalogue_is_complete_in_every_eu_language(template, language):
    source = polib.pofile(str(template))
    path = template.parent / language / "LC_MESSAGES" / template.with_suffix(".po").name
    if language == "en" and not path.exists():
        return  # English is the source language: gettext shows the msgid
    translated = polib.pofile(str(path))
    missing = {e.msgid for e in source} - {e.msgid for e in translated.translated_entries()}
    assert missing == set(), f"untranslated in {language}: {sorted(missing)}"
    assert [e.msgid for e in translated.fuzzy_entries()] == []
    assert [e.msgid for e in translated if not _same_placeholders(e)] == []


def _same_placeholders(entry: polib.POEntry) -> bool:
    """Each translation names the placeholders of its source; a plural form names no other placeholder
    than the source's forms (a singular may leave out the number, as the English one may)."""
    if not entry.msgid_plural:
        return set(PLACEHOLDER.findall(entry.msgid)) == set(PLACEHOLDER.findall(entry.msgstr))
    source = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural))
    forms = [set(PLACEHOLDER.findall(form)) for form in entry.msgstr_plural.values()]
    return all(form <= source for form in forms) and set().union(*forms) == source


@pytest.mark.parametrize("template", [*TEMPLATES, *PUBLIC_TEMPLATES], ids=lambda path: str(path.relative_to(ROOT)))
def test_the_template_holds_every_message_of_the_pages(template, tmp_path):
    folder = template.parent.parent
    own = folder / f"{template.stem}-babel.cfg"
    config = own if own.exists() else folder / "babel.cfg"
    fresh = tmp_path / "fresh.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(config), "-k", "N_", "-k", "t"]
    subprocess.run(
        [*command, "-o", str(fresh), "--no-location", "--sort-output", "."], cwd=folder, check=True, capture_output=True
    )
    extracted = {e.msgid for e in polib.pofile(str(fresh))}
    known = {e.msgid for e in polib.pofile(str(template))}
    assert extracted - known == set(), f"refresh {template.relative_to(ROOT)} (see {config.name})"
