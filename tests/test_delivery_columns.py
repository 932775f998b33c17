"""The delivery log's columns and statuses: the one multi-row insert names every field of NewDelivery, in
order; every status the table allows has its type and its label on the staff pages."""

import re
from dataclasses import fields
from pathlib import Path
from typing import get_args

from services.notifications.domain.delivery import NewDelivery, Status
from services.notifications.storage.deliveries import NEW_COLUMNS
from services.notifications.web.staff_texts import STATUSES

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "notifications" / "migrations"


def test_the_insert_columns_are_the_fields_of_a_new_delivery():
    assert list(NEW_COLUMNS) == [f.name for f in fields(NewDelivery)]


def test_every_status_the_table_allows_has_a_type_and_a_label():
    """A status missing from the labels broke the whole delivery log page once a row had it."""
    checks = [
        m for p in sorted(MIGRATIONS.glob("*.sql")) for m in re.findall(r"status IN \(([^)]*)\)\)", p.read_text())
    ]
    allowed = set(re.findall(r"'(\w+)'", checks[-1]))
    assert allowed == set(get_args(Status)) == set(STATUSES)
