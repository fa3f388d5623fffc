"""Money and periods as procurement codes write them (codelint/numbers.py): what the
threshold and notice rules compare depends on reading them right, and on not reading a
year, a clause number or a policy note as money."""

from __future__ import annotations

import pytest

from codelint.numbers import find_amounts, find_periods, format_money


@pytest.mark.parametrize(
    ("text", "value", "currency", "precision"),
    [
        ("above £173,934 must", 173_934, "GBP", 1),
        ("the £174k threshold", 174_000, "GBP", 1_000),
        ("173,934 pounds", 173_934, "GBP", 1),
        ("| Services | 173,934 |", 173_934, None, 1),
        ("€5,186,000 for works", 5_186_000, "EUR", 1),
        ("works over £4.7m", 4_700_000, "GBP", 100_000),
        ("up to £1.2 million", 1_200_000, "GBP", 100_000),
        ("£25,000.00 or more", 25_000, "GBP", 1),
        ("GBP 30,000", 30_000, "GBP", 1),
        ("£ 5,000", 5_000, "GBP", 1),
        ("goods and services £214 904", 214_904, "GBP", 1),
        ("works £5\u202f372\u202f609", 5_372_609, "GBP", 1),
    ],
)
def test_amounts_in_the_forms_codes_use(
    text: str, value: float, currency: str | None, precision: float
) -> None:
    (amount,) = find_amounts(text)
    assert amount.value == value
    assert amount.currency == currency
    assert amount.precision == precision
    assert text[amount.start : amount.end].strip() == amount.text


@pytest.mark.parametrize(
    "text",
    [
        "under the Public Contracts Regulations 2015",
        "PPN 06/20 and PPN 002",
        "Regulation 33(1)",
        "call 0300 000 0000",
        "rule 4.2.1",
        "ten 2015 contracts",
    ],
)
def test_no_money_in_years_clause_numbers_and_notes(text: str) -> None:
    assert find_amounts(text) == []


def test_spaced_thousands_only_after_a_currency_sign() -> None:
    assert find_amounts("between 100 200 and 300") == []
    assert [a.value for a in find_amounts("£100 200 and £300")] == [100_200, 300]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("six weeks' consultation", 42),
        ("twenty-eight days", 28),
        ("three (3) months' notice", 90),
        ("10 working days", 14),
        ("one calendar month's notice", 30),
        ("two clear months", 60),
        ("14 clear days", 14),
        ("a fortnight's notice", 14),
        ("Two  Calendar  Months", 60),
        ("1 year", 365),
        ("from 1 March to 21 March", 20),
        ("between 3 January and 14 February 2026", 42),
        ("will open on 2 March and close on 27 March", 25),
        ("open for comment 1-19 September 2026", 18),
        ("3 to 24 May", 21),
    ],
)
def test_periods(text: str, days: float) -> None:
    (period,) = find_periods(text)
    assert period.days == days


def test_a_rate_is_not_a_period() -> None:
    assert find_periods("opening reduced to 32 hours a week") == []
    assert find_periods("grants of £200 a month") == []
    assert [p.text for p in find_periods("respite limited to one week a year")] == ["one week"]
    assert [p.days for p in find_periods("the Council will give a month's notice")] == [30]
    # the second "a week" is a rate; "three days" is still read as a length
    texts = [p.text for p in find_periods("consultation for a week, three days a week")]
    assert texts == ["a week", "three days"]


def test_no_period_without_a_fixed_length() -> None:
    assert find_periods("two business months") == []
    assert find_periods("the Council's annual review") == []


def test_money_is_printed_as_codes_print_it() -> None:
    assert format_money(207_720) == "£207,720"
    assert format_money(1234.5) == "£1,234.50"
    assert format_money(5_186_000, "EUR") == "€5,186,000"
