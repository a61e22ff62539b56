"""Reading a roster file (no database): encodings, separators, header names and role words in
Swedish and English, the errors that need no database."""

import pytest

from onboarding import roster


def parse(text: str):
    return roster.parse(text, max_rows=100)


def test_excel_utf8_with_bom_and_semicolons_and_swedish_headers():
    data = "\ufeffNamn;E-post;Användarnamn;Roll\r\nÅsa Öberg;Asa.Oberg@Example.se;;Student\r\nBjörn Ängström;bjorn@example.se;bjorn;Lärare\r\n"
    rows = parse(roster.decode(data.encode("utf-8")))
    assert [(r.first_name, r.last_name, r.email, r.username, r.role) for r in rows] == [
        ("Åsa", "Öberg", "Asa.Oberg@Example.se", "", "student"),
        ("Björn", "Ängström", "bjorn@example.se", "bjorn", "teacher"),
    ]
    assert [r.line for r in rows] == [2, 3]


def test_swedish_excel_plain_csv_is_windows_1252():
    data = "namn;e-post\r\nÖrjan Åkesson;orjan@example.se\r\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    (row,) = parse(roster.decode(data))
    assert (row.first_name, row.last_name) == ("Örjan", "Åkesson")


def test_english_headers_with_commas_and_first_and_last_name_columns():
    rows = parse('First name,Last name,Email,Role\n"Anna Maria",Svensson,anna@example.se,Instructor\n')
    assert (rows[0].first_name, rows[0].last_name, rows[0].role) == ("Anna Maria", "Svensson", "teacher")


def test_text_pasted_from_a_spreadsheet_is_tab_separated():
    rows = parse("name\temail\tlanguage\nKim Lee\tkim@example.se\tEnglish\n\n")
    assert (rows[0].name, rows[0].email, rows[0].language) == ("Kim Lee", "kim@example.se", "en")


def test_registry_style_last_name_comma_first_name():
    assert roster.split_name("Öberg, Åsa") == ("Åsa", "Öberg")
    assert roster.split_name("  Anna  Maria   Svensson ") == ("Anna Maria", "Svensson")
    assert roster.split_name("Madonna") == ("Madonna", "")


def test_an_unknown_role_word_is_an_error_of_that_row_only():
    rows = parse("namn;e-post;roll\nA B;a@example.se;rektor\nC D;c@example.se;elev\n")
    assert rows[0].errors == ["Okänd roll ”rektor” (student eller lärare)."]
    assert rows[1].errors == [] and rows[1].role == "student"


def test_a_file_without_a_name_and_email_header_is_refused_with_what_was_found():
    with pytest.raises(roster.RosterError, match="Hittade: asa@example.se;Åsa"):
        parse("asa@example.se;Åsa\n")
    with pytest.raises(roster.RosterError, match="tom"):
        parse("\n\n")
    with pytest.raises(roster.RosterError, match="inte en textfil"):
        roster.decode(b"PK\x03\x04\x00\x00binary")


def test_too_many_rows_are_refused():
    text = "namn;e-post\n" + "".join(f"P {i};p{i}@example.se\n" for i in range(5))
    with pytest.raises(roster.RosterError, match="Högst 3 rader"):
        roster.parse(text, max_rows=3)


def test_usernames_made_from_addresses_are_ascii():
    assert roster.username_base("åsa.öberg@example.se", "") == "asa.oberg"
    assert roster.username_base("", "Björn Ängström") == "bjorn.angstrom"


def test_the_example_file_of_the_readme_and_the_import_page_reads_without_errors():
    from django.conf import settings

    data = (settings.BASE_DIR / "static" / "onboarding" / "deltagare-exempel.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = parse(roster.decode(data))
    assert [(r.name, r.role, r.language, r.errors) for r in rows] == [
        ("Åsa Öberg", "student", "sv", []),
        ("Björn Ängström", "teacher", "", []),
        ("Kim Lee", "student", "en", []),
    ]
