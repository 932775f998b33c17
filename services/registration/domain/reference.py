"""Reference lists: official EU languages, eligible countries and their default timezones."""

from __future__ import annotations

from shared.contracts import EU_LANGUAGES

FORM_LANGUAGES: tuple[str, ...] = tuple(EU_LANGUAGES)
"""Languages the applicant's pages ship in: all 24 official EU languages (tests/test_registration_web.py gates
each catalogue: complete, not fuzzy, placeholders of the source)."""

COUNTRY_TIMEZONES: dict[str, str] = {
    # EU member states
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "HR": "Europe/Zagreb",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn",
    "FI": "Europe/Helsinki", "FR": "Europe/Paris", "DE": "Europe/Berlin", "GR": "Europe/Athens",
    "HU": "Europe/Budapest", "IE": "Europe/Dublin", "IT": "Europe/Rome", "LV": "Europe/Riga",
    "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest", "SK": "Europe/Bratislava",
    "SI": "Europe/Ljubljana", "ES": "Europe/Madrid", "SE": "Europe/Stockholm",
    # EEA, not EU
    "IS": "Atlantic/Reykjavik", "LI": "Europe/Vaduz", "NO": "Europe/Oslo",
    # candidate countries
    "AL": "Europe/Tirane", "BA": "Europe/Sarajevo", "GE": "Asia/Tbilisi", "MD": "Europe/Chisinau",
    "ME": "Europe/Podgorica", "MK": "Europe/Skopje", "RS": "Europe/Belgrade", "TR": "Europe/Istanbul",
    "UA": "Europe/Kyiv",
}  # fmt: skip
"""Eligible countries (EU, EEA, candidates) -> the timezone used when an applicant gives none."""

ELIGIBLE_COUNTRIES: frozenset[str] = frozenset(COUNTRY_TIMEZONES)
LANGUAGES: frozenset[str] = frozenset(EU_LANGUAGES)

EU_CAPITAL_TIMEZONES: tuple[str, ...] = (
    "Europe/Amsterdam", "Europe/Athens", "Europe/Berlin", "Europe/Bratislava", "Europe/Brussels",
    "Europe/Bucharest", "Europe/Budapest", "Europe/Copenhagen", "Europe/Dublin", "Europe/Helsinki",
    "Europe/Lisbon", "Europe/Ljubljana", "Europe/Luxembourg", "Europe/Madrid", "Europe/Malta",
    "Europe/Nicosia", "Europe/Paris", "Europe/Prague", "Europe/Riga", "Europe/Rome", "Europe/Sofia",
    "Europe/Stockholm", "Europe/Tallinn", "Europe/Vienna", "Europe/Vilnius", "Europe/Warsaw",
    "Europe/Zagreb", "Atlantic/Canary", "Atlantic/Azores", "UTC",
)  # fmt: skip
"""The timezones staff pick from (a call's, an account's): the 27 EU capitals', the outermost regions' nearest, UTC."""
