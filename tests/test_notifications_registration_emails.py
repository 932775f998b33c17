"""End to end over the real stack, driven through the registration API: "send the link again"
(EditLinkRequested) and a freed place (PlaceOffered, then CitySignedUp) become emails to the
application's own contact in their language."""

from __future__ import annotations

from tests.registration_helpers import ADMIN, apply, email, form, last_event, new_call, staff_move, stage, token_of


async def test_link_request_mails_the_edit_link_to_the_original_contact(client, db, smtp_sink):
    slug = await new_call(client)
    original = email()
    body = form(original)
    application_id = await apply(client, slug, original, city=body["city"])
    await smtp_sink.wait_for(lambda m: original in m.rcpt_tos, timeout=30)  # the confirmation

    asked = await client.post(f"/api/v1/calls/{slug}/link-requests", json={"city": body["city"], "country": "PL"})
    assert asked.status_code == 202, asked.text
    requested = await last_event(db, "EditLinkRequested", application_id)

    [mail] = await smtp_sink.wait_for(
        lambda m: original in m.rcpt_tos and m.subject.startswith("Link do Państwa zgłoszenia"), timeout=30
    )
    assert list(mail.rcpt_tos) == [original] and mail.language == "pl"
    assert mail.subject == f"Link do Państwa zgłoszenia: {body['city']} – PACTESUR 2"
    assert requested.edit_url in mail.text_body and f'href="{requested.edit_url}"' in mail.html_body
    assert "Zgodnie z prośbą przesyłamy link" in mail.text_body
    assert mail.message["List-Unsubscribe"] is None


async def test_freed_place_is_offered_by_email_then_the_sign_up_is_welcomed(client, db, smtp_sink):
    slug = await new_call(client, quota=1)
    selected, waitlisted = email(), email()
    first = await apply(client, slug, selected)
    second = await apply(client, slug, waitlisted, language="lv", contact_name="Anna Bērziņa")
    for application_id in (first, second):
        await staff_move(client, application_id, "under_review", "shortlisted")
    assert (await stage(client, first, "selected")).status_code == 200
    assert (await stage(client, second, "waitlisted")).status_code == 200
    assert (await client.post(f"/api/v1/staff/calls/{slug}/release", headers=ADMIN)).status_code == 200
    decision = await last_event(db, "DecisionReleased", first)
    declined = await client.post(f"/api/v1/cities/signup/{token_of(decision.signup_url)}/decline")
    assert declined.status_code == 200 and declined.json()["place_offered_to_next"] is True
    offer = await last_event(db, "PlaceOffered", second)

    [mail] = await smtp_sink.wait_for(
        lambda m: waitlisted in m.rcpt_tos and m.subject.startswith("Brīva vieta pilsētai"), timeout=30
    )
    assert mail.language == "lv" and mail.subject == f"Brīva vieta pilsētai {offer.city} – PACTESUR 2"
    assert offer.signup_url in mail.text_body and f'href="{offer.signup_url}"' in mail.html_body
    assert "Anna Bērziņa" in mail.text_body

    joined = await client.post(f"/api/v1/cities/signup/{token_of(offer.signup_url)}", json={"accept_terms": True})
    assert joined.status_code in (200, 201), joined.text
    [welcome] = await smtp_sink.wait_for(
        lambda m: waitlisted in m.rcpt_tos and m.subject.startswith("Laipni lūdzam PACTESUR 2"), timeout=30
    )
    assert f"{offer.city} tagad ir pierakstīta PACTESUR 2 kā asociētā pilsēta." in welcome.text_body
