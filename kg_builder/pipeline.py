"""The main job: files in, article graphs in the store, streamed batch by batch.

    read_articles -> (skip unchanged) -> Extractor.extract -> extraction_quads -> store.replace_articles

Memory stays flat: articles are read lazily, extracted in small batches and written in batches, each
batch in one transaction, so a crash leaves every article whole or absent. Re-running over the same
corpus skips articles whose content (and extractor) did not change.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kg_builder import __version__
from kg_builder.extract import Extractor
from kg_builder.gazetteer import ontology_files
from kg_builder.ingest import IngestError, read_articles
from kg_builder.model import Article
from kg_builder.rdf import article_iri, extraction_quads
from kg_builder.resources import nlp_data_dir
from kg_builder.store import KGStore


@dataclass
class IngestReport:
    """What an ingest did; ``failed`` counts inputs (files or lines) that could not be read."""

    articles: int = 0
    unchanged: int = 0
    events: int = 0
    failed: int = 0
    warnings: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.articles} articles stored", f"{self.events} events"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged (skipped)")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.warnings:
            parts.append(f"{self.warnings} warnings")
        return ", ".join(parts)


class StrictStop(Exception):
    """Raised in ``--strict`` mode at the first bad input."""


@cache
def extractor_fingerprint() -> str:
    """Changes whenever the extractor could give different output: version, lexicons, ontology."""
    h = hashlib.sha256(__version__.encode())
    for path in sorted(nlp_data_dir().glob("*")) + ontology_files():
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def content_hash(article: Article) -> str:
    """Identity of an article's input plus the extractor: equal hashes give equal graphs."""
    payload = json.dumps([article.id, article.text, article.lang, article.title, article.url,
                          article.published, article.source, sorted(article.metadata.items()),
                          extractor_fingerprint()], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _Progress:
    """A one-line progress counter on a terminal; silent when stderr is a pipe or a file."""

    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def update(self, report: IngestReport) -> None:
        if self.enabled:
            print(f"\r{report.articles} articles, {report.events} events, {report.unchanged} unchanged, "
                  f"{report.failed} failed", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


def ingest(paths: Iterable[str | Path], store: KGStore, *, lang: str | None = None,
           published: str | None = None, strict: bool = False, batch_size: int = 32,
           on_error: Callable[[IngestError], None] | None = None, progress: bool | None = None,
           extractor: Extractor | None = None) -> IngestReport:
    """Read, extract and store every article under ``paths``; return what was done.

    Bad input is reported through ``on_error`` (one :class:`IngestError` each) and skipped; with
    ``strict=True`` the first error stops the run (:class:`StrictStop`) after the batches already
    written. An article id seen twice in one run is an error for the second one.
    """
    report = IngestReport()
    extractor = extractor or Extractor()
    bar = _Progress(progress)
    store.sync_ontology(ontology_files())

    def report_error(err: IngestError) -> None:
        warning = err.level == "warning"
        if warning:
            report.warnings += 1
        else:
            report.failed += 1
        if on_error is not None:
            on_error(err)
        if strict and not warning:
            raise StrictStop(str(err))

    def changed(articles: Iterator[Article]) -> Iterator[tuple[Article, str]]:
        for a in articles:
            h = content_hash(a)
            if store.article_hash(article_iri(a.id)) == h:
                report.unchanged += 1
                bar.update(report)
                continue
            yield a, h

    pending = changed(read_articles(paths, lang=lang, published=published, on_error=report_error))
    hashes: dict[str, str] = {}

    def articles_to_extract() -> Iterator[Article]:
        for a, h in pending:
            hashes[a.id] = h
            yield a

    batch: list[tuple[str, list]] = []
    batch_events = 0
    try:
        def extraction_failed(article: Article, err: Exception) -> None:
            hashes.pop(article.id, None)
            report_error(IngestError(article.origin or article.id, None,
                                     f"extraction failed for article {article.id!r}: {type(err).__name__}: {err}"))

        for extraction in extractor.extract(articles_to_extract(), on_error=extraction_failed):
            a = extraction.article
            report.notes.extend(f"{a.id}: {n}" for n in extraction.notes)
            batch.append((article_iri(a.id), extraction_quads(extraction, content_hash=hashes.pop(a.id))))
            batch_events += len(extraction.events)
            if len(batch) >= batch_size:
                store.replace_articles(batch)
                report.articles += len(batch)
                report.events += batch_events
                batch, batch_events = [], 0
                bar.update(report)
    finally:
        # what was read before a strict stop (or any error) is still stored, whole
        if batch:
            store.replace_articles(batch)
            report.articles += len(batch)
            report.events += batch_events
        bar.update(report)
        bar.close()
    return report
