#!/usr/bin/env python3
"""Ingest speed and memory, against bare spaCy tokenisation of the same text in the same run.

    python bench/ingest.py [PATH ...] [--repeat N]

Prints articles/s, words/s and peak memory (RSS) of a full ``kgb ingest`` into a fresh embedded store,
and the words/s of ``spacy.blank(lang)`` tokenisation alone over the same texts: the ratio is the
figure to watch (how much our components and the store cost on top of tokenising).
Default corpus: ``examples/``. ``--repeat`` ingests the corpus N times under new ids (a bigger load).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "examples")])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import spacy

    from kg_builder.extract import Extractor
    from kg_builder.nlp import build_pipeline
    from kg_builder.ingest import read_articles
    from kg_builder.pipeline import ingest
    from kg_builder.store import open_store

    base = list(read_articles(args.paths, on_error=lambda e: print(f"skip: {e}", file=sys.stderr)))
    articles = [replace(a, id=f"{a.id}#{r}") for r in range(args.repeat) for a in base]
    words = sum(len(a.text.split()) for a in articles)

    # bare tokenisation, same texts, same process
    t0 = time.perf_counter()
    for lang in {a.lang for a in articles}:
        if lang in ("ar", "en"):
            nlp = spacy.blank(lang)
            for _ in nlp.pipe(a.text for a in articles if a.lang == lang):
                pass
    bare = time.perf_counter() - t0

    # full ingest into a fresh store (the pipeline is built inside the timed part: a real run pays it)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "store")
        src = Path(tmp) / "corpus.jsonl"
        import json
        with src.open("w", encoding="utf-8") as f:
            for a in articles:
                f.write(json.dumps({"id": a.id, "text": a.text, "lang": a.lang, "title": a.title,
                                    "published": a.published, "url": a.url, "source": a.source},
                                   ensure_ascii=False) + "\n")
        # start-up (loading lexicons and the gazetteer, building the pipelines) is paid once per
        # process: time it apart, so the steady-state rate is the one compared with bare spaCy
        t0 = time.perf_counter()
        extractor = Extractor()
        for lang in {a.lang for a in articles} & {"ar", "en"}:
            build_pipeline(lang)
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = ingest([src], store, extractor=extractor, progress=False)
        full = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = ingest([src], store, progress=False)
        rerun = time.perf_counter() - t0
        store.close()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {len(articles)} articles, {words} words ({args.repeat}x {', '.join(args.paths)})")
    print(f"ingest: {len(articles) / full:.1f} articles/s, {words / full:.0f} words/s "
          f"({full:.2f} s, {report.events} events)")
    print(f"start-up (lexicons, gazetteer, pipelines): {startup:.2f} s, once per process")
    print(f"bare spacy.blank tokenisation: {words / bare:.0f} words/s; ingest/bare ratio: {bare / full:.3f}")
    print(f"re-ingest of the unchanged corpus: {rerun:.2f} s ({again.unchanged} skipped)")
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
