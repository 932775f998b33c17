"""The public form in a real browser: headless Debian Chromium driven by Playwright, in French.

Chromium comes from the system (`apt-get install chromium`, done by `make test`); Playwright's own
browser download cannot work here. Missing Chromium fails the test with what to install.
"""

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from services.registration.domain.programme import SLUG

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` (make test does)")
    return CHROMIUM


@pytest.fixture
async def page(chromium):
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        context = await browser.new_context(locale="fr-FR")
        page = await context.new_page()
        page.set_default_timeout(30_000)
        yield page
        await browser.close()


async def test_french_form_submits_then_shows_field_errors_in_french(stack, page, smtp_sink):
    base = stack["registration"].url
    await page.goto(f"{base}/calls/{SLUG}/apply?lang=fr")
    assert await page.locator("html").get_attribute("lang") == "fr"
    assert await page.locator("h1").inner_text() == "PACTESUR 2 – Appel à manifestation d'intérêt : villes associées"

    city = f"Xàbia {uuid.uuid4().hex[:6]}"
    contact = f"navigateur-{uuid.uuid4().hex[:8]}@xabia.example.eu"
    await page.get_by_label("Ville *").fill(city)
    await page.get_by_label("Pays *").select_option("ES")
    await page.get_by_label("Population").fill("28000")
    await page.get_by_label("Nom *").fill("Lucía Ferrer")
    await page.get_by_label("E-mail *").fill(contact)
    await page.get_by_label("Langue préférée *").select_option("fr")
    await page.get_by_label("Motivation *").fill("Le festival d'été attire 100 000 personnes sur le front de mer.")
    await page.get_by_label("Notre ville s'engage à participer aux trois Académies de police.").check()
    await page.get_by_label("J'accepte que l'Efus traite les données", exact=False).check()
    await page.get_by_role("button", name="Envoyer la candidature").click()

    await page.wait_for_url("**/received?lang=fr")
    assert await page.locator("h1").inner_text() == "Candidature reçue"
    assert "a bien été reçue" in await page.get_by_role("status").inner_text()

    # the same form, sent without its required answers and with a bad address: errors next to the fields
    await page.goto(f"{base}/calls/{SLUG}/apply?lang=fr")
    await page.get_by_label("E-mail *").fill("pas-une-adresse")
    await page.get_by_role("button", name="Envoyer la candidature").click()
    alert = page.get_by_role("alert")
    await alert.wait_for()
    assert "Veuillez corriger les champs signalés ci-dessous." in await alert.inner_text()
    assert await page.locator("#city-error").inner_text() == "Ce champ est obligatoire."
    assert await page.locator("#contact_email-error").inner_text() == "Veuillez saisir une adresse e-mail valide."
    assert await page.locator("#consent-error").inner_text() == "Veuillez donner votre consentement pour continuer."
    assert await page.get_by_label("Ville *").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("E-mail *").input_value() == "pas-une-adresse"  # answers are kept

    # the first submission really went through: its confirmation email arrives
    await asyncio.wait_for(smtp_sink.wait_for(lambda m: contact in m.rcpt_tos, timeout=30), 40)


@pytest.mark.parametrize("language", ["de", "ro", "mt"])
async def test_the_form_in_a_newly_spoken_language_in_chromium(stack, page, smtp_sink, language):
    """German, Romanian, Maltese: labels, a field error and the confirmation page in that language."""
    from services.registration.web.texts import Texts
    from tests.registration_helpers import form

    words = Texts(language)
    base = stack["registration"].url
    await page.goto(f"{base}/calls/{SLUG}/apply?lang={language}")
    assert await page.locator("html").get_attribute("lang") == language
    label = await page.locator("label[for=language]").inner_text()
    assert words("Preferred language") in label and words("Preferred language") != "Preferred language"

    await page.locator("#contact_email").fill("not-an-address")
    await page.locator("form button[type=submit]").last.click()
    await page.get_by_role("alert").wait_for()
    assert await page.locator("#city-error").inner_text() == words("This field is required.")

    contact = f"browser-{language}-{uuid.uuid4().hex[:8]}@city.example.eu"
    await page.goto(f"{base}/calls/{SLUG}/apply?lang={language}")
    for name, value in form(contact, language=language).items():
        field = page.locator(f"#{name}")
        if value is True:
            await field.check()
        elif await field.evaluate("element => element.tagName") == "SELECT":
            await field.select_option(str(value))
        else:
            await field.fill(str(value))
    await page.locator("form button[type=submit]").last.click()
    await page.wait_for_url(f"**/received?lang={language}")
    assert await page.locator("html").get_attribute("lang") == language
    assert await page.locator("h1").inner_text() == words("Application received")
    [mail] = await smtp_sink.wait_for(lambda m: contact in m.rcpt_tos, timeout=40)
    assert mail.language == language
