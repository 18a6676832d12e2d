#!/usr/bin/env python3
"""Ingest speed and memory, against bare spaCy tokenisation of the same text in the same run.

    python bench/ingest.py [PATH ...] [--repeat N]
    python bench/ingest.py --corpus ../shared/corpus/ant-news-ar.jsonl.gz --articles 500

Prints, for the same articles in one process:

* bare tokenisation: words/s of ``spacy.blank(lang)`` alone (the blank pipelines are built before the
  timer starts: building them is start-up, not tokenisation);
* extraction: words/s of everything before the store write (our spaCy pipeline, ``resolve``, the RDF
  quads of each article) and its ratio to bare tokenisation -- the figure to watch: how much our
  components cost on top of tokenising;
* ingest: articles/s and words/s of a full ``kgb ingest`` into a fresh embedded store, and its ratio;
* start-up (lexicons, gazetteer, pipelines; once per process), a re-ingest of the unchanged corpus
  (all skipped) and peak memory (RSS).

Articles: PATHs (default ``examples/``) ingested ``--repeat`` times under new ids (a bigger load of the
same texts), or ``--corpus``: the first ``--articles`` distinct articles of a JSON Lines file (``.gz``
read as it is), one article a line (``id``, ``text``, ``lang``, ``published``...), such as the ANT
corpus sample; each is read once, as ``kgb ingest`` reads it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _open_lines(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _corpus_lines(path: Path, n: int) -> list[str]:
    """The first ``n`` lines of a JSON Lines corpus with a distinct id and a text (blank lines skipped)."""
    out, seen = [], set()
    with _open_lines(path) as f:
        for line in f:
            if len(out) >= n:
                break
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("id") in seen or not record.get("text"):
                continue
            seen.add(record.get("id"))
            out.append(line.rstrip("\n"))
    return out


def _article_line(a) -> str:
    return json.dumps({"id": a.id, "text": a.text, "lang": a.lang, "title": a.title,
                       "published": a.published, "url": a.url, "source": a.source}, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--repeat", type=int, default=None,
                        help="ingest the PATHs this many times under new ids (default 5; 1 with --corpus)")
    parser.add_argument("--corpus", type=Path, help="a JSON Lines corpus (.jsonl or .jsonl.gz) of distinct articles")
    parser.add_argument("--articles", type=int, default=500, help="how many articles of --corpus (default 500)")
    args = parser.parse_args()
    if args.corpus is not None and args.paths:
        parser.error("give PATHs or --corpus, not both")
    repeat = args.repeat if args.repeat is not None else (1 if args.corpus is not None else 5)
    paths = args.paths or ([] if args.corpus is not None else [str(ROOT / "examples")])

    import spacy

    from kg_builder.extract import Extractor
    from kg_builder.ingest import read_articles
    from kg_builder.nlp import SUPPORTED_LANGUAGES, build_pipeline
    from kg_builder.pipeline import content_hash, ingest
    from kg_builder.rdf import extraction_quads
    from kg_builder.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        if args.corpus is not None:
            # the corpus as kgb ingest would read it: through the same reader, from a plain JSONL copy
            src.write_text("\n".join(_corpus_lines(args.corpus, args.articles)) + "\n", encoding="utf-8")
            base = list(read_articles([src], on_error=lambda e: print(f"skip: {e}", file=sys.stderr)))
            described = f"{args.corpus.name}, first {args.articles} distinct articles"
        else:
            base = list(read_articles(paths, on_error=lambda e: print(f"skip: {e}", file=sys.stderr)))
            described = f"{repeat}x {', '.join(paths)}"
        articles = [replace(a, id=f"{a.id}#{r}") for r in range(repeat) for a in base] if repeat > 1 else base
        if repeat > 1 or args.corpus is None:
            with src.open("w", encoding="utf-8") as f:
                for a in articles:
                    f.write(_article_line(a) + "\n")
        langs = sorted({a.lang for a in articles} & set(SUPPORTED_LANGUAGES))
        words = sum(len(a.text.split()) for a in articles)
        extracted_words = sum(len(a.text.split()) for a in articles if a.lang in langs)

        # bare tokenisation, same texts, same process; the blank pipelines are built first, untimed
        blank = {lang: spacy.blank(lang) for lang in langs}
        t0 = time.perf_counter()
        for lang, nlp in blank.items():
            for _ in nlp.pipe(a.text for a in articles if a.lang == lang):
                pass
        bare = time.perf_counter() - t0

        # start-up (loading lexicons and the gazetteer, building the pipelines) is paid once per
        # process: time it apart, so the steady-state rates are the ones compared with bare spaCy
        t0 = time.perf_counter()
        extractor = Extractor()
        for lang in langs:
            build_pipeline(lang)
        startup = time.perf_counter() - t0

        # extraction: everything an ingest does before the store write (pipeline, resolve, quads)
        t0 = time.perf_counter()
        events = quads = 0
        for extraction in extractor.extract(articles):
            events += len(extraction.events)
            quads += len(extraction_quads(extraction, content_hash=content_hash(extraction.article)))
        extract = time.perf_counter() - t0

        # full ingest into a fresh store
        store = open_store(Path(tmp) / "store")
        t0 = time.perf_counter()
        report = ingest([src], store, extractor=extractor, progress=False)
        full = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = ingest([src], store, extractor=extractor, progress=False)
        rerun = time.perf_counter() - t0
        store.close()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {len(articles)} articles, {words} words ({described}); languages: {', '.join(langs)}")
    print(f"bare spacy.blank tokenisation: {words / bare:.0f} words/s ({bare:.2f} s; blank pipelines built before)")
    print(f"extraction (pipeline, resolve, quads; before the store write): {extracted_words / extract:.0f} words/s "
          f"({extract:.2f} s, {events} events, {quads} quads); extraction/bare ratio: {bare / extract:.4f} "
          f"(bare is {extract / bare:.0f}x faster)")
    print(f"ingest: {len(articles) / full:.1f} articles/s, {words / full:.0f} words/s "
          f"({full:.2f} s, {report.events} events); ingest/bare ratio: {bare / full:.4f}")
    print(f"start-up (lexicons, gazetteer, pipelines): {startup:.2f} s, once per process")
    print(f"re-ingest of the unchanged corpus: {rerun:.2f} s ({again.unchanged} skipped)")
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
