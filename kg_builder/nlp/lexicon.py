"""Read the extractor's lexicons (data files in ``kg_builder/nlp/data``) into lookup tables.

Each lexicon is a tab-separated file an analyst can extend without Python: one entry a line,
``#`` comments. Forms are written the way :func:`kg_builder.normalise.match_key` writes them; this
module adds the inflections (verb conjugations, plural and feminine endings, attached pronouns), so
one line "قصف verb ..." matches قصفت، قصفوا، يقصف، وقصفها.

The tables key on tuples of normalised words; multiword entries ("عبوه ناسفه") are matched token by
token by :class:`PhraseTable`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kg_builder.normalise import match_key
from kg_builder.resources import nlp_data_dir

# Inflections added to a lexicon form, for Arabic. Verbs: imperfect prefixes (ي ت ن ا), perfect and
# imperfect suffixes, then an attached object pronoun. Nouns: feminine/plural/dual/nisba endings, the
# accusative tanwin alef (هجوما), then a possessive pronoun.
_VERB_PREFIXES = ("", "ي", "ت", "ن", "ا")
_VERB_SUFFIXES = ("", "ت", "وا", "و", "ا", "تا", "ن", "نا", "تم", "ون", "ان", "ين")
_PRONOUNS = ("", "ه", "ها", "هم", "هما", "كم", "نا")
_NOUN_SUFFIXES = ("", "ا", "ه", "ات", "ين", "ان", "ي", "يه", "يا", "يات", "يين", "تين", "تان")
_NOUN_PRONOUNS = ("", "ه", "ها", "هم")
_EN_VERB_SUFFIXES = ("", "s", "ed", "d", "ing", "es")
_EN_NOUN_SUFFIXES = ("", "s", "es")


def normalised_words(*words: str) -> frozenset[str]:
    """Words typed into code, in the form the tokens they are compared with have (``match_key``).

    A word in code is compared with ``Token._.norm_key`` or its clitic variants, which are
    normalised: "إلى" or "حتى" as typed would never equal "الي" or "حتي". Every set of words in the
    extractor's code goes through this at import, as the data files go through it at load.

    >>> sorted(normalised_words("إلى", "حتى", "أخرى", "to"))
    ['to', 'اخري', 'الي', 'حتي']
    """
    return frozenset(match_key(w) for w in words)


@cache
def word_set(filename: str) -> frozenset[str]:
    """The normalised words of a one-word-a-line data file (``stopwords_ar.txt``...); empty if absent."""
    path = nlp_data_dir() / filename
    if not path.exists():
        return frozenset()
    return frozenset(match_key(r[0]) for r in _rows(path))


def _rows(path: Path) -> list[list[str]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            rows.append([c.strip() for c in line.split("\t")])
    return rows


# a hyphen or dash joining two words of an entry ("anti-tank", "ارض - ارض")
_HYPHEN = re.compile(r"\s*[-\u2010-\u2015]\s*")


def _key_words(form: str) -> tuple[str, ...]:
    """The words of an entry as the tokens of the same text have them.

    The tokenizer splits a hyphen off as a token of its own ("anti-tank" -> anti, -, tank), and a
    punctuation token's normalised form is "" (``match_key`` drops punctuation): so a hyphen inside
    an entry is a word "" of its own, where ``match_key`` alone would make it a space and the entry
    would never match the text it was written from.

    >>> _key_words("anti-tank"), _key_words("أرض - أرض")
    (('anti', '', 'tank'), ('ارض', '', 'ارض'))
    """
    words: list[str] = []
    for k, part in enumerate(_HYPHEN.split(form.strip())):
        if k and words:
            words.append("")
        words.extend(match_key(part).split())
    while words and not words[-1]:
        words.pop()
    return tuple(words)


def _conjugate(verb: str, prefix: str) -> str:
    """Perfect stem + imperfect prefix: a verb written with a leading alef drops it (استهدف -> يستهدف,
    اطلق -> يطلق, اعتقل -> يعتقل)."""
    if prefix and verb.startswith("ا"):
        return prefix + verb[1:]
    return prefix + verb


def verb_forms(verb: str) -> set[tuple[str, bool]]:
    """Every conjugated surface of a normalised verb, with whether it is imperfect.

    A verb ending in ي (ى before normalisation: استولى، رمى) loses it before a suffix that starts
    with a consonant or و (استولت، استولوا).

    >>> ("استولت", False) in verb_forms("استولي")
    True
    >>> ("يستهدفون", True) in verb_forms("استهدف")
    True
    """
    perfect, imperfect = set(), set()
    for p in _VERB_PREFIXES:
        base = _conjugate(verb, p)
        for s in _VERB_SUFFIXES:
            stem = base[:-1] if base.endswith("ي") and s[:1] in ("ت", "و", "ن") else base
            for o in _PRONOUNS:
                (imperfect if p else perfect).add(stem + s + o)
    # a surface that is also a perfect form is read as perfect: اأستولي (I take) is written like
    # استولى (he took) once hamza is normalised, and news speaks of the latter
    return {(f, False) for f in perfect} | {(f, True) for f in imperfect - perfect}


def inflect(word: str, pos: str, lang: str) -> set[str]:
    """Surface forms of one normalised lexicon word.

    >>> {"قصفت", "يقصفون", "وقصفوا"} & inflect("قصف", "verb", "ar") == {"قصفت", "يقصفون"}
    True
    >>> "غارات" in inflect("غاره", "noun", "ar")
    True
    """
    if lang != "ar":
        suffixes = _EN_VERB_SUFFIXES if pos == "verb" else _EN_NOUN_SUFFIXES
        forms = {word + s for s in suffixes}
        if word.endswith("e"):
            forms |= {word[:-1] + s for s in ("ing", "ed")}
        if word.endswith("y"):
            forms.add(word[:-1] + "ies")
        return forms
    if pos == "verb":
        return {form for form, _ in verb_forms(word)}
    forms = {word + s + o for s in _NOUN_SUFFIXES for o in _NOUN_PRONOUNS}
    if word.endswith("ه") and len(word) > 2:
        # a feminine noun (غارة -> غاره): its plural, dual and construct forms are built on the stem
        # without ة (غارات، غارتين، غارته), but never the bare stem: مصادرة (confiscation) must not
        # match مصادر (sources)
        stem = word[:-1]
        forms |= {stem + s + o for s in ("ات", "تين", "تان", "ت") for o in _NOUN_PRONOUNS if s != "ت" or o}
    return forms


@dataclass(frozen=True)
class Trigger:
    """One event trigger entry, as written in ``triggers_<lang>.tsv``."""

    form: str
    pos: str
    sub_event_type: str
    weapon: str | None = None
    light: bool = False
    undergo: bool = False
    respond: bool = False
    generic: bool = False
    needs_weapon: bool = False
    air_if_foreign: bool = False
    by_force: bool = False       # taking a place this way is fighting for it (طرد: expelled), never non-violent
    weak: bool = False           # with no weapon named its type is a guess (استهدف: targeted), another trigger's wins
    launches: bool = False       # with an event noun after it, its light verb (أطلق عملية): launched that


@dataclass(frozen=True)
class TriggerMatch:
    trigger: Trigger
    imperfect: bool        # the verb was matched with an imperfect prefix (يقصف): habitual or state
    length: int            # number of tokens


@dataclass
class PhraseTable:
    """Multiword lookup: first word -> list of (word tuple, value), longest first."""

    by_first: dict[str, list[tuple[tuple[str, ...], object]]] = field(default_factory=dict)

    def add(self, words: tuple[str, ...], value: object) -> None:
        bucket = self.by_first.setdefault(words[0], [])
        bucket.append((words, value))
        bucket.sort(key=lambda item: -len(item[0]))

    def match_all(self, variants: list[tuple[str, ...]], norms: list[str], i: int) -> tuple[int, list[object]]:
        """Every entry of the longest length starting at token ``i`` (a word can be a verb and a noun)."""
        best, values = 0, []
        if not 0 <= i < len(norms):
            return best, values
        for first in variants[i]:
            for words, value in self.by_first.get(first, ()):
                n = len(words)
                if n < best or i + n > len(norms):
                    continue
                if all(words[k] == norms[i + k] for k in range(1, n)):
                    if n > best:
                        best, values = n, []
                    if value not in values:
                        values.append(value)
        return best, values

    def match(self, variants: list[tuple[str, ...]], norms: list[str], i: int) -> tuple[int, object] | None:
        """Longest entry starting at token ``i``.

        ``variants[i]`` are token i's forms with clitics stripped (only the first word of a phrase
        may carry و/ب/ل/ال...), ``norms[k]`` the plain normalised form of each following token."""
        if not 0 <= i < len(norms):
            return None
        for first in variants[i]:
            for words, value in self.by_first.get(first, ()):
                n = len(words)
                if i + n > len(norms):
                    continue
                if all(words[k] == norms[i + k] for k in range(1, n)):
                    return n, value
        return None


def verb_with_object(norm: str) -> bool:
    """An Arabic imperfect verb carrying an object pronoun ("تدعمها"، "يقودهم"): no word of a name,
    and the end of a noun phrase ("قوات تدعمها الولايات المتحدة")."""
    return len(norm) > 4 and norm[0] in ("ت", "ي") and norm.endswith(("ها", "هم", "هما"))


@dataclass(frozen=True)
class Lexicon:
    """Every lexicon of one language, ready for lookups."""

    lang: str
    triggers: PhraseTable
    cues: dict[str, PhraseTable]
    casualties: PhraseTable
    weapons: PhraseTable
    entity_heads: PhraseTable


def _phrase_table(entries, pos="noun", lang="ar", inflect_last=True) -> PhraseTable:
    table = PhraseTable()
    for form, value in entries:
        words = _key_words(form)
        if not words:
            continue
        if inflect_last and len(words) == 1:
            for surface in inflect(words[0], pos, lang):
                table.add((surface,), value)
        else:
            # multiword: inflect the first word only (قذائف مدفعيه / قذيفه مدفعيه are separate lines)
            heads = inflect(words[0], pos, lang) if inflect_last else {words[0]}
            for head in heads:
                table.add((head,) + words[1:], value)
    return table


def _options(text: str) -> dict[str, str]:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        out[key] = value or "yes"
    return out


@cache
def load_lexicon(lang: str = "ar", directory: Path | None = None) -> Lexicon:
    """Load all lexicons of ``lang`` (``"ar"`` or ``"en"``) from the data folder, once per process."""
    d = directory or nlp_data_dir()

    triggers = PhraseTable()
    for row in _rows(d / f"triggers_{lang}.tsv"):
        form, pos, sub = row[0], row[1], row[2]
        opts = _options(row[3] if len(row) > 3 else "")
        trig = Trigger(form=form, pos=pos, sub_event_type=sub, weapon=opts.get("weapon"),
                       light="light" in opts, undergo="undergo" in opts, respond="respond" in opts,
                       generic="generic" in opts, needs_weapon="needs_weapon" in opts,
                       air_if_foreign="air_if_foreign" in opts, by_force="by_force" in opts,
                       weak="weak" in opts, launches="launches" in opts)
        words = _key_words(form)
        if len(words) == 1 and pos == "verb" and lang == "ar":
            for surface, imperfect in verb_forms(words[0]):
                triggers.add((surface,), TriggerMatch(trig, imperfect=imperfect, length=1))
                if len(surface) < 3:
                    # "وشن"، "فدك": the reader leaves a two-letter stem whole (ولد is no و + لد), so the
                    # conjunction is spelled out for two-letter verbs
                    for conj in ("و", "ف"):
                        triggers.add((conj + surface,), TriggerMatch(trig, imperfect=imperfect, length=1))
        else:
            heads = inflect(words[0], pos, lang)
            for head in heads:
                triggers.add((head,) + words[1:], TriggerMatch(trig, imperfect=False, length=len(words)))
        # the bare form itself is always perfect/neutral (ضرب is a verb and a noun: keep it neutral)
        triggers.add(words, TriggerMatch(trig, imperfect=False, length=len(words)))

    cues: dict[str, PhraseTable] = {}
    for group, form in _rows(d / f"cues_{lang}.tsv"):
        cues.setdefault(group, PhraseTable()).add(_key_words(form), group)

    casualties = _phrase_table(((f, g) for g, f in _rows(d / f"casualties_{lang}.tsv")), lang=lang,
                               inflect_last=False)
    weapons = _phrase_table(((f, w) for w, f in _rows(d / f"weapons_{lang}.tsv")), lang=lang)

    heads = PhraseTable()
    for row in _rows(d / f"entity_heads_{lang}.tsv"):
        opts = _options(row[3] if len(row) > 3 else "")
        words = _key_words(row[0])
        value = (row[1], row[2], int(opts.get("max", "2")), opts.get("keep_head", "yes") != "no")
        heads.add(words, value)
        if lang == "ar" and row[1] == "place" and len(words) == 1 and words[0][-1] not in "هيا":
            # the accusative of an indefinite place noun ("هاجم مخيما للنازحين")
            heads.add((words[0] + "ا",), value)
    return Lexicon(lang=lang, triggers=triggers, cues=cues, casualties=casualties, weapons=weapons,
                   entity_heads=heads)
