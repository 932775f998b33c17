"""The MIME writer (mail/mime, mail/message) read back by Python's own parser.

Every header decodes to the value given and every part to the text given (its line breaks as CRLF,
text's canonical form), in every script, with very long subjects, names and unbroken lines; every
line is within its limit and the message is 7-bit; CR or LF in a header value is refused.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications.mail.message import build_message
from services.notifications.mail.mime import mailbox

DATE = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
ADDRESS = "no-reply@pactesur.efus.eu"
RECIPIENT = "anna.berzina@riga.example.eu"
UNSUBSCRIBE = "https://notifications.pactesur.efus.eu/unsubscribe?token=" + "Ab1_-" * 40
ICS = "\r\n".join(
    ["BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:REQUEST", "BEGIN:VEVENT", "SUMMARY:Académie – Αθήνα", "END:VEVENT"]
    + ["END:VCALENDAR", ""]
)

FRENCH = (
    "Bonjour Camille,\n\nNous avons bien reçu la candidature de Lyon à PACTESUR 2 – villes associées. "
    "L’équipe d’Efus l’examinera et vous écrira sous quinze jours.\n\n« À bientôt ! »\n"
)
GREEK = "Αγαπητέ/ή Νίκος Παπαδόπουλος,\n\nΛάβαμε την αίτηση της Αθήνας για το PACTESUR 2.\n"
BULGARIAN = "Уважаеми г-н Иванов,\n\nПолучихме заявлението на София за PACTESUR 2.\n"
POLISH = "Szanowna Pani,\n\nZgodnie z prośbą przesyłamy link: zażółć gęślą jaźń.\n"
EMOJI = "Merci 🎉🇪🇺 — see you 👋🏽 in Nice 🌊\n"

SUBJECTS = {
    "ascii": "Your application to PACTESUR 2 was received",
    "french": "Votre candidature à PACTESUR 2 – villes associées a bien été reçue",
    "greek": "Λάβαμε την αίτησή σας για το PACTESUR 2 – Αθήνα",
    "bulgarian": "Получихме заявлението ви за PACTESUR 2 – София",
    "polish": "Zażółć gęślą jaźń – PACTESUR 2, Łódź",
    "emoji": "🎉 Bienvenue 🇪🇺 à PACTESUR 2 👋🏽",
    "long ascii": " ".join(["Associated cities of PACTESUR 2, second call, reminder"] * 8),
    "long unbroken ascii": "x" * 300,
    "long greek": "Ευχαριστούμε για την αίτησή σας, καλή συνέχεια σε όλους " * 6,
    "long emoji": "👋🏽🎉" * 60,
    "lookalike encoded word": "=?utf-8?q?not_an_encoded_word?= stays as typed",
    "spaces": "  two  spaces  and ends ",
    "specials": 'Re: "quoted" (comment) <angle> a@b, c; d\\e',
    "empty": "",
}
NAMES = {
    "none": "",
    "ascii": "PACTESUR 2",
    "specials": 'Efus, "PACTESUR 2" (Nice)',
    "french": "PACTESUR 2 – Efus",
    "greek": "Ευρωπαϊκό Φόρουμ για την Αστική Ασφάλεια",
    "bulgarian": "Европейски форум за градска сигурност",
    "emoji": "PACTESUR 2 🇪🇺",
    "long ascii": "The European Forum for Urban Security and the PACTESUR 2 associated cities network",
    "long polish": "Europejskie Forum Bezpieczeństwa Miejskiego – zażółć gęślą jaźń – sieć PACTESUR 2",
}
BODIES = {
    "french": (FRENCH, f"<p>{FRENCH}</p>"),
    "greek": (GREEK, f"<p>{GREEK}</p>"),
    "bulgarian": (BULGARIAN, f"<p>{BULGARIAN}</p>"),
    "polish": (POLISH, f"<p>{POLISH}</p>"),
    "emoji": (EMOJI, f"<p>{EMOJI}</p>"),
    "long unbroken lines": ("x" * 5000 + "\n" + "é" * 3000 + "\n", "<a href='" + "https://a.eu/" * 400 + "'>"),
    "qp lookalikes": ("a=b =3D =\n.\n..\nFrom here\nend with space \ttab\t\n", "no final line break  "),
    "line breaks": ("crlf\r\nlone cr\rlf\n\n\r\n", "\r\n\r\n"),
    "empty": ("", "<p></p>"),
}


def message(*, sender=f"PACTESUR 2 <{ADDRESS}>", subject="Subject", text="text\n", html="<p>html</p>", **more):
    fields = dict(
        sender=sender,
        recipient=RECIPIENT,
        subject=subject,
        text=text,
        html=html,
        language="fr",
        message_id="<0f1e2d3c@pactesur.efus.eu>",
        date=DATE,
        unsubscribe_url=UNSUBSCRIBE,
    )
    return build_message(**fields | more)


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def sender_of(display_name: str) -> str:
    """What the settings' MAIL_FROM looks like: the name quoted as needed, as is (not RFC 2047)."""
    if not display_name:
        return ADDRESS
    return '"' + display_name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{ADDRESS}>'


def display_name_of(raw: bytes) -> str:
    """The From header's display name as RFC 2047 reads it.

    Encoded, it is read with email.header.decode_header: the header registry's phrase parser keeps the
    folding space between two adjacent encoded words of a display name as a space, where RFC 2047
    (section 6.2) ignores it, so a name longer than one encoded word would read with a stray space."""
    read = parsed(raw)
    value = email.message_from_bytes(raw, policy=email.policy.compat32)["From"]
    if "=?" not in value:
        return read["From"].addresses[0].display_name
    return "".join(chunk.decode(charset) for chunk, charset in email.header.decode_header(value) if charset)


def canonical(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def assert_well_formed(raw: bytes) -> None:
    """7-bit, CRLF only, header lines within 78 characters (76 with an encoded word; longer only for one
    word with no space to fold at, the unsubscribe link), body lines within 76."""
    assert raw.isascii()
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    head, _, body = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        assert len(line) <= (76 if b"=?" in line else 78) or b" " not in line.partition(b": ")[2].strip(), line
        assert all(len(word) <= 75 for word in re.findall(rb"=\?utf-8\?b\?[^?]*\?=", line)), line
    assert all(len(line) <= 76 for line in body.split(b"\r\n")), max(body.split(b"\r\n"), key=len)


def assert_reads_back(mail, *, display_name: str, subject: str, text: str, html: str) -> None:
    assert_well_formed(mail.data)
    read = parsed(mail.data)
    assert [part.defects for part in read.walk()] == [[] for _ in read.walk()]
    [sender] = read["From"].addresses
    assert sender.addr_spec == ADDRESS and mail.sender == ADDRESS and display_name_of(mail.data) == display_name
    if len(display_name.encode()) <= 30:
        assert sender.display_name == display_name
    assert read.get_all("To") == [RECIPIENT] and mail.recipient == RECIPIENT
    assert str(read["Subject"]) == subject
    assert read["Date"].datetime == DATE
    assert read["Message-ID"] == "<0f1e2d3c@pactesur.efus.eu>"
    assert read["Auto-Submitted"] == "auto-generated"
    assert read["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert read["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert read["MIME-Version"] == "1.0" and read["Content-Language"] == "fr"
    assert [part.get_content_type() for part in read.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    plain, rich = read.iter_parts()
    assert plain.get_content_charset() == rich.get_content_charset() == "utf-8"
    assert plain["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    assert plain.get_content() == canonical(text) and rich.get_content() == canonical(html)


@pytest.mark.parametrize("name", NAMES, ids=list(NAMES))
@pytest.mark.parametrize("subject", SUBJECTS, ids=list(SUBJECTS))
def test_headers_read_back_as_given(name, subject):
    display_name, value = NAMES[name], SUBJECTS[subject]
    mail = message(sender=sender_of(display_name), subject=value, text=FRENCH, html=f"<p>{FRENCH}</p>")
    assert_reads_back(mail, display_name=display_name, subject=value, text=FRENCH, html=f"<p>{FRENCH}</p>")


@pytest.mark.parametrize("body", BODIES, ids=list(BODIES))
def test_bodies_read_back_as_given(body):
    text, html = BODIES[body]
    mail = message(text=text, html=html)
    assert_reads_back(mail, display_name="PACTESUR 2", subject="Subject", text=text, html=html)


def test_plain_ascii_headers_stay_readable_and_scripts_choose_their_encoding():
    raw = message(subject=SUBJECTS["long ascii"], text=FRENCH, html=f"<p>{GREEK * 3}</p>").data
    head = raw.partition(b"\r\n\r\n")[0].decode()
    assert "From: PACTESUR 2 <no-reply@pactesur.efus.eu>\r\n" in head and "=?" not in head
    assert "Subject: Associated cities of PACTESUR 2, second call, reminder Associated\r\n cities" in head
    plain, rich = parsed(raw).iter_parts()
    assert (plain["Content-Transfer-Encoding"], rich["Content-Transfer-Encoding"]) == ("quoted-printable", "base64")


def test_no_unsubscribe_headers_without_a_link():
    read = parsed(message(unsubscribe_url=None).data)
    assert read["List-Unsubscribe"] is None and read["List-Unsubscribe-Post"] is None


INVITATION_PARTS = [
    "multipart/mixed",
    "multipart/alternative",
    "text/plain",
    "text/html",
    "text/calendar",
    "application/ics",
]
"""An invitation's parts in order: alternative[text, HTML, calendar] and the invite.ics attachment."""


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitation_is_mixed_with_the_calendar_alternative_and_attachment(method):
    mail = message(subject=SUBJECTS["greek"], text=GREEK, html=f"<p>{GREEK}</p>", calendar=ICS, calendar_method=method)
    assert_well_formed(mail.data)
    read = parsed(mail.data)
    assert [part.get_content_type() for part in read.walk()] == INVITATION_PARTS
    assert str(read["Subject"]) == SUBJECTS["greek"] and read["Content-Language"] == "fr"
    alternative, attachment = read.iter_parts()
    plain, rich, calendar = alternative.iter_parts()
    assert plain.get_content() == canonical(GREEK) and rich.get_content() == canonical(f"<p>{GREEK}</p>")
    assert calendar.get_content() == ICS and calendar.get_param("method") == method
    assert attachment.get_filename() == "invite.ics" and attachment.get_param("method") == method
    assert attachment.get_content_disposition() == "attachment" and attachment.get_content() == ICS.encode()
    assert [attachment] == list(read.iter_attachments())


def test_the_method_defaults_to_request():
    read = parsed(message(calendar=ICS).data)
    assert {part.get_param("method") for part in read.walk() if "calendar" in part.get_content_type()} == {"REQUEST"}


def test_boundaries_are_fresh_and_cannot_occur_in_a_part():
    first, second = message(calendar=ICS).data, message(calendar=ICS).data
    boundaries = re.findall(rb'boundary="([^"]+)"', first)
    assert len(set(boundaries)) == 2 and not set(boundaries) & set(re.findall(rb'boundary="([^"]+)"', second))
    text = "--" + boundaries[0].decode() + "\n" + "=_" * 10
    mail = message(text=text)
    assert parsed(mail.data).get_body(("plain",)).get_content() == canonical(text)


@pytest.mark.parametrize(
    "field",
    [
        {"sender": f"Eve\r\nBcc: attacker@evil.example.org <{ADDRESS}>"},
        {"recipient": "anna@riga.example.eu\r\nBcc: attacker@evil.example.org"},
        {"recipient": "anna@riga.example.eu, attacker@evil.example.org"},
        {"subject": "Hello\r\nBcc: attacker@evil.example.org"},
        {"subject": "Hello\nBcc: attacker@evil.example.org"},
        {"subject": "Hello\rBcc: attacker@evil.example.org"},
        {"message_id": "<x@y>\r\nBcc: attacker@evil.example.org"},
        {"unsubscribe_url": "https://x.eu/\r\nBcc: attacker@evil.example.org"},
        {"language": "fr\nBcc: attacker@evil.example.org"},
        {"calendar": ICS, "calendar_method": 'REQUEST"\r\nBcc: attacker@evil.example.org'},
    ],
    ids=lambda field: ",".join(field),
)
def test_cr_lf_in_a_header_value_is_refused(field):
    with pytest.raises(ValueError):
        message(**field)


def test_a_utf8_address_is_written_as_utf8():
    mail = message(recipient="zażółć@łódź.example.pl")
    assert mail.recipient == "zażółć@łódź.example.pl" and "To: zażółć@łódź.example.pl\r\n".encode() in mail.data


one_line_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=300)


@settings(max_examples=300, deadline=None)
@given(subject=one_line_text, text=st.text(max_size=2000), html=st.text(min_size=1, max_size=2000))
def test_any_unicode_reads_back(subject, text, html):
    mail = message(subject=subject, text=text, html=html)
    assert_well_formed(mail.data)
    read = parsed(mail.data)
    assert str(read["Subject"]) == subject
    plain, rich = read.iter_parts()
    assert plain.get_content() == canonical(text) and rich.get_content() == canonical(html)


@settings(max_examples=300, deadline=None)
@given(display_name=one_line_text)
def test_any_display_name_reads_back(display_name):
    raw = mailbox("From", display_name, ADDRESS) + b"\r\n"
    assert_well_formed(raw)
    assert parsed(raw)["From"].addresses[0].addr_spec == ADDRESS and display_name_of(raw) == display_name


@settings(max_examples=100, deadline=None)
@given(subject=st.tuples(st.text(max_size=50), st.sampled_from("\r\n"), st.text(max_size=50)).map("".join))
def test_any_line_break_in_a_subject_is_refused(subject):
    with pytest.raises(ValueError):
        message(subject=subject)


def test_a_notice_without_html_goes_as_text_only():
    """A staff notice listed in a coalesced email has no HTML part of its own; resent alone, it is text."""
    read = email.message_from_bytes(message(text=FRENCH, html="").data, policy=email.policy.default)
    assert [part.get_content_type() for part in read.walk()] == ["multipart/alternative", "text/plain"]
    assert read.get_body(("plain",)).get_content() == canonical(FRENCH)
