"""The one id parser of every entry point: ASCII digits, at least 1, within PostgreSQL's bigint."""

import argparse

import pytest

from harver_integration.ids import MAX_ID, id_argument, parse_id


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), ("42", 42), ("007", 7), (str(MAX_ID), MAX_ID)]
)
def test_it_reads_ascii_digits(text: str, expected: int) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "0",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.0",
        "1e3",
        "²",  # superscript two: str.isdigit() is true, int() raises
        "1²",
        "٣",  # Arabic-Indic three: int() reads it as 3, another row's id
        "\uff11",  # fullwidth one
        str(MAX_ID + 1),  # one past bigint: PostgreSQL raises rather than finding nothing
        "99999999999999999999999",
        "9" * 400,
        "9" * 5000,  # past Python's own limit on int() of a string
        "\x00",
        "1\x00",
        "abc",
    ],
)
def test_it_refuses_what_is_not_an_id(text: str | None) -> None:
    assert parse_id(text) is None


def test_the_command_argument_names_the_refused_value() -> None:
    assert id_argument("12") == 12
    with pytest.raises(argparse.ArgumentTypeError, match="'²' is not an id"):
        id_argument("²")
