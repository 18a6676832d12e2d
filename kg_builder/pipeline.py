"""The main job: files in, article graphs in the store, streamed batch by batch.

    read_articles -> (skip unchanged) -> Extractor.extract -> resolve -> extraction_quads -> store.replace_articles

Memory stays flat: articles are read lazily, extracted in small batches and written in batches, each
batch in one transaction, so a crash leaves every article whole or absent. Re-running over the same
corpus skips articles whose content (and extractor) did not change; an article already stored whose content
changed (same id, new text) is replaced, and counted as updated, apart from the new ones.

Oversized articles: an article longer than :data:`MAX_PIECE_CHARS` (a 50 MB dump, a feed glued into one
record) is extracted in pieces cut at paragraph breaks (else line breaks, sentence ends, spaces), each an
exact substring of the text; the pieces' events and mentions are put back together with their offsets
shifted, so evidence still points into the whole ``Article.text``, and the article is stored whole, as one
graph, in one transaction; ``resolve`` runs on the whole, so an incident told in two pieces is one event.

Snapshots for analysts: with ``snapshot_dir``, the ingest publishes a consistent copy of the store
(``KGStore.publish_snapshot``, a RocksDB checkpoint of hard links) after a batch every
``snapshot_interval_s`` seconds and at the end. Analysts query the newest snapshot while the ingest goes
on (``kg_builder.store.open_snapshot``: read-only, no lock, any number of readers); a snapshot is only
ever taken between transactions, so every article in it is whole. (The other way to read while writing:
a ``kgb serve --writable`` server that receives the batches at ``/update``.)
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from kg_builder import __version__
from kg_builder.extract import Extractor
from kg_builder.gazetteer import ontology_files
from kg_builder.ingest import IngestError, read_articles
from kg_builder.model import Article, Control, Entity, Event, Extraction, Span
from kg_builder.rdf import article_iri, extraction_quads
from kg_builder.resolve import resolve
from kg_builder.resources import nlp_data_dir
from kg_builder.store import KGStore

#: Articles longer than this (characters) are extracted in pieces of at most this size. Far below
#: spaCy's own limit (``nlp.max_length``, 1,000,000), and small enough that the extractor's costs that
#: grow faster than the text (measured: ~1.5 s for 100k characters, ~90 s for 1M) stay bounded.
MAX_PIECE_CHARS = 100_000


@dataclass
class IngestReport:
    """What an ingest did; ``failed`` counts inputs (files or lines) that could not be read.

    ``articles`` counts every article stored; ``updated`` the ones among them that replaced a stored
    article of the same id whose content (or extractor) differed; the others are new.
    """

    articles: int = 0
    updated: int = 0
    unchanged: int = 0
    events: int = 0
    failed: int = 0
    warnings: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return self.articles - self.updated

    def summary(self) -> str:
        stored = f"{self.articles} articles stored"
        if self.updated:   # a replaced article is never silent
            stored += f" ({self.new} new, {self.updated} updated)"
        parts = [stored, f"{self.events} events"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged (skipped)")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.warnings:
            parts.append(f"{self.warnings} warnings")
        return ", ".join(parts)


class StrictStop(Exception):
    """Raised in ``--strict`` mode at the first bad input (an error, or a warning: a guessed encoding,
    a dropped field). What was read before it is stored, whole."""


class _StopReading(Exception):
    """Raised out of the reader's error callback to end reading at a strict stop."""


# --- oversized articles -------------------------------------------------------------------------------

#: Where a piece may end, best first: a blank line, a line break, a sentence end, a space.
_PIECE_BREAKS: tuple[str, ...] = ("\n\n", "\n", ". ", "؟ ", "? ", "! ", "。", " ")


def split_text(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[tuple[int, str]]:
    """``(offset, piece)`` pairs covering ``text`` exactly, each piece at most ``max_chars`` long.

    A piece ends just after the last paragraph break in its window, else the last line break, sentence
    end or space, else (one unbroken run of ``max_chars`` characters) at ``max_chars``.

    >>> split_text("aaa bbb\n\nccc ddd", max_chars=10)
    [(0, 'aaa bbb\n\n'), (9, 'ccc ddd')]
    >>> "".join(piece for _, piece in split_text("x" * 25, max_chars=10))== "x" * 25
    True
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        window_end = start + max_chars
        cut = window_end
        for brk in _PIECE_BREAKS:
            found = text.rfind(brk, start + 1, window_end)
            if found != -1 and found + len(brk) <= window_end:
                cut = found + len(brk)
                break
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def _shift(span: Span, offset: int) -> Span:
    return Span(span.text, span.start + offset, span.end + offset)


def merge_pieces(article: Article, parts: list[tuple[int, Extraction]]) -> Extraction:
    """One extraction of ``article`` from the extractions of its pieces (``(offset, extraction)``).

    Offsets are shifted into the whole text; an entity met in several pieces is one entity with all its
    mentions; events are renumbered ``c1, c2, ...`` in text order and ``responds_to`` follows them; who
    holds which place (controls) is kept from every piece. The pieces are best merged before
    :func:`kg_builder.resolve.resolve`, which then joins an incident told in two pieces.
    """
    entities: dict[str, Entity] = {}
    mentions: dict[str, list[Span]] = {}
    events: list[Event] = []
    controls: list[Control] = []
    notes: list[str] = []
    for offset, part in sorted(parts, key=lambda p: p[0]):
        for entity in part.entities:
            entities.setdefault(entity.key, entity)
            mentions.setdefault(entity.key, []).extend(_shift(m, offset) for m in entity.mentions)
        renamed = {event.key: f"c{len(events) + n}" for n, event in enumerate(part.events, start=1)}
        for event in part.events:
            events.append(replace(
                event, key=renamed[event.key], responds_to=renamed.get(event.responds_to or ""),
                evidence=tuple(_shift(s, offset) for s in event.evidence),
                claims=tuple(replace(c, evidence=tuple(_shift(s, offset) for s in c.evidence))
                             for c in event.claims),
            ))
        controls.extend(replace(c, evidence=tuple(_shift(s, offset) for s in c.evidence)) for c in part.controls)
        notes.extend(n for n in part.notes if n not in notes)
    merged_entities = tuple(
        replace(e, mentions=tuple(sorted(set(mentions[key]), key=lambda s: (s.start, s.end))))
        for key, e in entities.items())
    return Extraction(article=article, entities=merged_entities, events=tuple(events), controls=tuple(controls),
                      notes=tuple(notes))


def _extract_in_pieces(extractor: Extractor, articles: Iterable[Article],
                       on_error: Callable[[Article, Exception], None]) -> Iterator[Extraction]:
    """``extractor.extract`` that feeds oversized articles piece by piece and gives them back whole.

    An article whose piece fails is reported once (through ``on_error``, with the whole article) and
    left out: an article is stored with all of its pieces or not at all.
    """

    @dataclass
    class _Whole:
        article: Article
        remaining: int
        parts: list = field(default_factory=list)
        failed: bool = False

    # id() of a piece Article -> (the piece itself, kept alive so its id() stays unique; its whole; offset)
    pieces: dict[int, tuple[Article, _Whole, int]] = {}

    def feed() -> Iterator[Article]:
        for article in articles:
            if len(article.text) <= MAX_PIECE_CHARS:
                yield article
                continue
            split = split_text(article.text)
            whole = _Whole(article, remaining=len(split))
            for offset, text in split:
                piece = replace(article, text=text)
                pieces[id(piece)] = (piece, whole, offset)
                yield piece

    def piece_failed(piece: Article, err: Exception) -> None:
        entry = pieces.pop(id(piece), None)
        if entry is None:
            on_error(piece, err)
            return
        _, whole, offset = entry
        whole.remaining -= 1
        if not whole.failed:
            whole.failed = True
            whole.parts.clear()
            on_error(whole.article, RuntimeError(f"in the piece at character {offset}: {type(err).__name__}: {err}"))

    # resolve is the stage after extraction: for a whole article, after its pieces are put together
    for extraction in extractor.extract(feed(), on_error=piece_failed, resolve=False):
        entry = pieces.pop(id(extraction.article), None)
        if entry is None or entry[0] is not extraction.article:
            yield resolve(extraction)
            continue
        _, whole, offset = entry
        whole.remaining -= 1
        if not whole.failed:
            whole.parts.append((offset, extraction))
            if whole.remaining == 0:
                yield resolve(merge_pieces(whole.article, whole.parts))


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
            print(f"\r{report.articles} articles ({report.updated} updated), {report.events} events, "
                  f"{report.unchanged} unchanged, {report.failed} failed", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


#: The longest article ingested (characters). Measured: 1.2 M characters take ~30 s and ~1.3 GB; the
#: memory grows with the article's graph, which is written in one transaction (an article whole or not
#: at all), so a 25 M-character (50 MB) article needed over 20 GB. Above this, a clear error instead.
MAX_ARTICLE_CHARS = 3_000_000


def ingest(paths: Iterable[str | Path], store: KGStore, *, lang: str | None = None,
           published: str | None = None, strict: bool = False, batch_size: int = 32,
           on_error: Callable[[IngestError], None] | None = None, progress: bool | None = None,
           extractor: Extractor | None = None, snapshot_dir: str | Path | None = None,
           snapshot_interval_s: float = 10.0, max_chars: int = MAX_ARTICLE_CHARS) -> IngestReport:
    """Read, extract and store every article under ``paths``; return what was done.

    Bad input is reported through ``on_error`` (one :class:`IngestError` each) and skipped; with
    ``strict=True`` the first error or warning stops the run (:class:`StrictStop`) after the batches
    already written. An article id seen twice in one run is an error for the second one.

    An article longer than ``max_chars`` characters is refused with an error (its graph would not fit
    in memory in one transaction: see MAX_ARTICLE_CHARS); longer ones up to that are extracted in pieces.
    The reader gets the limit too, so a file or a JSONL line too big to hold such an article is refused
    before it is read (:func:`kg_builder.ingest.read_articles`).

    An article whose id is already in the store with other content is replaced and counted in
    ``IngestReport.updated``; one with the same content is skipped (``unchanged``).

    Each batch of ``batch_size`` articles is one transaction. With ``snapshot_dir``, a snapshot of the
    store is published there (see :meth:`KGStore.publish_snapshot`) after a batch when the last one is
    ``snapshot_interval_s`` old or more (0: after every batch), and once more at the end.
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    report = IngestReport()
    extractor = extractor or Extractor()
    bar = _Progress(progress)
    store.sync_ontology(ontology_files())
    last_snapshot = float("-inf")

    def publish_snapshot(force: bool = False) -> None:
        nonlocal last_snapshot
        if snapshot_dir is None:
            return
        now = time.monotonic()
        if force or now - last_snapshot >= snapshot_interval_s:
            store.publish_snapshot(snapshot_dir)
            last_snapshot = now

    stop_reason: str | None = None    # --strict: the first bad input; nothing after it is read

    def report_error(err: IngestError) -> None:
        nonlocal stop_reason
        warning = err.level == "warning"
        if warning:
            report.warnings += 1
        else:
            report.failed += 1
        if on_error is not None:
            on_error(err)
        if strict and stop_reason is None:
            stop_reason = str(err)

    def report_reading_error(err: IngestError) -> None:
        report_error(err)
        if stop_reason is not None:
            raise _StopReading    # out of the reader, so nothing after the bad input is read

    replacing: set[str] = set()       # ids of articles read that are in the store with other content

    def changed(articles: Iterator[Article]) -> Iterator[tuple[Article, str]]:
        for a in articles:
            h = content_hash(a)
            stored_hash = store.article_hash(article_iri(a.id))
            if stored_hash == h:
                report.unchanged += 1
                bar.update(report)
                continue
            if stored_hash is not None:
                replacing.add(a.id)
            yield a, h

    pending = changed(read_articles(paths, lang=lang, published=published, on_error=report_reading_error,
                                    max_chars=max_chars))
    hashes: dict[str, str] = {}

    def articles_to_extract() -> Iterator[Article]:
        # A strict stop ends this stream: the extractor still finishes, and the batch stores, every
        # article read before the bad input.
        try:
            for a, h in pending:
                if stop_reason is not None:
                    return
                hashes[a.id] = h
                yield a
        except _StopReading:
            return

    def extraction_failed(article: Article, err: Exception) -> None:
        hashes.pop(article.id, None)
        replacing.discard(article.id)
        report_error(IngestError(article.origin or article.id, None,
                                 f"extraction failed for article {article.id!r}: {type(err).__name__}: {err}"))

    batch: list[tuple[str, list]] = []
    batch_events = 0
    batch_updates = 0

    def write_batch() -> None:
        nonlocal batch, batch_events, batch_updates
        pending_batch, pending_events, pending_updates = batch, batch_events, batch_updates
        batch, batch_events, batch_updates = [], 0, 0    # a batch the store refuses is not written twice
        store.replace_articles(pending_batch)
        report.articles += len(pending_batch)
        report.updated += pending_updates
        report.events += pending_events
        bar.update(report)

    try:
        for extraction in _extract_in_pieces(extractor, articles_to_extract(), extraction_failed):
            a = extraction.article
            report.notes.extend(f"{a.id}: {n}" for n in extraction.notes)
            batch.append((article_iri(a.id), extraction_quads(extraction, content_hash=hashes.pop(a.id))))
            batch_events += len(extraction.events)
            if a.id in replacing:
                replacing.discard(a.id)
                batch_updates += 1
            if len(batch) >= batch_size:
                write_batch()
                publish_snapshot()
    finally:
        # what was read before a strict stop (or any error) is still stored, whole
        try:
            if batch:
                write_batch()
            if snapshot_dir is not None:
                publish_snapshot(force=True)
        finally:
            bar.close()
    if stop_reason is not None:
        raise StrictStop(stop_reason)
    return report
