"""Writing a MIME message straight to bytes: headers (RFC 5322, RFC 2047 encoded words) and parts (RFC 2045/2046).

Not the `email` package: building an EmailMessage parses and folds every header through
email.headerregistry, set_content() picks and applies a transfer encoding in Python, and aiosmtplib
flattened the whole again before sending; that was about a quarter of the notifications' CPU. Our
messages have one fixed shape, so they are written as bytes once, and binascii does the encoding.

What is written is 7-bit: bodies are UTF-8 in quoted-printable (mostly ASCII text) or base64 (text
mostly in other scripts: Greek, Bulgarian...), lines of at most 76 characters, CRLF line breaks (the
canonical form of text, so a body decodes to the text given, its line breaks as CRLF). Header text
that is not plain ASCII is written as base64 encoded words of at most 75 characters, one per line,
cut between characters and carrying their spaces (whitespace between encoded words is not text).
Only an address that is itself UTF-8 is written as UTF-8 (RFC 6532: the sender then asks for SMTPUTF8).
A value with CR or LF is refused (ValueError): it could add a header. A boundary is "=_" and 128
random bits: "=_" never occurs in quoted-printable or base64, so no part can contain its boundary,
and nothing of the content decides it.
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass

CRLF = b"\r\n"
LINE = 78
"""RFC 5322's recommended line length, without the CRLF."""
LONGEST_LINE = 998
"""RFC 5322's limit: a value with no space to fold at (a long URL) may exceed LINE up to this."""
ENCODED_LINE = 76
"""RFC 2047 (section 2): a header line holding an encoded word is at most 76 characters."""
WORD = 75
"""RFC 2047: an encoded word is at most 75 characters."""
BASE64_LINE = 76
_PREFIX, _SUFFIX = "=?utf-8?b?", "?="
_NON_ASCII = bytes(range(128, 256))
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")
"""A display name of these characters (RFC 5322 atext and spaces) needs no quotes."""
_ADDRESS = re.compile(r"[^\s\x00-\x1f\x7f<>()\[\],;:\\\"]+@[^\s\x00-\x1f\x7f<>()\[\],;:\\\"@]+")
"""One bare address (addr-spec without quoted local part): nothing a header could read as another."""


@dataclass(frozen=True, slots=True)
class Part:
    """A MIME part: its header lines (each ending in CRLF) and its encoded body."""

    headers: bytes
    body: bytes

    def __bytes__(self) -> bytes:
        return self.headers + CRLF + self.body


def text_part(subtype: str, text: str, **params: str) -> Part:
    """text/`subtype` in UTF-8; any line break in `text` (CRLF, LF or a lone CR) is sent as CRLF."""
    encoding, body = encode_text(text)
    content_type = f'Content-Type: text/{subtype}; charset="utf-8"{_params(params)}\r\n'
    return Part(f"{content_type}Content-Transfer-Encoding: {encoding}\r\n".encode("ascii"), body)


def attachment_part(content_type: str, data: bytes, filename: str, **params: str) -> Part:
    """An attachment, in base64."""
    headers = (
        f"Content-Type: {content_type}{_params(params)}\r\n"
        f'Content-Disposition: attachment; filename="{_param_value(filename)}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
    )
    return Part(headers.encode("ascii"), _base64(data))


def multipart(subtype: str, parts: list[Part]) -> Part:
    """multipart/`subtype` of `parts`, with a fresh random boundary."""
    boundary = "=_" + secrets.token_hex(16)
    delimiter = b"--" + boundary.encode("ascii")
    body = b"".join([delimiter + CRLF + bytes(part) + CRLF for part in parts]) + delimiter + b"--" + CRLF
    return Part(f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n'.encode("ascii"), body)


def encode_text(text: str) -> tuple[str, bytes]:
    """(Content-Transfer-Encoding, body): quoted-printable unless base64 is shorter.

    Quoted-printable takes 3 characters per non-ASCII byte, base64 4 per 3 bytes: base64 wins once
    more than about a sixth of the bytes are non-ASCII (two-byte scripts, mostly)."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    non_ascii = len(data) - len(data.translate(None, _NON_ASCII))
    if non_ascii * 6 <= len(data):
        return "quoted-printable", binascii.b2a_qp(data, istext=True).replace(b"\n", CRLF)
    return "base64", _base64(data.replace(b"\n", CRLF))


def _base64(data: bytes) -> bytes:
    encoded = binascii.b2a_base64(data, newline=False)
    return b"".join([encoded[i : i + BASE64_LINE] + CRLF for i in range(0, len(encoded), BASE64_LINE)])


def header(name: str, value: str) -> bytes:
    """A header of printable ASCII (a date, an identifier, a URL in <>), folded at spaces if it can be."""
    refuse_line_breaks(name, value)
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"{name}: only printable ASCII is written as is, not {value!r}")
    if (folded := _folded(name, value)) is not None:
        return folded
    if len(name) + 2 + len(value) > LONGEST_LINE:
        raise ValueError(f"{name}: longer than {LONGEST_LINE} characters with no space to fold at")
    return f"{name}: {value}\r\n".encode("ascii")


def unstructured(name: str, value: str) -> bytes:
    """A header of text (Subject): as is when it is plain ASCII and folds at spaces, else in encoded words."""
    refuse_line_breaks(name, value)
    if _plain(value) and (folded := _folded(name, value)) is not None:
        return folded
    return f"{name}: {_join(encoded_words(value, ENCODED_LINE - len(name) - 2))}\r\n".encode("ascii")


def mailbox(name: str, display_name: str, address: str) -> bytes:
    """`Name: display name <address>`, or the bare address when there is no name (To, From)."""
    refuse_line_breaks(name, display_name)
    refuse_line_breaks(name, address)
    if _ADDRESS.fullmatch(address) is None:
        raise ValueError(f"{name}: not one address: {address!r}")
    if not display_name:
        return f"{name}: {address}\r\n".encode()
    if _plain(display_name):
        phrase = display_name if _ATOM.fullmatch(display_name) else _quoted(display_name)
        if (folded := _folded(name, f"{phrase} <{address}>", encoding="utf-8")) is not None:
            return folded
    words = encoded_words(display_name, ENCODED_LINE - len(name) - 2)
    last_line = len(words[-1]) + 1 if len(words) > 1 else len(name) + 2 + len(words[0])
    separator = " " if last_line + len(address) + 3 <= ENCODED_LINE else "\r\n "
    return f"{name}: {_join(words)}{separator}<{address}>\r\n".encode()


def encoded_words(text: str, room: int) -> list[str]:
    """`text` in base64 encoded words: the first at most `room` characters, the others `WORD`.

    Cut between characters, never inside one (RFC 2047 section 5: each word decodes on its own)."""
    data = text.encode()
    words, start = [], 0
    room = max(room, 24)
    while start < len(data):
        end = min(start + (room - len(_PREFIX) - len(_SUFFIX)) // 4 * 3, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        words.append(_PREFIX + binascii.b2a_base64(data[start:end], newline=False).decode("ascii") + _SUFFIX)
        start, room = end, WORD
    return words


def refuse_line_breaks(name: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name}: header values may not contain CR or LF: {value!r}")


def _join(words: list[str]) -> str:
    return "\r\n ".join(words)


def _plain(text: str) -> bool:
    """Whether `text` reads the same written as is: printable ASCII, nothing a parser would decode
    ("=?") or drop (leading, trailing or doubled spaces)."""
    return text.isascii() and text.isprintable() and "=?" not in text and "  " not in text and text.strip(" ") == text


def _folded(name: str, value: str, encoding: str = "ascii") -> bytes | None:
    """`Name: value` in lines of at most LINE characters, folded before spaces; None if a word is too long."""
    line = f"{name}: {value}"
    if len(line) <= LINE:
        return f"{line}\r\n".encode(encoding)
    first, *rest = value.split(" ")
    lines = [f"{name}: {first}"]
    for word in rest:
        if len(lines[-1]) + 1 + len(word) <= LINE:
            lines[-1] += " " + word
        else:
            lines.append(" " + word)
    if any(len(line) > LINE for line in lines):
        return None
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _params(params: dict[str, str]) -> str:
    return "".join(f'; {name}="{_param_value(value)}"' for name, value in params.items())


def _param_value(value: str) -> str:
    if not (value.isascii() and value.isprintable()) or '"' in value or "\\" in value:
        raise ValueError(f"not a parameter value: {value!r}")
    return value
