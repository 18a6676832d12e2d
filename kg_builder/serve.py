"""``kgb serve``: a SPARQL 1.1 Protocol endpoint over the store, and a plain page to ask saved questions.

    kgb serve --store ./kg-store                       # http://127.0.0.1:7878/ (read-only)
    curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
         http://127.0.0.1:7878/sparql
    curl 'http://127.0.0.1:7878/query?saved=attacks-on-place&param.place=place/al-omar-field'
    kgb serve --writable                               # and /update takes SPARQL Update

From Python (what the tests do; port 0 picks a free port):

    >>> with SparqlServer("kg-store", port=0) as server:        # doctest: +SKIP
    ...     urllib.request.urlopen(server.url + "query?query=ASK%7B%7D").read()
    b'{"head":{},"boolean":true}'

Endpoints
---------
``/query`` and ``/sparql``
    SPARQL 1.1 Protocol queries: ``GET ?query=``, ``POST`` form-encoded ``query=``, ``POST`` with an
    ``application/sparql-query`` body; ``default-graph-uri`` / ``named-graph-uri`` are honoured (without
    them the default graph is the union of all graphs, as everywhere in kg-builder). SELECT and ASK
    answer SPARQL JSON (the default), SPARQL XML, CSV or TSV; CONSTRUCT and DESCRIBE answer Turtle (the
    default), N-Triples, RDF/XML or JSON-LD; chosen by the ``Accept`` header or a ``format=`` parameter
    (``json``, ``xml``, ``csv``, ``tsv``, ``turtle``, ``ntriples``, ``rdfxml``, ``jsonld`` or a media
    type; it wins over ``Accept``). Nothing acceptable: 406.
    Two extensions for saved questions (``queries/*.rq``): ``saved=NAME`` runs that question (or, with
    a ``query=`` too, that text with the question's declared parameter kinds), and ``param.NAME=VALUE``
    binds a parameter. Values become RDF terms (``kg_builder.query.bind_params``) substituted into the
    parsed query, never pasted into its text: ``"> } ; DROP ALL #`` is just a string literal.
``/update`` (and ``/sparql``)
    SPARQL 1.1 Update (``POST`` form ``update=`` or an ``application/sparql-update`` body), one
    transaction per request. Refused with 403 unless the server was started ``writable``; refused too
    when a browser sends it from another origin (a page elsewhere could otherwise post a form here).
``/``
    A page: pick a saved question, fill its parameters, run it, see a table; its SPARQL is in an
    editable text box that runs as is. Plain HTML and a little JavaScript (``kg_builder/web/``).

Limits: a request body (or URL) over ``max_request_bytes`` gets 413; a query or update running past
``timeout_s`` is stopped and gets 503; bound to 127.0.0.1 unless told otherwise (and then requests
naming another host are refused, against DNS rebinding); CORS headers only when ``cors`` is given.

Design: who opens the store, and how a query is really stopped
--------------------------------------------------------------
A pyoxigraph query cannot be interrupted from Python (no cancel call; a thread cannot be killed), so
the only way to stop a runaway query is to end the process running it. And the store directory can
be opened for writing by one process only, while ``Store.read_only`` on a store that another process
writes is, in pyoxigraph 0.5's own words, undefined behaviour. Hence three kinds of processes:

* this process: the HTTP server (threads). It never opens the store.
* the **owner**: one subprocess, the single opener of the store directory (it holds the lock for as
  long as the server runs). It runs the updates (when ``writable``) and, at start and after each
  update, writes a **snapshot**: ``Store.backup``, a RocksDB checkpoint (hard links, ~10 ms) in a
  temporary folder next to the store.
* the **query workers**: a small pool of subprocesses, each opening the current snapshot with
  ``Store.read_only`` (safe: nobody ever writes a snapshot, and read-only opens take no lock) and
  running one query at a time. At the time limit the HTTP thread kills that worker (SIGKILL), starts
  a replacement and answers 503; the other workers go on serving. An update past the time limit
  kills the owner: its transaction was never committed, so the store is as before; a new owner
  reopens it.

So queries see the store as of the last update (an update's answer is sent after its snapshot is
written, so a client sees its own writes), and while the server runs no other process can write the
store (``kgb ingest`` says it is in use). To feed a store while analysts query it, start the server
``writable`` and send the ingest batches to ``/update`` (``KGStore.replace_articles`` writes each
batch as one SPARQL Update already).
"""

from __future__ import annotations

import html
import json
import multiprocessing.connection
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
from pyoxigraph import NamedNode, QueryResultsFormat, QueryTriples, RdfFormat, Store, Variable

from kg_builder.rdf import PREFIXES
from kg_builder.store import StoreError

WEB_DIR = Path(__file__).parent / "web"

# --- output formats and content negotiation ---------------------------------------------------------

@dataclass(frozen=True)
class OutputFormat:
    """One way to write a result: its ``format=`` name, its media type, pyoxigraph's format, and the
    other media types and names that pick it."""

    name: str
    media_type: str
    oxigraph: QueryResultsFormat | RdfFormat
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")


#: For SELECT and ASK; the first is the default.
RESULT_FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("json", "application/sparql-results+json", QueryResultsFormat.JSON, ("application/json", "srj")),
    OutputFormat("xml", "application/sparql-results+xml", QueryResultsFormat.XML,
                 ("application/xml", "text/xml", "srx")),
    OutputFormat("csv", "text/csv", QueryResultsFormat.CSV),
    OutputFormat("tsv", "text/tab-separated-values", QueryResultsFormat.TSV),
)

#: For CONSTRUCT and DESCRIBE; the first is the default.
GRAPH_FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("turtle", "text/turtle", RdfFormat.TURTLE, ("ttl", "application/x-turtle")),
    OutputFormat("ntriples", "application/n-triples", RdfFormat.N_TRIPLES, ("nt", "n-triples", "text/plain")),
    OutputFormat("rdfxml", "application/rdf+xml", RdfFormat.RDF_XML,
                 ("xml", "rdf", "rdf-xml", "application/xml", "text/xml")),
    OutputFormat("jsonld", "application/ld+json", RdfFormat.JSON_LD, ("json", "json-ld", "application/json")),
)


def accepted_media_types(accept: str | None) -> list[str]:
    """The media ranges of an ``Accept`` header, most wanted first (``q=0`` ones dropped).

    >>> accepted_media_types("text/csv;q=0.5, application/sparql-results+json, text/html;q=0")
    ['application/sparql-results+json', 'text/csv']
    """
    ranked = []
    for position, part in enumerate((accept or "").split(",")):
        media_type, *params = [p.strip() for p in part.split(";")]
        if not media_type:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media_type.lower()))
    return [media_type for _, _, media_type in sorted(ranked)]


def negotiate(kind: str, accept: str | None = None, format_param: str | None = None) -> OutputFormat | None:
    """The format to answer a ``kind`` ("select", "ask" or "graph") result in, or None (then: 406).

    >>> negotiate("select", "text/csv").name, negotiate("graph", None).name, negotiate("graph", "*/*", "json").name
    ('csv', 'turtle', 'jsonld')
    >>> negotiate("select", "text/turtle") is None
    True
    """
    formats = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    if format_param:
        wanted = format_param.strip().lower()
        return next((f for f in formats if wanted in (f.name, f.media_type) or wanted in f.aliases), None)
    ranges = accepted_media_types(accept)
    if not ranges:
        return formats[0]
    for media_range in ranges:
        if media_range == "*/*":
            return formats[0]
        if media_range.endswith("/*"):
            hit = next((f for f in formats if f.media_type.startswith(media_range[:-1])), None)
        else:
            hit = next((f for f in formats if media_range == f.media_type or media_range in f.aliases), None)
        if hit is not None:
            return hit
    return None


# --- child processes ----------------------------------------------------------------------------------

class _Child:
    """A worker or owner subprocess, talking to us over one end of a ``multiprocessing.Pipe``.

    Started as ``python -c "from kg_builder.serve import ..."`` with the pipe's descriptor passed down,
    rather than with ``multiprocessing.Process``: its "spawn" mode re-runs the parent's main script in
    each child (a script without an ``if __name__ == "__main__"`` guard would start servers in a loop),
    and "fork" is unsafe in a process with threads (the HTTP server's).
    """

    def __init__(self, entry: str, *args: str):
        parent, child = multiprocessing.Pipe()
        env = dict(os.environ)
        # The children import kg_builder from where this process did, installed or not.
        package_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        code = f"import sys; from kg_builder.serve import {entry}; {entry}(*sys.argv[1:])"
        self.process = subprocess.Popen([sys.executable, "-c", code, str(child.fileno()), *args],
                                        pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL)
        child.close()
        self.conn = parent

    def kill(self) -> None:
        """SIGKILL: the only way to stop a pyoxigraph query or update that is running."""
        self.process.kill()
        self.process.wait()
        self.conn.close()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask it to finish (None), wait, kill if it does not."""
        try:
            self.conn.send(None)
            self.process.wait(timeout_s)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.process.poll() is None:
            self.kill()
        else:
            self.conn.close()


def _connection(fd: str) -> multiprocessing.connection.Connection:
    return multiprocessing.connection.Connection(int(fd))


# --- running one query (inside a worker) -----------------------------------------------------------

class Answer(NamedTuple):
    """An HTTP answer: status, Content-Type, body."""

    status: int
    content_type: str
    body: bytes


def text_answer(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8"))


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


@dataclass(frozen=True)
class QueryJob:
    """What a worker needs to answer one query (sent to it pickled)."""

    sparql: str
    bindings: dict                      # variable name -> pyoxigraph term
    accept: str | None = None
    format_param: str | None = None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def execute_query(store: Store, job: QueryJob) -> Answer:
    """Run a query on an open store and write its result in the negotiated format.

    The options are those of ``KGStore.query`` (our prefixes predeclared, bindings as substitutions,
    the union of all graphs as default graph unless ``default-graph-uri`` says otherwise).

    >>> store = Store()
    >>> execute_query(store, QueryJob("ASK { }", {}, accept="text/csv")).body
    b'true'
    """
    options: dict = {"prefixes": PREFIXES}
    if job.bindings:
        options["substitutions"] = {Variable(name): term for name, term in job.bindings.items()}
    if job.default_graphs:
        options["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if job.named_graphs:
        options["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.sparql, **options)
    except SyntaxError as err:
        return text_answer(400, f"SPARQL query: {_first_line(err)}")
    except RuntimeError as err:  # how Oxigraph reports a binding it cannot make (a variable not selected)
        return text_answer(400, f"SPARQL query: {_first_line(err)}")
    kind = "graph" if isinstance(result, QueryTriples) else "ask" if isinstance(result, pyoxigraph.QueryBoolean) \
        else "select"
    fmt = negotiate(kind, job.accept, job.format_param)
    if fmt is None:
        offered = ", ".join(f"{f.name} ({f.media_type})" for f in (GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS))
        wanted = f"format={job.format_param}" if job.format_param else f"Accept: {job.accept}"
        return text_answer(406, f"cannot answer a {kind.upper() if kind != 'graph' else 'CONSTRUCT/DESCRIBE'} "
                                f"query in {wanted}; available: {offered}")
    if kind == "graph":
        # The union default graph repeats a triple once per graph that holds it; a graph is a set.
        triples = list(dict.fromkeys(result))
        prefixes = None
        if fmt.oxigraph in (RdfFormat.TURTLE, RdfFormat.RDF_XML):
            written = "\n".join(str(t) for t in triples)
            prefixes = {p: ns for p, ns in PREFIXES.items() if ns in written}  # only the ones it uses
        body = pyoxigraph.serialize(triples, format=fmt.oxigraph, prefixes=prefixes)
    else:
        body = result.serialize(format=fmt.oxigraph)
    return Answer(200, fmt.content_type, body)


def _ignore_ctrl_c() -> None:
    # Ctrl-C reaches the whole process group; the server process stops its children itself (the owner
    # must flush and close the store, not die in the middle of it).
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def query_worker_main(fd: str) -> None:
    """A query worker: receives ``(snapshot path, QueryJob or None)``, sends an ``Answer``; until None."""
    _ignore_ctrl_c()
    conn = _connection(fd)
    store = None
    opened = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        snapshot, job = message
        try:
            if snapshot != opened:
                store = None  # let go of the old snapshot first: the server deletes it once nobody has it open
                store = Store.read_only(snapshot)
                opened = snapshot
            answer = Answer(200, "", b"") if job is None else execute_query(store, job)
        except Exception as err:  # anything else is a bug or a broken store: say it, keep the worker
            answer = text_answer(500, f"the query failed: {_first_line(err)}")
        try:
            conn.send(answer)
        except (OSError, BrokenPipeError):
            return


# --- the owner: the one process with the store open ------------------------------------------------

def store_owner_main(fd: str, store_path: str, snapshot_root: str) -> None:
    """The store owner: opens the store (its lock), snapshots it, then runs updates sent to it."""
    from kg_builder.store import KGStore, QueryError  # only the owner needs the read-write store class

    _ignore_ctrl_c()
    conn = _connection(fd)
    try:
        store = KGStore(store_path)
    except StoreError as err:
        conn.send(("error", str(err)))
        return

    def snapshot() -> str:
        target = tempfile.mkdtemp(prefix="snapshot-", dir=snapshot_root)
        os.rmdir(target)  # Store.backup wants to create the directory itself
        store.oxigraph.backup(target)
        return target

    conn.send(("ready", snapshot()))
    while True:
        try:
            sparql_update = conn.recv()
        except (EOFError, OSError):
            break
        if sparql_update is None:
            break
        try:
            store.update(sparql_update)
        except QueryError as err:
            conn.send(("bad", str(err)))
            continue
        except StoreError as err:
            conn.send(("failed", str(err)))
            continue
        conn.send(("done", snapshot()))
    store.close()


class _Owner(_Child):
    """The owner subprocess, seen from the server: ``snapshot`` is the one it wrote on opening."""

    def __init__(self, store_path: str, snapshot_root: str, start_timeout_s: float = 120.0):
        super().__init__("store_owner_main", store_path, snapshot_root)
        if not self.conn.poll(start_timeout_s):
            self.kill()
            raise StoreError(f"opening the store {store_path} took more than {start_timeout_s:g} s")
        try:
            status, value = self.conn.recv()
        except EOFError:
            self.kill()
            raise StoreError(f"the process opening the store {store_path} died") from None
        if status != "ready":
            self.stop()
            raise StoreError(value)
        self.snapshot = value


# --- the query pool ----------------------------------------------------------------------------------

class _Worker(_Child):
    def __init__(self):
        super().__init__("query_worker_main")
        self.snapshot: str | None = None   # the snapshot it has open (or is opening)


class SparqlServer:
    """The endpoint: an HTTP server (threads), a store owner process and a pool of query workers.

    ``start()`` opens everything (raises ``StoreError`` when the store is missing or in use), ``url`` is
    where it listens, ``serve_forever()`` blocks, ``close()`` stops it all and deletes the snapshots.

    >>> server = SparqlServer("kg-store", port=0, timeout_s=5).start()      # doctest: +SKIP
    >>> server.url                                                          # doctest: +SKIP
    'http://127.0.0.1:41517/'
    >>> server.close()                                                      # doctest: +SKIP
    """

    def __init__(self, store_path: str | Path, host: str = "127.0.0.1", port: int = 7878, *,
                 timeout_s: float = 30.0, writable: bool = False, cors: str | None = None,
                 max_request_bytes: int = 1_000_000, workers: int = 3,
                 saved_queries_dir: str | Path | None = None, log_requests: bool = False):
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if workers < 1:
            raise ValueError("at least one query worker is needed")
        self.store_path = Path(store_path)
        self.host = host
        self.port = port
        self.timeout_s = float(timeout_s)
        self.writable = writable
        self.cors = cors
        self.max_request_bytes = max_request_bytes
        self.worker_count = workers
        self.saved_queries_dir = saved_queries_dir
        self.log_requests = log_requests
        self._lock = threading.Lock()        # guards the snapshot bookkeeping and the worker set
        self._update_lock = threading.Lock()  # one update at a time (the owner runs one anyway)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._snapshot: str | None = None
        self._old_snapshots: set[str] = set()
        self._snapshot_root: str | None = None
        self._owner: _Owner | None = None
        self._http: _HTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._closed = False

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> "SparqlServer":
        if not self.writable and not self.store_path.is_dir():
            raise StoreError(f"no store at {self.store_path} (run kgb ingest first, or serve --writable to start one)")
        # Snapshots next to the store: same file system, so a checkpoint is hard links, not a copy.
        parent = self.store_path.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{self.store_path.name}-serve-"
        try:
            self._snapshot_root = tempfile.mkdtemp(prefix=prefix, dir=parent)
        except OSError:
            self._snapshot_root = tempfile.mkdtemp(prefix="kgb-serve-")
        try:
            self._owner = _Owner(str(self.store_path), self._snapshot_root)
            self._snapshot = self._owner.snapshot
            # We hold the store now, so no other server of it is alive: snapshot folders of this store that
            # are not ours were left by a server that was killed before it could delete them.
            for stale in parent.glob(prefix + "?" * 8):  # mkdtemp adds 8 characters
                if str(stale) != self._snapshot_root:
                    shutil.rmtree(stale, ignore_errors=True)
            self._http = _HTTPServer(self)  # bind before the workers start: a busy port fails fast
            starters = [threading.Thread(target=self._add_worker) for _ in range(self.worker_count)]
            for thread in starters:
                thread.start()
            for thread in starters:
                thread.join()
        except BaseException:
            self.close()
            raise
        self.port = self._http.server_address[1]
        return self

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def idle_workers(self) -> int:
        """Query workers ready for a query now (a stopped worker's replacement takes ~0.3 s to start)."""
        return self._idle.qsize()

    def serve_forever(self) -> None:
        assert self._http is not None, "start() first"
        self._http.serve_forever(poll_interval=0.2)

    def start_in_thread(self) -> "SparqlServer":
        """``start()`` and serve from a daemon thread (for tests and embedding)."""
        self.start()
        self._http_thread = threading.Thread(target=self.serve_forever, name="kgb-serve-http", daemon=True)
        self._http_thread.start()
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._http is not None:
            if self._http_thread is not None:
                self._http.shutdown()
                self._http_thread.join(10)
            self._http.server_close()
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.kill()  # a worker only reads a snapshot: nothing to lose
        if self._owner is not None:
            self._owner.stop(timeout_s=60)  # it flushes and closes the store
        if self._snapshot_root is not None:
            shutil.rmtree(self._snapshot_root, ignore_errors=True)

    def __enter__(self) -> "SparqlServer":
        return self.start_in_thread() if self._http is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- workers and snapshots -----------------------------------------------------------------------

    def _add_worker(self) -> None:
        """Start a query worker, let it open the current snapshot, then make it available."""
        worker = _Worker()
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._workers.add(worker)
            worker.snapshot = self._snapshot
        worker.conn.send((worker.snapshot, None))
        if worker.conn.poll(60):
            worker.conn.recv()
        self._idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (stuck or dead) and start its replacement in the background."""
        with self._lock:
            self._workers.discard(worker)
        worker.kill()
        if not self._closed:
            threading.Thread(target=self._add_worker, daemon=True).start()
        self._delete_unused_snapshots()

    def _delete_unused_snapshots(self) -> None:
        with self._lock:
            in_use = {w.snapshot for w in self._workers} | {self._snapshot}
            unused = [s for s in self._old_snapshots if s not in in_use]
            self._old_snapshots.difference_update(unused)
        for path in unused:
            shutil.rmtree(path, ignore_errors=True)

    def _new_snapshot(self, path: str) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._old_snapshots.add(self._snapshot)
            self._snapshot = path
        self._delete_unused_snapshots()

    # --- the work ------------------------------------------------------------------------------------

    def run_query(self, job: QueryJob) -> Answer:
        """Answer a query in a worker, stopping it at the time limit."""
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=self.timeout_s)
        except queue.Empty:
            return text_answer(503, f"all {self.worker_count} query workers stayed busy for {self.timeout_s:g} s; "
                                    f"retry later")
        with self._lock:
            worker.snapshot = self._snapshot
        try:
            worker.conn.send((worker.snapshot, job))
            remaining = max(0.05, self.timeout_s - (time.monotonic() - started))
            if not worker.conn.poll(remaining):
                self._retire(worker)
                self._log(f"query stopped at the {self.timeout_s:g} s limit: {' '.join(job.sparql.split())[:200]}")
                return text_answer(503, f"query stopped: it ran longer than the {self.timeout_s:g} s time limit "
                                        f"of this server; narrow it (LIMIT, more specific patterns) or ask for a "
                                        f"longer --timeout-s")
            answer = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker)
            return text_answer(500, "the query worker died (out of memory?); the query was not answered")
        self._idle.put(worker)
        self._delete_unused_snapshots()
        return answer

    def run_update(self, sparql_update: str) -> Answer:
        """Run an update in the owner (one transaction), stopping it at the time limit."""
        if not self.writable:
            return text_answer(403, "this server is read-only; start it with --writable to accept SPARQL Update")
        if not self._update_lock.acquire(timeout=self.timeout_s):
            return text_answer(503, f"another update kept the store busy for {self.timeout_s:g} s; retry later")
        try:
            owner = self._owner
            assert owner is not None
            try:
                owner.conn.send(sparql_update)
                if owner.conn.poll(self.timeout_s):
                    status, value = owner.conn.recv()
                    if status == "done":
                        self._new_snapshot(value)
                        return text_answer(200, "OK: the update was applied (one transaction)")
                    return text_answer(400 if status == "bad" else 500, value)
                message = (f"update stopped: it ran longer than the {self.timeout_s:g} s time limit; "
                           f"nothing was written (it was one transaction)")
                status_code = 503
            except (EOFError, OSError):
                message, status_code = "the store process died during the update; nothing was written", 500
            # Killing the owner aborts the uncommitted transaction; a new owner reopens the store as it was.
            self._log(message)
            owner.kill()
            self._owner = _Owner(str(self.store_path), self._snapshot_root)
            self._new_snapshot(self._owner.snapshot)
            return text_answer(status_code, message)
        finally:
            self._update_lock.release()

    def saved_queries(self) -> list:
        from kg_builder.query import list_saved_queries  # lazily: the workers do not need it

        return list_saved_queries(self.saved_queries_dir)

    def _log(self, message: str) -> None:
        print(f"kgb serve: {message}", file=sys.stderr, flush=True)


# --- HTTP ---------------------------------------------------------------------------------------------

_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: SparqlServer):
        self.app = app
        if ":" in app.host:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__((app.host, app.port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "kgb-serve/0.1"

    # --- plumbing ------------------------------------------------------------------------------------

    @property
    def app(self) -> SparqlServer:
        return self.server.app

    def log_message(self, format: str, *args) -> None:
        if self.app.log_requests:
            super().log_message(format, *args)

    def _send(self, answer: Answer, extra_headers: dict[str, str] | None = None) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type or "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.app.cors:
            self.send_header("Access-Control-Allow-Origin", self.app.cors)
            self.send_header("Vary", "Origin")
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _host_allowed(self) -> bool:
        """Bound to loopback, only answer requests addressed to a loopback name: a web page whose DNS name
        suddenly points at 127.0.0.1 (DNS rebinding) must not read the store through the browser."""
        if self.app.host not in _LOOPBACK_NAMES and not self.app.host.startswith("127."):
            return True
        host = self.headers.get("Host")
        if host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.lower() in _LOOPBACK_NAMES or name.startswith("127.") or name == self.app.host

    def _discard_body(self, length: int) -> None:
        """Read and drop a refused body (up to 64 MB) so the client gets our answer rather than a reset."""
        left = min(length, 64 * 1024 * 1024)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 411/413."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send(text_answer(411, "send a Content-Length (chunked bodies are not accepted)"))
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(text_answer(400, "bad Content-Length"))
            return None
        if length > self.app.max_request_bytes:
            self.close_connection = True
            self._discard_body(length)
            self._send(text_answer(413, f"request of {length} bytes refused: the limit is "
                                        f"{self.app.max_request_bytes} bytes"))
            return None
        return self.rfile.read(length)

    # --- routes --------------------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        headers = {"Allow": "GET, POST, OPTIONS"}
        if self.app.cors:
            headers.update({"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                            "Access-Control-Allow-Headers": "Content-Type, Accept",
                            "Access-Control-Max-Age": "600"})
        self._send(Answer(204, "text/plain; charset=utf-8", b""), headers)

    def do_GET(self) -> None:
        self._dispatch(body=None)

    def do_POST(self) -> None:
        self._dispatch(body=b"")

    def _dispatch(self, body: bytes | None) -> None:
        if not self._host_allowed():
            self._send(text_answer(403, f"Host {self.headers.get('Host')!r} refused: this server answers "
                                        f"requests for 127.0.0.1 or localhost only"))
            return
        if len(self.path) > self.app.max_request_bytes:
            self._send(text_answer(413, f"URL too long: the limit is {self.app.max_request_bytes} bytes"))
            return
        url = urlsplit(self.path)
        route = url.path.rstrip("/") or "/"
        params = parse_qs(url.query, keep_blank_values=True)
        content_type = ""
        if body is not None:  # POST
            read = self._read_body()
            if read is None:
                return
            body = read
            content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type == "application/x-www-form-urlencoded":
                try:
                    form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                except UnicodeDecodeError:
                    self._send(text_answer(400, "the form is not UTF-8"))
                    return
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
        try:
            if route == "/" and body is None:
                self._send(self._page())
            elif route in ("/app.js", "/style.css") and body is None:
                self._send(self._static(route[1:]))
            elif route in ("/query", "/sparql", "/update"):
                self._send(self._protocol(route, params, body, content_type))
            else:
                self._send(text_answer(404, f"nothing at {url.path}; the endpoint is /query (or /sparql), "
                                            f"updates go to /update, the page is /"))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away

    def _static(self, name: str) -> Answer:
        kind = "application/javascript; charset=utf-8" if name.endswith(".js") else "text/css; charset=utf-8"
        return Answer(200, kind, (WEB_DIR / name).read_bytes())

    def _page(self) -> Answer:
        try:
            saved = self.app.saved_queries()
            problem = ""
        except Exception as err:  # a broken .rq must not take the page down: show why instead
            saved, problem = [], f"the saved questions could not be read: {_first_line(err)}"
        described = [{
            "name": q.name, "title": q.title, "description": q.description, "text": q.text,
            "params": [{"name": p.name, "kind": p.kind, "default": p.default, "description": p.description}
                       for p in q.params],
        } for q in saved]
        options = "\n".join(f'<option value="{html.escape(q.name)}">{html.escape(q.title)} ({html.escape(q.name)})'
                            f'</option>' for q in saved)
        # JSON inside <script>: "<" escaped so no text of a query can close the element.
        data = json.dumps({"saved": described, "prefixes": PREFIXES, "writable": self.app.writable},
                          ensure_ascii=False).replace("<", "\\u003c")
        page = (WEB_DIR / "index.html").read_text(encoding="utf-8")
        page = (page.replace("{{options}}", options).replace("{{data}}", data)
                .replace("{{problem}}", html.escape(problem))
                .replace("{{mode}}", "read-write" if self.app.writable else "read-only"))
        return Answer(200, "text/html; charset=utf-8", page.encode("utf-8"))

    def _protocol(self, route: str, params: dict[str, list[str]], body: bytes | None, content_type: str) -> Answer:
        """A SPARQL 1.1 Protocol request (query or update)."""
        def single(name: str) -> str | None:
            values = params.get(name)
            if not values:
                return None
            if len(values) > 1:
                raise _BadRequest(f"give one {name} parameter, not {len(values)}")
            return values[0]

        try:
            is_update = content_type == "application/sparql-update" or "update" in params
            if is_update:
                if body is None:
                    raise _BadRequest("a SPARQL Update is sent with POST")
                if route == "/query":
                    raise _BadRequest("updates go to /update")
                if not self.app.writable:
                    return text_answer(403, "this server is read-only; start it with --writable to accept SPARQL Update")
                origin = self.headers.get("Origin")
                if origin and origin not in (f"http://{self.headers.get('Host')}", self.app.cors):
                    return text_answer(403, f"update refused: sent by a page of another origin ({origin})")
                if "using-graph-uri" in params or "using-named-graph-uri" in params:
                    raise _BadRequest("using-graph-uri and using-named-graph-uri are not supported; use USING in "
                                      "the update text")
                text = body.decode("utf-8") if content_type == "application/sparql-update" else single("update")
                return self.app.run_update(text or "")
            if route == "/update":
                raise _BadRequest("/update takes SPARQL Update (form update= or application/sparql-update); "
                                  "queries go to /query")
            if body is not None and content_type == "application/sparql-query":
                sparql = body.decode("utf-8")
            else:
                sparql = single("query")
            if sparql is not None and not sparql.strip():
                sparql = None  # an empty box: with saved=NAME, the saved text runs
            saved_name = single("saved")
            bindings = self._bindings(params, sparql, saved_name)
            if saved_name and sparql is None:
                sparql = self._saved(saved_name).text
            if sparql is None:
                raise _BadRequest("no query: give query= (or saved=NAME for a saved question)")
            graphs = {}
            for key in ("default-graph-uri", "named-graph-uri"):
                for iri in params.get(key, []):
                    try:
                        NamedNode(iri)
                    except ValueError:
                        raise _BadRequest(f"{key}: not an IRI: {iri!r}") from None
                graphs[key] = tuple(params.get(key, []))
            job = QueryJob(sparql, bindings, accept=self.headers.get("Accept"), format_param=single("format"),
                           default_graphs=graphs["default-graph-uri"], named_graphs=graphs["named-graph-uri"])
            return self.app.run_query(job)
        except _BadRequest as err:
            return text_answer(400, str(err))
        except UnicodeDecodeError:
            return text_answer(400, "the request body is not UTF-8")

    def _saved(self, name: str):
        for saved in self.app.saved_queries():
            if saved.name == name:
                return saved
        raise _BadRequest(f"no saved question named {name!r}")

    def _bindings(self, params: dict[str, list[str]], sparql: str | None, saved_name: str | None) -> dict:
        """``param.NAME=VALUE`` pairs as RDF terms: typed by the saved question's declared kinds when
        ``saved`` is given, else read like SPARQL terms. An empty value means "not given" (its default)."""
        from kg_builder.query import QueryParamError, bind_params

        values = {key[len("param."):]: vals[-1] for key, vals in params.items()
                  if key.startswith("param.") and vals and vals[-1].strip() != ""}
        try:
            if saved_name:
                saved = self._saved(saved_name)
                return bind_params(saved, values)
            if values:
                if sparql is None:
                    raise _BadRequest("parameters without a query")
                return bind_params(sparql, values)
        except QueryParamError as err:
            raise _BadRequest(str(err)) from None
        return {}


class _BadRequest(Exception):
    """A request the protocol does not allow; answered 400 with this message."""


def serve(store_path: str, host: str = "127.0.0.1", port: int = 7878, timeout_s: float = 30.0,
          writable: bool = False, cors: str | None = None, max_request_bytes: int = 1_000_000) -> None:
    """``kgb serve``: answer SPARQL over the store at ``store_path`` until Ctrl-C.

    Raises ``StoreError`` when the store is missing (and not ``writable``) or in use by another process,
    and ``OSError`` when the port is taken.
    """
    server = SparqlServer(store_path, host, port, timeout_s=timeout_s, writable=writable, cors=cors,
                          max_request_bytes=max_request_bytes, log_requests=True).start()
    mode = "read-write (/update accepts SPARQL Update)" if writable else "read-only"
    print(f"kgb serve: {server.url} - store {store_path}, {mode}, {timeout_s:g} s per query; Ctrl-C stops",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
