"""How the application form shows its fields, so that every list of fields derives from one definition.

`ApplicationForm` (domain/applications.py) declares each field once: its validation type and, in the
same annotation, a `Shown` saying in which section of the form it sits, its label (a gettext msgid)
and which input takes it. From that come `FIELDS` and all that lists fields: the applicant's form and
edit page (web/templates/_fields.html iterates over the sections), the answers kept and compared on
an edit, the browser's checkboxes, the staff page's labelled answers and the CSV columns. Adding a
field means declaring it in `ApplicationForm` and translating its msgids, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum, StrEnum

from pydantic import BaseModel


def N_(message: str) -> str:  # noqa: N802 (the gettext convention pybabel extracts)
    """Marks a msgid for the catalogues; it is translated where it is shown, in the reader's language."""
    return message


LINE_LENGTH = 120
"""The length of an input whose type sets none (an email address, a phone number)."""


class Section(Enum):
    """The fieldsets of the form, in order: the applicant's legend (a msgid), the staff page's heading."""

    CITY = (N_("Your city"), "City")
    CONTACT = (N_("Official contact"), "Official contact")
    APPLICATION = (N_("Your application"), "Application")
    DATA_PROTECTION = (N_("Data protection"), "Data protection")

    def __init__(self, legend: str, staff_heading: str) -> None:
        self.legend = legend
        self.staff_heading = staff_heading


class Input(StrEnum):
    """The HTML control of a field; text-like ones name their <input type>."""

    TEXT = "text"
    EMAIL = "email"
    TEL = "tel"
    NUMBER = "number"
    CHOICE = "choice"
    AREA = "area"
    CHECKBOX = "checkbox"


@dataclass(frozen=True)
class Shown:
    """What the form shows of a field, given in its annotation in ApplicationForm."""

    section: Section
    label: str
    input: Input = Input.TEXT
    hint: str = ""
    autocomplete: str = ""
    choices: str = ""
    """The list of (code, name) the page offers: countries, languages or timezones."""
    empty: str = ""
    """The label of a choice's empty option."""
    editable: bool = True
    """False for what is given once with the form (the consent), not kept among the answers."""
    in_csv: bool = True


@dataclass(frozen=True)
class FormField(Shown):
    name: str = ""
    required: bool = False
    max_length: int | None = None

    @property
    def checkbox(self) -> bool:
        return self.input is Input.CHECKBOX

    @property
    def long_text(self) -> bool:
        return self.input is Input.AREA


def form_fields(form: type[BaseModel]) -> tuple[FormField, ...]:
    """The fields of `form` in declaration order, each with its Shown and the length its type allows."""
    return tuple(_field(name, info.metadata, info.is_required()) for name, info in form.model_fields.items())


def _field(name: str, metadata: list[object], required: bool) -> FormField:
    shown = next(m for m in metadata if isinstance(m, Shown))
    declared = next((m.max_length for m in metadata if getattr(m, "max_length", None)), None)
    text_like = shown.input in (Input.TEXT, Input.EMAIL, Input.TEL)
    max_length = declared or (LINE_LENGTH if text_like else None)
    given = {f.name: getattr(shown, f.name) for f in fields(Shown)}
    return FormField(**given, name=name, required=required, max_length=max_length)


@dataclass(frozen=True)
class LabelledAnswer:
    """One answer of an application with its field, for a page to label and word."""

    field: FormField
    value: object

    @property
    def given(self) -> bool:
        return self.value not in (None, "")


def by_section(items: tuple[FormField, ...] | tuple[LabelledAnswer, ...]) -> list[tuple[Section, list]]:
    """Fields (or answers) grouped by their section, sections and items in the form's order."""
    groups: dict[Section, list] = {}
    for item in items:
        groups.setdefault(item.section if isinstance(item, FormField) else item.field.section, []).append(item)
    return list(groups.items())
