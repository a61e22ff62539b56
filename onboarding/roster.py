"""Reading a roster: CSV bytes or pasted text -> rows of (name, email, username, role, language).

Pure parsing, no database: what a teacher's spreadsheet holds, made regular. Accepted as they
come out of the tools teachers use: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"),
Windows-1252 (Swedish Excel's plain "CSV"), `;` (Excel with Swedish settings), `,` or a tab (text
pasted from a spreadsheet); header names and role words in Swedish or English, any case.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# Header names (lower case, spaces and underscores and dashes removed) -> field.
HEADERS = {
    "name": "name",
    "namn": "name",
    "fullname": "name",
    "fullständigtnamn": "name",
    "firstname": "first_name",
    "givenname": "first_name",
    "förnamn": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "efternamn": "last_name",
    "email": "email",
    "mail": "email",
    "emailaddress": "email",
    "epost": "email",
    "epostadress": "email",
    "mejl": "email",
    "username": "username",
    "user": "username",
    "login": "username",
    "användarnamn": "username",
    "användare": "username",
    "role": "role",
    "roll": "role",
    "language": "language",
    "lang": "language",
    "språk": "language",
}
STUDENT, TEACHER = "student", "teacher"
ROLE_WORDS = {
    "": STUDENT,
    "student": STUDENT,
    "students": STUDENT,
    "studenter": STUDENT,
    "elev": STUDENT,
    "learner": STUDENT,
    "deltagare": STUDENT,
    "teacher": TEACHER,
    "teachers": TEACHER,
    "lärare": TEACHER,
    "instructor": TEACHER,
    "teachingassistant": TEACHER,
    "ta": TEACHER,
    "assistent": TEACHER,
    "lärarassistent": TEACHER,
    "handledare": TEACHER,
    "examinator": TEACHER,
}
LANGUAGE_WORDS = {"": "", "sv": "sv", "svenska": "sv", "swedish": "sv", "en": "en", "engelska": "en", "english": "en"}


class RosterError(ValueError):
    """The whole file cannot be read (no header, no email column, not text)."""


@dataclass
class RosterRow:
    line: int
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    username: str = ""
    role: str = STUDENT
    language: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "username": self.username,
            "role": self.role,
            "language": self.language,
            "errors": list(self.errors),
        }


def _key(header: str) -> str:
    return re.sub(r"[\s_\-.]+", "", header.strip().lower())


def decode(data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped), else Windows-1252 as Swedish Excel saves it."""
    if b"\x00" in data[:4096]:
        raise RosterError(_("Filen är inte en textfil (spara den som CSV)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def split_name(full: str) -> tuple[str, str]:
    """'Åsa Öberg' -> ('Åsa', 'Öberg'); 'Öberg, Åsa' (as registries list people) -> the same."""
    full = " ".join(full.split())
    if "," in full:
        last, _sep, first = full.partition(",")
        return first.strip(), last.strip()
    first, _sep, last = full.rpartition(" ")
    return (first, last) if first else (last, "")


def parse(text: str, *, max_rows: int) -> list[RosterRow]:
    """Rows of the roster, each with the errors that can be seen without the database."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise RosterError(_("Filen är tom."))
    delimiter = _delimiter(lines[0])
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [_key(h) for h in next(reader)]
    columns = {HEADERS[h]: i for i, h in reversed(list(enumerate(header))) if h in HEADERS}
    if "email" not in columns or not ({"name", "first_name", "last_name"} & columns.keys()):
        raise RosterError(
            _(
                "Första raden ska vara rubriker med minst namn och e-post, till exempel "
                "”namn;e-post;användarnamn;roll”. Hittade: %(found)s"
            )
            % {"found": lines[0][:200]}
        )
    rows: list[RosterRow] = []
    for line_no, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= max_rows:
            raise RosterError(_("Högst %(n)d rader per import.") % {"n": max_rows})

        def cell(name: str, record: list[str] = record) -> str:
            i = columns.get(name)
            return " ".join(record[i].split()) if i is not None and i < len(record) else ""

        row = RosterRow(line=line_no)
        if "name" in columns and cell("name"):
            row.first_name, row.last_name = split_name(cell("name"))
        if cell("first_name") or cell("last_name"):
            row.first_name, row.last_name = cell("first_name"), cell("last_name")
        row.email = cell("email")
        row.username = cell("username")
        role_word = _key(cell("role"))
        language_word = _key(cell("language"))
        if role_word in ROLE_WORDS:
            row.role = ROLE_WORDS[role_word]
        else:
            row.errors.append(_("Okänd roll ”%(role)s” (student eller lärare).") % {"role": cell("role")})
        if language_word in LANGUAGE_WORDS:
            row.language = LANGUAGE_WORDS[language_word]
        else:
            row.errors.append(_("Okänt språk ”%(lang)s” (sv eller en).") % {"lang": cell("language")})
        rows.append(row)
    if not rows:
        raise RosterError(_("Filen har rubriker men inga rader."))
    return rows


def username_base(email: str, name: str) -> str:
    """A username from the address's local part (ASCII: å->a, ö->o), else from the name."""
    source = email.partition("@")[0] or name
    ascii_text = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode().lower()
    cleaned = re.sub(r"[^a-z0-9._-]+", "", ascii_text.replace(" ", "."))[:30].strip("._-")
    return cleaned or "user"
