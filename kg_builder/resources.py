"""Where the data files that ship with kg-builder are: the ontology and the saved queries.

They live at the top of the repository (``ontology/``, ``queries/``) where analysts edit them, and
are installed inside the package (see ``[tool.setuptools.package-dir]`` in pyproject.toml).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def ontology_dir() -> Path:
    """The folder of the ontology Turtle files (T-box, shapes, gazetteer)."""
    return Path(str(files("kg_builder.ontology_files")))


def queries_dir() -> Path:
    """The folder of the saved SPARQL questions (``*.rq``)."""
    return Path(str(files("kg_builder.saved_queries")))


def nlp_data_dir() -> Path:
    """The folder of the extractor's lexicons (triggers, cues, number words, month names...)."""
    return Path(str(files("kg_builder.nlp"))) / "data"
