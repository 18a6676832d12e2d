"""Tests for kg_builder.nlp.numbers.find_numbers (example sentences written for these tests)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg_builder.nlp.numbers import NumberMention, find_numbers


def values(text: str, lang: str = "ar") -> list[tuple[str, int | None]]:
    return [(m.text, m.value) for m in find_numbers(text, lang)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("سقط 12 صاروخا", [("12", 12)]),
        ("سقط ١٢ صاروخا", [("١٢", 12)]),
        ("سقط ۱۲ صاروخا", [("۱۲", 12)]),
        ("نزح 1,500 شخص", [("1,500", 1500)]),
        ("نزح 1.500 شخص", [("1.500", 1500)]),
        ("نزح 14 ألف شخص", [("14 ألف", 14000)]),
        ("نزح 3 آلاف شخص", [("3 آلاف", 3000)]),
        ("نزح 2.5 مليون شخص", [("2.5 مليون", 2500000)]),
        ("قتل ثلاثة أشخاص", [("ثلاثة", 3)]),
        ("قتلت خمس نساء", [("خمس", 5)]),
        ("قتل ثلاثةٌ وعشرون مدنيا", [("ثلاثةٌ وعشرون", 23)]),
        ("بإثني عشر صاروخا", [("بإثني عشر", 12)]),
        ("اثنا عشر قتيلا", [("اثنا عشر", 12)]),
        ("أحد عشر جريحا", [("أحد عشر", 11)]),
        ("لخمسة جرحى", [("لخمسة", 5)]),
        ("ثلاثمئة عنصر", [("ثلاثمئة", 300)]),
        ("ثلاثمائة عنصر", [("ثلاثمائة", 300)]),
        ("مئتين وخمسين", [("مئتين وخمسين", 250)]),
        ("ألف ومئتان وخمسون", [("ألف ومئتان وخمسون", 1250)]),
        ("ثلاثة آلاف وخمسمائة مقاتل", [("ثلاثة آلاف وخمسمائة", 3500)]),
        ("ألفين", [("ألفين", 2000)]),
        ("واحد وعشرين", [("واحد وعشرين", 21)]),
    ],
)
def test_arabic_cardinals(text: str, expected: list) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أصيب جنديان", [("جنديان", 2)]),
        ("أصيب جنديين اثنين", [("جنديين اثنين", 2)]),
        ("سقط قتيلان", [("قتيلان", 2)]),
        ("ووقع قتيلين", [("قتيلين", 2)]),
        ("أصيبت طفلتان", [("طفلتان", 2)]),
        ("اعتقال امرأتين", [("امرأتين", 2)]),
        ("والجنديين", [("والجنديين", 2)]),
        ("مقتل مدنيين", []),  # sound plural: not a dual
        ("مقتل مسلحين", []),
    ],
)
def test_arabic_duals(text: str, expected: list) -> None:
    assert values(text) == expected


def test_arabic_vague_amounts() -> None:
    found = find_numbers("نزح الآلاف وقتل العشرات وجرح عشرات الآلاف ومئات وبضعة عناصر وعدد من المدنيين")
    assert [m.text for m in found] == ["الآلاف", "العشرات", "عشرات الآلاف", "ومئات", "وبضعة", "وعدد من"]
    assert all(m.vague and m.value is None for m in found)


def test_at_least_and_approximately() -> None:
    found = find_numbers("مقتل ما لا يقل عن 5 أشخاص وإصابة نحو 20 آخرين و7 مدنيين على الأقل وأكثر من مئة")
    assert [(m.text, m.value, m.at_least) for m in found] == [
        ("ما لا يقل عن 5", 5, True),
        ("نحو 20", 20, False),
        ("7", 7, True),
        ("وأكثر من مئة", 100, True),
    ]


@pytest.mark.parametrize(
    "text",
    ["في كانون الثاني", "الجولة الثانية", "في الحادي عشر من الشهر", "الثالث عشر", "يوم الاثنين",
     "أحد المقاتلين", "طائرات F-16", "لست أدري"],
)
def test_not_cardinals(text: str) -> None:
    assert values(text) == []


def test_year_reported_with_exact_span() -> None:
    text = "في 5 يناير/كانون الثاني 2017"
    found = find_numbers(text)
    assert [(m.text, m.value) for m in found] == [("5", 5), ("2017", 2017)]
    for m in found:
        assert text[m.start : m.end] == m.text


def test_spans_cover_diacritics_and_controls() -> None:
    text = "قُتِلَ خمسةُ\u200f جنودٍ"
    (m,) = find_numbers(text)
    assert m.value == 5
    assert m.text.startswith("خمسةُ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at least twenty-three people", [("at least twenty-three", 23)]),
        ("one hundred and five soldiers", [("one hundred and five", 105)]),
        ("1,500 displaced", [("1,500", 1500)]),
        ("3 million displaced", [("3 million", 3000000)]),
        ("two dozen rockets", [("two dozen", 24)]),
        ("a hundred homes", [("a hundred", 100)]),
        ("forty two", [("forty two", 42)]),
        ("the 2nd attack and the first one", [("one", 1)]),
        ("F-16 jets", []),
        ("the final scores", []),
    ],
)
def test_english(text: str, expected: list) -> None:
    assert values(text, "en") == expected


def test_english_vague_and_bounds() -> None:
    found = find_numbers("dozens of people, tens of thousands fled, several hundred homes, more than 40 killed", "en")
    assert [(m.text, m.vague, m.at_least) for m in found] == [
        ("dozens", True, False),
        ("tens of thousands", True, False),
        ("several hundred", True, False),
        ("more than 40", False, True),
    ]


_PIECES = ["قتل", " ", "،", "خمسة", "وعشرين", "جنديين", "الاثنين", "آلاف", "عشرات", "ما لا يقل عن", "12",
           "١٢", "1,500", "ألف", "\u200f", "\u064e", "ﻻ", "at least", "twenty", "-", "three", "hundred",
           "and", "a", "dozen", "of", "ـ", "«", "F-", "2.5", "مليون", "\ufeff"]
text_strategy = st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))


@settings(max_examples=300, deadline=None)
@given(text_strategy, st.sampled_from(["ar", "en"]))
def test_find_numbers_never_crashes_and_spans_are_exact(text: str, lang: str) -> None:
    found = find_numbers(text, lang)
    last_end = 0
    for m in found:
        assert isinstance(m, NumberMention)
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.start >= last_end
        last_end = m.end
        assert (m.value is None) or m.value >= 0
