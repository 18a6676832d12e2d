"""The spaCy side of kg-builder: ``spacy.blank("ar")``/``"en"`` plus our registered components.

Only this package imports spaCy. :func:`build_pipeline` is in :mod:`kg_builder.nlp.pipeline`; it is
re-exported here lazily, so the pure-Python helpers (``numbers``, ``dates``, ``lexicon``) import
without loading spaCy.
"""

SUPPORTED_LANGUAGES = ("ar", "en")


def build_pipeline(lang: str = "ar", gazetteer_dir: str | None = None):
    """A ready pipeline for ``lang``; see :func:`kg_builder.nlp.pipeline.build_pipeline`."""
    from kg_builder.nlp.pipeline import build_pipeline as _build

    return _build(lang, gazetteer_dir)
