"""Tests for kg_builder.nlp.dates.find_dates (example sentences written for these tests)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg_builder.nlp.dates import DateMention, find_dates

FRIDAY = "2017-03-10"  # a Friday


def found(text: str, published: str | None = FRIDAY, lang: str = "ar") -> list[tuple[str, str | None, str | None]]:
    return [(m.text, m.value, m.precision) for m in find_dates(text, published, lang)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قصفت الطائرات القرية أمس", [("أمس", "2017-03-09", "day")]),
        ("وقع الهجوم البارحة", [("البارحة", "2017-03-09", "day")]),
        ("وقع الهجوم أول أمس", [("أول أمس", "2017-03-08", "day")]),
        ("وقع الهجوم مساء أمس", [("مساء أمس", "2017-03-09", "day")]),
        ("وقع الهجوم اليوم الجمعة", [("اليوم الجمعة", "2017-03-10", "day")]),
        ("وقع الهجوم يوم الجمعة", [("يوم الجمعة", "2017-03-10", "day")]),
        ("وقع الهجوم الخميس", [("الخميس", "2017-03-09", "day")]),
        ("وقع الهجوم فجر السبت", [("فجر السبت", "2017-03-04", "day")]),
        ("وقع الهجوم ليلة الجمعة الماضية", [("ليلة الجمعة الماضية", "2017-03-03", "day")]),
        ("وقع الهجوم ليل الأحد الاثنين", [("ليل الأحد الاثنين", "2017-03-05", "day")]),
        ("أعلن الجيش الاثنين أن الهجوم فشل", [("الاثنين", "2017-03-06", "day")]),
    ],
)
def test_relative_days_and_weekdays(text: str, expected: list) -> None:
    assert found(text) == expected


def test_the_two_is_not_monday() -> None:
    assert found("قتل الاثنين في الهجوم") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("في 5 يناير/كانون الثاني 2017", [("5 يناير/كانون الثاني 2017", "2017-01-05", "day")]),
        ("في 5 كانون الثاني", [("5 كانون الثاني", "2017-01-05", "day")]),
        ("في 20 تشرين الثاني", [("20 تشرين الثاني", "2016-11-20", "day")]),
        ("في 3 كانون الأول", [("3 كانون الأول", "2016-12-03", "day")]),
        ("في 10 من سبتمبر الماضي", [("10 من سبتمبر الماضي", "2016-09-10", "day")]),
        ("في الـ 10 من سبتمبر", [("الـ 10 من سبتمبر", "2016-09-10", "day")]),
        ("في الخامس من يناير", [("الخامس من يناير", "2017-01-05", "day")]),
        ("مطلع نيسان الحالي", [("مطلع نيسان الحالي", "2017-04", "month")]),
        ("في مارس 2018", [("مارس 2018", "2018-03", "month")]),
        ("في شباط الماضي", [("شباط الماضي", "2017-02", "month")]),
        ("في آذار الماضي", [("آذار الماضي", "2016-03", "month")]),
        ("الشهر الماضي", [("الشهر الماضي", "2017-02", "month")]),
        ("العام الماضي", [("العام الماضي", "2016", "year")]),
        ("منذ عام 2014", [("عام 2014", "2014", "year")]),
        ("في 10 آب 2016", [("10 آب 2016", "2016-08-10", "day")]),
        ("قبل أيام", [("قبل أيام", None, "relative")]),
        ("في 31 شباط", [("شباط", "2017-02", "month")]),  # no 31st: only the month is kept
    ],
)
def test_arabic_calendar_dates(text: str, expected: list) -> None:
    assert found(text) == expected


def test_ordinal_month_name_is_not_a_number_date() -> None:
    assert found("كانون الثاني الماضي") == [("كانون الثاني الماضي", "2017-01", "month")]


def test_ambiguous_ab_needs_context() -> None:
    assert found("زار أب الشهيد القرية") == []
    assert found("في شهر آب") == [("شهر آب", "2016-08", "month")]


def test_without_publication_date_no_year_is_invented() -> None:
    assert found("في 5 يناير", None) == [("5 يناير", "--01-05", "day")]
    assert found("يوم الجمعة", None) == [("يوم الجمعة", None, "relative")]
    assert found("أمس", None) == [("أمس", None, "relative")]
    assert found("في نيسان", None) == [("نيسان", None, "relative")]
    assert found("في 5 يناير 2017", None) == [("5 يناير 2017", "2017-01-05", "day")]


def test_bare_counts_are_not_years() -> None:
    assert found("قتل 2000 مقاتل") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It happened yesterday", [("yesterday", "2017-03-09", "day")]),
        ("on Friday night", [("Friday night", "2017-03-10", "day")]),
        ("last Friday", [("last Friday", "2017-03-03", "day")]),
        ("on 5 January 2017", [("5 January 2017", "2017-01-05", "day")]),
        ("January 5, 2016", [("January 5, 2016", "2016-01-05", "day")]),
        ("in March", [("March", "2017-03", "month")]),
        ("last month", [("last month", "2017-02", "month")]),
        ("this year", [("this year", "2017", "year")]),
        ("last week", [("last week", None, "relative")]),
        ("in recent months", [("in recent months", None, "relative")]),
        ("you may go", []),
    ],
)
def test_english(text: str, expected: list) -> None:
    assert found(text, lang="en") == expected


_PIECES = ["أمس", " ", "،", "يوم", "الجمعة", "الاثنين", "ليل", "الأحد", "5", "10", "2017", "من", "يناير",
           "/", "كانون", "الثاني", "الماضي", "عام", "الشهر", "\u200f", "\u064e", "ﻻ", "ـ", "last", "friday",
           "january", "may", "31", "شباط", "آب", "(", ")", "الـ", "2099", "1899"]
text_strategy = st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
published_strategy = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()), st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(text_strategy, published_strategy, st.sampled_from(["ar", "en"]))
def test_find_dates_never_crashes_and_spans_are_exact(text: str, published: str | None, lang: str) -> None:
    for m in find_dates(text, published, lang):
        assert isinstance(m, DateMention)
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.precision in ("day", "month", "year", "relative")
        assert (m.value is None) == (m.precision == "relative")
