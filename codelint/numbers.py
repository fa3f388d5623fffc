"""Money amounts and periods of time, as procurement documents write them.

Regular expressions over the block text, not spaCy patterns: money has too many surface
forms (``£173,934``, ``£174k``, ``£4.3m``, ``173,934 pounds``, ``GBP 213,477``, a bare
``173,934`` in a table whose header says £) for token patterns to stay cheap, and a regex
pass over a block costs microseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20,
    "twenty-one": 21, "twenty-eight": 28, "thirty": 30, "forty": 40, "forty-five": 45,
    "sixty": 60, "ninety": 90, "a": 1, "an": 1,
}  # fmt: skip

MULTIPLIERS = {
    "k": 1_000, "K": 1_000, "thousand": 1_000,
    "m": 1_000_000, "M": 1_000_000, "million": 1_000_000, "mn": 1_000_000,
    "bn": 1_000_000_000, "billion": 1_000_000_000,
}  # fmt: skip

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
#: After a currency sign, thousands may also be grouped by a space, no-break or thin space
#: ("£214 904", as typeset PDFs and some web pages print them).
_SPACED = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.])"
_MULT = r"(?:\s?(?:k|K|m|M|mn|bn)\b|\s(?:thousand|million|billion)\b)?"
_MONEY = re.compile(
    rf"""
    (?P<prefix>£\s?|€\s?|\bGBP\s?|\bEUR\s?)(?P<n1>{_SPACED}|{_NUMBER})(?P<m1>{_MULT})
    | (?<![\w.,£€])(?P<n2>{_NUMBER})(?P<m2>{_MULT})\s?(?P<suffix>pounds\b|GBP\b|euros?\b|EUR\b)
    | (?<![\w.,£€/])(?P<n3>\d{{1,3}}(?:,\d{{3}})+)(?:\.\d\d)?(?![\w,]|\.\d)
    """,
    re.VERBOSE,
)

_UNIT_DAYS = {
    "day": 1.0, "calendar day": 1.0, "clear day": 1.0, "working day": 1.4, "business day": 1.4,
    "week": 7.0, "clear week": 7.0, "working week": 7.0, "fortnight": 14.0,
    "month": 30.0, "calendar month": 30.0, "clear month": 30.0, "year": 365.0,
}  # fmt: skip
_PERIOD = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|(?:twenty|thirty|forty|sixty|ninety)-\w+|"
    + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
    + r")(?:\s*\(\d+\))?[\s-]+"
    r"(?P<unit>(?:calendar|clear|working|business)\s+(?:days?|weeks?|months?)"
    r"|days?|weeks?|fortnights?|months?|years?)\b",
    re.IGNORECASE,
)


#: What comes before "a week" or "a month" when it is a rate: a quantity ("32 hours",
#: "£200", "three days", "twice").
_RATE_BEFORE = re.compile(
    r"(?:\d[\d,.]*\s*(?:[a-z]+\s+)?|\b(?:hours?|days?|weeks?|times|sessions|nights|visits|once|twice)\s+)$",
    re.IGNORECASE,
)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"],
        start=1,
    )
}  # fmt: skip
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE_RANGE = re.compile(
    rf"\b(?:from|between)\s+{_DAY}\s+{_MONTH}(?:\s+(\d{{4}}))?\s+(?:to|until|till|and|-|–)\s+"
    rf"{_DAY}\s+{_MONTH}(?:\s+(\d{{4}}))?",
    re.IGNORECASE,
)
#: The same span said by its opening and closing: "will open on 2 March and close on 27 March".
_OPEN_CLOSE = re.compile(
    rf"\b(?:opens?|opening|runs?|running|starts?|starting|begins?|beginning)\s+on\s+{_DAY}\s+{_MONTH}"
    rf"(?:\s+(\d{{4}}))?\s+(?:and|,)\s+(?:will\s+)?(?:closes?|closing|ends?|ending|finish(?:es)?)\s+on\s+"
    rf"{_DAY}\s+{_MONTH}(?:\s+(\d{{4}}))?",
    re.IGNORECASE,
)
#: Two days of one month: "open for comment 1-19 September 2026", "3 to 24 May".
_DAY_SPAN = re.compile(
    rf"\b{_DAY}\s*(?:-|–|to|until)\s*{_DAY}\s+{_MONTH}(?:\s+(\d{{4}}))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Amount:
    """A sum of money found in text."""

    start: int
    end: int
    value: float
    #: "GBP", "EUR" or None for a bare grouped number (173,934) with no currency written.
    currency: str | None
    #: The rounding the written form implies: 1 for "£173,934", 1000 for "£174k".
    precision: float
    text: str


@dataclass(frozen=True)
class Period:
    """A length of time found in text, with its length in days for comparison."""

    start: int
    end: int
    value: float
    unit: str
    days: float
    text: str


def _currency(prefix: str | None, suffix: str | None) -> str | None:
    mark = (prefix or suffix or "").strip().lower()
    if mark in ("£", "gbp", "pounds"):
        return "GBP"
    if mark in ("€", "eur", "euro", "euros"):
        return "EUR"
    return None


def _precision(number: str, multiplier: int) -> float:
    if "." in number:
        decimals = len(number.split(".")[1])
        unit = 10.0**-decimals
    else:
        digits = number.replace(",", "")
        trailing = len(digits) - len(digits.rstrip("0"))
        unit = 10.0 ** min(trailing, max(len(digits) - 1, 0)) if multiplier > 1 else 1.0
    return max(unit * multiplier, 1.0)


def find_amounts(text: str) -> list[Amount]:
    """Every sum of money in ``text``, in order."""
    found: list[Amount] = []
    for match in _MONEY.finditer(text):
        groups = match.groupdict()
        for n in ("1", "2", "3"):
            number = groups[f"n{n}"]
            if number is None:
                continue
            mult_text = (groups.get(f"m{n}") or "").strip()
            multiplier = MULTIPLIERS.get(mult_text, 1)
            number = re.sub(r"[ \u00a0\u202f]", "", number)
            value = float(number.replace(",", "")) * multiplier
            currency = _currency(groups.get("prefix"), groups.get("suffix")) if n != "3" else None
            found.append(
                Amount(
                    start=match.start(),
                    end=match.end(),
                    value=value,
                    currency=currency,
                    precision=_precision(number, multiplier),
                    text=match.group(0).strip(),
                )
            )
            break
    return found


def _word_value(word: str) -> float | None:
    word = word.lower()
    if word[0].isdigit():
        return float(word)
    if word in WORD_NUMBERS:
        return float(WORD_NUMBERS[word])
    if "-" in word:
        tens, _, ones = word.partition("-")
        if tens in WORD_NUMBERS and ones in WORD_NUMBERS:
            return float(WORD_NUMBERS[tens] + WORD_NUMBERS[ones])
    return None


_UNIT_WORD = re.compile(
    r"day|week|fortnight|month|year|january|february|march|april|may|june|july|august|september|october|november|december",
    re.IGNORECASE,
)


def find_periods(text: str) -> list[Period]:
    """Every period of days, weeks, months or years in ``text``, in order."""
    found: list[Period] = []
    if not _UNIT_WORD.search(text):
        return found  # most blocks name no period: skip the long alternation below
    for match in _PERIOD.finditer(text):
        value = _word_value(match.group("num"))
        if value is None:
            continue
        if match.group("num").lower() in ("a", "an") and _RATE_BEFORE.search(
            text, max(0, match.start() - 40), match.start()
        ):
            continue  # "32 hours a week", "£200 a month": a rate, not a length of time
        unit = " ".join(match.group("unit").lower().split()).rstrip("s")
        if unit not in _UNIT_DAYS:  # "business month", "working month": no fixed length
            continue
        found.append(
            Period(
                start=match.start(),
                end=match.end(),
                value=value,
                unit=unit,
                days=value * _UNIT_DAYS[unit],
                text=match.group(0),
            )
        )
    found.extend(_date_ranges(text))
    found.sort(key=lambda p: p.start)
    return found


def _date_ranges(text: str) -> list[Period]:
    """Periods written as a span of dates: "from 1 March to 21 March" is 20 days."""
    import datetime as dt

    periods = []
    spans = [(m, m.groups()) for m in _DATE_RANGE.finditer(text)]
    spans += [(m, m.groups()) for m in _OPEN_CLOSE.finditer(text)]
    for m in _DAY_SPAN.finditer(text):
        day1, day2, month, year = m.groups()
        spans.append((m, (day1, month, year, day2, month, year)))
    for match, (day1, month1, year1, day2, month2, year2) in spans:
        year_b = int(year2 or year1 or 2001)
        year_a = int(year1 or year_b)
        try:
            start = dt.date(year_a, _MONTHS[month1.lower()], int(day1))
            end = dt.date(year_b, _MONTHS[month2.lower()], int(day2))
        except ValueError:
            continue
        if end < start and not year1 and not year2:
            end = end.replace(year=end.year + 1)
        if end < start:
            continue
        days = float((end - start).days)
        periods.append(Period(match.start(), match.end(), days, "day", days, match.group(0)))
    return periods


def format_money(value: float, currency: str | None = "GBP") -> str:
    """``207720`` -> ``£207,720`` (pence only where there are any)."""
    symbol = {"GBP": "£", "EUR": "€"}.get(currency or "GBP", "")
    if value == int(value):
        return f"{symbol}{int(value):,}"
    return f"{symbol}{value:,.2f}"
