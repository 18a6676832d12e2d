"""Build the extraction pipeline: a blank Arabic or English spaCy pipeline plus our components.

>>> nlp = build_pipeline("ar")                                         # doctest: +SKIP
>>> nlp.pipe_names                                                     # doctest: +SKIP
['kgb_normaliser', 'kgb_sentences', 'kgb_entities', 'kgb_numbers', 'kgb_dates', 'kgb_events']

The pipeline is described by a config (:data:`PIPELINE`), built once per process and reused with
``nlp.pipe``. Only this package imports spaCy.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.attrs import IS_ALPHA
from spacy.language import Language
from spacy.util import compile_prefix_regex, compile_suffix_regex

from kg_builder.normalise import is_word

# importing the modules registers the factories
from kg_builder.nlp import components as _components  # noqa: F401
from kg_builder.nlp import entities as _entities  # noqa: F401
from kg_builder.nlp import events as _events  # noqa: F401

#: The components, in order, with their config. A component can be left out or configured here
#: (e.g. ``{"gazetteer_dir": "/path/to/ontology"}`` for kgb_entities) without touching the code.
PIPELINE: tuple[tuple[str, dict], ...] = (
    ("kgb_normaliser", {}),
    ("kgb_sentences", {}),
    ("kgb_entities", {}),
    ("kgb_numbers", {}),
    ("kgb_dates", {}),
    ("kgb_events", {}),
)

from kg_builder.nlp import SUPPORTED_LANGUAGES


def _split_glued_quotes(nlp: Language) -> None:
    """Fix what spaCy's Arabic tokenizer leaves glued together in real news text:
    و/ف before a quote or bracket (و”قسد، و"الخابور"), digits run into a word (قتل45، 18جهاديا،
    الآن25), a closing quote before a full stop (سوريا".) and a full stop after a vowel mark, so that names, numbers and cue words are tokens of their own."""
    arabic = "\u0621-\u064a"
    prefixes = list(nlp.Defaults.prefixes or []) + [r"[وف](?=[\"“”«»'‘’(\[])", rf"[0-9٠-٩]+(?=[{arabic}])", r"[وف](?=[0-9٠-٩])"]
    # and a closing quote or bracket followed by a full stop (سوريا". ) at the end of a word
    # and punctuation after a vowel mark, or a letter after one (كَفْرنَبْل.): spaCy's rule wants two letters
    suffixes = list(nlp.Defaults.suffixes or []) + [rf"(?<=[{arabic}])[0-9٠-٩]+",
                                                     r"(?<=[\"”»'’)\]])[.،؛:!؟?]", r"[\"”»'’)\]](?=[.،؛:!؟?])",
                                                     r"(?<=[\u064b-\u065f\u0670])[.،؛:!؟?]",
                                                     rf"(?<=[\u064b-\u065f\u0670][{arabic}])[.،؛:!؟?]"]
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search


@cache
def build_pipeline(lang: str = "ar", gazetteer_dir: str | None = None) -> Language:
    """A ready pipeline for ``lang`` ("ar" or "en"); cached, so build it as often as you like."""
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"no extraction pipeline for language {lang!r} (have: {', '.join(SUPPORTED_LANGUAGES)})")
    nlp = spacy.blank(lang)
    # a word is a word with its vowels or a zero-width mark inside it (كفر\u200bنبل): spaCy's own
    # is_alpha says no to both, and the name finders would pass such a word by
    nlp.vocab.lex_attr_getters[IS_ALPHA] = is_word
    if lang == "ar":
        _split_glued_quotes(nlp)
    for name, config in PIPELINE:
        if name == "kgb_entities" and gazetteer_dir:
            config = {**config, "gazetteer_dir": gazetteer_dir}
        nlp.add_pipe(name, config=config)
    return nlp
