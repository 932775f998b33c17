"""The staff pages' forms read into the JSON API's own bodies (api.activities), so that a page and
the API accept exactly the same values; a refused value is reported by the form field it came from.

Times in the forms are wall-clock times at the venue, as the API's naive times are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from services.scheduling.api.activities import ActivityIn, ActivityPatch, CancelIn, SessionIn
from services.scheduling.domain.activities import TIMES, Activity, Session

TITLE = re.compile(r"^title_([a-z]{2})$")
LISTS = ("working_languages", "interpretation", "reminder_days")
Body = TypeVar("Body", bound=BaseModel)


class FormRefused(Exception):
    """Refused fields of a form: name -> a broken rule's message, or '' for 'what the field wants'."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


def activity_values(data: Mapping[str, str]) -> dict[str, Any]:
    """A new activity's values, as POST /api/v1/activities takes them."""
    return _validated(ActivityIn, data).model_dump()


def activity_changes(data: Mapping[str, str]) -> dict[str, Any]:
    """An activity's edited values, as PATCH /api/v1/activities/{id} takes them."""
    return _validated(ActivityPatch, data).model_dump(exclude_unset=True, exclude_none=True)


def session_values(data: Mapping[str, str]) -> dict[str, Any]:
    return _validated(SessionIn, data).model_dump()


def cancel_reason(data: Mapping[str, str]) -> str:
    return _validated(CancelIn, data).reason


def _validated(model: type[Body], data: Mapping[str, str]) -> Body:
    try:
        return model.model_validate(_body(model, data))
    except ValidationError as error:
        raise FormRefused({_field_of(e["loc"]): "" for e in error.errors()}) from None


def _body(model: type[BaseModel], data: Mapping[str, str]) -> dict[str, Any]:
    """The form's fields the model knows: blanks left out, titles per language, lists split on commas."""
    body: dict[str, Any] = {}
    titles = {m.group(1): v.strip() for k, v in data.items() if (m := TITLE.match(k)) and v.strip()}
    if "titles" in model.model_fields and (titles or model is not ActivityPatch):
        body["titles"] = titles
    for name in model.model_fields:
        value = (data.get(name) or "").strip()
        if name == "titles" or not value:
            continue
        body[name] = [part for part in re.split(r"[\s,;]+", value) if part] if name in LISTS else value
    if model is SessionIn:
        body.setdefault("speaker", None)
    return body


def _field_of(location: tuple[Any, ...]) -> str:
    """The form field of an error's location ('titles' is the English title's field)."""
    name = str(location[0]) if location else ""
    return "title_en" if name == "titles" else name


def venue_local(moment: datetime, timezone: str) -> str:
    """A moment as a datetime-local field's value at the venue."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def form_of_activity(activity: Activity) -> dict[str, str]:
    """The edit form's values: the activity as it is (times at the venue)."""
    plain = [name for name in ActivityPatch.model_fields if name not in (*TIMES, "titles")]
    values = {name: str(getattr(activity, name) or "") for name in plain}
    values |= {name: venue_local(getattr(activity, name), activity.timezone) for name in TIMES}
    values |= {name: ", ".join(str(v) for v in getattr(activity, name)) for name in LISTS}
    return values | {f"title_{code}": title for code, title in activity.titles.items()}


def form_of_session(session: Session, timezone: str) -> dict[str, str]:
    values = {"room": session.room, "speaker": session.speaker or ""}
    values |= {name: venue_local(getattr(session, name), timezone) for name in ("starts_at", "ends_at")}
    return values | {f"title_{code}": title for code, title in session.titles.items()}
