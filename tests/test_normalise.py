"""Tests for kg_builder.normalise: folding rules, offsets, match keys and clitic stripping."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg_builder.normalise import NormText, clitic_variants, match_key, normalise, strip_article


# --- normalise: each folding rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("أحمد", "احمد"),
        ("إدلب", "ادلب"),
        ("آليات", "اليات"),
        ("ٱلله", "الله"),
        ("مستشفى", "مستشفي"),
        ("مدينة", "مدينه"),
        ("مسؤول", "مسوول"),
        ("رئيس", "رييس"),
        ("قُتِلَ", "قتل"),
        ("قتيلاً", "قتيلا"),
        ("غارةٍ", "غاره"),
        ("مدفعيّة", "مدفعيه"),
        ("هٰذا", "هذا"),
        ("الجيـــش", "الجيش"),
        ("١٢٣", "123"),
        ("۴۵", "45"),
        ("Syrian ARMY", "syrian army"),
        ("ÉTAT", "état"),
    ],
)
def test_folding_rules(original: str, expected: str) -> None:
    assert normalise(original).text == expected


@pytest.mark.parametrize("control", ["\u200f", "\u200e", "\u200c", "\u200d", "\u061c", "\u202b",
                                     "\u202c", "\u2067", "\u2069", "\ufeff", "\u00ad"])
def test_invisible_controls_removed(control: str) -> None:
    assert normalise(f"الجيش{control} السوري").text == "الجيش السوري"


def test_punctuation_quotes_and_other_scripts_untouched() -> None:
    text = "«قال»، هل؟ نعم؛ “yes” — 'ok' Ω ß"
    assert normalise(text).text == text.replace("Ω", "Ω")
    assert normalise("ΑΒΓ").text == "ΑΒΓ"  # only Latin letters are lowercased


def test_presentation_forms_expand_with_offsets() -> None:
    n = normalise("ﻻ بد")  # U+FEFB lam-alef ligature
    assert n.text == "لا بد"
    assert n.offsets == (0, 0, 1, 2, 3, 4)
    assert n.to_original(0, 2) == (0, 1)
    assert n.to_original(0, 1) == (0, 1)  # half a ligature still covers the whole ligature
    assert normalise("ﻷن").text == "لان"  # lam-alef with hamza folds the alef too


def test_offsets_skip_removed_marks() -> None:
    original = "قَتَلَ جُنْدِيّاً"
    n = normalise(original)
    assert n.text == "قتل جنديا"
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(original)
    start = n.text.index("جنديا")
    s, e = n.to_original(start, start + len("جنديا"))
    assert original[s:e] == "جُنْدِيّاً"  # the trailing tanwin belongs to the word
    s, e = n.to_original(0, 3)
    assert original[s:e] == "قَتَلَ"


def test_unchanged_text_has_identity_offsets() -> None:
    n = normalise("abc")
    assert n == NormText("abc", (0, 1, 2, 3))
    assert normalise("") == NormText("", (0,))


def test_normalise_is_fast_on_a_megabyte() -> None:
    text = ("أعلنَ الجيشُ مقتلَ ١٢ عنصراً في غارةٍ على ريف حلب، وأُصيب آخرون. ") * 16_000
    assert len(text) > 1_000_000
    started = time.perf_counter()
    normalise(text)
    assert time.perf_counter() - started < 3.0


# --- match_key ----------------------------------------------------------------------------------


def test_match_key_collapses_and_strips_punctuation() -> None:
    assert match_key("  قوات   «سوريا الديمقراطية»، ") == "قوات سوريا الديمقراطيه"
    assert match_key("U.S.-led coalition") == "us led coalition"
    assert match_key("Da'esh") == "daesh"
    assert match_key("داعش/الدولة") == "داعش الدوله"


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("المليشيات", "الميليشيات"),
        ("بمليشيا", "بميليشيا"),
        ("الأميركية", "الامريكيه"),
        ("مسئول", "مسوول"),
        ("داعش", "داعش"),
    ],
)
def test_match_key_spelling_variants(variant: str, canonical: str) -> None:
    assert match_key(variant) == canonical


def test_match_key_is_idempotent_on_examples() -> None:
    for s in ["المليشيات الأميركية", "US-led", "قوات «النخبة»"]:
        assert match_key(match_key(s)) == match_key(s)


# --- clitics ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected_prefix"),
    [
        ("للتحالف", ("للتحالف", "التحالف", "تحالف")),
        ("وبالحقل", ("وبالحقل", "بالحقل", "الحقل", "حقل")),
        ("بريف", ("بريف", "ريف")),
        ("والميليشيات", ("والميليشيات", "الميليشيات", "ميليشيات")),
        ("فالقوات", ("فالقوات", "القوات", "قوات")),
        ("كالعاده", ("كالعاده", "العاده", "عاده")),
        ("وللجيش", ("وللجيش", "للجيش", "الجيش", "جيش")),
        ("وسيقوم", ("وسيقوم", "سيقوم", "يقوم")),
    ],
)
def test_clitic_variants_main_chain(word: str, expected_prefix: tuple[str, ...]) -> None:
    assert clitic_variants(word)[: len(expected_prefix)] == expected_prefix


def test_clitic_variants_lam_lam_also_offers_lam_initial_words() -> None:
    assert "لبنان" in clitic_variants("للبنان")
    assert "اللاذقيه" in clitic_variants("للاذقيه")


@pytest.mark.parametrize("word", ["ولد", "بيت", "كل", "فم", "سوريا", "سيارات", "الي"])
def test_short_or_bare_words_are_not_shredded(word: str) -> None:
    variants = clitic_variants(word)
    assert variants[0] == word
    assert all(len(v) >= 2 for v in variants)
    if word in ("ولد", "بيت", "كل", "فم", "سوريا", "سيارات"):
        assert variants == (word,)


def test_clitic_variants_non_arabic() -> None:
    assert clitic_variants("army") == ("army",)
    assert clitic_variants("") == ("",)
    assert clitic_variants("و2") == ("و2",)


def test_strip_article() -> None:
    assert strip_article("الحقل") == "حقل"
    assert strip_article("للتحالف") == "تحالف"
    assert strip_article("وبالحقل") == "حقل"
    assert strip_article("بريف") == "بريف"
    assert strip_article("army") == "army"


# --- properties ---------------------------------------------------------------------------------

_ARABIC_LETTERS = [chr(c) for c in range(0x0621, 0x064B)] + list("أإآٱىةؤئ")
_MARKS = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670", "\u0640", "\u06D6"]
_CONTROLS = ["\u200f", "\u200e", "\u200c", "\u200d", "\u061c", "\u202b", "\u2067", "\ufeff", "\u00ad"]
_PRESENTATION = ["\ufefb", "\ufef7", "\ufdf2", "\ufdfa", "\ufe8e", "\ufe72"]
_OTHER = list(" ،؛؟.,-«»\"'<>/") + list("٠١٢٣٤٥٦٧٨٩۰۱۲0123456789") + list("AbCİß")

arabicish_text = st.lists(
    st.sampled_from(_ARABIC_LETTERS + _MARKS + _CONTROLS + _PRESENTATION + _OTHER), max_size=60
).map("".join)
any_text = st.one_of(st.text(max_size=60), arabicish_text)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_normalise_offsets_are_consistent(text: str) -> None:
    n = normalise(text)
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(text)
    assert list(n.offsets) == sorted(n.offsets)
    assert all(0 <= o <= len(text) for o in n.offsets)


@settings(max_examples=300, deadline=None)
@given(any_text, st.data())
def test_to_original_spans_on_word_boundaries_round_trip(text: str, data: st.DataObject) -> None:
    n = normalise(text)
    spaces = [i for i, c in enumerate(n.text) if c == " "]
    boundaries = [0, len(n.text)] + spaces + [i + 1 for i in spaces]
    # a space produced inside one expanded ligature (ﷺ -> four words) is not a boundary of the original
    boundaries = [b for b in boundaries if b in (0, len(n.text)) or n.offsets[b - 1] != n.offsets[b]]
    start = data.draw(st.sampled_from(boundaries))
    end = data.draw(st.sampled_from([b for b in boundaries if b >= start]))
    s, e = n.to_original(start, end)
    assert 0 <= s <= e <= len(text)
    assert normalise(text[s:e]).text == n.text[start:end]


@settings(max_examples=300, deadline=None)
@given(any_text, st.integers(-5, 70), st.integers(-5, 70))
def test_to_original_never_leaves_the_string(text: str, a: int, b: int) -> None:
    s, e = normalise(text).to_original(a, b)
    assert 0 <= s <= e <= len(text)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_match_key_and_clitics_never_crash(text: str) -> None:
    key = match_key(text)
    assert key == key.strip()
    assert "  " not in key
    for word in normalise(text).text.split():
        variants = clitic_variants(word)
        assert variants[0] == word
        assert len(set(variants)) == len(variants)
        assert strip_article(word) in variants
