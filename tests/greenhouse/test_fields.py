"""Custom-field ids (`level:name_key`) and values fit for each Greenhouse value type (§3.3)."""

import pytest

from greenhouse.fields import FieldId, FieldValueError, Level, field_value, parse_field_id
from greenhouse.unconfirmed import custom_fields_body


def test_it_reads_a_field_id():
    assert parse_field_id(" candidate:harver_score ") == FieldId(Level.CANDIDATE, "harver_score")
    assert str(parse_field_id("application:harver_report_2")) == "application:harver_report_2"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("harver_score", 'is "level:name_key"'),
        ("job:harver_score", 'must be "candidate" or "application"'),
        ("candidate:", "lowercase letters, digits and underscores"),
        ("candidate:Harver Score", "lowercase letters, digits and underscores"),
        ("candidate:a:b", "lowercase letters, digits and underscores"),
    ],
)
def test_it_names_what_is_wrong_with_a_field_id(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_field_id(text)


def test_numbers_are_integers():
    assert field_value("number", 82) == 82
    assert field_value("number", "81.6") == 82
    for bad in ("great fit", "nan", "inf", True):
        with pytest.raises(FieldValueError):
            field_value("number", bad)


def test_short_text_is_cut_to_254_characters_with_an_ellipsis():
    assert field_value("short_text", "Great fit") == "Great fit"
    assert field_value("short_text", "x" * 254) == "x" * 254
    cut = field_value("short_text", "y" * 300)
    assert isinstance(cut, str)
    assert len(cut) == 254
    assert cut == "y" * 253 + "…"


def test_long_text_and_urls():
    assert field_value("long_text", "z" * 5000) == "z" * 5000
    link = "https://integrations.harver.com/r/abc/"
    assert field_value("url", link) == link
    with pytest.raises(FieldValueError, match="not an absolute link"):
        field_value("url", "/r/abc/")


def test_single_select_takes_the_option_id_of_the_exact_name():
    options = {"Great fit": 501, "Good fit": 502}
    assert field_value("single_select", "Good fit", options) == 502
    with pytest.raises(FieldValueError, match='no option named "good fit"'):
        field_value("single_select", "good fit", options)


def test_other_value_types_are_refused():
    with pytest.raises(FieldValueError, match='type "date"'):
        field_value("date", "2026-01-01")


def test_the_patch_body_lists_the_values_by_name_key():
    assert custom_fields_body([("harver_score", 82), ("harver_fit", 502)]) == {
        "custom_fields": [
            {"name_key": "harver_score", "value": 82},
            {"name_key": "harver_fit", "value": 502},
        ]
    }
