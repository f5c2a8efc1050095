"""Beneficiary CSV: normalised numbers, kept columns, and every bad row reported by number."""
from __future__ import annotations

import pytest

from dialer.csv_import import parse_contacts
from grievance.errors import InvalidInput

DISTRICTS = {"lko": "LKO", "lucknow": "LKO", "लखनऊ": "LKO"}


def test_rows_are_normalised_and_extra_columns_kept() -> None:
    data = ("\ufeffName,Mobile,District,Scheme,Village,Language\n"
            "Asha Devi,098100 00001,Lucknow,PMAY,\"Rampur, Block 2\",en\n"
            "राम,+91-98100-00002,लखनऊ,उज्ज्वला,Sitapur,\n").encode()
    parsed = parse_contacts(data, DISTRICTS)
    assert parsed.rejected == [] and parsed.data_rows == 2
    first, second = parsed.rows
    assert (first.row, first.phone, first.district, first.language) == (2, "+919810000001", "LKO", "en")
    assert first.extra == {"village": "Rampur, Block 2"}
    assert (second.name, second.phone, second.scheme, second.language) == ("राम", "+919810000002", "उज्ज्वला", "hi")


def test_each_bad_row_is_reported_with_its_spreadsheet_row() -> None:
    data = ("name,phone,district\n"
            "A,9810000001,LKO\n"       # 2 ok
            "B,2212345678,LKO\n"       # 3 landline
            "\n"                        # 4 empty
            "C,9810000001,LKO\n"       # 5 duplicate of 2
            "\"D\nsecond line\",9810000004,LKO\n"  # 6 ok (quoted newline is one row)
            "E,9810000005\n"           # 7 missing a field
            ",9810000006,LKO\n"        # 8 no name
            "F,9810000007,Atlantis\n"  # 9 unknown district
            "G,,LKO\n").encode()       # 10 no phone
    parsed = parse_contacts(data, DISTRICTS)
    assert [r.row for r in parsed.rows] == [2, 6]
    assert [(r.row, r.reason.split(" ")[0]) for r in parsed.rejected] == [
        (3, "not"), (4, "empty"), (5, "duplicate:"), (7, "has"), (8, "no"), (9, "unknown"), (10, "no")]
    assert parsed.data_rows == 9


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"), (b"name,district\nA,LKO\n", "'phone'"), (b"\xff\xfe", "UTF-8"),
    (b"name,phone,Phone\n", "twice"), (b"name,phone\x00\n", "NUL"),
])
def test_unusable_files_are_refused(data: bytes, needle: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_contacts(data, DISTRICTS)
    assert needle in err.value.message


def test_an_unclosed_quote_loses_no_later_row() -> None:
    lines = ["name,phone"] + [f"Person {i},98123456{i:02d}" for i in range(11)]
    lines[4] = '"Person 3,9812345603'  # the quote is never closed
    data = ("\n".join(lines) + "\n").encode()
    parsed = parse_contacts(data, {})
    assert parsed.data_rows == 11
    assert [r.row for r in parsed.rejected] == [5]
    assert "quote" in parsed.rejected[0].reason
    assert len(parsed.rows) == 10
    assert [r.row for r in parsed.rows] == [2, 3, 4, 6, 7, 8, 9, 10, 11, 12]


def test_an_unclosed_quote_closed_rows_later_is_still_one_bad_row() -> None:
    data = ('name,phone\n"Ram,9812345601\nSita,9812345602\nGita",9812345603\nMohan,9812345604\n').encode()
    parsed = parse_contacts(data, {})
    assert parsed.data_rows == 4
    assert [r.row for r in parsed.rejected] == [2]
    assert [(r.row, r.name) for r in parsed.rows] == [(3, "Sita"), (4, 'Gita"'), (5, "Mohan")]


def test_a_real_multi_line_cell_in_an_extra_column_is_one_row() -> None:
    data = ('name,phone,address\nRam,9812345601,"House 4\nVillage Rampur"\nSita,9812345602,x\n').encode()
    parsed = parse_contacts(data, {})
    assert [(r.row, r.extra["address"]) for r in parsed.rows] == [(2, "House 4\nVillage Rampur"), (3, "x")]
