"""The delivery log's one multi-row insert names every field of NewDelivery, in order."""

from dataclasses import fields

from services.notifications.domain.delivery import NewDelivery
from services.notifications.storage.deliveries import NEW_COLUMNS


def test_the_insert_columns_are_the_fields_of_a_new_delivery():
    assert list(NEW_COLUMNS) == [f.name for f in fields(NewDelivery)]
