"""The demo city: an application to the call that staff select and whose focal point signs up, so that a
newcomer to `make run` can sign in as a city and nominate (workflows/demo.py takes it through the
same workflows as any city). It is no part of the real programme: its name says "Demo".

Its addresses are on an example domain: with `make run` every email to them lands in the local mailbox.
"""

from __future__ import annotations

from services.registration.domain.applications import CONSENT, ApplicationForm
from services.registration.domain.cities import ContactsInput

ACTOR = "demo seed"
"""Who the audit log names for the staff steps the demo takes (selection, contacts)."""
NAME, COUNTRY = "Demo City", "LU"
FOCAL_POINT = "focal-point@demo-city.pactesur.example.eu"
DEPUTY = "deputy@demo-city.pactesur.example.eu"

APPLICATION = ApplicationForm(
    city=NAME,
    country=COUNTRY,
    region="Demo region",
    population=120_000,
    contact_name="Dana Demo",
    contact_role="Head of municipal police (demo)",
    contact_email=FOCAL_POINT,
    language="en",
    motivation="A demo city of the local stack: it applies, is selected and signs up so that the city portal "
    "can be tried (nominations, waitlist, invitations).",
    commit_police_academies=True,
    commit_host_exchange=True,
    consent=True,
)

CONTACTS = ContactsInput.model_validate(
    {
        "contacts": [
            {"designation": "focal_point", "name": "Dana Demo", "email": FOCAL_POINT, "language": "en",
             "role": "Head of municipal police (demo)"},
            {"designation": "deputy", "name": "Dominique Démo", "email": DEPUTY, "language": "fr",
             "role": "Deputy head of municipal police (demo)"},
        ]
    }
)  # fmt: skip
"""The demo city's contacts once signed up: the applicant as focal point, and a deputy (French)."""


def consent_text(retention_days: int) -> str:
    """The consent the demo applicant "agrees to": the English text of the form (its language)."""
    return CONSENT % {"days": retention_days}
