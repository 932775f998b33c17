"""The real PACTESUR 2 calendar (../shared/seeds: the programme's "Project events"), as seed data.

Where the programme gives exact dates the activity is `confirmed`, 09:00-18:00 at the venue; where
it gives only a month, a season or a year, the activity is `tentative`, spans that whole period and
its `tentative_note` says so. Venues are not in the programme: "to be announced" until staff set
them. Capacity (40) and per-city quota (3) are defaults for staff to adjust; nominations close 30
days before the start. Seeding twice changes nothing (each activity has a stable seed key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from services.scheduling.domain.activities import DEFAULT_REMINDER_DAYS, as_utc

CAPACITY, CITY_QUOTA = 40, 3
DEADLINE_BEFORE = timedelta(days=30)
ZONES = {"FR": "Europe/Paris", "BE": "Europe/Brussels", "IT": "Europe/Rome", "ES": "Europe/Madrid"}


@dataclass(frozen=True)
class SeedActivity:
    key: str
    kind: str
    titles: dict[str, str]
    host_city: str
    country: str
    first_day: date
    last_day: date
    tentative_note: str | None = None
    languages: tuple[str, ...] = ("en", "fr")


CALENDAR: tuple[SeedActivity, ...] = (
    SeedActivity("kickoff-paris-2023", "kickoff",
        {"en": "PACTESUR 2 kick-off meeting", "fr": "Réunion de lancement de PACTESUR 2"},
        "Paris", "FR", date(2023, 11, 14), date(2023, 11, 14)),
    SeedActivity("exchange-nice-carnival-2024", "police_exchange",
        {"en": "Police exchange: Carnival of Nice", "fr": "Échange de polices : Carnaval de Nice"},
        "Nice", "FR", date(2024, 2, 15), date(2024, 2, 19)),
    SeedActivity("academy-nice-2024", "police_academy",
        {"en": "Police Academy, Nice", "fr": "Académie de police, Nice"},
        "Nice", "FR", date(2024, 5, 13), date(2024, 5, 16)),
    SeedActivity("workshop-liege-2024", "public_private_workshop",
        {"en": "Public/private security workshop and annual meeting, Liège",
         "fr": "Atelier sécurité public/privé et réunion annuelle, Liège"},
        "Liège", "BE", date(2024, 6, 24), date(2024, 6, 25)),
    SeedActivity("exchange-liege-les-ardentes-2024", "police_exchange",
        {"en": "Police exchange: Les Ardentes festival, Liège",
         "fr": "Échange de polices : festival Les Ardentes, Liège"},
        "Liège", "BE", date(2024, 7, 11), date(2024, 7, 14)),
    SeedActivity("exchange-turin-giro", "police_exchange",
        {"en": "Police exchange: Giro d'Italia, Turin", "fr": "Échange de polices : Giro d'Italia, Turin",
         "it": "Scambio di polizie: Giro d'Italia, Torino"},
        "Turin", "IT", date(2025, 7, 1), date(2025, 7, 31),
        "Tentative: the programme says July 2024 or July 2025; stored as July 2025 until dates are set.",
        ("en", "fr", "it")),
    SeedActivity("academy-madrid-2024", "police_academy",
        {"en": "Police Academy, Madrid", "fr": "Académie de police, Madrid", "es": "Academia de Policía, Madrid"},
        "Madrid", "ES", date(2024, 11, 1), date(2024, 11, 30),
        "Tentative: only the month is known (November 2024).", ("en", "fr", "es")),
    SeedActivity("workshop-annual-meeting-2025", "public_private_workshop",
        {"en": "Public/private security workshop and annual meeting (2 days)",
         "fr": "Atelier sécurité public/privé et réunion annuelle (2 jours)"},
        "Nice", "FR", date(2025, 2, 1), date(2025, 2, 28),
        "Tentative: only the month is known (February 2025); in Nice or in one of the associated cities."),
    SeedActivity("academy-turin-2025", "police_academy",
        {"en": "Police Academy (4 days), Turin", "fr": "Académie de police (4 jours), Turin",
         "it": "Accademia di polizia (4 giorni), Torino"},
        "Turin", "IT", date(2025, 5, 1), date(2025, 5, 31),
        "Tentative: only the month is known (May 2025); the academy lasts 4 days.", ("en", "fr", "it")),
    SeedActivity("exchange-madrid-pride-2025", "police_exchange",
        {"en": "Police exchange: Madrid Pride", "fr": "Échange de polices : Madrid Pride",
         "es": "Intercambio de policías: Orgullo de Madrid"},
        "Madrid", "ES", date(2025, 6, 21), date(2025, 9, 22),
        "Tentative: only the season is known (summer 2025).", ("en", "fr", "es")),
    SeedActivity("workshops-anci-2025", "public_private_workshop",
        {"en": "ANCI workshops, Italy", "fr": "Ateliers ANCI, Italie", "it": "Workshop ANCI, Italia"},
        "Turin", "IT", date(2025, 1, 1), date(2025, 12, 31),
        "Tentative: only the year is known (2025); city in Italy to be announced.", ("en", "fr", "it")),
    SeedActivity("final-event-brussels-2025", "final_event",
        {"en": "PACTESUR 2 final event, Brussels", "fr": "Événement final de PACTESUR 2, Bruxelles",
         "nl": "Slotevenement van PACTESUR 2, Brussel"},
        "Brussels", "BE", date(2025, 6, 21), date(2025, 9, 22),
        "Tentative: only the season is known (summer 2025).", ("en", "fr", "nl")),
)  # fmt: skip


def values_of(seed: SeedActivity) -> dict[str, Any]:
    """The activity's field values: exact dates 09:00-18:00 local; tentative ones span the whole period."""
    zone = ZONES[seed.country]
    tentative = seed.tentative_note is not None
    starts = as_utc(datetime.combine(seed.first_day, time(0 if tentative else 9)), zone)
    ends = as_utc(
        datetime.combine(seed.last_day + timedelta(days=1), time(0))
        if tentative
        else datetime.combine(seed.last_day, time(18)),
        zone,
    )
    return {
        "kind": seed.kind,
        "titles": seed.titles,
        "status": "tentative" if tentative else "confirmed",
        "tentative_note": seed.tentative_note,
        "host_city": seed.host_city,
        "country": seed.country,
        "venue_name": "Venue to be announced",
        "venue_address": f"{seed.host_city}, {seed.country}",
        "timezone": zone,
        "starts_at": starts,
        "ends_at": ends,
        "nomination_deadline": starts - DEADLINE_BEFORE,
        "working_languages": seed.languages,
        "interpretation": (),
        "capacity": CAPACITY,
        "city_quota": CITY_QUOTA,
        "reminder_days": DEFAULT_REMINDER_DAYS,
    }
