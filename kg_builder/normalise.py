"""Normalise Arabic and English text for matching, keeping a map back to the original characters.

Arabic news writes one word many ways: with or without diacritics, with أ/إ/آ/ا for the same alef,
ى or ي at the end, ة or ه, tatweel stretching, invisible direction marks pasted from the web, and
presentation-form ligatures (ﻻ). :func:`normalise` folds all of these to one form so lexicons can be
written once, and keeps ``offsets`` so a match found in the normalised text can be reported as a span
of the original text.

:func:`match_key` goes further (no punctuation, collapsed spaces, spelling variants) and is the form
lexicon entries and gazetteer labels are compared in. :func:`clitic_variants` and
:func:`strip_article` peel the attached conjunctions, prepositions and article off one word.

Pure Python, no spaCy.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["NormText", "normalise", "match_key", "clitic_variants", "strip_article", "is_word"]


# --- the character table ------------------------------------------------------------------------

# Marks deleted outright: they change neither the letters nor the word boundaries.
_ARABIC_DIACRITICS = (
    [chr(c) for c in range(0x0610, 0x061B)]  # honorific signs and small high letters above words
    + [chr(c) for c in range(0x064B, 0x0660)]  # tanwin, harakat, shadda, sukun, maddah, hamza marks
    + ["\u0670"]  # superscript (dagger) alef
    + [chr(c) for c in range(0x06D6, 0x06DD)]  # Quranic small high ligatures
    + [chr(c) for c in range(0x06DF, 0x06E5)]  # Quranic small high marks
    + ["\u06E7", "\u06E8"]
    + [chr(c) for c in range(0x06EA, 0x06EE)]  # Quranic small low marks
    + [chr(c) for c in range(0x08D3, 0x0900) if c != 0x08E2]  # extended-A marks (08E2 is a sign)
)
_TATWEEL = ["\u0640"]
# Invisible formatting and direction controls pasted in from web pages and word processors. They sit
# inside words ("الجيش\u200f") and would break every lookup.
_INVISIBLE = [
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    *[chr(c) for c in range(0x202A, 0x202F)],  # embeddings and overrides
    *[chr(c) for c in range(0x2066, 0x206A)],  # isolates
    *[chr(c) for c in range(0x2060, 0x2065)],  # word joiner and the invisible operators
    "\ufeff",  # byte order mark / zero width no-break space
    "\u00ad",  # soft hyphen
    "\u034f",  # combining grapheme joiner
    "\u180e",  # Mongolian vowel separator (once a zero width space)
]

# One letter for several spellings of the same letter (the usual "light" Arabic normalisation).
_LETTER_FOLDS = {
    "\u0623": "\u0627",  # أ -> ا
    "\u0625": "\u0627",  # إ -> ا
    "\u0622": "\u0627",  # آ -> ا
    "\u0671": "\u0627",  # ٱ (wasla) -> ا
    "\u0649": "\u064a",  # ى -> ي
    "\u0629": "\u0647",  # ة -> ه
    "\u0624": "\u0648",  # ؤ -> و
    "\u0626": "\u064a",  # ئ -> ي
}


def _base_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for ch in _ARABIC_DIACRITICS + _TATWEEL + _INVISIBLE:
        table[ch] = ""
    table.update(_LETTER_FOLDS)
    for i in range(10):
        table[chr(0x0660 + i)] = str(i)  # Arabic-Indic digits
        table[chr(0x06F0 + i)] = str(i)  # Persian (extended Arabic-Indic) digits
    # Latin capitals -> small, only where that is one character for one character (İ is not).
    for cp in range(0x41, 0x250):
        ch = chr(cp)
        low = ch.lower()
        if ch != low and len(low) == 1 and ch.isupper():
            table[ch] = low
    return table


def _build_table() -> dict[str, str]:
    base = _base_table()
    table = dict(base)
    # Arabic presentation forms (ligatures and positional glyphs) -> NFKC, then the same folding, so
    # ﻷ becomes لا in one step. 0xFEFF (BOM) is not a presentation form and was set above.
    for cp in list(range(0xFB50, 0xFE00)) + list(range(0xFE70, 0xFEFF)):
        ch = chr(cp)
        if unicodedata.category(ch) == "Cn":
            continue
        decomposed = unicodedata.normalize("NFKC", ch)
        if decomposed == ch:
            continue
        table[ch] = "".join(base.get(c, c) for c in decomposed)
    return table


_TABLE: dict[str, str] = _build_table()
_TRANSLATE = str.maketrans(_TABLE)
# Characters whose replacement is not exactly one character: only these disturb the offsets.
_IRREGULAR = "".join(sorted(ch for ch, rep in _TABLE.items() if len(rep) != 1))
_IRREGULAR_RE = re.compile("[" + re.escape(_IRREGULAR) + "]+")
_EXPANDING = "".join(sorted(ch for ch, rep in _TABLE.items() if len(rep) > 1))
_EXPANDING_RE = re.compile("[" + re.escape(_EXPANDING) + "]")


# --- NormText -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormText:
    """A normalised string and, for each of its characters, where it came from in the original.

    ``offsets[i]`` is the index in the original string of normalised character ``i``;
    ``offsets[len(text)] == len(original)``.

    >>> n = normalise("قَالَ")
    >>> n.text, n.offsets
    ('قال', (0, 2, 3, 5))
    >>> n.to_original(0, 3)
    (0, 5)
    """

    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span ``[start', end')`` that the normalised span ``[start, end)`` came from.

        The span covers whole original characters: deleted marks inside or right after the last
        character belong to it, and a span ending inside an expanded ligature (ﻻ -> لا) covers the
        whole ligature.
        """
        n = len(self.text)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        orig_start = self.offsets[start]
        if end == start:
            return orig_start, orig_start
        last_source = self.offsets[end - 1]
        k = end
        # Several normalised characters share one source when a ligature expanded; move past them.
        while self.offsets[k] <= last_source:
            k += 1
        return orig_start, self.offsets[k]


def normalise(text: str) -> NormText:
    """Fold ``text`` for matching, keeping the offsets back to the original.

    Removes Arabic diacritics, tatweel and invisible controls; unifies alef forms (أ إ آ ٱ -> ا),
    ى -> ي, ة -> ه, ؤ -> و, ئ -> ي; expands presentation forms (NFKC); Arabic-Indic and Persian
    digits -> ASCII; Latin capitals -> small. Nothing else changes (punctuation, spaces, quotes).

    >>> normalise("أعلنَ الجيشُ ١٢ قتيلاً في ﻻذقية").text
    'اعلن الجيش 12 قتيلا في لاذقيه'
    """
    normalised = text.translate(_TRANSLATE)
    if len(normalised) == len(text) and not _IRREGULAR_RE.search(text):
        return NormText(normalised, tuple(range(len(text) + 1)))
    offsets: list[int] = []
    previous_end = 0
    for m in _IRREGULAR_RE.finditer(text):
        offsets.extend(range(previous_end, m.start()))
        # Runs of deleted marks (the common case: diacritics) add nothing; ligatures add one entry per
        # output character, all pointing at the ligature.
        if _EXPANDING_RE.search(m.group()):
            for i in range(m.start(), m.end()):
                offsets.extend([i] * len(_TABLE[text[i]]))
        previous_end = m.end()
    offsets.extend(range(previous_end, len(text) + 1))
    return NormText(normalised, tuple(offsets))


def is_word(text: str) -> bool:
    """True if the text is letters only once diacritics, tatweel and invisible marks are folded away.

    ``str.isalpha`` says no to a vowelled word or one with a zero-width mark pasted inside it; the
    pipeline tells words by this instead (it is spaCy's ``is_alpha`` there).

    >>> "قَصَفَتْ".isalpha(), is_word("قَصَفَتْ"), is_word("كفر\u200bنبل"), is_word("12")
    (False, True, True, False)
    """
    folded = text.translate(_TRANSLATE)
    return folded.isalpha()


# --- match keys ---------------------------------------------------------------------------------

# Apostrophes and dots inside abbreviations and transliterations are dropped ("U.S." -> "us",
# "Da'esh" -> "daesh"); every other punctuation mark becomes a space ("داعش/الدولة" -> two words).
_GLUE_PUNCT = "'.\u2019\u2018`\u00b4"


def _nlp_data_dir() -> Path:
    """The same folder as :func:`kg_builder.resources.nlp_data_dir`, found without importing the
    ``kg_builder.nlp`` package: that package imports spaCy (and this module), and normalise must stay
    pure Python and importable first."""
    spec = importlib.util.find_spec("kg_builder.nlp")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / "data"
    return Path(__file__).parent / "nlp" / "data"


@cache
def _spelling_variants() -> tuple[tuple[str, str], ...]:
    rules: list[tuple[str, str]] = []
    path = _nlp_data_dir() / "spelling_variants_ar.tsv"
    with path.open(encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            variant, canonical = (c.strip() for c in line.split("\t")[:2])
            rules.append((normalise(variant).text, normalise(canonical).text))
    # Longest variant first, so a longer rule wins over a rule on its substring.
    rules.sort(key=lambda r: -len(r[0]))
    return tuple(rules)


@cache
def _spelling_re() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    rules = _spelling_variants()
    if not rules:
        return None, {}
    return re.compile("|".join(re.escape(v) for v, _ in rules)), dict(rules)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "P"


@cache
def _punct_table_for(chars: str) -> dict[int, str | None]:
    return {ord(c): (None if c in _GLUE_PUNCT else " ") for c in chars}


def match_key(s: str) -> str:
    """The form a phrase is compared in: normalised, punctuation and quotes removed, whitespace
    collapsed, and Arabic spelling variants unified (``spelling_variants_ar.tsv``).

    >>> match_key("  المليشيات  «الإيرانية»، ")
    'الميليشيات الايرانيه'
    >>> match_key("U.S.-led Coalition")
    'us led coalition'
    """
    text = normalise(s).text
    puncts = "".join(sorted({c for c in text if _is_punct(c)}))
    if puncts:
        text = text.translate(_punct_table_for(puncts))
    text = " ".join(text.split())
    pattern, replacements = _spelling_re()
    if pattern is not None and text:
        text = pattern.sub(lambda m: replacements[m.group(0)], text)
    return text


# --- clitics ------------------------------------------------------------------------------------

_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ل", "ك")
_ARTICLE = "ال"


def _is_arabic_word(word: str) -> bool:
    return bool(word) and all("\u0621" <= c <= "\u064a" or "\u0671" <= c <= "\u06d3" for c in word)


def _clitic_chain(word: str) -> tuple[list[str], int | None, list[str]]:
    """The main parse of ``word`` as conj? prep? article? stem.

    Returns (forms, index of the first form after the article was removed or None, alternatives).
    Alternatives are the readings of "لل" as ل + a word that itself starts with ل (للبنان -> لبنان,
    and لل + لاذقيه -> اللاذقيه).
    """
    forms = [word]
    alternatives: list[str] = []
    article_stripped_at: int | None = None
    rest = word
    # A single stripped letter (no article) must leave a stem of 3 letters: "ولد", "بيت" stay whole.
    if rest[:1] in _CONJUNCTIONS and len(rest) - 1 >= 3:
        rest = rest[1:]
        forms.append(rest)
    prep = rest[:1]
    if prep in _PREPOSITIONS and rest[1:2] == "ل" and prep == "ل" and len(rest) - 2 >= 2:
        # لل = ل + ال with the alef dropped: للتحالف -> التحالف -> تحالف.
        after = rest[1:]
        forms.append(_ARTICLE + rest[2:])
        forms.append(rest[2:])
        article_stripped_at = len(forms) - 1
        if len(after) >= 3:
            # ... or ل + a word starting with ل (للبنان), or ل + ال + ل-word with one lam dropped.
            alternatives.extend([_ARTICLE + after, after])
        return forms, article_stripped_at, alternatives
    if prep in _PREPOSITIONS and len(rest) - 1 >= 3:
        rest = rest[1:]
        forms.append(rest)
    elif prep == "س" and len(forms) > 1 and rest[1:2] in ("ي", "ت", "ن", "ا") and len(rest) - 1 >= 3:
        # Future س only after و/ف (وسيقوم -> سيقوم -> يقوم): alone it starts too many nouns.
        rest = rest[1:]
        forms.append(rest)
    if rest.startswith(_ARTICLE) and len(rest) - 2 >= 2:
        forms.append(rest[2:])
        article_stripped_at = len(forms) - 1
    return forms, article_stripped_at, alternatives


@cache
def clitic_variants(word: str) -> tuple[str, ...]:
    """Candidate forms of one normalised Arabic word with its proclitics removed, longest first.

    The word itself comes first; then the forms without the conjunction (و ف), the preposition
    (ب ل ك, or future س after و/ف), and the article ال (لل = ل + ال). A stripped single letter must
    leave at least 3 letters, the article at least 2. When the word starts with لل, the reading
    "ل + a word beginning with ل" is appended after the main chain (للبنان -> ... لبنان).
    Non-Arabic words give ``(word,)``.

    >>> clitic_variants("وبالحقل")
    ('وبالحقل', 'بالحقل', 'الحقل', 'حقل')
    >>> clitic_variants("بريف")
    ('بريف', 'ريف')
    """
    if not _is_arabic_word(word):
        return (word,)
    forms, _, alternatives = _clitic_chain(word)
    seen: dict[str, None] = {}
    for f in forms + alternatives:
        seen.setdefault(f, None)
    return tuple(seen)


@cache
def strip_article(word: str) -> str:
    """The normalised word without a leading clitic stack that ends in the article.

    Words with no article keep their clitics (the stem is only trusted behind ال).

    >>> strip_article("الحقل"), strip_article("للتحالف"), strip_article("بريف")
    ('حقل', 'تحالف', 'بريف')
    """
    if not _is_arabic_word(word):
        return word
    forms, stripped_at, _ = _clitic_chain(word)
    return forms[stripped_at] if stripped_at is not None else word
