"""Every catalogue of people's pages (the shared layout's `pages`, each service's `staff`) is complete
in French, with the placeholders of the source, and its template holds every message the pages use:
gated like the email catalogues. Refresh a template with the commands in its babel config."""

import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted([*ROOT.glob("services/*/locales/staff.pot"), ROOT / "shared/web/pages/locales/pages.pot"])
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


def _same_placeholders(entry: polib.POEntry) -> bool:
    """Each translation names the placeholders of its source; a plural form names no other placeholder
    than the source's forms (a singular may leave out the number, as the English one may)."""
    if not entry.msgid_plural:
        return set(PLACEHOLDER.findall(entry.msgid)) == set(PLACEHOLDER.findall(entry.msgstr))
    source = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural))
    forms = [set(PLACEHOLDER.findall(form)) for form in entry.msgstr_plural.values()]
    return all(form <= source for form in forms) and set().union(*forms) == source
