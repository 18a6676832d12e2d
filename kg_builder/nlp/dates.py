"""Find dates in Arabic and English news text and resolve them against the publication date.

News rarely writes full dates: "أمس", "يوم الجمعة", "10 من سبتمبر الماضي", "مطلع نيسان الحالي",
"الشهر الماضي". :func:`find_dates` finds such expressions as :class:`DateMention` spans of the ORIGINAL
text and resolves them with the publication date (ISO "YYYY-MM-DD...", or None).

Values: "YYYY-MM-DD" (precision "day"), "YYYY-MM" ("month"), "YYYY" ("year"), "--MM-DD" (a day and
month whose year is unknown because there is no publication date; precision "day"), or None with
precision "relative" for times that cannot be resolved ("قبل أيام", "recently", a weekday without a
publication date). A year is never invented.

Heuristics worth knowing:

* news reports the past: a weekday is the most recent such day on or before publication ("الجمعة
  الماضية"/"last Friday": strictly before); a day and month without a year is the most recent one
  on or before publication; "الماضي" after a month means strictly before, "المقبل" after;
* الاثنين is Monday only after a time word (يوم، ليلة، فجر...), after another weekday ("ليل الأحد
  الاثنين", resolved to the first day), after punctuation, or right before أن/إن/عن/punctuation
  ("أعلن الجيش الاثنين أن ..."); otherwise it is "the two";
* "آب" (also "أب", father), "may" and "march" are months only next to a day, a year, "شهر" or a
  qualifier; a bare 4-digit year counts only after عام/سنة/منذ/في/خلال/"in"/"since"... or a month.

Word lists: ``data/months.tsv``, ``data/weekdays.tsv``, ``data/relative_days.tsv``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from kg_builder.normalise import normalise

__all__ = ["DateMention", "find_dates"]


@dataclass(frozen=True)
class DateMention:
    """A date expression: ``text[start:end]`` of the string given to :func:`find_dates`."""

    start: int
    end: int
    text: str
    value: str | None
    precision: str | None


# --- lexicon ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    months: dict[tuple[str, ...], tuple[int, bool]]  # words -> (month, ambiguous)
    day_ordinals: dict[tuple[str, ...], int]
    weekdays: dict[str, tuple[int, bool]]  # word -> (weekday, ambiguous)
    time_words: frozenset[tuple[str, ...]]
    relative: dict[tuple[str, ...], tuple[str, int]]  # words -> (unit, offset)


def _data_rows(name: str) -> list[list[str]]:
    from kg_builder.resources import nlp_data_dir

    rows = []
    with (nlp_data_dir() / name).open(encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.strip() and not line.lstrip().startswith("#"):
                rows.append([c.strip() for c in line.split("\t")])
    return rows


def _key(form: str) -> tuple[str, ...]:
    return tuple(normalise(form).text.split())


@cache
def _lexicon() -> _Lexicon:
    months: dict[tuple[str, ...], tuple[int, bool]] = {}
    day_ordinals: dict[tuple[str, ...], int] = {}
    for form, value, kind in _data_rows("months.tsv"):
        if kind == "day_ordinal":
            day_ordinals[_key(form)] = int(value)
        else:
            months[_key(form)] = (int(value), kind == "month_ambiguous")
    weekdays: dict[str, tuple[int, bool]] = {}
    time_words: set[tuple[str, ...]] = set()
    for form, value, kind in _data_rows("weekdays.tsv"):
        if kind.startswith("time_word"):
            time_words.add(_key(form))
        else:
            weekdays[_key(form)[0]] = (int(value), kind == "weekday_ambiguous")
    relative = {_key(form): (unit, int(offset)) for form, unit, offset in _data_rows("relative_days.tsv")}
    return _Lexicon(months, day_ordinals, weekdays, frozenset(time_words), relative)


# --- tokens -------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\d+|[\u0621-\u064a\u0671-\u06d3]+|[a-z]+")


def _words(*words: str) -> frozenset[str]:
    """Words typed into code, normalised as the text they are compared with (alef forms, ى, ة...)."""
    return frozenset(normalise(w).text for w in words)


# Words that may stand before a bare year ("عام 2017", "منذ 2014", "in 2018"); they join the span.
_YEAR_CUES = _words("عام", "العام", "سنه", "لعام", "بعام", "منذ", "في", "خلال", "مطلع", "اواخر", "اوايل",
                    "منتصف", "نهايه", "بدايه", "اواسط", "حتي", "in", "since", "during", "until", "by", "of",
                    "early", "late", "mid")
# Words that start a month phrase and belong to it: "مطلع نيسان", "early March".
_MONTH_OPENERS = _words("مطلع", "اوايل", "منتصف", "اواسط", "اواخر", "نهايه", "بدايه", "اول", "اخر",
                        "early", "mid", "late", "end", "beginning", "start")
# Qualifiers after a month or weekday: when is it relative to publication.
_PAST = _words("الماضي", "الماضيه", "المنصرم", "المنصرمه", "السابق", "last", "past")
_CURRENT = _words("الحالي", "الجاري", "الحاليه", "الجاريه", "this")
_NEXT = _words("المقبل", "القادم", "المقبله", "القادمه", "next")
_MONDAY_CUES_AFTER = _words("ان", "انه", "عن", "بان", "الماضي")
_MONTH_CUES_BEFORE = _words("شهر", "month", "of")
# Prepositions that make an ambiguous month name a month ("في آب", "in May"); not part of the span.
_AMBIGUOUS_MONTH_CUES = _words("في", "منذ", "خلال", "حتي", "in", "since", "during", "until", "early",
                               "late", "mid", "by")
# English parts of the day after a weekday ("Friday night").
_EN_DAY_PARTS = frozenset({"night", "morning", "evening", "afternoon"})
# Clitics that may be glued to a month name or weekday ("بيناير", "وفي", "والجمعه").
_PREFIXES = ("", "و", "ب", "ل", "ف", "وب", "ول")


def _first_word_index(table: dict) -> dict[str, list]:
    """Entries of a phrase table grouped by their first word, so a lookup tries only a few."""
    index: dict[str, list] = {}
    for words, value in table.items():
        index.setdefault(words[0], []).append((words, value))
    return index


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str


class _Scanner:
    def __init__(self, norm_text: str, published: dt.date | None, lang: str) -> None:
        self.text = norm_text
        self.published = published
        self.lang = lang
        self.lex = _lexicon()
        self.toks = [_Tok(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(norm_text)]
        self._indexes: dict[int, dict[str, list]] = {}
        # time words that open a weekday phrase, and those that open a relative-day phrase ("last" is
        # part of the relative phrases themselves: "last month")
        self.weekday_openers = {w: True for w in self.lex.time_words}
        self.relative_openers = {w: True for w in self.lex.time_words if w != ("last",)}

    # --- helpers --------------------------------------------------------------------------
    def gap(self, a: int) -> str:
        """The text between token a and token a + 1."""
        if a + 1 >= len(self.toks) or a < 0:
            return ""
        return self.text[self.toks[a].end : self.toks[a + 1].start]

    def joined(self, a: int) -> bool:
        g = self.gap(a)
        return bool(g) and not g.strip()

    def t(self, i: int) -> str:
        return self.toks[i].text if 0 <= i < len(self.toks) else ""

    def phrase(self, i: int, words: tuple[str, ...], clitic: bool = False) -> bool:
        if i < 0 or i + len(words) > len(self.toks):
            return False
        for k, w in enumerate(words):
            tok = self.toks[i + k].text
            ok = tok == w or (k == 0 and clitic and len(w) > 2 and any(tok == p + w for p in _PREFIXES[1:]))
            if not ok or (k and not self.joined(i + k - 1)):
                return False
        return True

    def longest(self, i: int, table: dict, clitic: bool = False) -> tuple[int, object] | None:
        """The longest entry of ``table`` (word tuples -> value) spelled from token i."""
        tok = self.t(i)
        if not tok:
            return None
        firsts = {tok}
        if clitic:
            firsts.update(tok[len(p):] for p in _PREFIXES[1:] if tok.startswith(p))
        index = self._indexes.get(id(table))
        if index is None:
            index = self._indexes[id(table)] = _first_word_index(table)
        best = None
        for first in firsts:
            for words, value in index.get(first, ()):
                if (best is None or len(words) > best[0]) and self.phrase(i, words, clitic):
                    best = (len(words), value)
        return best

    def day_number(self, i: int) -> int | None:
        tok = self.t(i)
        if tok.isdigit() and len(tok) <= 2 and 1 <= int(tok) <= 31:
            return int(tok)
        return None

    def year_number(self, i: int) -> int | None:
        tok = self.t(i)
        if tok.isdigit() and len(tok) == 4 and 1900 <= int(tok) <= 2099:
            return int(tok)
        return None

    # --- month phrase ---------------------------------------------------------------------
    def month_at(self, i: int) -> tuple[int, int, bool] | None:
        """(end token, month, ambiguous) for a month name at i, with a slash/paren alternative."""
        found = self.longest(i, self.lex.months, clitic=True)
        if found is None:
            return None
        length, (month, ambiguous) = found
        end = i + length
        # "يناير/كانون الثاني", "كانون الثاني (يناير)", "يناير - كانون الثاني": one month, two names
        g = self.gap(end - 1).strip()
        if g in ("/", "(", "-", "\\", "،/"):
            alt = self.longest(end, self.lex.months)
            if alt is not None:
                end += alt[0]
                ambiguous = False
        return end, month, ambiguous

    def qualifier(self, i: int) -> str | None:
        word = self.t(i)
        if self.joined(i - 1):
            if word in _PAST:
                return "past"
            if word in _CURRENT:
                return "current"
            if word in _NEXT:
                return "next"
        return None

    # --- resolution -----------------------------------------------------------------------
    def resolve_year(self, month: int, day: int | None, qualifier: str | None) -> int | None:
        p = self.published
        if p is None:
            return None
        if qualifier == "current":
            return p.year
        if qualifier == "next":
            return p.year if (month, day or 1) > (p.month, p.day) else p.year + 1
        if qualifier == "past":
            if day is None:
                return p.year if month < p.month else p.year - 1
            return p.year if (month, day) < (p.month, p.day) else p.year - 1
        # no qualifier: the most recent on or before publication
        return p.year if (month, day or 1) <= (p.month, p.day) else p.year - 1

    # --- patterns -------------------------------------------------------------------------
    def explicit_date(self, i: int) -> tuple[int, int, str | None, str | None] | None:
        """Day/month/year expressions starting at token i: (start, end, value, precision)."""
        start = i
        day = None
        j = i
        if self.lang == "ar" and self.t(j) == "ال" and self.joined(j) and self.day_number(j + 1):
            j += 1  # "الـ 10 من سبتمبر"
        if self.day_number(j) is not None and (j == start or self.joined(start)):
            day = self.day_number(j)
            j += 1
            if j < len(self.toks) and self.gap(j - 1).strip() in ("", ".") and self.t(j) in ("من", "of") and self.joined(j - 1):
                j += 1
        else:
            ordinal = self.longest(j, self.lex.day_ordinals) if self.lang == "ar" else None
            if ordinal is not None and self.phrase(j + ordinal[0], ("من",)) and self.joined(j + ordinal[0] - 1):
                day = ordinal[1]
                j += ordinal[0] + 1
            elif self.t(j) in _MONTH_OPENERS and self.joined(j):
                j += 1  # "مطلع نيسان"
        if day is not None and not self.joined(j - 1):
            return None
        month_found = self.month_at(j)
        if month_found is None:
            return None
        end, month, ambiguous = month_found
        if day is None and self.lang == "en" and self.day_number(end) is not None and self.gap(end - 1).strip() in ("", "."):
            # "January 5", "January 5, 2017"
            if self.t(end + 1) not in ("st", "nd", "rd", "th") or self.toks[end + 1].start == self.toks[end].end:
                day = self.day_number(end)
                end += 1
                if self.t(end) in ("st", "nd", "rd", "th") and self.toks[end].start == self.toks[end - 1].end:
                    end += 1
        year = None
        qual = None
        gap = self.gap(end - 1).strip()
        if gap in ("", ",", "،") and self.year_number(end) is not None and (gap or self.joined(end - 1)):
            year = self.year_number(end)
            end += 1
        elif self.t(end) in ("عام", "سنه") and self.joined(end - 1) and self.year_number(end + 1) and self.joined(end):
            year = self.year_number(end + 1)
            end += 2
        else:
            qual = self.qualifier(end)
            if qual is not None:
                end += 1
        if ambiguous and day is None and year is None and qual is None:
            cue = self.t(start - 1)
            if not self.joined(start - 1) or cue not in _MONTH_CUES_BEFORE | _AMBIGUOUS_MONTH_CUES:
                return None
        if self.t(start - 1) in _MONTH_CUES_BEFORE and self.joined(start - 1) and self.t(start - 1) != "of":
            start -= 1  # "شهر آب" / "month"
        if day is not None:
            if day > calendar.monthrange(year or 2000, month)[1]:
                return None
            if year is None:
                year = self.resolve_year(month, day, qual)
            if year is None:
                return start, end, f"--{month:02d}-{day:02d}", "day"
            return start, end, f"{year:04d}-{month:02d}-{day:02d}", "day"
        if year is None:
            year = self.resolve_year(month, None, qual)
        if year is None:
            return start, end, None, "relative"
        return start, end, f"{year:04d}-{month:02d}", "month"

    def bare_year(self, i: int) -> tuple[int, int, str | None, str | None] | None:
        if self.t(i) in _YEAR_CUES and self.joined(i) and self.year_number(i + 1) is not None:
            return i, i + 2, f"{self.year_number(i + 1):04d}", "year"
        return None

    def relative_at(self, i: int) -> tuple[int, int, str | None, str | None] | None:
        start = i
        tw = self.longest(i, self.relative_openers, clitic=True)
        j = i + tw[0] if tw is not None and self.joined(i + tw[0] - 1) else i
        found = self.longest(j, self.lex.relative, clitic=self.lang == "ar")
        if found is None:
            return None
        length, (unit, offset) = found
        if unit == "none":
            return None
        end = j + length
        if unit == "day" and offset == 0 and self.t(end) in self.lex.weekdays and self.joined(end - 1):
            end += 1  # "اليوم الاحد"
        p = self.published
        if unit == "relative" or p is None:
            return start, end, None, "relative"
        if unit == "day":
            return start, end, (p + dt.timedelta(days=offset)).isoformat(), "day"
        if unit == "month":
            y, m = divmod(p.year * 12 + p.month - 1 + offset, 12)
            return start, end, f"{y:04d}-{m + 1:02d}", "month"
        return start, end, f"{p.year + offset:04d}", "year"

    def weekday_at(self, i: int) -> tuple[int, int, str | None, str | None] | None:
        start = i
        tw = self.longest(i, self.weekday_openers, clitic=True)
        j = i + tw[0] if tw is not None and self.joined(i + tw[0] - 1) else i
        word = self.t(j)
        stem = next((word[len(p):] for p in _PREFIXES if word.startswith(p) and word[len(p):] in self.lex.weekdays), None)
        if stem is None:
            return None
        weekday, ambiguous = self.lex.weekdays[stem]
        if ambiguous and j == i:
            before = self.text[self.toks[j - 1].end : self.toks[j].start].strip() if j > 0 else "."
            after = self.gap(j).strip()
            cue_before = bool(before) or self.t(j - 1) in self.lex.weekdays or self.t(j - 1) == "اليوم"
            cue_after = (self.t(j + 1) in _MONDAY_CUES_AFTER and self.joined(j)) or after[:1] in (",", "،", ".", "؛")
            if not (cue_before or cue_after):
                return None
        end = j + 1
        # "ليل الاحد الاثنين": the night between two days; the first names the date
        if self.t(end) in self.lex.weekdays and self.joined(end - 1):
            end += 1
        if self.lang == "en" and self.t(end) in _EN_DAY_PARTS and self.joined(end - 1):
            end += 1
        strictly_before = False
        if self.qualifier(end) == "past" or (self.lang == "en" and self.t(i) == "last"):
            strictly_before = self.qualifier(end) == "past" or self.t(i) == "last"
            if self.qualifier(end) == "past":
                end += 1
        p = self.published
        if p is None:
            return start, end, None, "relative"
        back = (p.weekday() - weekday) % 7
        if back == 0 and strictly_before:
            back = 7
        return start, end, (p - dt.timedelta(days=back)).isoformat(), "day"

    def scan(self) -> list[tuple[int, int, str | None, str | None]]:
        found = []
        i = 0
        while i < len(self.toks):
            result = self.explicit_date(i) or self.relative_at(i) or self.weekday_at(i) or self.bare_year(i)
            if result is None:
                i += 1
                continue
            found.append(result)
            i = max(result[1], i + 1)
        return found


def _parse_published(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published.strip()[:10])
    except ValueError:
        return None


def find_dates(text: str, published: str | None, lang: str = "ar") -> list[DateMention]:
    """Every date expression in ``text`` (original, unnormalised), resolved against ``published``.

    >>> [(m.text, m.value) for m in find_dates("قُتل جندي أمس، وفي 5 يناير/كانون الثاني", "2017-03-10")]
    [('أمس', '2017-03-09'), ('5 يناير/كانون الثاني', '2017-01-05')]
    >>> [(m.value, m.precision) for m in find_dates("يوم الجمعة", None)]
    [(None, 'relative')]
    """
    norm = normalise(text)
    scanner = _Scanner(norm.text, _parse_published(published), "ar" if lang.startswith("ar") else "en")
    mentions = []
    for first, last, value, precision in scanner.scan():
        s, e = norm.to_original(scanner.toks[first].start, scanner.toks[last - 1].end)
        mentions.append(DateMention(s, e, text[s:e], value, precision))
    return mentions
