"""Pydantic validation errors -> one message per field, in the applicant's language, worded for the
field's input (domain/fields.py)."""

from __future__ import annotations

from pydantic import ValidationError

from services.registration.domain.applications import FIELDS
from services.registration.domain.fields import Input
from services.registration.web.texts import Texts

INPUTS = {field.name: field.input for field in FIELDS}


def _message(field: str, error: dict, texts: Texts) -> str:
    kind, given = error["type"], INPUTS.get(field)
    if kind in ("missing", "string_too_short"):
        return texts("This field is required.")
    if kind == "string_too_long":
        return texts("This text is too long (at most %(max)s characters).", max=error["ctx"]["max_length"])
    if given is Input.CHECKBOX:
        return texts("Please give your consent to continue.")
    if given is Input.EMAIL:
        return texts("Please enter a valid email address.")
    if given is Input.CHOICE:
        return texts("Please choose from the list.")
    if given is Input.NUMBER:
        return texts("Please enter the number of inhabitants as a whole number.")
    if given is Input.TEL:
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
