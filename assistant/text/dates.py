"""The dates a reader means: months, ranges, "last week" and "the latest" in a question, as article dates.

`dates_meant(question, dates)` reads the question against the dates of the
indexed articles (`dates`, ISO days) and returns the publication dates it
means; pipeline.py prefers the articles of those dates (their sentences weigh
more as evidence) but never filters the others out, for the only article that
answers may be of another date. The words it reads:

- a month, "in May" or "in May 2015": the articles of that month; without a
  year, of the newest year whose articles include that month (news is read
  in its own time: "in May" in a question over 2015 articles is May 2015);
- a range of months: "between August and September", "from May to August",
  "before September", "after August", "since August";
- "last week", "last month", "this month", "this year": counted back from
  the newest article's date, the collection's "now";
- "the latest", "most recent", "newest": the newest article that bears on
  the question (pipeline.py prefers it and says its date). "Recently" and
  "lately" are not dates: they say when something happened, not which
  articles to read.

A year alone ("the 2022 prize") or a day ("on 5 August") is not read as a
filter: it is a fact of the event, which articles of other days report, and
evidence scoring already asks for it. Nothing here reads the index.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from .words import MONTH_PATTERN, MONTHS

MONTH = "(?P<{0}>" + MONTH_PATTERN + ")"
YEAR = r"(?:,?\s+(?P<{0}>(?:19|20)\d\d))?"
ONE = re.compile(r"\b(?:in|during|of|throughout)\s+(?:early\s+|late\s+|mid-?)?" + MONTH.format("m") + YEAR.format("y")
                 + r"(?!\s*\d)", re.I)  # fmt: skip
RANGE = re.compile(r"\b(?:between|from)\s+" + MONTH.format("m1") + YEAR.format("y1") + r"\s+(?:and|to|until)\s+"
                   + MONTH.format("m2") + YEAR.format("y2") + r"(?!\s*\d)", re.I)  # fmt: skip
OPEN = re.compile(r"\b(?P<side>before|after|since|until)\s+" + MONTH.format("m") + YEAR.format("y") + r"(?!\s*\d)",
                  re.I)  # fmt: skip
RELATIVE = re.compile(r"\b(?P<which>last|past|this)\s+(?P<unit>week|month|year)\b", re.I)
LATEST = re.compile(
    r"\b(?:(?:(?:in|from|of)\s+)?(?:the\s+)?(?:latest|newest|most\s+recent(?:ly)?)"
    r"(?:\s+(?:articles?|reports?|news|stor(?:y|ies)|one))?)\b",
    re.I,
)


@dataclass(frozen=True)
class DatesMeant:
    date_from: str = ""  # ISO day, inclusive
    date_to: str = ""
    latest: bool = False  # "the latest": the newest article that bears on the question
    said: str = ""  # the words of the question that meant it ("in May", "last week")

    def __bool__(self) -> bool:
        return bool(self.date_from or self.date_to or self.latest)

    def strip(self, question: str) -> str:
        """The question without the words that meant the dates: "What did he say in May?" -> "What did he say?"

        >>> DatesMeant("2015-05-01", "2015-05-31", said="in May").strip("What did he say in May about it?")
        'What did he say about it?'
        >>> q = "What did Lavrov say in the latest article about Syria?"
        >>> dates_meant(q, ["2015-05-30"]).strip(q)
        'What did Lavrov say about Syria?'
        """
        if not self.said:
            return question
        out = " ".join(question.replace(self.said, " ").split())
        return re.sub(r"\s+([?.,])", r"\1", out)

    def describe(self) -> str:
        """'2015-05-01 to 2015-05-31 ("in May")' for the reader."""
        span = " to ".join(d for d in (self.date_from, self.date_to) if d)
        if self.date_from and not self.date_to:
            span = f"from {self.date_from}"
        elif self.date_to and not self.date_from:
            span = f"up to {self.date_to}"
        return f'{span} ("{self.said}")' if span else f'the newest article ("{self.said}")'


def names_dates(question: str) -> bool:
    """Whether the question has words `dates_meant` reads: a month, a range, "last week", "the latest".

    >>> names_dates("What did Lavrov propose in May?"), names_dates("What did Lavrov propose?")
    (True, False)
    """
    return any(p.search(question) for p in (RANGE, OPEN, ONE, RELATIVE, LATEST))


def dates_meant(question: str, dates: list[str]) -> DatesMeant:
    """What dates the question means, against the indexed articles' dates; empty when it names none.

    >>> d = ["2015-05-30", "2015-08-05", "2015-09-27"]
    >>> dates_meant("What happened in May?", d)
    DatesMeant(date_from='2015-05-01', date_to='2015-05-31', latest=False, said='in May')
    >>> dates_meant("How did it change between August and September?", d).describe()
    '2015-08-01 to 2015-09-30 ("between August and September")'
    >>> dates_meant("What did Lavrov say last week?", d).date_from, dates_meant("the latest on Syria?", d).latest
    ('2015-09-20', True)
    >>> bool(dates_meant("Who won the 2022 Nobel Prize?", d)), bool(dates_meant("the May 5 meeting", d))
    (False, False)
    >>> bool(dates_meant("What did Turkey recently decide about its air bases?", d))
    False
    """
    days = sorted(d for d in dates if re.fullmatch(r"\d{4}-\d\d-\d\d", d or ""))
    if not days:
        return DatesMeant()
    newest = datetime.date.fromisoformat(days[-1])
    if m := RANGE.search(question):
        y2 = _year(m["m2"], m["y2"], days)
        y1 = int(m["y1"]) if m["y1"] else (y2 if _month(m["m1"]) <= _month(m["m2"]) else y2 - 1)
        return DatesMeant(_first(y1, _month(m["m1"])), _last(y2, _month(m["m2"])), said=m[0])
    if m := OPEN.search(question):
        year, month = _year(m["m"], m["y"], days), _month(m["m"])
        if m["side"].lower() == "before":
            return DatesMeant(date_to=(_day(_first(year, month)) - datetime.timedelta(days=1)).isoformat(), said=m[0])
        if m["side"].lower() == "until":
            return DatesMeant(date_to=_last(year, month), said=m[0])
        start = _first(year, month) if m["side"].lower() == "since" else _last(year, month, after=True)
        return DatesMeant(date_from=start, said=m[0])
    if m := ONE.search(question):
        year, month = _year(m["m"], m["y"], days), _month(m["m"])
        return DatesMeant(_first(year, month), _last(year, month), said=m[0])
    if m := RELATIVE.search(question):
        unit, which = m["unit"].lower(), m["which"].lower()
        if which == "this":
            start = newest.replace(day=1) if unit == "month" else newest.replace(month=1, day=1)
            if unit == "week":
                start = newest - datetime.timedelta(days=newest.weekday())
        else:
            start = newest - datetime.timedelta(days={"week": 7, "month": 30, "year": 365}[unit])
        return DatesMeant(start.isoformat(), newest.isoformat(), said=m[0])
    if m := LATEST.search(question):
        return DatesMeant(latest=True, said=m[0])
    return DatesMeant()


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _year(month_word: str, year: str | None, days: list[str]) -> int:
    """The year given, else the newest year whose articles fall in that month, else the newest article's year."""
    if year:
        return int(year)
    month = _month(month_word)
    years = [int(d[:4]) for d in days if int(d[5:7]) == month]
    return max(years) if years else int(days[-1][:4])


def _first(year: int, month: int) -> str:
    return datetime.date(year, month, 1).isoformat()


def _last(year: int, month: int, after: bool = False) -> str:
    """The month's last day (`after`: the day after it)."""
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    return (last + datetime.timedelta(days=1)).isoformat() if after else last.isoformat()


def _day(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)
