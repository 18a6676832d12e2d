"""Words the extractor compares with the text, in code and in ``kg_builder/nlp/data/``, can match it.

Tokens are compared in their normalised form (:func:`kg_builder.normalise.match_key`: one alef, ي for
ى, ه for ة, no diacritics, no punctuation). A word typed into code as "إلى" or "حتى" never equals a
token, and a data line the tokenizer cuts differently from the loader never matches the text it was
written from. These tests hold every word in code and every data entry to the text it stands for.

(Sentences here are written for these tests; none is copied from the development corpus.)
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from kg_builder.extract import Extractor
from kg_builder.model import Article
from kg_builder.nlp import build_pipeline
from kg_builder.nlp.components import token_forms
from kg_builder.nlp.dates import find_dates
from kg_builder.nlp.entities import GLUE, _affiliation_words, _coref_table, _nisba_table
from kg_builder.nlp.events import _stem
from kg_builder.nlp.lexicon import _rows, load_lexicon, normalised_words, word_set
from kg_builder.nlp.numbers import find_numbers
from kg_builder.normalise import match_key, normalise
from kg_builder.resources import nlp_data_dir

ROOT = Path(__file__).resolve().parent.parent
DATA = nlp_data_dir()
LANGS = ("ar", "en")
# Arabic letters (not the Arabic comma, question mark or tatweel, which are punctuation)
ARABIC_LETTER = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]")

# Modules whose Arabic strings are compared with raw text, not with normalised tokens: they may be
# written any way the raw text is. pipeline.py: the tokenizer's prefix and suffix regular expressions
# (character ranges such as "ء-ي", glued و/ف before a quote), which run on the text as it comes.
RAW_TEXT_MODULES = {"kg_builder/nlp/pipeline.py"}


# --- A. words typed into code -----------------------------------------------------------------------


def _code_modules() -> list[Path]:
    return sorted((ROOT / "kg_builder" / "nlp").glob("*.py")) + [ROOT / "kg_builder" / "resolve.py"]


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every string constant of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_arabic_words_in_code_are_written_normalised():
    """Every Arabic string in the extractor's code equals its own normalised form (a word, an affix,
    a set of letters), so that it can equal a token -- except in modules that read raw text."""
    wrong = []
    for path in _code_modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel in RAW_TEXT_MODULES:
            continue
        for line, value in _string_constants(path):
            if ARABIC_LETTER.search(value) and (match_key(value) != value or normalise(value).text != value):
                wrong.append(f"{rel}:{line}: {value!r} is compared as {match_key(value)!r}")
    assert not wrong, "\n".join(wrong)


def test_the_raw_text_exception_is_only_regular_expressions():
    """What RAW_TEXT_MODULES lets through is the tokenizer's regular expressions, nothing else."""
    for rel in RAW_TEXT_MODULES:
        for line, value in _string_constants(ROOT / rel):
            if ARABIC_LETTER.search(value) and match_key(value) != value:
                assert re.search(r"[\[\]()?=+]|-", value), f"{rel}:{line}: {value!r}"


def test_english_words_in_code_are_lower_case():
    """English words in code are compared with lower-cased tokens: a capital would never match.
    (Class names, options and file names are no words of the text: they have capitals or _ or .)"""
    from kg_builder.nlp import events

    for name in ("PREPOSITIONS", "EN_NOUN_CONTEXT", "FILLERS", "CLAUSE_WORDS", "COMPLEMENTIZERS",
                 "RELATIVE_PRONOUNS", "TO", "OVER"):
        for word in getattr(events, name):
            assert word == match_key(word), (name, word)


def test_word_sets_in_code_are_normalised_at_import():
    from kg_builder.nlp import entities, events

    assert normalised_words("إلى", "حتى", "أخرى", "على", "To") == {"الي", "حتي", "اخري", "علي", "to"}
    assert {"الي", "حتي", "علي"} <= events.PREPOSITIONS
    assert "اخري" in events.FILLERS
    assert "الي" in events.TO and "علي" in events.OVER
    for name in ("PREPOSITIONS", "FILLERS", "CLAUSE_WORDS", "SUBJECT_PRONOUNS", "DUMMY_PRONOUNS",
                 "COMPLEMENTIZERS", "RELATIVE_PRONOUNS"):
        assert all(w == match_key(w) for w in getattr(events, name)), name
    for name in ("PATRON_PRONOUNS", "PATRON_PREPOSITIONS", "NAMING_PRONOUNS"):
        assert all(w == match_key(w) for w in getattr(entities, name)), name


# --- A. the words that were never matched, at work --------------------------------------------------


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


def run(extractor, text, published="2019-03-14"):
    [x] = extractor.extract([Article(id="t", text=text, lang="ar", published=published)])
    return x


@pytest.mark.parametrize("text", [
    # the figure far after the cue, behind "إلى" as written (with hamza), without it, with a vowel
    "ارتفعت حصيلة القتلى جراء الغارات الروسية على بلدة كفرنبل في ريف إدلب إلى 27 شخصا.",
    "وارتفعت حصيلة القتلى في القصف الذي شنته طائرات حربية على مدينة معرة النعمان الى 27 مدنيا.",
    "ارتفع عدد القتلى بعد الهجوم بالصواريخ على قرية الهبيط في ريف إدلب إِلى 27.",
], ids=["with-hamza", "bare-alef", "vowelled"])
def test_the_death_toll_rose_to(extractor, text):
    x = run(extractor, text)
    assert [e.killed for e in x.events] == [27]


def test_a_toll_that_rose_is_the_incidents_toll_over_the_first_figure(extractor):
    x = run(extractor, "قصفت طائرات حربية روسية بلدة كفرنبل بريف إدلب الأحد، ما أدى إلى مقتل 5 مدنيين.\n"
                       "وارتفعت لاحقا حصيلة القتلى جراء الغارات على البلدة إلى 12 شخصا.")
    assert [e.killed for e in x.events] == [12]


def test_a_preposition_typed_with_alef_maqsura_is_one(extractor):
    """"حتى" is a preposition: the name after it is no subject of the verb before it."""
    from kg_builder.nlp import events

    assert "حتي" in events.PREPOSITIONS and "حتى" not in events.PREPOSITIONS


# --- B. the confidence of an event that says neither who nor whom ------------------------------------


def test_shelling_with_no_attacker_and_no_target_has_low_confidence(extractor):
    x = run(extractor, "تعرضت بلدة كفرنبل في ريف إدلب لقصف مدفعي عنيف صباح اليوم.")
    [e] = x.events
    assert e.actors == () and e.targets == ()
    assert e.confidence == 0.3


def test_the_same_shelling_in_a_story_that_names_the_attacker_is_not_low(extractor):
    x = run(extractor, "تعرضت بلدة كفرنبل في ريف إدلب لقصف مدفعي عنيف صباح اليوم.\nوتبنى تنظيم داعش الهجوم.")
    [e] = x.events
    assert e.actors == ("actor/isis",)
    assert e.confidence > 0.5
    x = run(extractor, "قصف مدفعي عنيف على بلدة كفرنبل في ريف إدلب صباح اليوم.\n"
                       "وقالت مصادر محلية إن قوات النظام قصفت كفرنبل بالمدفعية.")
    [e] = x.events
    assert e.actors and e.confidence > 0.5


def test_an_event_that_says_who_and_whom_is_above_the_low_confidence(extractor):
    x = run(extractor, "قصفت قوات النظام مواقع لهيئة تحرير الشام في بلدة كفرنبل بريف إدلب.")
    assert x.events and all(e.confidence > 0.3 for e in x.events)


# --- C. every data entry matches its own text --------------------------------------------------------


def _doc(lang: str, text: str):
    """The tokens of ``text`` as the pipeline makes them, with their normalised forms."""
    nlp = build_pipeline(lang)
    doc = nlp.get_pipe("kgb_normaliser")(nlp.make_doc(text))
    variants, norms = token_forms(doc)
    return doc, variants, norms


def _report(bad: list[str]) -> str:
    return f"{len(bad)} entries cannot match their own text:\n" + "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_every_trigger_matches_its_own_text(lang):
    lex, bad = load_lexicon(lang), []
    for row in _rows(DATA / f"triggers_{lang}.tsv"):
        doc, variants, norms = _doc(lang, row[0])
        length, matches = lex.triggers.match_all(variants, norms, 0)
        if length != len(doc) or not any((m.trigger.form, m.trigger.pos, m.trigger.sub_event_type) == tuple(row[:3])
                                         for m in matches):
            bad.append(f"{row} -> tokens {[t.text for t in doc]}, matched {length}")
    assert not bad, _report(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_every_cue_matches_its_own_text(lang):
    lex, bad = load_lexicon(lang), []
    for group, form in _rows(DATA / f"cues_{lang}.tsv"):
        doc, variants, norms = _doc(lang, form)
        hit = lex.cues[group].match(variants, norms, 0)
        if hit is None or hit[0] != len(doc):
            bad.append(f"{group} {form!r} -> tokens {[t.text for t in doc]}, matched {hit}")
    assert not bad, _report(bad)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["casualties", "weapons"])
def test_every_casualty_and_weapon_word_matches_its_own_text(lang, kind):
    lex, bad = load_lexicon(lang), []
    table = lex.casualties if kind == "casualties" else lex.weapons
    for value, form in _rows(DATA / f"{kind}_{lang}.tsv"):
        doc, variants, norms = _doc(lang, form)
        hit = table.match(variants, norms, 0)
        if hit != (len(doc), value):
            # another entry of the same words with another value would win: this one never would
            bad.append(f"{value} {form!r} -> tokens {[t.text for t in doc]}, matched {hit}")
    assert not bad, _report(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_every_entity_head_matches_its_own_text(lang):
    lex, bad = load_lexicon(lang), []
    for row in _rows(DATA / f"entity_heads_{lang}.tsv"):
        doc, variants, norms = _doc(lang, row[0])
        # the entity finder matches over the words only (quotes and hyphens left out)
        keep = [i for i, t in enumerate(doc) if t.text not in GLUE]
        hit = lex.entity_heads.match([variants[i] for i in keep], [norms[i] for i in keep], 0)
        if hit is None or hit[0] != len(keep) or hit[1][:2] != (row[1], row[2]):
            bad.append(f"{row} -> tokens {[t.text for t in doc]}, matched {hit}")
    assert not bad, _report(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_every_nisba_coref_and_affiliation_word_matches_its_own_text(lang):
    bad = []
    nisba = _nisba_table(lang)
    for adjective, key in _rows(DATA / f"nisba_{lang}.tsv"):
        doc, variants, _ = _doc(lang, adjective)
        if len(doc) != 1 or next((nisba[v] for v in variants[0] if v in nisba), None) != key:
            bad.append(f"nisba {adjective!r}")
        # and with the article, as it follows a definite noun ("الضربة الإسرائيلية")
        if lang == "ar":
            doc, variants, _ = _doc(lang, "ال" + adjective)
            if next((nisba[v] for v in variants[0] if v in nisba), None) != key:
                bad.append(f"nisba ال{adjective!r}")
    coref = _coref_table(lang)
    for form, kind, _types in _rows(DATA / f"coref_{lang}.tsv"):
        doc, variants, _ = _doc(lang, form)
        found = next((v for v in variants[0] if v in coref), None) if len(doc) == 1 else None
        if found is None or coref[found][0] != kind:
            bad.append(f"coref {form!r}")
    path = DATA / f"affiliation_{lang}.tsv"
    if path.exists():
        groups = _affiliation_words(lang)
        for group, form in _rows(path):
            doc, variants, norms = _doc(lang, form)
            if len(doc) != 1 or not (set(variants[0]) | {norms[0]}) & groups[group]:
                bad.append(f"affiliation {group} {form!r}")
    assert not bad, _report(bad)


WORD_FILES = ["stopwords_ar.txt", "stopwords_en.txt", "singular_people_ar.txt", "position_words_ar.txt",
              "position_words_en.txt", "generic_victims_ar.txt"]


@pytest.mark.parametrize("filename", WORD_FILES)
def test_every_word_of_a_word_list_is_one_token_that_matches(filename):
    """The word lists are compared one token at a time: a line of two words could never match."""
    lang = "en" if filename.endswith("_en.txt") else "ar"
    words = word_set(filename)
    if filename.startswith("generic_victims"):
        # compared by stem (events._stem): "أشخاص"، "شخصا"
        words = frozenset(_stem(w) for w in words)
    bad = []
    for row in _rows(DATA / filename):
        doc, variants, norms = _doc(lang, row[0])
        if filename.startswith("generic_victims"):
            ok = len(doc) == 1 and _stem(norms[0]) in words
        else:
            ok = len(doc) == 1 and (norms[0] in words or bool(set(variants[0]) & words))
        if not ok:
            bad.append(f"{row[0]!r} -> tokens {[t.text for t in doc]}")
    assert not bad, _report(bad)


def _number_rows(lang: str):
    for row in _rows(DATA / f"number_words_{lang}.tsv"):
        yield row[0], int(row[1]), row[2]


PLURAL_MULTIPLIERS = {"الاف", "ملايين", "مليارات"}


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_word_reads_as_its_value(lang):
    bad = []
    for form, value, kind in _number_rows(lang):
        if kind in ("approx", "at_least", "more_than"):
            [m] = find_numbers(f"{form} 5", lang) or [None]
            ok = m is not None and m.value == 5 and m.text == f"{form} 5" and (kind == "approx" or m.at_least)
        elif kind == "at_least_after":
            [m] = find_numbers(f"5 {form}", lang) or [None]
            ok = m is not None and m.value == 5 and m.at_least
        elif kind in ("vague", "vague_phrase"):
            # "tens", "scores" are amounts only before "of" ("tens of thousands")
            text = f"{form} of" if lang == "en" and form in ("tens", "scores") else form
            found = find_numbers(text, lang)
            ok = len(found) == 1 and found[0].vague and found[0].value is None
        elif kind == "ordinal":
            ok = find_numbers(form, lang) == []      # never a count
        elif kind == "teen_head":
            ten = "عشر" if lang == "ar" else ""
            found = find_numbers(f"{form} {ten}".strip(), lang)
            ok = len(found) == 1 and found[0].value == value + 10
        elif kind == "multiplier" and form in PLURAL_MULTIPLIERS:
            # "آلاف" alone is vague; after a number it multiplies it ("3 آلاف")
            alone, after = find_numbers(form, lang), find_numbers(f"3 {form}", lang)
            ok = len(alone) == 1 and alone[0].vague and [m.value for m in after] == [3 * value]
        else:
            found = find_numbers(form, lang)
            ok = len(found) == 1 and found[0].value == value and found[0].text == form
        if not ok:
            bad.append(f"{kind} {form!r} ({value}) -> {find_numbers(form, lang)}")
    assert not bad, _report(bad)


def test_every_dual_noun_reads_as_two():
    bad = []
    for row in _rows(DATA / "dual_nouns_ar.txt"):
        singular = match_key(row[0])
        stem = singular[:-1] + "ت" if singular.endswith("ه") else singular
        for dual in (stem + "ان", stem + "ين"):
            if [m.value for m in find_numbers(dual, "ar")] != [2]:
                bad.append(f"{row[0]!r} -> {dual!r}")
    assert not bad, _report(bad)


PUBLISHED = "2019-03-14"    # a Thursday


def _dates(text: str, lang: str):
    return find_dates(text, PUBLISHED, lang=lang)


def test_every_month_and_day_ordinal_reads_as_a_date():
    bad = []
    for form, value, kind in _rows(DATA / "months.tsv"):
        lang = "en" if form.isascii() else "ar"
        if kind == "day_ordinal":
            text, want = f"{form} من يناير 2018", f"2018-01-{int(value):02d}"
        else:
            text, want = f"5 {form} 2018", f"2018-{int(value):02d}-05"
        found = _dates(text, lang)
        if [(d.value, d.text) for d in found] != [(want, text)]:
            bad.append(f"{kind} {form!r} -> {[(d.text, d.value) for d in found]}")
    assert not bad, _report(bad)


def test_every_weekday_and_time_word_reads_as_a_day():
    published = dt.date.fromisoformat(PUBLISHED)
    rows = _rows(DATA / "weekdays.tsv")
    bad = []
    for form, value, kind in rows:
        lang = "en" if form.isascii() else "ar"
        if kind.startswith("time_word"):
            # a time word opens the phrase of the weekday after it, and belongs to it
            text, want_weekday = f"{form} {'friday' if lang == 'en' else 'الجمعه'}", 4
        else:
            # "الاثنين" is Monday only after a time word: every weekday is tried after one
            text, want_weekday = (f"يوم {form}" if lang == "ar" else form), int(value)
        found = _dates(text, lang)
        ok = [(d.text, d.precision) for d in found] == [(text, "day")]
        if ok:
            day = dt.date.fromisoformat(found[0].value)
            # the most recent such day on or before publication ("last": strictly before)
            ok = day.weekday() == want_weekday and (0 if form != "last" else 1) <= (published - day).days < 7 + (form == "last")
        if not ok:
            bad.append(f"{kind} {form!r} -> {[(d.text, d.value) for d in found]}")
    assert not bad, _report(bad)


def test_every_relative_day_reads_as_its_offset():
    published = dt.date.fromisoformat(PUBLISHED)
    bad = []
    for form, unit, offset in _rows(DATA / "relative_days.tsv"):
        lang = "en" if form.isascii() else "ar"
        found = _dates(form, lang)
        offset = int(offset)
        if unit == "none":
            ok = found == []
        elif unit == "relative":
            ok = [(d.value, d.precision, d.text) for d in found] == [(None, "relative", form)]
        elif unit == "day":
            ok = [(d.value, d.text) for d in found] == [((published + dt.timedelta(days=offset)).isoformat(), form)]
        elif unit == "month":
            y, m = divmod(published.year * 12 + published.month - 1 + offset, 12)
            ok = [(d.value, d.text) for d in found] == [(f"{y:04d}-{m + 1:02d}", form)]
        else:
            ok = [(d.value, d.text) for d in found] == [(f"{published.year + offset:04d}", form)]
        if not ok:
            bad.append(f"{unit} {offset} {form!r} -> {[(d.text, d.value, d.precision) for d in found]}")
    assert not bad, _report(bad)


def test_every_spelling_variant_is_unified_with_its_canonical_form():
    bad = []
    for row in _rows(DATA / "spelling_variants_ar.tsv"):
        variant, canonical = row[0], row[1]
        if not (match_key(variant) == match_key(canonical) == normalise(canonical).text):
            bad.append(f"{variant!r} -> {match_key(variant)!r}, {canonical!r} -> {match_key(canonical)!r}")
    assert not bad, _report(bad)


def test_every_data_file_is_checked_here():
    """A new data file needs a test of its entries here."""
    checked = {"triggers", "cues", "casualties", "weapons", "entity_heads", "nisba", "coref", "affiliation",
               "number_words", "dual_nouns", "months", "weekdays", "relative_days", "spelling_variants",
               "stopwords", "singular_people", "position_words", "generic_victims"}
    for path in DATA.iterdir():
        if path.suffix in (".tsv", ".txt"):
            stem = re.sub(r"_(ar|en)$", "", path.stem)
            assert stem in checked, path.name


def test_a_hyphen_inside_an_entry_matches_the_hyphen_token():
    """"anti-tank" is three tokens (anti, -, tank): the entry keeps the hyphen as a word of its own."""
    lex = load_lexicon("en")
    doc, variants, norms = _doc("en", "an anti-tank missile hit the tank")
    assert lex.weapons.match(variants, norms, 1) == (3, "missile")
    lex = load_lexicon("ar")
    doc, variants, norms = _doc("ar", "أطلقت صواريخ أرض-أرض على المدينة")
    assert lex.cues["ground_fire"].match(variants, norms, 2)[0] == 3
