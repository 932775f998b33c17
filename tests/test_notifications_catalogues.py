"""The translation catalogues as CI sees them: complete, not fuzzy, placeholders identical to the
English source, plural forms as CLDR counts them, and nothing stale.

After changing a template, refresh the catalogues from services/notifications/:

    pybabel extract -F babel.cfg -o locales/messages.pot --no-location --sort-output \\
        --project="PACTESUR 2 notifications" --version=1 --msgid-bugs-address=pactesur@efus.eu \\
        --copyright-holder=Efus .
    pybabel update -i locales/messages.pot -d locales -N

then translate the new entries in every language.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest
from babel import Locale
from babel.messages.frontend import CommandLineInterface

SERVICE = Path(__file__).parent.parent / "services" / "notifications"
LOCALES = SERVICE / "locales"
EU_LANGUAGES = "bg hr cs da nl en et fi fr de el hu ga it lv lt mt pl pt ro sk sl es sv".split()
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALES / language / "LC_MESSAGES" / "messages.po"))


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_there_is_a_catalogue_for_each_official_eu_language_and_no_other():
    present = sorted(p.name for p in LOCALES.iterdir() if p.is_dir())
    assert present == sorted(EU_LANGUAGES)


@pytest.mark.parametrize("language", EU_LANGUAGES)
def test_catalogue_is_complete_and_not_fuzzy(language):
    po = catalogue(language)
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert po.metadata.get("Language") == language


@pytest.mark.parametrize("language", EU_LANGUAGES)
def test_placeholders_are_those_of_the_source(language):
    wrong = []
    for entry in catalogue(language).translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = placeholders(entry.msgid)
        wrong += [(entry.msgid, text) for text in translations if placeholders(text) != expected]
    assert wrong == []


def cldr_categories(language: str, numbers: range) -> list[str]:
    plural = Locale.parse(language).plural_form
    return [plural(n) for n in numbers]


@pytest.mark.parametrize("language", EU_LANGUAGES)
def test_plural_forms_match_cldr(language):
    """The header's formula must split whole numbers into exactly CLDR's categories (e.g. Hungarian
    has 2 although Babel writes 1, Latvian's 'zero' covers 10-20, Maltese has 5)."""
    header = catalogue(language).metadata["Plural-Forms"]
    nplurals = int(re.search(r"nplurals\s*=\s*(\d+)", header).group(1))
    formula = gettext.c2py(re.search(r"plural\s*=\s*(.+?);?\s*$", header).group(1))
    numbers = range(0, 1001)
    pairs = set(zip((formula(n) for n in numbers), cldr_categories(language, numbers), strict=True))
    assert len({index for index, _ in pairs}) == len(pairs) == len({category for _, category in pairs})
    assert len(pairs) == nplurals
    for entry in catalogue(language):
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(nplurals)), entry.msgid


def test_template_and_catalogues_are_not_stale(tmp_path):
    fresh = tmp_path / "messages.pot"
    extract = ["pybabel", "-q", "extract", "-F", str(SERVICE / "babel.cfg"), "-o", str(fresh), "--no-location"]
    assert CommandLineInterface().run([*extract, "--sort-output", str(SERVICE)]) in (0, None)
    committed = {e.msgid for e in polib.pofile(str(LOCALES / "messages.pot"))}
    assert {e.msgid for e in polib.pofile(str(fresh))} == committed, "run pybabel extract (see module docstring)"
    update = ["pybabel", "-q", "update", "-i", str(LOCALES / "messages.pot"), "-d", str(LOCALES), "-N", "--check"]
    assert CommandLineInterface().run(update) in (0, None), "run pybabel update (see module docstring)"
