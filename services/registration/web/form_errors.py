"""A staff form's refused fields: pydantic's ValidationError locations as the page's field names, each
with a message in the viewer's language (staff_texts.FIELD_ERRORS), to show beside its field."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from services.registration.web.staff_texts import StaffTexts

Location = tuple[str | int, ...]
FieldOf = Callable[[Location, str], tuple[str, str]]
"""(location, pydantic error type) -> (the form's field name, the kind of message: FIELD_ERRORS key)."""
GENERIC = {"missing": "required", "string_too_short": "required", "string_too_long": "too_long"}


def field_errors(error: ValidationError, field_of: FieldOf, t: StaffTexts) -> dict[str, str]:
    """Field name -> message; the first error of a field is the one shown."""
    found: dict[str, str] = {}
    for problem in error.errors():
        name, kind = field_of(tuple(problem["loc"]), problem["type"])
        found.setdefault(name, t.field_error(GENERIC.get(problem["type"], kind)))
    return found
