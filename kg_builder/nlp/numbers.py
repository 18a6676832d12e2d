"""Find numbers in Arabic and English news text: digits, number words, duals and vague amounts.

Casualty tolls are written every which way: "12", "١٢", "1,500", "14 ألف", "ثلاثة وعشرين",
"بإثني عشر", "جنديين" (the dual noun *is* the number 2), "ما لا يقل عن 5", "عشرات". This module finds
them all as :class:`NumberMention` spans of the ORIGINAL text; the caller decides by context what each
number counts (a year next to a month is still reported, as a number).

Word lists live in ``data/number_words_ar.tsv``, ``data/number_words_en.tsv`` and
``data/dual_nouns_ar.txt``. Matching runs on :func:`kg_builder.normalise.normalise` output, token by
token, and maps spans back with :meth:`NormText.to_original`.

Heuristics worth knowing:

* a mention covers whole tokens, clitics included ("وعشرين", "بإثني عشر");
* a qualifier right before the number belongs to the mention ("ما لا يقل عن 5", "نحو 20",
  "at least 5") and sets ``at_least`` for lower bounds; "على الأقل"/"at least" up to three words after
  the number also sets ``at_least`` but is not added to the span;
* "1,500" and "1.500" are 1500 (a dot followed by exactly three digits groups thousands, as in many
  Arabic sources); "2.5" alone has value None, "2.5 مليون" is 2500000;
* الاثنين with the article is Monday, not "the two", and is skipped; ordinals are never cardinals
  ("الثاني", "الحادي عشر", "first", "2nd");
* a noun in the dual (from ``dual_nouns_ar.txt``) is the number 2, extended over a following
  "اثنين" ("جنديين اثنين").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from kg_builder.normalise import normalise

__all__ = ["NumberMention", "find_numbers"]


@dataclass(frozen=True)
class NumberMention:
    """A number found in text: ``text[start:end]`` of the string given to :func:`find_numbers`.

    ``value`` is None for vague amounts ("عشرات", "dozens"; then ``vague`` is True) and for decimals
    that are not counts. ``at_least`` marks lower bounds ("ما لا يقل عن", "more than").
    """

    start: int
    end: int
    text: str
    value: int | None
    vague: bool = False
    at_least: bool = False
    more_than: bool = False    # "more than 20": a bound, not a count -- an exact figure is better


# --- lexicon ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    words: dict[str, tuple[int, str]]  # normalised word -> (value, kind)
    before: tuple[tuple[tuple[str, ...], str], ...]  # qualifier phrases before a number
    after: tuple[tuple[str, ...], ...]  # lower-bound phrases after a number
    duals: frozenset[str] = field(default_factory=frozenset)  # dual forms of countable nouns


_PHRASE_KINDS = {"at_least", "more_than", "approx", "vague_phrase"}


def _data_lines(name: str) -> list[str]:
    from kg_builder.resources import nlp_data_dir

    lines = []
    with (nlp_data_dir() / name).open(encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line)
    return lines


def _dual_forms(singular: str) -> list[str]:
    stem = singular[:-1] + "ت" if singular.endswith("ه") else singular
    return [stem + "ان", stem + "ين"]


@cache
def _lexicon(lang: str) -> _Lexicon:
    words: dict[str, tuple[int, str]] = {}
    before: list[tuple[tuple[str, ...], str]] = []
    after: list[tuple[str, ...]] = []
    for line in _data_lines(f"number_words_{lang}.tsv"):
        form, value, kind = (c.strip() for c in line.split("\t")[:3])
        key = tuple(normalise(form).text.split())
        if kind in _PHRASE_KINDS:
            before.append((key, kind))
        elif kind == "at_least_after":
            after.append(key)
        else:
            words[key[0]] = (int(value), kind)
    duals: set[str] = set()
    if lang == "ar":
        for line in _data_lines("dual_nouns_ar.txt"):
            duals.update(_dual_forms(normalise(line.strip()).text))
    # Longer phrases first so "ما لا يقل عن" wins over "لا يقل عن".
    before.sort(key=lambda p: -len(p[0]))
    return _Lexicon(words, tuple(before), tuple(after), frozenset(duals))


# --- tokens -------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"(?P<num>\d{1,3}(?:[,\u066c]\d{3})+(?![\d])"  # 1,500 / ١٬٥٠٠
    r"|\d{1,3}(?:\.\d{3})+(?![\d.])"  # 1.500 (thousands dot)
    r"|\d+(?:[.\u066b]\d+)?)"  # 12 / 2.5 / ٢٫٥
    r"|(?P<ar>[\u0621-\u064a\u0671-\u06d3]+)"
    r"|(?P<lat>[a-z]+)"
)


@dataclass(frozen=True)
class _Token:
    start: int  # in the normalised text
    end: int
    text: str
    kind: str  # num | ar | lat


# Clitic stacks that may precede an Arabic number word or dual noun, shortest first.
_AR_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "ال", "لل", "وب", "ول", "فب", "فل", "وك", "وال", "فال",
                "بال", "كال", "ولل", "فلل", "وبال", "فبال")
_TWO_FORMS = frozenset(normalise(w).text for w in ("اثنين", "اثنان", "اثنتين", "اثنتان"))
# plural multipliers, vague alone ("آلاف"); "بضع" before عشر; the dual of ألف (two thousand)
_PLURAL_MULTIPLIERS = frozenset(normalise(w).text for w in ("الاف", "ملايين", "مليارات"))
_SOME = frozenset(normalise(w).text for w in ("بضع", "بضعه"))
_TWO_THOUSAND = frozenset(normalise(w).text for w in ("الفين", "الفان"))


@dataclass(frozen=True)
class _Word:
    value: int
    kind: str
    stem: str
    conj: bool  # starts with the conjunction و (joins parts of a compound number)
    article: bool


def _classify_ar(word: str, lex: _Lexicon) -> _Word | None:
    for prefix in _AR_PREFIXES:
        if not word.startswith(prefix):
            continue
        stem = word[len(prefix):]
        # A short stem (ست) only takes the conjunction: "لست" is "I am not", not "for six".
        if len(stem) < 3 and prefix not in ("", "و"):
            continue
        has_article = prefix.endswith("ال") or prefix.endswith("لل")  # لل = ل + ال, alef dropped
        entry = lex.words.get(stem)
        if entry is not None:
            if has_article and stem in _TWO_FORMS:
                return None  # الاثنين: Monday in news text far more often than "the two"
            return _Word(entry[0], entry[1], stem, prefix.startswith("و"), has_article)
        if stem in lex.duals:
            return _Word(2, "dual", stem, prefix.startswith("و"), has_article)
    return None


def _classify_en(word: str, lex: _Lexicon) -> _Word | None:
    entry = lex.words.get(word)
    if entry is None:
        return None
    return _Word(entry[0], entry[1], word, False, False)


def _digits_value(s: str) -> tuple[int | None, float | None]:
    """(integer value, float value) of a digit token; integer None for decimals."""
    if re.fullmatch(r"\d{1,3}(?:[,\u066c.]\d{3})+", s):
        return int(re.sub(r"[,\u066c.]", "", s)), None
    if re.fullmatch(r"\d+", s):
        return int(s), None
    return None, float(s.replace("\u066b", "."))


# --- the scanner --------------------------------------------------------------------------------


class _Scanner:
    """Walks the tokens of one normalised text and collects mentions (normalised token spans)."""

    def __init__(self, norm_text: str, lang: str) -> None:
        self.text = norm_text
        self.lang = lang
        self.lex = _lexicon(lang)
        self.tokens = [
            _Token(m.start(), m.end(), m.group(), m.lastgroup or "") for m in _TOKEN_RE.finditer(norm_text)
        ]
        classify = _classify_ar if lang == "ar" else _classify_en
        word_kind = "ar" if lang == "ar" else "lat"
        self.words: list[_Word | None] = [
            classify(t.text, self.lex) if t.kind == word_kind else None for t in self.tokens
        ]

    # gaps between tokens
    def joined(self, a: int, b: int, hyphen: bool = False) -> bool:
        """Tokens a and b (b = a + 1) are separated by whitespace only (or one hyphen if allowed)."""
        if b >= len(self.tokens) or a < 0:
            return False
        gap = self.text[self.tokens[a].end : self.tokens[b].start]
        if gap.strip() == "" and gap:
            return True
        return hyphen and gap.strip() == "-"

    def word(self, i: int) -> _Word | None:
        return self.words[i] if 0 <= i < len(self.words) else None

    def tok_text(self, i: int) -> str:
        return self.tokens[i].text if 0 <= i < len(self.tokens) else ""

    def phrase_at(self, i: int, phrase: tuple[str, ...], first_clitic: bool = False) -> bool:
        """The tokens from i spell ``phrase`` (joined by whitespace)."""
        if i < 0 or i + len(phrase) > len(self.tokens):
            return False
        for k, w in enumerate(phrase):
            t = self.tokens[i + k].text
            if t != w and not (k == 0 and first_clitic and t[:1] in "وبلف" and t[1:] == w):
                return False
            if k and not self.joined(i + k - 1, i + k):
                return False
        return True

    # ---------------------------------------------------------------------------------------
    def scan(self) -> list[tuple[int, int, int | None, bool, bool, bool]]:
        """(first token, last token + 1, value, vague, at_least, more_than) for each mention."""
        found: list[tuple[int, int, int | None, bool, bool, bool]] = []
        i = 0
        n = len(self.tokens)
        while i < n:
            w = self.words[i]
            if w is not None and w.kind == "ordinal":
                # "الحادي عشر", "الثالث عشر": the عشر after an ordinal is part of the ordinal
                nxt = self.word(i + 1)
                i += 2 if nxt is not None and nxt.kind == "ten" and self.joined(i, i + 1) else 1
                continue
            result = self.vague_phrase(i) or self.number_at(i)
            if result is None:
                i += 1
                continue
            end, value, vague = result
            start, kind = self.qualifier_before(i)
            at_least = kind in ("at_least", "more_than")
            if not vague:
                at_least = at_least or self.lower_bound_after(end)
            found.append((start, end, value, vague, at_least, kind == "more_than"))
            i = end
        return found

    def vague_phrase(self, i: int) -> tuple[int, int | None, bool] | None:
        for phrase, kind in self.lex.before:
            if kind == "vague_phrase" and self.phrase_at(i, phrase, first_clitic=self.lang == "ar"):
                return i + len(phrase), None, True
        return None

    def qualifier_before(self, i: int) -> tuple[int, str | None]:
        """Where a qualifier before the number starts, and its kind (at_least, more_than, approx)."""
        for phrase, kind in self.lex.before:
            if kind == "vague_phrase":
                continue
            k = i - len(phrase)
            if k >= 0 and self.joined(i - 1, i) and self.phrase_at(k, phrase, first_clitic=self.lang == "ar"):
                return k, kind
        return i, None

    def lower_bound_after(self, end: int) -> bool:
        for skip in range(0, 3):
            k = end + skip
            if k > len(self.tokens) or not all(self.joined(j, j + 1) for j in range(end - 1, k)):
                return False
            if any(self.phrase_at(k, phrase) for phrase in self.lex.after):
                return True
        return False

    def number_at(self, i: int) -> tuple[int, int | None, bool] | None:
        tok = self.tokens[i]
        if tok.kind == "num":
            return self.digits_at(i)
        w = self.words[i]
        if w is None:
            if self.lang == "en" and tok.text in ("a", "an"):
                nxt = self.word(i + 1)
                if nxt and nxt.kind in ("hundred", "dozen", "multiplier") and self.joined(i, i + 1):
                    return self.compound(i + 1, start_value=1)
            return None
        if w.kind == "vague":
            return self.vague_at(i)
        if w.kind == "dual":
            end = i + 1
            if self.joined(i, i + 1) and self.tok_text(i + 1) in _TWO_FORMS:
                end = i + 2
            return end, 2, False
        if w.kind == "ordinal":
            return None
        if w.kind == "multiplier" and self.is_bare_plural_multiplier(w):
            return self.vague_at(i)
        return self.compound(i)

    def is_bare_plural_multiplier(self, w: _Word) -> bool:
        """آلاف / ملايين / thousands without a number before them are vague."""
        return w.stem in _PLURAL_MULTIPLIERS

    def vague_at(self, i: int) -> tuple[int, int | None, bool] | None:
        w = self.words[i]
        assert w is not None
        end = i + 1
        if self.lang == "en":
            # "tens of thousands", "hundreds of thousands", "scores of": the "of" belongs to the amount
            if self.tok_text(i + 1) == "of" and self.joined(i, i + 1):
                nxt = self.word(i + 2)
                if nxt and nxt.kind == "vague" and self.joined(i + 1, i + 2):
                    end = i + 3
            elif w.stem in ("scores", "tens"):
                return None  # without "of" these are not amounts ("the scores", "tens")
            else:
                nxt = self.word(i + 1)
                if nxt and nxt.kind in ("hundred", "multiplier") and self.joined(i, i + 1):
                    end = i + 2  # "several hundred", "a few thousand"
        else:
            # "عشرات الآلاف", "مئات الملايين", "بضعة آلاف": still vague, one mention
            nxt = self.word(i + 1)
            if nxt and nxt.kind == "multiplier" and self.joined(i, i + 1):
                end = i + 2
            elif nxt and nxt.kind == "ten" and w.stem in _SOME and self.joined(i, i + 1):
                end = i + 2  # بضعة عشر: a dozen or so
        return end, None, True

    def digits_at(self, i: int) -> tuple[int, int | None, bool] | None:
        tok = self.tokens[i]
        before = self.text[max(0, tok.start - 2) : tok.start]
        # Model names, not counts: F-16, T72, A320 (a Latin letter glued to the digits).
        if re.search(r"[a-z]-?$", before):
            return None
        nxt_text = self.tok_text(i + 1)
        if (
            self.lang == "en"
            and nxt_text in ("st", "nd", "rd", "th")
            and i + 1 < len(self.tokens)
            and self.tokens[i + 1].start == tok.end
        ):
            return None  # 2nd, 10th: ordinals
        value, decimal = _digits_value(tok.text)
        nxt = self.word(i + 1)
        if nxt and nxt.kind in ("multiplier", "hundred") and self.joined(i, i + 1) and not nxt.conj:
            base = nxt.value if nxt.stem not in _TWO_THOUSAND else 1000
            amount = value if value is not None else decimal
            assert amount is not None
            return i + 2, int(round(amount * base)), False
        return i + 1, value, False

    def compound(self, i: int, start_value: int | None = None) -> tuple[int, int | None, bool] | None:
        """Parse a number written in words from token i (a cardinal word)."""
        en = self.lang == "en"
        total = 0
        group = 0
        positions: set[int] = set()  # decimal places already filled in the current group
        last = ""
        smallest_multiplier = 10**15
        j = i
        if start_value is not None:  # "a hundred", "a dozen"
            group, last, positions = start_value, "unit", {0}
            j = i
            first = False
        else:
            first = True
        end = i
        while j < len(self.tokens):
            w = self.words[j]
            if not first:
                if en and self.tok_text(j) == "and" and last in ("hundred", "multiplier") and self.joined(j - 1, j):
                    nxt = self.word(j + 1)
                    if nxt and nxt.kind in ("unit", "teen", "tens") and self.joined(j, j + 1):
                        j += 1
                        w = nxt
                    else:
                        break
                elif not self.joined(j - 1, j, hyphen=en and last == "tens"):
                    break
            if w is None or w.kind in ("vague", "dual", "ordinal"):
                break
            kind, v = w.kind, w.value
            if first:
                first = False
                if w.article and kind in ("multiplier",):
                    break  # "الالف" is not a count
                if kind == "teen_head":
                    if self.word(j + 1) and self.words[j + 1].kind == "ten" and self.joined(j, j + 1) and not self.words[j + 1].conj:
                        group, positions, last = v + 10, {0, 1}, "teen"
                        j += 2
                        end = j
                        continue
                    return None
                if kind == "multiplier":
                    total, smallest_multiplier, last = v, (v if v < 2000 or v >= 10**6 else 1000), "multiplier"
                    j += 1
                    end = j
                    continue
                group = v
                positions = {0: {0}, 1: {1}, 2: {2}}[len(str(v)) - 1] if kind != "teen" else {0, 1}
                if kind == "dozen":
                    positions = {0, 1}
                last = kind
                j += 1
                end = j
                continue
            # continuation
            if kind == "ten" and last == "unit" and not w.conj and group == group % 10:
                group += 10
                positions.add(1)
                last = "teen"
            elif kind == "hundred" and last in ("unit", "teen", "tens") and not w.conj and 0 < group < 100 and (en or group < 10):
                group *= 100
                positions = {2}
                last = "hundred"
            elif kind == "dozen" and last == "unit" and not w.conj:
                group *= 12
                positions = {0, 1}
                last = "dozen"
            elif kind == "multiplier" and group > 0 and not w.conj and v < smallest_multiplier and w.stem not in _TWO_THOUSAND:
                total += group * v
                group, positions, smallest_multiplier, last = 0, set(), v, "multiplier"
            elif en and kind in ("unit",) and last == "tens" and 0 not in positions:
                group += v
                positions.add(0)
                last = "unit"
            elif en and kind in ("unit", "teen", "tens") and last in ("hundred", "multiplier") and not (positions & {0, 1}):
                group += v
                positions |= {0, 1} if kind == "teen" else ({0} if kind == "unit" else {1})
                last = kind
            elif not en and w.conj and kind in ("unit", "tens") and (0 if kind == "unit" else 1) not in positions:
                group += v
                positions.add(0 if kind == "unit" else 1)
                last = kind
            elif not en and w.conj and kind in ("hundred", "hundreds") and group == 0 and total > 0:
                group += v
                positions = {2}
                last = "hundred"
            elif not en and w.conj and kind == "multiplier" and group == 0 and total > 0 and v < smallest_multiplier and not self.is_bare_plural_multiplier(w):
                total += v  # "مليون وألف"
                smallest_multiplier = 1000
                last = "multiplier"
            else:
                break
            j += 1
            end = j
        if end == i and start_value is None:
            return None
        return end, total + group, False


def find_numbers(text: str, lang: str = "ar") -> list[NumberMention]:
    """Every number in ``text`` (original, unnormalised), in order.

    >>> [(m.text, m.value) for m in find_numbers("قُتل ثلاثةٌ وعشرون مدنياً وأصيب جنديان")]
    [('ثلاثةٌ وعشرون', 23), ('جنديان', 2)]
    >>> [(m.text, m.value, m.at_least) for m in find_numbers("at least 1,500 people", lang="en")]
    [('at least 1,500', 1500, True)]
    """
    norm = normalise(text)
    scanner = _Scanner(norm.text, "ar" if lang.startswith("ar") else "en")
    mentions = []
    for first, last, value, vague, at_least, more_than in scanner.scan():
        s, e = norm.to_original(scanner.tokens[first].start, scanner.tokens[last - 1].end)
        mentions.append(NumberMention(s, e, text[s:e], value, vague, at_least, more_than))
    return mentions
