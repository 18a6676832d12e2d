"""Nothing lost, nothing let in, around the store: exports that are whole or absent, readers that never
create a store, and a full disk that costs nothing but the batch being written.

Everything is real: the ``kgb`` executable in subprocesses (killed with SIGKILL, or given a small file
size limit so that a write fails midway), ``kg_builder.cli.main`` in this process, real stores in
``tmp_path``, ``/dev/full``, and, when the tests run as root, a small tmpfs that an ingest fills up.
Every wait is bounded.

``output_and_store_faults`` runs the same fault kinds against any existing store and counts what went
wrong; ``bench/faults.py`` prints it.
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg_builder.cli import main
from kg_builder.rdf import article_iri
from kg_builder.store import open_store

from test_rdf import seed_quads

KGB = str(Path(sys.executable).with_name("kgb"))
SUBPROCESS_TIMEOUT_S = 180
CORPUS_SIZE = 300
GENERATED_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"
#: A file size limit for the export processes: above RocksDB's own files (its LOG is ~137 KB), below
#: every export of the test store (270-740 KB), so the export's write fails partway through.
FILE_LIMIT_BYTES = 200_000
GRAPH_FORMATS = ("gexf", "graphml", "csv")

_PLACES = ["اللطامنة", "كفرزيتا", "مورك", "خان شيخون", "معرة النعمان", "سراقب", "أريحا", "جسر الشغور"]


# --- helpers ---------------------------------------------------------------------------------------------


def kgb(*args, timeout: float = SUBPROCESS_TIMEOUT_S, preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run([KGB, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn)


def stderr_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def one_line(result: subprocess.CompletedProcess, pattern: str) -> bool:
    """Did the command fail with exactly one stderr line matching ``pattern``, and no traceback?"""
    lines = stderr_lines(result.stderr)
    return (result.returncode not in (0, None) and len(lines) == 1 and re.search(pattern, lines[0]) is not None
            and "Traceback" not in result.stderr)


def write_corpus(path: Path, n: int = CORPUS_SIZE) -> Path:
    """n small Arabic articles, one shelling each, with their own ids and figures, as JSON Lines."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            place = _PLACES[i % len(_PLACES)]
            text = (f"قصفت قوات النظام بلدة {place} بريف حماة بـ{i % 40 + 2} قذيفة صاروخية، ما أدى إلى مقتل "
                    f"{i % 9 + 1} مدنيين وإصابة {i % 7 + 2} آخرين، بحسب المرصد السوري لحقوق الإنسان.")
            record = {"id": f"hama-{i:04d}", "text": text, "published": f"2019-05-{i % 28 + 1:02d}"}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def article_graphs(store_path: Path) -> dict[str, list[str]]:
    """article graph IRI -> its sorted N-Quads lines, without prov:generatedAtTime (a clock time)."""
    graphs: dict[str, list[str]] = {}
    with open_store(store_path, create=False) as store:
        for quad in store.oxigraph:
            graph = str(quad.graph_name)
            if "/id/article/" in graph and str(quad.predicate) != GENERATED_AT:
                graphs.setdefault(graph, []).append(str(quad))
    return {g: sorted(lines) for g, lines in graphs.items()}


def listing(folder: Path) -> dict[str, int]:
    """name -> size of every file in a folder (what a failed command must not change)."""
    return {p.name: p.stat().st_size for p in folder.iterdir()}


def taking_space(folder: Path) -> dict[str, int]:
    """name -> size of the files of a folder that are not empty. A read-write open that fails for lack
    of space leaves an empty write-ahead log file (no bytes; the next good open deletes it)."""
    return {name: size for name, size in listing(folder).items() if size}


def inodes(folder: Path) -> dict[str, int]:
    """name -> inode of every file in a folder: which file is which, whatever a live writer appends."""
    return {p.name: p.stat().st_ino for p in folder.iterdir()}


def export_args(what: str, target: Path | str, store: Path) -> list[str]:
    view = [] if what == "events" else ["--view", "events"]   # the biggest graph view
    return ["export", what, "-o", str(target), *view, "--store", str(store)]


def export_outputs(what: str, target: Path) -> list[Path]:
    """The files an export writes for ``-o target``."""
    if what == "csv":
        return [target.with_name(f"{target.stem}-nodes.csv"), target.with_name(f"{target.stem}-edges.csv")]
    return [target]


def previous_exports(what: str, folder: Path) -> tuple[Path, dict[Path, bytes]]:
    """A target in ``folder`` with an earlier export already there: (target, {file: its bytes})."""
    target = folder / f"graph.{what}" if what != "events" else folder / "events.jsonl"
    previous = {}
    for path in export_outputs(what, target):
        previous[path] = f"an earlier export at {path.name}, which must survive\n".encode()
        path.write_bytes(previous[path])
    return target, previous


def _small_file_limit() -> None:
    """In the export process: files may not grow past FILE_LIMIT_BYTES, and a write past it fails with
    EFBIG (SIGXFSZ ignored, as CPython does anyway) instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT_BYTES, FILE_LIMIT_BYTES))


def kill_export_once_it_writes(what: str, target: Path, store: Path, deadline_s: float = 120) -> bool:
    """Run ``kgb export`` and SIGKILL it as soon as it has started its output (the target truncated or
    changed, or a temporary file beside it). Was it killed so, before it ended by itself?"""
    before = target.read_bytes() if target.exists() else None
    process = subprocess.Popen([KGB, *export_args(what, target, store)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    killed = False
    try:
        deadline = time.monotonic() + deadline_s
        while not killed and process.poll() is None and time.monotonic() < deadline:
            if (any(target.parent.glob(f".{target.name}.tmp-*"))
                    or (target.exists() and target.read_bytes() != before)):
                process.send_signal(signal.SIGKILL)
                killed = True
            time.sleep(0.001)
    finally:
        if process.poll() is None and not killed:
            process.kill()
        process.wait(timeout=60)
    return killed and process.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "hama.jsonl")


@pytest.fixture(scope="module")
def reference(tmp_path_factory, corpus) -> Path:
    """The store of an uninterrupted ``kgb ingest`` of the corpus, on an ordinary disk."""
    store = tmp_path_factory.mktemp("reference") / "store"
    result = kgb("ingest", corpus, "--store", store, "--quiet")
    assert result.returncode == 0, result.stderr
    return store


@pytest.fixture(scope="module")
def full_exports(tmp_path_factory, reference) -> dict[str, dict[str, bytes]]:
    """What a complete export of the reference store writes, per kind: {file name: bytes}."""
    folder = tmp_path_factory.mktemp("complete")
    exports = {}
    for what in ("events",) + GRAPH_FORMATS:
        target = folder / (f"graph.{what}" if what != "events" else "events.jsonl")
        result = kgb(*export_args(what, target, reference))
        assert result.returncode == 0, result.stderr
        exports[what] = {p.name: p.read_bytes() for p in export_outputs(what, target)}
    return exports


# --- 10. exports are whole or absent ------------------------------------------------------------------------


def test_a_killed_events_export_leaves_the_previous_file_intact(tmp_path, reference, full_exports):
    target, previous = previous_exports("events", tmp_path)
    assert kill_export_once_it_writes("events", target, reference), "the export ended before it could be killed"
    # the earlier export, whole (or, had the kill come after the rename, the new one, whole)
    assert target.read_bytes() in (previous[target], full_exports["events"][target.name])
    leftovers = {p.name for p in tmp_path.iterdir()} - {target.name}
    assert all(name.startswith(f".{target.name}.tmp-") for name in leftovers), leftovers


@pytest.mark.parametrize("what", ("events",) + GRAPH_FORMATS)
def test_an_export_that_fails_midway_keeps_the_previous_file_and_leaves_no_temporary_file(tmp_path, reference,
                                                                                          full_exports, what):
    assert max(len(data) for data in full_exports[what].values()) > FILE_LIMIT_BYTES
    target, previous = previous_exports(what, tmp_path)
    first = next(iter(previous))
    os.chmod(first, 0o640)
    result = kgb(*export_args(what, target, reference), preexec_fn=_small_file_limit)
    assert one_line(result, r"^kgb: cannot write .*File too large"), result.stderr
    assert {p: p.read_bytes() for p in previous} == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in previous)
    # without the limit, the same export replaces the earlier one whole, keeping its permissions
    # (mkstemp's 0600 would hide the new file from everyone else)
    assert main(export_args(what, target, reference)) == 0
    assert {p.name: p.read_bytes() for p in previous} == full_exports[what]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in previous)
    assert first.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("what", ("events",) + GRAPH_FORMATS)
def test_an_export_to_a_full_device_is_one_line_naming_it_and_writes_nothing_beside(reference, what):
    beside = [Path(f"/dev/full-{part}.csv") for part in ("nodes", "edges")]
    try:
        result = kgb(*export_args(what, "/dev/full", reference))
        assert one_line(result, r"^kgb: cannot write /dev/full: "), result.stderr
        assert not any(p.exists() for p in beside)
    finally:
        for path in beside:   # what the csv export used to write into /dev
            path.unlink(missing_ok=True)


def test_a_csv_export_refuses_stdout_and_writes_nothing_beside(reference, capsys):
    beside = [Path(f"/dev/stdout-{part}.csv") for part in ("nodes", "edges")]
    try:
        code = main(export_args("csv", "/dev/stdout", reference))
        err = capsys.readouterr().err
        assert code == 2 and len(stderr_lines(err)) == 1 and "two files" in err, err
        assert not any(p.exists() for p in beside)
    finally:
        for path in beside:
            path.unlink(missing_ok=True)


@pytest.mark.parametrize("what", ("events",) + GRAPH_FORMATS)
@pytest.mark.parametrize("where", ["a missing folder", "a directory"])
def test_an_export_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path, reference, capsys, what, where):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "missing" / f"graph.{what}" if where == "a missing folder" else folder
    code = main(export_args(what, target, reference))
    err = capsys.readouterr().err
    assert code == 2 and len(stderr_lines(err)) == 1, err
    named = target.with_name(target.stem) if what == "csv" and where == "a missing folder" else target
    assert err.startswith(f"kgb: cannot write {named}"), err    # csv: NAME-nodes.csv is the first file
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# --- 11. only ingest creates a store ------------------------------------------------------------------------


READERS = {
    "stats": ["stats"],
    "query": ["query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"],
    "export events": ["export", "events", "-o", "OUT"],
    "export gexf": ["export", "gexf", "-o", "OUT"],
}


@pytest.mark.parametrize("reader", READERS)
def test_a_reader_on_a_missing_store_says_no_store_and_creates_nothing(tmp_path, capsys, reader):
    typo = tmp_path / "kg-stroe"
    args = [str(tmp_path / "out") if a == "OUT" else a for a in READERS[reader]]
    code = main([*args, "--store", str(typo)])
    err = capsys.readouterr().err
    assert code == 2 and stderr_lines(err) == [f"kgb: no store at {typo}"], err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("reader", READERS)
def test_a_reader_does_not_turn_a_plain_folder_into_a_store(tmp_path, capsys, reader):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a store\n")
    args = [str(tmp_path / "out") if a == "OUT" else a for a in READERS[reader]]
    code = main([*args, "--store", str(folder)])
    err = capsys.readouterr().err
    assert code == 2 and len(stderr_lines(err)) == 1 and err.startswith(f"kgb: no store at {folder}"), err
    assert listing(folder) == {"readme.txt": 12}


@pytest.mark.parametrize("writable", [False, True], ids=["read-only", "writable"])
def test_kgb_serve_does_not_turn_a_plain_folder_into_a_store(tmp_path, writable):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a store\n")
    # a server that starts would serve until killed: the timeout says it did
    result = subprocess.run([KGB, "serve", "--store", str(folder), "--port", "0", *(["--writable"] * writable)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.strip() == f"kgb: no store at {folder}", result.stderr
    assert listing(folder) == {"readme.txt": 12}


def test_a_snapshot_given_as_the_store_is_read_without_writing_into_it(tmp_path, capsys):
    with open_store(tmp_path / "store") as store:
        store.replace_articles([(article_iri("seed"), seed_quads("seed"))])
        snapshot = store.publish_snapshot(tmp_path / "snapshots")
    before = listing(snapshot)
    for location in (tmp_path / "snapshots" / "current", tmp_path / "snapshots"):
        assert main(["stats", "--store", str(location)]) == 0
        assert "articles: 1" in capsys.readouterr().out
    assert listing(snapshot) == before      # no LOCK, LOG or OPTIONS written into a published snapshot
    missing = tmp_path / "elsewhere" / "current"
    assert main(["stats", "--store", str(missing)]) == 2
    assert stderr_lines(capsys.readouterr().err) == [f"kgb: no store at {missing}"]
    assert not (tmp_path / "elsewhere").exists()


def test_the_python_api_still_creates_a_store_by_default(tmp_path):
    with open_store(tmp_path / "new") as store:       # what tests, bench/ and notebooks rely on
        assert store.stats()["articles"] == 0
    with open_store(tmp_path / "new", create=False) as store:
        assert store.stats()["articles"] == 0


# --- 12. a full disk, and failed opens ----------------------------------------------------------------------


def test_a_failed_open_writes_no_log_file(tmp_path, capsys):
    store = tmp_path / "store"
    with open_store(store) as s:
        s.replace_articles([(article_iri("seed"), seed_quads("seed"))])
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom kg_builder.store import open_store\n"
                               f"s = open_store({str(store)!r})\nprint('held', flush=True)\ntime.sleep(120)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert select.select([holder.stdout], [], [], 60)[0], "the holder did not open the store within 60 s"
        assert holder.stdout.readline().strip() == "held"
        before = inodes(store)
        for _ in range(3):
            assert main(["stats", "--store", str(store)]) == 2
            assert "in use by another kgb process" in capsys.readouterr().err
        # RocksDB renamed the holder's LOG to LOG.old.* and wrote a new one before finding the lock: undone
        assert inodes(store) == before
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_reading_a_store_many_times_does_not_pile_up_log_files(tmp_path, capsys):
    from kg_builder.store import KEEP_INFO_LOGS

    store = tmp_path / "store"
    with open_store(store) as s:
        s.replace_articles([(article_iri("seed"), seed_quads("seed"))])
    for _ in range(KEEP_INFO_LOGS + 4):
        assert main(["stats", "--store", str(store)]) == 0
    capsys.readouterr()
    assert len(list(store.glob("LOG.old.*"))) <= KEEP_INFO_LOGS


@contextmanager
def mounted_tmpfs(folder: Path, size: str):
    """A tmpfs of ``size`` at ``folder`` (root only); unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("filling a disk needs a small tmpfs, and mounting one needs root")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True, timeout=30)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def fill(path: Path, leave_free: int = 0) -> None:
    """Append to ``path`` until the disk is full, then give back ``leave_free`` bytes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (1 << 20, 1 << 12, 1):           # big writes first, then the last crumbs
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as err:
                if err.errno != 28:
                    raise
    finally:
        os.close(fd)
    if leave_free:
        os.truncate(path, max(0, path.stat().st_size - leave_free))


NO_SPACE = r"^kgb: no space left on .+; nothing half-written"


def test_a_full_disk_during_an_ingest_is_one_line_and_the_store_opens_again_once_space_is_freed(
        tmp_path, corpus, reference):
    with mounted_tmpfs(tmp_path / "disk", "40m") as disk:
        store, filler = disk / "store", disk / "filler"
        fill(filler, leave_free=10 << 20)             # room for the store and part of the corpus
        ingest = kgb("ingest", corpus, "--store", store, "--quiet")
        assert one_line(ingest, NO_SPACE), ingest.stderr

        fill(filler)                                  # not one byte left
        before = taking_space(store)
        stats = kgb("stats", "--store", store)         # read-only: needs no space
        assert stats.returncode == 0 and stats.stderr == "", stats.stderr
        stored = int(re.search(r"^articles: (\d+)$", stats.stdout, re.M)[1])
        assert 0 < stored < CORPUS_SIZE
        again = kgb("ingest", corpus, "--store", store, "--quiet")
        assert one_line(again, NO_SPACE), again.stderr
        assert taking_space(store) == before          # the failed opens wrote no log, nothing that takes space

        filler.unlink()
        expected = article_graphs(reference)
        present = article_graphs(store)
        assert len(present) == stored
        assert all(present[g] == expected[g] for g in present), "an article is not whole"
        rerun = kgb("ingest", corpus, "--store", store, "--quiet")
        assert rerun.returncode == 0, rerun.stderr
        assert article_graphs(store) == expected


# --- the fault figures bench/faults.py prints ----------------------------------------------------------------


def output_and_store_faults(work: Path, store_path: Path) -> dict:
    """Try every output and store fault kind against the existing store at ``store_path`` (only read) in
    the folder ``work``, and count what went wrong. Bounded: well under a minute.

    Kinds: an export (events, gexf, graphml, csv) to /dev/full, into a missing folder, onto a directory,
    and failing midway (a file size limit) over an earlier export; an events export killed while it
    writes; stats, query and export on a missing store and on a plain folder; and, as root, a reader and
    an ingest on a full disk (a copy of the store on a small tmpfs), and a reader once space is freed.
    """
    work.mkdir(parents=True, exist_ok=True)
    counts = {"kinds_tried": 0, "previous_exports_lost": 0, "stores_created_by_readers": 0, "tracebacks": 0,
              "files_left_beside_target": 0, "errors_not_one_line": 0, "reads_failed_on_a_full_disk": 0}

    def tried(result: subprocess.CompletedProcess | None, pattern: str | None = None) -> None:
        counts["kinds_tried"] += 1
        if result is not None:
            counts["tracebacks"] += "Traceback" in result.stderr
            counts["errors_not_one_line"] += pattern is not None and not one_line(result, pattern)

    for what in ("events",) + GRAPH_FORMATS:
        _export_faults(work, store_path, what, counts, tried)
    _killed_export(work, store_path, counts, tried)
    _readers_without_a_store(work, counts, tried)
    if os.geteuid() == 0:
        _full_disk_faults(work, store_path, counts, tried)
    return counts


def _export_faults(work: Path, store_path: Path, what: str, counts: dict, tried) -> None:
    beside = [Path(f"/dev/full-{part}.csv") for part in ("nodes", "edges")]
    tried(kgb(*export_args(what, "/dev/full", store_path), timeout=60), r"^kgb: cannot write /dev/full")
    counts["files_left_beside_target"] += sum(p.exists() for p in beside)
    for path in beside:
        path.unlink(missing_ok=True)

    for where in ("missing", "directory"):
        folder = work / f"{what}-{where}"
        folder.mkdir()
        target = folder / "no" / f"graph.{what}" if where == "missing" else folder
        tried(kgb(*export_args(what, target, store_path), timeout=60), r"^kgb: cannot write ")
        counts["files_left_beside_target"] += len(list(folder.iterdir())) + len(list(work.glob(f"{what}-{where}-*")))

    folder = work / f"{what}-midway"
    folder.mkdir()
    target, previous = previous_exports(what, folder)
    result = kgb(*export_args(what, target, store_path), timeout=60, preexec_fn=_small_file_limit)
    tried(result, r"^kgb: cannot write " if result.returncode != 0 else None)   # a small store fits the limit
    if result.returncode != 0:
        counts["previous_exports_lost"] += sum(p.read_bytes() != data for p, data in previous.items())
        counts["files_left_beside_target"] += len(list(folder.iterdir())) - len(previous)


def _killed_export(work: Path, store_path: Path, counts: dict, tried) -> None:
    folder = work / "killed"
    folder.mkdir()
    target, previous = previous_exports("events", folder)
    kill_export_once_it_writes("events", target, store_path, deadline_s=60)
    tried(None)
    # the earlier export, or a whole new one if the kill came after the rename: a cut-off file is a loss
    data = target.read_bytes()
    counts["previous_exports_lost"] += not (data == previous[target] or _whole_json_lines(data))


def _whole_json_lines(data: bytes) -> bool:
    try:
        return data.endswith(b"\n") and all(json.loads(line) for line in data.splitlines())
    except ValueError:
        return False


def _readers_without_a_store(work: Path, counts: dict, tried) -> None:
    for reader, args in READERS.items():
        for kind in ("missing", "plain-folder"):
            name = f"{reader.replace(' ', '-')}-{kind}"
            location, out = work / f"store-{name}", work / f"out-{name}"
            if kind == "plain-folder":
                location.mkdir()
            tried(kgb(*[str(out) if a == "OUT" else a for a in args], "--store", location, timeout=60),
                  r"^kgb: no store at ")
            counts["stores_created_by_readers"] += location.exists() and (kind == "missing" or any(location.iterdir()))
            counts["files_left_beside_target"] += out.exists()


def _full_disk_faults(work: Path, store_path: Path, counts: dict, tried) -> None:
    """A copy of the store on a small tmpfs filled to the last byte: a reader reads, an ingest refuses
    in one line and writes nothing; once space is freed, the store opens and reads as before."""
    disk = work / "disk"
    disk.mkdir()
    size = sum(p.stat().st_size for p in store_path.iterdir()) + (8 << 20)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
                      capture_output=True, timeout=30).returncode != 0:
        return
    try:
        store = disk / "store"
        shutil.copytree(store_path, store, ignore=shutil.ignore_patterns("LOG*"))  # logs: only space
        fill(disk / "filler")
        before = taking_space(store)
        stats = kgb("stats", "--store", store, timeout=60)
        tried(stats)
        counts["reads_failed_on_a_full_disk"] += stats.returncode != 0
        one = work / "one.jsonl"
        one.write_text(json.dumps({"id": "full-disk", "text": "قصفت قوات النظام بلدة اللطامنة بريف حماة."},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
        tried(kgb("ingest", one, "--store", store, "--quiet", timeout=60), NO_SPACE)
        counts["files_left_beside_target"] += taking_space(store) != before
        (disk / "filler").unlink()
        stats = kgb("stats", "--store", store, timeout=60)
        tried(stats)
        counts["reads_failed_on_a_full_disk"] += stats.returncode != 0
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=30)


def test_output_and_store_faults_are_counted_and_all_survived(tmp_path, reference):
    started = time.monotonic()
    counts = output_and_store_faults(tmp_path / "work", reference)
    assert time.monotonic() - started < 60
    assert counts.pop("kinds_tried") >= 25
    assert set(counts.values()) == {0}, counts
