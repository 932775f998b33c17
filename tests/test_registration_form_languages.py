"""The applicant form over the real stack in languages it did not speak before (German, Romanian,
Maltese): its labels, a field error after a bad submit, and the confirmation page in that language."""

import uuid

import pytest

from tests.registration_helpers import form, new_call
from tests.test_registration_web import csrf_of

WORDS = {
    "de": ("Bevorzugte Sprache", "Bitte geben Sie eine gültige E-Mail-Adresse ein.", "Vielen Dank"),
    "ro": ("Limba preferată", "Vă rugăm să introduceți o adresă de e-mail validă.", "Vă mulțumim"),
    "mt": ("Lingwa ppreferuta", "Jekk jogħġbok daħħal indirizz tal-email validu.", "Grazzi"),
}


def _posted(answers: dict, token: str) -> dict:
    flat = {k: ("yes" if v is True else str(v)) for k, v in answers.items() if v is not False}
    return flat | {"csrf_token": token}


@pytest.mark.parametrize("language", sorted(WORDS))
async def test_the_form_its_errors_and_its_confirmation_in_the_language(client, language):
    label, error, thanks = WORDS[language]
    slug = await new_call(client)
    page = await client.get(f"/calls/{slug}/apply", params={"lang": language})
    assert page.status_code == 200 and f'<html lang="{language}">' in page.text and label in page.text
    answers = form(f"lang-{uuid.uuid4().hex[:8]}@city.example.eu", language=language)
    bad = await client.post(
        f"/calls/{slug}/apply?lang={language}", data=_posted(answers | {"contact_email": "nope"}, csrf_of(page))
    )
    assert bad.status_code == 422 and error in bad.text
    done = await client.post(
        f"/calls/{slug}/apply?lang={language}", data=_posted(answers, csrf_of(bad)), follow_redirects=True
    )
    assert done.status_code == 200 and f'<html lang="{language}">' in done.text and thanks in done.text
