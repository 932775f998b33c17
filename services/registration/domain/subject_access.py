"""The subject access export (GDPR art. 15) as the person receives it: one ZIP with one JSON file per
service, a README.txt saying what each holds, and for a service that did not answer a file saying so,
so that an incomplete export can never pass for a complete one."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from shared.subject_access import SubjectAccess

SERVICES = ("registration", "scheduling", "notifications")
HOLDS = {
    "registration": "the call for expressions of interest: applications sent from the address (the form, "
    "status, staff's questions and the answers, reviews), city contacts where the address is a focal point, "
    "deputy or contact, staff accounts, sign-in links and sessions, and the audit log entries about the person",
    "scheduling": "the programme: nominations to Police Academies, exchanges and workshops (with their "
    "reminders), and scheduling's copy of the city contacts",
    "notifications": "the emails: every delivery to the address (subject, status, when sent, text), "
    "unsubscriptions, bounce reports and the staff notification profile",
}
"""What each service's file holds, in the README."""


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes


def missing_file(service: str) -> str:
    return f"MISSING-{service}.txt"


def readme(email: str, generated_at: datetime, answered: dict[str, SubjectAccess], missing: dict[str, str]) -> str:
    lines = [
        "PACTESUR 2 platform: the personal data held about one email address",
        "",
        f"Address: {email}",
        f"Generated at: {generated_at.isoformat()} (UTC)",
        "",
        "Each service keeps its own data; each file holds one service's records, by kind (mostly one",
        "database table), each record as stored.",
        "",
    ]
    for service in SERVICES:
        if service in answered:
            lines.append(f"{service}.json: {HOLDS[service]} ({answered[service].count()} records).")
        else:
            lines.append(f"{missing_file(service)}: {service} did not answer ({missing[service]}); "
                         "its data is NOT in this export. Ask again later.")  # fmt: skip
    return "\n".join(lines) + "\n"


def export_zip(
    email: str, generated_at: datetime, answered: dict[str, SubjectAccess], missing: dict[str, str]
) -> Export:
    """The ZIP: `<service>.json` for each service that answered, `MISSING-<service>.txt` for the others."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(email, generated_at, answered, missing))
        for service, answer in answered.items():
            text = json.dumps(answer.model_dump(mode="json"), indent=2, ensure_ascii=False)
            archive.writestr(f"{service}.json", text)
        for service, reason in missing.items():
            archive.writestr(missing_file(service), f"{service} did not answer: {reason}\n")
    return Export(filename(generated_at), buffer.getvalue())


def filename(generated_at: datetime) -> str:
    """The download's name: no address in it (file names end up in logs and download folders)."""
    return f"pactesur-personal-data-{generated_at:%Y%m%d-%H%M%S}.zip"
