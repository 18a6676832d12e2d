"""kg-builder: conflict news in, an RDF knowledge graph of events out."""

__version__ = "0.1.0"
