"""Pydantic validation errors -> one message per field, in the applicant's language."""

from __future__ import annotations

from pydantic import ValidationError

from services.registration.texts import Texts

CHOICE_FIELDS = {"country", "language", "timezone"}


def _message(field: str, error: dict, texts: Texts) -> str:
    kind = error["type"]
    if kind in ("missing", "string_too_short"):
        return texts("This field is required.")
    if kind == "string_too_long":
        return texts("This text is too long (at most %(max)s characters).", max=error["ctx"]["max_length"])
    if field == "consent":
        return texts("Please give your consent to continue.")
    if field == "contact_email":
        return texts("Please enter a valid email address.")
    if field in CHOICE_FIELDS:
        return texts("Please choose from the list.")
    if field == "population":
        return texts("Please enter the number of inhabitants as a whole number.")
    if field == "contact_phone":
        return texts("Please enter a phone number (digits, spaces and +).")
    if "single line" in error.get("msg", ""):
        return texts("Please write this on one line.")
    return texts("Please check this field.")


def field_errors(error: ValidationError, texts: Texts) -> dict[str, str]:
    """The first problem of each field; errors not tied to a field go under '_form'."""
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "_form"
        found.setdefault(field, _message(field, item, texts))
    return found
