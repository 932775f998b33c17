"""The real PACTESUR 2 call for expressions of interest, as seed data.

Also the consortium (Efus coordinator; ANCI Piemonte, Liège, Madrid, Nice, Turin partners) as
signed-up cities. The historical call (2023) is closed; the demo seed opens it from today (in the call's timezone)
for `--days` days (default 60) so that the platform can be tried. Seeding is idempotent: an
existing call is left as it is unless `--reset` is given.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from services.registration.domain import messages
from services.registration.domain.calls import Call
from services.registration.domain.cities import TERMS_VERSION, City, CityContact
from services.registration.emit import emit
from services.registration.links import Links
from services.registration.storage import calls, cities
from shared.contracts import person_id_for_email
from shared.settings import Settings
from shared.storage.database import connect

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


async def seed(settings: Settings, args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.registration seed")
    parser.add_argument("--days", type=int, default=60, help="how long the demo call stays open (default 60)")
    parser.add_argument("--reset", action="store_true", help="re-open an existing call from today")
    options = parser.parse_args(args)
    conn = await connect(settings.dsn, "registration")
    try:
        async with conn.transaction():
            await _seed_consortium(conn)
            await _seed_call(conn, settings, options.days, options.reset)
    finally:
        await conn.close()


async def _seed_consortium(conn: asyncpg.Connection) -> None:
    """Each consortium member once; CitySignedUp lets the other services know them."""
    now = datetime.now(UTC)
    added = []
    for city in consortium_cities(now):
        if await cities.get_city(conn, city.id) is None:
            await cities.save_city(conn, city)
            await emit(conn, messages.city_signed_up(city), key=str(city.id), now=now)
            added.append(city.name)
    print(f"consortium: {len(added)} member(s) added" + (f" ({', '.join(added)})" if added else ""))


async def _seed_call(conn: asyncpg.Connection, settings: Settings, days: int, reset: bool) -> None:
    existing = await calls.get_call(conn, SLUG)
    if existing and not reset:
        print(f"call {SLUG} already exists (closes {existing.closes_at.isoformat()}); use --reset to re-open")
        return
    call = demo_call(datetime.now(ZoneInfo(TIMEZONE)).date(), days)
    await calls.upsert_call(conn, call)
    await emit(conn, messages.call_opened(call, Links(settings).form(SLUG)), key=SLUG, now=datetime.now(UTC))
    print(f"call {SLUG} open from {call.opens_at.isoformat()} to {call.closes_at.isoformat()}")
