"""Our spaCy pipeline components, registered with ``@Language.factory``.

Order in the pipeline (see :func:`kg_builder.nlp.build_pipeline`):

``kgb_normaliser``  token forms for matching: normalised text and clitic-stripped variants
``kgb_sentences``   sentence starts at line breaks and sentence-final punctuation
``kgb_entities``    actors and places: gazetteer names, head-noun patterns, names learned in the
                    article, definite descriptions resolved to the entity they mean
``kgb_numbers``     numbers (digits, words, duals, vague amounts) as ``doc._.quantities``
``kgb_dates``       dates relative to ``doc._.published`` as ``doc._.dates``
``kgb_events``      event candidates with roles (:mod:`kg_builder.nlp.events`) as ``doc._.events``

Each component reads what earlier ones left on the Doc and can be tested alone on a Doc that has it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy

from spacy.language import Language
from spacy.tokens import Doc, Token

from kg_builder.normalise import clitic_variants, match_key
from kg_builder.nlp.dates import find_dates
from kg_builder.nlp.mentions import DateRef, EntityMention, Quantity
from kg_builder.nlp.numbers import find_numbers

for _name, _default in (("norm_key", ""), ("variants", ())):
    if not Token.has_extension(_name):
        Token.set_extension(_name, default=_default)
for _name in ("entities", "quantities", "dates", "events", "controls", "forms"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
for _name in ("published", "lang"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@lru_cache(maxsize=200_000)
def _forms(text: str, lang: str) -> tuple[str, tuple[str, ...]]:
    key = match_key(text)
    if not key:
        return "", ()
    if lang == "ar":
        return key, tuple(dict.fromkeys(clitic_variants(key)))
    variants = [key]
    # a possessive the tokenizer left on the word: match_key drops the apostrophe ("Syria's" ->
    # "syrias"), so it is told by the text and the bare "s" is taken off the key
    if text.endswith(("'s", "’s", "'S", "’S")) and len(key) > 1 and key.endswith("s"):
        variants.append(key[:-1])
    return key, tuple(variants)


@Language.factory("kgb_normaliser")
def make_normaliser(nlp: Language, name: str):
    """Give every token ``._.norm_key`` (normalised) and ``._.variants`` (clitics stripped)."""
    lang = nlp.lang

    def normaliser(doc: Doc) -> Doc:
        norms, all_variants = [], []
        for tok in doc:
            key, variants = _forms(tok.text, lang)
            tok._.norm_key = key
            tok._.variants = variants
            norms.append(key)
            all_variants.append(variants)
        # the same forms as two plain lists, for the components that scan every token
        doc._.forms = (all_variants, norms)
        return doc

    return normaliser


_SENTENCE_END = {".", "!", "?", "؟", "…"}


@Language.factory("kgb_sentences")
def make_sentences(nlp: Language, name: str):
    """Sentences end at a line break or at sentence-final punctuation (., !, ?, ؟)."""

    def sentences(doc: Doc) -> Doc:
        # set all starts in one array write: Token.is_sent_start re-checks the whole Doc per token
        starts = numpy.zeros((len(doc), 1), dtype="int64")
        boundary = True
        for i, tok in enumerate(doc):
            starts[i, 0] = 1 if boundary else -1
            boundary = "\n" in tok.text or tok.text in _SENTENCE_END
        if len(doc):
            doc.from_array(["SENT_START"], starts.astype("uint64"))
        return doc

    return sentences


def _on_tokens(doc: Doc, mentions, make):
    """Character-offset mentions (from the text-level parsers) as records on whole tokens."""
    found = []
    for m in mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None:
            found.append(make(span, m))
    return found


@Language.factory("kgb_numbers")
def make_numbers(nlp: Language, name: str):
    """Numbers as ``doc._.quantities``: value, or ``vague`` for "dozens"; spans on token bounds."""
    lang = nlp.lang

    def numbers(doc: Doc) -> Doc:
        doc._.quantities = _on_tokens(doc, find_numbers(doc.text, lang=lang),
                                      lambda span, m: Quantity(span.start, span.end, m.value, m.vague, m.more_than))
        return doc

    return numbers


@Language.factory("kgb_dates")
def make_dates(nlp: Language, name: str):
    """Dates as ``doc._.dates``, resolved against ``doc._.published`` (None: partial dates only)."""
    lang = nlp.lang

    def dates(doc: Doc) -> Doc:
        doc._.dates = _on_tokens(doc, find_dates(doc.text, doc._.published, lang=lang),
                                 lambda span, m: DateRef(span.start, span.end, m.value, m.precision))
        return doc

    return dates


def token_forms(doc: Doc) -> tuple[list[tuple[str, ...]], list[str]]:
    """(variants, norm keys) of every token, the inputs of :meth:`PhraseTable.match`."""
    if doc._.forms is not None:
        return doc._.forms
    return [t._.variants for t in doc], [t._.norm_key for t in doc]


def make_entity_mention(doc: Doc, start: int, end: int, kind: str, type_: str, key: str | None,
                        origin: str, name: str | None = None) -> EntityMention:
    span = doc[start:end]
    return EntityMention(start=start, end=end, start_char=span.start_char, end_char=span.end_char,
                         text=span.text, kind=kind, type=type_, key=key,
                         name=name if name is not None else _strip_name(span), origin=origin)


def _strip_name(span) -> str:
    """The normalised name of a span without leading clitics on its first word (وللتحالف -> التحالف)."""
    words = [t._.norm_key for t in span if t._.norm_key]
    if not words:
        return ""
    first = span[0]._.variants
    if len(first) > 1:
        # keep the article: of the stripped forms, the longest one that starts with ال, else the 2nd
        with_article = [v for v in first[1:] if v.startswith("ال")]
        words[0] = with_article[0] if with_article else first[1] if first[0][:1] in "وفبلك" else first[0]
    return " ".join(words)

