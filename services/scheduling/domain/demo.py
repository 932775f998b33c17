"""The demo programme: three activities dated from a given day, so that `make run` has something to
nominate to (the real calendar, domain/programme.py, is history). Not part of PACTESUR 2: every title
starts with "[Demo]" ("[Démo]" in French) and every seed key with "demo-".

- a Police Academy four weeks ahead, nominations open for two weeks, one place per city (a second
  nominee of a city is waitlisted at once), three days of sessions;
- a police exchange at a big event six weeks ahead, two places per city;
- a public/private security workshop eight weeks ahead, two places per city.

Dated from the day the demo is first seeded: seeding again adds nothing and moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from services.scheduling.domain.activities import DEFAULT_REMINDER_DAYS

TIMEZONE = "Europe/Brussels"
"""Where "today" is counted (the programme's office)."""
PREFIX = {"en": "[Demo] ", "fr": "[Démo] ", "it": "[Demo] "}
DAY_STARTS, DAY_ENDS = time(9), time(18)


@dataclass(frozen=True)
class DemoSession:
    day: int
    """0 for the activity's first day."""
    starts: time
    ends: time
    room: str
    titles: dict[str, str]


@dataclass(frozen=True)
class DemoActivity:
    key: str
    kind: str
    titles: dict[str, str]
    host_city: str
    country: str
    timezone: str
    venue_name: str
    venue_address: str
    starts_in: int
    """Days from today to the first day."""
    days: int
    nominations_for: int
    """Days from today to the nomination deadline (at the end of that day, at the venue)."""
    capacity: int
    city_quota: int
    languages: tuple[str, ...]
    interpretation: tuple[str, ...]
    sessions: tuple[DemoSession, ...]


@dataclass(frozen=True)
class DemoSeed:
    """A demo activity's field values (naive times are the venue's) and its sessions' values."""

    key: str
    values: dict[str, Any]
    sessions: tuple[dict[str, Any], ...]


def _session(day: int, starts: str, ends: str, room: str, en: str, fr: str) -> DemoSession:
    return DemoSession(day, time.fromisoformat(starts), time.fromisoformat(ends), room, {"en": en, "fr": fr})


DEMO: tuple[DemoActivity, ...] = (
    DemoActivity(
        "demo-academy", "police_academy",
        {"en": "Police Academy: protecting public spaces, Brussels",
         "fr": "Académie de police : protéger les espaces publics, Bruxelles"},
        "Brussels", "BE", "Europe/Brussels", "Demo police training centre",
        "1 Rue de l'Exemple, 1000 Brussels, Belgium",
        starts_in=28, days=3, nominations_for=14, capacity=6, city_quota=1, languages=("en", "fr"),
        interpretation=(),
        sessions=(
            _session(0, "09:30", "12:30", "Auditorium", "Opening: threats to public spaces",
                     "Ouverture : les menaces sur les espaces publics"),
            _session(0, "14:00", "17:30", "Room 1", "Crowd management at large events",
                     "Gestion des foules lors des grands événements"),
            _session(1, "09:30", "12:30", "Site visit", "Hostile vehicle mitigation: a site visit",
                     "Protection contre les véhicules-béliers : visite de terrain"),
            _session(1, "14:00", "17:00", "Room 1", "Table-top exercise", "Exercice sur table"),
            _session(2, "09:30", "12:30", "Auditorium", "Lessons learnt and closing",
                     "Enseignements et clôture"),
        ),
    ),
    DemoActivity(
        "demo-exchange-marathon", "police_exchange",
        {"en": "Police exchange: the city marathon, Turin", "fr": "Échange de polices : le marathon de la ville, Turin",
         "it": "Scambio di polizie: la maratona della città, Torino"},
        "Turin", "IT", "Europe/Rome", "Municipal police headquarters (demo)",
        "Via dell'Esempio 1, 10100 Turin, Italy",
        starts_in=42, days=3, nominations_for=28, capacity=8, city_quota=2, languages=("en", "it"),
        interpretation=("fr",),
        sessions=(
            _session(0, "10:00", "12:00", "Briefing room", "Briefing: the event's security plan",
                     "Briefing : le plan de sécurité de l'événement"),
            _session(1, "09:00", "17:00", "Race course", "Joint patrols during the marathon",
                     "Patrouilles conjointes pendant le marathon"),
            _session(2, "10:00", "12:00", "Briefing room", "Debriefing", "Débriefing"),
        ),
    ),
    DemoActivity(
        "demo-workshop", "public_private_workshop",
        {"en": "Public/private security workshop, Liège", "fr": "Atelier sécurité public/privé, Liège"},
        "Liège", "BE", "Europe/Brussels", "Demo conference centre",
        "1 Place de l'Exemple, 4000 Liège, Belgium",
        starts_in=56, days=2, nominations_for=42, capacity=20, city_quota=2, languages=("en", "fr"),
        interpretation=(),
        sessions=(
            _session(0, "14:00", "17:30", "Room A", "Private security at public events",
                     "La sécurité privée lors des événements publics"),
            _session(1, "09:30", "12:30", "Room A", "Working together: agreements and drills",
                     "Travailler ensemble : accords et exercices"),
        ),
    ),
)  # fmt: skip


def demo_programme(today: date) -> tuple[DemoSeed, ...]:
    """The demo activities dated from `today`: 09:00 on the first day to 18:00 on the last, at the venue."""
    return tuple(_seed(activity, today) for activity in DEMO)


def _seed(activity: DemoActivity, today: date) -> DemoSeed:
    first = today + timedelta(days=activity.starts_in)
    values = {
        "kind": activity.kind,
        "titles": {lang: PREFIX[lang] + title for lang, title in activity.titles.items()},
        "status": "confirmed",
        "tentative_note": None,
        "host_city": activity.host_city,
        "country": activity.country,
        "venue_name": activity.venue_name,
        "venue_address": activity.venue_address,
        "timezone": activity.timezone,
        "starts_at": datetime.combine(first, DAY_STARTS),
        "ends_at": datetime.combine(first + timedelta(days=activity.days - 1), DAY_ENDS),
        "nomination_deadline": datetime.combine(today + timedelta(days=activity.nominations_for), time(23, 59)),
        "working_languages": activity.languages,
        "interpretation": activity.interpretation,
        "capacity": activity.capacity,
        "city_quota": activity.city_quota,
        "reminder_days": DEFAULT_REMINDER_DAYS,
    }
    sessions = tuple(
        {
            "starts_at": datetime.combine(first + timedelta(days=s.day), s.starts),
            "ends_at": datetime.combine(first + timedelta(days=s.day), s.ends),
            "room": s.room,
            "titles": s.titles,
            "speaker": None,
        }
        for s in activity.sessions
    )
    return DemoSeed(activity.key, values, sessions)
