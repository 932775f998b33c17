"""The real PACTESUR 2 programme as seed data: its call for expressions of interest and its consortium.

The consortium (Efus coordinator; ANCI Piemonte, Liège, Madrid, Nice, Turin partners) are signed-up
cities. The historical call (2023) is closed; the demo call opens from today (in the call's timezone)
for a number of days so that the platform can be tried (workflows/seeding.py writes both).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.registration.domain.calls import Call
from services.registration.domain.cities import TERMS_VERSION, City, CityContact
from shared.contracts import person_id_for_email

SLUG = "pactesur-2-associated-cities"
TIMEZONE = "Europe/Brussels"

TITLE = {
    "en": "PACTESUR 2 – Call for expressions of interest: associated cities",
    "fr": "PACTESUR 2 – Appel à manifestation d'intérêt : villes associées",
    "es": "PACTESUR 2 – Convocatoria de manifestaciones de interés: ciudades asociadas",
    "it": "PACTESUR 2 – Invito a manifestare interesse: città associate",
}

DESCRIPTION = {
    "en": (
        "Protect Allied Cities against TErrorism in Securing Urban aReas 2 (PACTESUR 2) is the continuation "
        "of PACTESUR. It aims at improving the protection of public spaces by enhancing the development and "
        "implementation of promising practices at the local level; enhancing public-private cooperation in "
        "the safety field; and raising awareness among European authorities, private actors and citizens on "
        "the need to improve collaboration in the protection of public spaces. Efus manages the 11 European "
        "cities associated to PACTESUR 2 through this public call for expressions of interest. Associated "
        "cities take part in three Police Academies, police exchanges during international events and "
        "summertime, and two public-private security cooperation workshops (September 2023 – August 2025). "
        "This project is funded by the European Union's Internal Security Fund-Police."
    ),
    "fr": (
        "PACTESUR 2 (Protect Allied Cities against TErrorism in Securing Urban aReas 2) prolonge le projet "
        "PACTESUR. Il vise à améliorer la protection des espaces publics en développant des pratiques "
        "prometteuses au niveau local, à renforcer la coopération public-privé dans le domaine de la sécurité "
        "et à sensibiliser les autorités européennes, les acteurs privés et les citoyens. L'Efus associe 11 "
        "villes européennes à PACTESUR 2 au moyen de cet appel public à manifestation d'intérêt : trois "
        "Académies de police, des échanges de policiers lors de grands événements et deux ateliers sur la "
        "coopération public-privé (septembre 2023 – août 2025). Projet financé par le Fonds pour la sécurité "
        "intérieure – Police de l'Union européenne."
    ),
}


CONSORTIUM = (
    # (key, name, country, role, languages, timezone, focal point name, focal point role)
    ("efus", "Efus – European Forum for Urban Security", "FR", "coordinator", ("fr", "en"), "Europe/Paris",
     "Ilyana Skalli", "Programme Manager"),
    ("anci-piemonte", "ANCI Piemonte", "IT", "partner", ("it", "en"), "Europe/Rome", None, None),
    ("liege", "Liège", "BE", "partner", ("fr", "en"), "Europe/Brussels", None, None),
    ("madrid", "Madrid", "ES", "partner", ("es", "en"), "Europe/Madrid", None, None),
    ("nice", "Nice", "FR", "partner", ("fr", "en"), "Europe/Paris", None, None),
    ("turin", "Turin", "IT", "partner", ("it", "en"), "Europe/Rome", None, None),
)  # fmt: skip
"""The consortium as the programme text names it. The seed text gives no contact details: each
member gets a placeholder focal point (focal-point@<key>.pactesur.efus.eu) for staff to replace
through the contacts API; Efus' deputy is its second programme manager."""


def consortium_cities(now: datetime) -> list[City]:
    cities = []
    for key, name, country, role, languages, zone, person, function in CONSORTIUM:
        email = f"focal-point@{key}.pactesur.efus.eu"
        contacts = [
            CityContact(person_id_for_email(email), "focal_point", person or f"{name} focal point", email,
                        languages[0], zone, function or "Focal point (to be confirmed)")
        ]  # fmt: skip
        if key == "efus":
            deputy = f"deputy@{key}.pactesur.efus.eu"
            contacts.append(
                CityContact(person_id_for_email(deputy), "deputy", "Marta Pellón Brussosa", deputy, "es", zone,
                            "Programme Manager")
            )  # fmt: skip
        cities.append(
            City(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"https://pactesur.efus.eu/cities/{key}"),
                name=name,
                country=country,
                role=role,
                languages=languages,
                timezone=zone,
                contacts=tuple(contacts),
                status="signed_up",
                signed_up_at=now,
                terms_version=TERMS_VERSION,
            )
        )
    return cities


def demo_call(today: date, days: int) -> Call:
    """The call opening at midnight today in Brussels and closing at 23:59 `days` days later."""
    zone = ZoneInfo(TIMEZONE)
    opens = datetime.combine(today, time(0, 0), zone)
    closes = datetime.combine(today + timedelta(days=days), time(23, 59), zone)
    return Call(SLUG, TITLE, DESCRIPTION, opens, closes, TIMEZONE, quota=11)
