"""Fault figures: bad inputs tried, articles lost, crashes survived, queries answered during an ingest,
how fast a runaway query is stopped against its limit, attacks on the endpoint, and faults of output
files and stores (full device, killed export, full disk, a typo for a store).

    .venv/bin/python bench/faults.py [--articles 240] [--kills 5] [--limit-s 1.0]

Everything is real: the ``kgb`` executable in subprocesses, stores in a temporary folder, SIGKILL, the
snapshots an ingest publishes, and a ``kgb serve`` server (``SparqlServer``) on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_faults import (  # noqa: E402  (the tests' own fault cases and checks, reused)
    BAD_INPUTS, CONSISTENCY_QUERIES, HOSTILE_IDS, SEED, _case_files, article_graphs, events_per_article,
    kill_midway, write_corpus,
)
from test_ingest_hardening import HOSTILE_FILES  # noqa: E402
from test_serve_hardening import endpoint_attacks  # noqa: E402
from test_store_hardening import output_and_store_faults  # noqa: E402

from kg_builder.store import StoreError, open_snapshot, open_store  # noqa: E402

KGB = str(Path(sys.executable).with_name("kgb"))
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o }"


def kgb(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([KGB, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def bad_inputs(work: Path) -> tuple[int, int, int, int]:
    """(kinds of bad input tried, good articles expected, good articles lost, hung runs) over two ingests:
    the bad files of test_faults, each case folder named as a root, and every hostile file of
    test_ingest_hardening in one folder (FIFOs, devices, a 200 MB file, surrogates, bare CRs...)."""
    folder = work / "bad"
    folder.mkdir()
    roots = []
    for case in BAD_INPUTS:
        (folder / case).mkdir()
        _case_files(case, folder / case)
        roots.append(folder / case)
    (folder / "hostile.jsonl").write_text("".join(json.dumps({"id": i, "text": "قصفت ميليشيات حقل العمر."},
                                                             ensure_ascii=False) + "\n" for i in HOSTILE_IDS),
                                          encoding="utf-8")
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    hostile = work / "hostile"
    hostile.mkdir()
    expected_hostile = set().union(*(make(hostile) for make in HOSTILE_FILES.values()))
    expected = set().union(*(kept for _, _, kept, _ in BAD_INPUTS.values())) | set(HOSTILE_IDS) | {"seed"}
    hung = 0
    for paths, store in (([*roots, folder / "hostile.jsonl", folder / "seed.txt"], work / "bad-store"),
                         ([hostile], work / "hostile-store")):
        try:                                  # a FIFO opened for reading would block for ever
            result = kgb("ingest", *paths, "--store", store, "--quiet", timeout=300)
            assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        except subprocess.TimeoutExpired:
            hung += 1
    stored = stored_ids(work / "bad-store")
    lost = len(expected - stored) + len(expected_hostile - stored_ids(work / "hostile-store"))
    return len(BAD_INPUTS) + len(HOSTILE_IDS) + len(HOSTILE_FILES), len(expected) + len(expected_hostile), lost, hung


def stored_ids(store_path: Path) -> set[str]:
    if not store_path.exists():
        return set()
    with open_store(store_path) as store:
        return {r["id"].value for r in store.query("SELECT ?id WHERE { ?a a kgb:Article ; dcterms:identifier ?id }")}


def crashes(work: Path, corpus: Path, kills: int) -> tuple[int, int, int, float]:
    """(kills survived, articles lost after the final rerun, inconsistencies seen, reference seconds)."""
    reference = work / "reference"
    started = time.monotonic()
    assert kgb("ingest", corpus, "--store", reference, "--quiet", "--batch-size", "4").returncode == 0
    reference_s = time.monotonic() - started
    expected = article_graphs(reference)
    store = work / "crashed"
    survived = inconsistencies = 0
    estimate_s = reference_s
    for k in range(kills * 3):                      # bounded: a run that finishes first is retried sooner
        if survived >= kills:
            break
        if not kill_midway(corpus, store, delay_s=estimate_s * (0.3 + 0.1 * (k % 5))):
            shutil.rmtree(store, ignore_errors=True)
            estimate_s *= 0.6
            continue
        present = article_graphs(store)
        with open_store(store) as s:
            inconsistencies += sum(len(list(s.query(q))) for q in CONSISTENCY_QUERIES.values())
        inconsistencies += sum(lines != expected[g] for g, lines in present.items())
        survived += 1
    assert kgb("ingest", corpus, "--store", store, "--quiet").returncode == 0
    final = article_graphs(store)
    lost = sum(final.get(g) != lines for g, lines in expected.items())
    return survived, lost, inconsistencies, reference_s


def concurrent_queries(work: Path, corpus: Path) -> tuple[int, int, int]:
    """(queries answered during the ingest, of them halfway through, inconsistent answers)."""
    store, snapshots = work / "live", work / "snapshots"
    process = subprocess.Popen([KGB, "ingest", str(corpus), "--store", str(store), "--quiet", "--batch-size", "4",
                                "--snapshot", str(snapshots), "--snapshot-every", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answers = []
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        try:
            snapshot = open_snapshot(snapshots)
        except StoreError:
            time.sleep(0.05)
            continue
        try:
            answers.append(events_per_article(snapshot))
        finally:
            snapshot.close()
    process.wait(timeout=600)
    with open_store(store) as s:
        final = events_per_article(s)
    halfway = sum(0 < len(a) < len(final) for a in answers)
    wrong = sum(any(final.get(i) != n for i, n in a.items()) for a in answers)
    return len(answers), halfway, wrong


def runaway_stop(work: Path, limit_s: float) -> tuple[float, int, int]:
    """(slowest stop of a runaway query, in seconds; its HTTP status; other queries answered meanwhile)."""
    from kg_builder.serve import SparqlServer

    store = work / "served"
    assert kgb("ingest", SEED, "--store", store, "--quiet").returncode == 0
    slowest, status, others = 0.0, 0, 0
    with SparqlServer(store, port=0, timeout_s=limit_s, workers=2) as server:
        for _ in range(3):
            started = time.monotonic()
            try:
                urllib.request.urlopen(server.url + "query?" + urllib.parse.urlencode({"query": RUNAWAY}), timeout=60)
                status = 200
            except urllib.error.HTTPError as err:
                status = err.code
            slowest = max(slowest, time.monotonic() - started)
            with urllib.request.urlopen(server.url + "query?query=ASK%7B%7D", timeout=30) as answer:
                others += answer.status == 200
    return slowest, status, others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=240)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--limit-s", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kgb-faults-") as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "corpus.jsonl", args.articles)
        tried, good, lost_bad, hung = bad_inputs(work)
        survived, lost_crash, inconsistent, reference_s = crashes(work, corpus, args.kills)
        answered, halfway, wrong = concurrent_queries(work, corpus)
        slowest, status, others = runaway_stop(work, args.limit_s)
        attacks = endpoint_attacks(work / "served")
        outputs = output_and_store_faults(work / "outputs", work / "reference")
    kinds = tried + attacks["kinds_tried"] + outputs["kinds_tried"]
    print(f"bad inputs tried:              {kinds} kinds: {len(BAD_INPUTS)} kinds of bad file + "
          f"{len(HOSTILE_IDS)} hostile ids + {len(HOSTILE_FILES)} hostile files, values and folders + "
          f"{attacks['kinds_tried']} attacks on the endpoint + {outputs['kinds_tried']} output and store faults; "
          f"{good} good articles among the inputs")
    print(f"articles lost:                 {lost_bad + lost_crash} (bad-input runs {lost_bad}, after crashes {lost_crash})")
    print(f"partial articles after SIGKILL: {inconsistent} ({survived} SIGKILLs mid-ingest of {args.articles} "
          f"articles, {reference_s:.1f} s uninterrupted)")
    print(f"federated calls made:          {attacks['federated_calls_made']} "
          f"({attacks['service_queries_answered']} SERVICE queries answered, {attacks['updates_applied']} updates "
          f"applied on a read-only endpoint)")
    print(f"hung runs:                     {hung + attacks['hung'] + attacks['stalled_not_dropped']} (ingests of FIFOs "
          f"and devices {hung}; endpoint requests {attacks['hung']}; stalled clients not dropped "
          f"{attacks['stalled_not_dropped']}, while {attacks['half_open_connections']} connections were held "
          f"half-open, {attacks['threads_added']} threads added)")
    print(f"endpoint:                      {attacks['accepted_bad_hosts']} bad Host headers and "
          f"{attacks['accepted_cross_origin']} other origins let in, {attacks['from_ignored']} FROM clauses ignored, "
          f"{attacks['requests_made']} requests")
    print(f"files out and stores:          {outputs['previous_exports_lost']} earlier exports lost, "
          f"{outputs['files_left_beside_target']} files left beside a target, {outputs['stores_created_by_readers']} "
          f"stores made by readers, {outputs['tracebacks']} tracebacks, {outputs['errors_not_one_line']} errors "
          f"not one line, {outputs['reads_failed_on_a_full_disk']} reads failed on a full disk")
    print(f"concurrent queries answered:   {answered} during one ingest ({halfway} on a half-ingested store), "
          f"{wrong} inconsistent")
    print(f"slowest runaway query stopped: {slowest:.2f} s against a {args.limit_s:.2f} s limit (HTTP {status}); "
          f"{others}/3 other queries answered right after")


if __name__ == "__main__":
    main()
