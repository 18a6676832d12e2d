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
    ``application/sparql-query`` body. A query's ``FROM`` / ``FROM NAMED`` choose its graphs, as SPARQL
    says; ``default-graph-uri`` / ``named-graph-uri`` do the same and replace them, as the Protocol says;
    with none of them the default graph is the union of all graphs, as everywhere in kg-builder. SELECT and ASK
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
    transaction per request. Refused with 403 unless the server was started ``writable``.
``/``
    A page: pick a saved question, fill its parameters, run it, see a table; its SPARQL is in an
    editable text box that runs as is. Plain HTML and a little JavaScript (``kg_builder/web/``).

Refused
-------
* 400 for a query or update with ``SERVICE`` (a federated query), or an update with ``LOAD``: the store
  would send requests from this machine to any host and port the text names (SSRF). Found by reading
  the SPARQL (``kg_builder.query.remote_call_keyword``), so the word in a string or a comment is fine.
  ``allow_federated`` (``kgb serve --allow-federated``) lets them through.
* 403 for a ``Host`` header that is not exactly one of the server's names (``allowed_hosts``: the bound
  address and, bound to loopback, ``localhost``, ``127.0.0.1``, ``[::1]``; with or without the port). A
  web page whose DNS name is made to point at 127.0.0.1 (DNS rebinding) would otherwise read the store
  through the analyst's browser. Bound to every interface (``--host 0.0.0.0``) any name is answered.
* 403 for a request a browser sends for a page of another origin (an ``Origin`` that is neither the
  server's own nor ``cors``, or ``Sec-Fetch-Site`` cross-site without one, as ``<img src>`` sends; ``cors``
  ``*`` lets every origin's pages in): a page
  can send simple requests and form posts anywhere without asking, CORS only hides the answer from it.
  Clients that are not browsers (curl, SPARQLWrapper) send neither header and are answered.

Limits: a request body (or URL) over ``max_request_bytes`` gets 413; a query or update running past
``timeout_s`` is stopped and gets 503; a request not received within ``read_timeout_s`` gets 408 and
its connection is closed, as does an answer the client stops reading for that long; a connection has
no thread until its request has arrived, then one of ``max_connections`` answers it; as many more
wait their turn, beyond that 503. CORS headers only when ``cors`` is given.

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

import errno
import html
import http
import io
import ipaddress
import json
import os
import queue
import re
import selectors
import shutil
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
from pyoxigraph import NamedNode, QueryResultsFormat, QueryTriples, RdfFormat, Store

from kg_builder.query import (
    ChildProcess, QueryParamError, bind_params, child_connection, ignore_ctrl_c, list_saved_queries, query_options,
    remote_call_keyword,
)
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

    The options are ``kg_builder.query.query_options``: our prefixes predeclared, bindings as substitutions,
    and the dataset the Protocol's ``default-graph-uri`` / ``named-graph-uri`` give, else the query's own
    FROM / FROM NAMED, else the union of all graphs as default graph.

    >>> store = Store()
    >>> execute_query(store, QueryJob("ASK { }", {}, accept="text/csv")).body
    b'true'
    """
    options = query_options(job.sparql, job.bindings, job.default_graphs, job.named_graphs)
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


def query_worker_main(fd: str) -> None:
    """A query worker: receives ``(snapshot path, QueryJob or None)``, sends an ``Answer``; until None."""
    ignore_ctrl_c()
    conn = child_connection(fd)
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

    ignore_ctrl_c()
    conn = child_connection(fd)
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


class _Owner(ChildProcess):
    """The owner subprocess, seen from the server: ``snapshot`` is the one it wrote on opening."""

    def __init__(self, store_path: str, snapshot_root: str, start_timeout_s: float = 120.0):
        super().__init__("kg_builder.serve", "store_owner_main", store_path, snapshot_root)
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

class _Worker(ChildProcess):
    def __init__(self):
        super().__init__("kg_builder.serve", "query_worker_main")
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
                 saved_queries_dir: str | Path | None = None, log_requests: bool = False,
                 allow_federated: bool = False, read_timeout_s: float = 10.0, max_connections: int = 64):
        if timeout_s <= 0 or read_timeout_s <= 0:
            raise ValueError("timeout_s and read_timeout_s must be positive")
        if workers < 1 or max_connections < 1:
            raise ValueError("at least one query worker and one connection are needed")
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
        self.allow_federated = allow_federated
        self.read_timeout_s = float(read_timeout_s)
        self.max_connections = max_connections
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
        try:
            worker.conn.send((worker.snapshot, None))
            if worker.conn.poll(60):
                worker.conn.recv()
        except (EOFError, OSError):
            # it died while it started, or was killed because the server is closing: no traceback; a
            # replacement is tried a second later unless the server is closing
            with self._lock:
                self._workers.discard(worker)
            worker.kill()
            if not self._closed:
                retry = threading.Timer(1.0, self._add_worker)
                retry.daemon = True
                retry.start()
            return
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
        refusal = self._remote_call_refusal(job.sparql, update=False)
        if refusal is not None:
            return refusal
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
        refusal = self._remote_call_refusal(sparql_update, update=True)
        if refusal is not None:
            return refusal
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
        return list_saved_queries(self.saved_queries_dir)

    def _remote_call_refusal(self, sparql: str, update: bool) -> Answer | None:
        """400 for SERVICE (or LOAD), unless ``allow_federated``: the store would send a request to any host
        and port the text names, from this machine (SSRF), on behalf of whoever can reach the endpoint."""
        keyword = None if self.allow_federated else remote_call_keyword(sparql, update=update)
        if keyword is None:
            return None
        what = "a federated query" if keyword == "SERVICE" else "an update loading a URL"
        return text_answer(400, f"{keyword} refused: {what} makes this server send requests to other hosts; "
                                f"start it with --allow-federated to allow that")

    def _log(self, message: str) -> None:
        print(f"kgb serve: {message}", file=sys.stderr, flush=True)


# --- HTTP ---------------------------------------------------------------------------------------------
#
# A connection gets no thread until its request has arrived. The thread serving the listening socket also
# gathers what each new connection sends (non-blocking, as the bytes come) until the request's head, and
# its body when small, are in; only then does a thread of a pool of ``max_connections`` answer it. So a
# client that connects and sends nothing, or half a request line, costs a socket and no thread, and is
# dropped at ``read_timeout_s``: hundreds of them keep nobody else waiting. One request per connection
# (HTTP/1.0): a kept-alive connection would hold its thread while it waits for a next request.

#: Up to this much of a request is gathered before it gets a thread: the head, and the body when it fits.
_GATHER_LIMIT = 64 * 1024
#: Connections still sending their request, per ``max_connections``; past that the oldest is dropped.
_WAITING_PER_CONNECTION = 16
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length[ \t]*:[ \t]*(\d{1,15})[ \t]*\r?$")


def _request_arrived(data: bytes) -> bool:
    """Whether enough of a request is in to give it a thread: its head, and its body if that is small."""
    if len(data) >= _GATHER_LIMIT:
        return True  # a big request: its thread reads the rest, within the read timeout
    head_end = _HEAD_END.search(data)
    if head_end is None:
        return False
    length = _CONTENT_LENGTH.search(data, 0, head_end.start())
    needed = head_end.end() + (int(length.group(1)) if length else 0)
    return needed > _GATHER_LIMIT or len(data) >= needed


def _plain_response(status: int, message: str) -> bytes:
    body = (message + "\n").encode("utf-8")
    head = (f"HTTP/1.0 {status} {http.HTTPStatus(status).phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + body


def allowed_hosts(bound_host: str, port: int) -> frozenset[str] | None:
    """The ``Host`` header values (lower case) a server bound to ``bound_host`` answers, or None for any.

    Exactly the bound address or name and, when that is loopback, ``localhost``, ``127.0.0.1`` and ``[::1]``,
    each alone or with ``:port``: any other name is one a web page could point at this machine (DNS
    rebinding) to read the store through the analyst's browser. Bound to every interface (0.0.0.0, ::),
    the server cannot know the names it is reached by, and answers any.

    >>> sorted(allowed_hosts("127.0.0.1", 7878))[:3]
    ['127.0.0.1', '127.0.0.1:7878', '[::1]']
    >>> "127.0.0.1.evil.example" in allowed_hosts("127.0.0.1", 7878)
    False
    """
    host = bound_host.lower()
    if host in ("", "0.0.0.0", "::"):
        return None
    names = {f"[{host}]" if ":" in host else host}
    if _is_loopback(host):
        names |= {"localhost", "127.0.0.1", "[::1]"}
    return frozenset(names | {f"{name}:{port}" for name in names})


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class _Arriving:
    """A connection whose request is still coming in."""

    address: tuple
    deadline: float
    received: bytearray = field(default_factory=bytearray)


class _HTTPServer(HTTPServer):
    """The HTTP server: this thread accepts connections and gathers their requests, a pool of
    ``max_connections`` threads answers them; as many more requests wait for a thread, beyond that 503."""

    request_queue_size = 256  # the listen backlog: a burst of connections waits in the kernel, not refused

    def __init__(self, app: SparqlServer):
        self.app = app
        if ":" in app.host:
            self.address_family = socket.AF_INET6
        super().__init__((app.host, app.port), _Handler)
        self.socket.setblocking(False)
        self.allowed_hosts = allowed_hosts(app.host, self.server_address[1])
        self._pool = ThreadPoolExecutor(max_workers=app.max_connections, thread_name_prefix="kgb-serve-request")
        self._answering = 0  # requests given to the pool and not finished
        self._answering_lock = threading.Lock()
        self._waiting: dict[socket.socket, _Arriving] = {}  # in the order they came: oldest first
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    # --- the loop: accept, gather, hand over, drop the late ones -------------------------------------

    def serve_forever(self, poll_interval: float = 0.2) -> None:
        self._stopped.clear()
        self._selector.register(self.socket, selectors.EVENT_READ)
        try:
            while not self._stop.is_set():
                for key, _ in self._selector.select(poll_interval):
                    if key.fileobj is self.socket:
                        self._accept()
                    else:
                        self._receive(key.fileobj)
                self._drop_late()
        finally:
            self._selector.unregister(self.socket)
            for connection in list(self._waiting):
                self._drop(connection)
            self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._selector.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, address = self.socket.accept()
            except BlockingIOError:
                return
            except OSError as err:
                if err.errno in (errno.EMFILE, errno.ENFILE) and self._waiting:
                    self._drop(next(iter(self._waiting)))  # out of descriptors: the longest waiting goes
                    continue
                time.sleep(0.05)  # nothing to let go: do not spin on a listening socket we cannot accept from
                return
            if len(self._waiting) >= self.app.max_connections * _WAITING_PER_CONNECTION:
                self._drop(next(iter(self._waiting)))
            connection.setblocking(False)
            self._waiting[connection] = _Arriving(address, time.monotonic() + self.app.read_timeout_s)
            self._selector.register(connection, selectors.EVENT_READ)

    def _receive(self, connection: socket.socket) -> None:
        arriving = self._waiting[connection]
        try:
            chunk = connection.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client went away
            self._drop(connection)
            return
        arriving.received += chunk
        if _request_arrived(arriving.received):
            self._selector.unregister(connection)
            del self._waiting[connection]
            self._hand_over(connection, arriving)

    def _drop_late(self) -> None:
        now = time.monotonic()
        while self._waiting:
            connection, arriving = next(iter(self._waiting.items()))
            if arriving.deadline > now:
                return  # the others came later, so their deadlines are later too
            if arriving.received:
                self._drop(connection, 408, f"the request did not arrive within {self.app.read_timeout_s:g} s")
            else:
                self._drop(connection)

    def _drop(self, connection: socket.socket, status: int | None = None, message: str = "") -> None:
        """Close a connection that has no thread, with a short answer first if there is one."""
        if self._waiting.pop(connection, None) is not None:
            self._selector.unregister(connection)
        if status is not None:
            try:
                connection.setblocking(False)  # a few hundred bytes fit any send buffer: never wait for a client
                connection.send(_plain_response(status, message))
            except OSError:
                pass
        connection.close()

    # --- answering: in the pool ----------------------------------------------------------------------

    def _hand_over(self, connection: socket.socket, arriving: _Arriving) -> None:
        with self._answering_lock:
            busy = self._answering >= 2 * self.app.max_connections
            if not busy:
                self._answering += 1
        if busy:
            self._drop(connection, 503, f"this server is answering {self.app.max_connections} requests and has as "
                                        f"many waiting; retry later")
            return
        connection.setblocking(True)
        try:
            self._pool.submit(self._answer, connection, arriving.address, bytes(arriving.received))
        except RuntimeError:  # the pool is shut down: the server is closing
            self._finished()
            connection.close()

    def _answer(self, connection: socket.socket, address: tuple, received: bytes) -> None:
        try:
            self.finish_request((connection, received), address)
        except Exception:
            self.handle_error(connection, address)
        finally:
            self.shutdown_request(connection)
            self._finished()

    def _finished(self) -> None:
        with self._answering_lock:
            self._answering -= 1


class _RequestReader(io.RawIOBase):
    """A request's bytes: those the server gathered, then the socket's, all by a deadline (then
    ``TimeoutError``, on which ``http.server`` closes the connection)."""

    def __init__(self, sock: socket.socket, received: bytes, deadline: float):
        self._sock = sock
        self._received = bytearray(received)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._received:
            count = min(len(buffer), len(self._received))
            buffer[:count] = self._received[:count]
            del self._received[:count]
            return count
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


class _ResponseWriter(io.RawIOBase):
    """Writes an answer 64 KB at a time, each within ``stall_s``: a client that stops reading is dropped
    (``TimeoutError``) instead of holding its thread."""

    _CHUNK = 64 * 1024

    def __init__(self, sock: socket.socket, stall_s: float):
        self._sock = sock
        self._stall_s = stall_s

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        for start in range(0, len(view), self._CHUNK):
            self._sock.settimeout(self._stall_s)
            self._sock.sendall(view[start:start + self._CHUNK])
        return len(view)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "kgb-serve/0.1"
    protocol_version = "HTTP/1.0"  # one request per connection (see above)

    # --- plumbing ------------------------------------------------------------------------------------

    def setup(self) -> None:
        self.connection, received = self.request  # the socket, and what the server gathered from it
        self.request = self.connection
        limit = self.app.read_timeout_s
        self.rfile = io.BufferedReader(_RequestReader(self.connection, received, time.monotonic() + limit))
        self.wfile = _ResponseWriter(self.connection, limit)

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

    def _refusal(self) -> Answer | None:
        """The answer to a request this server must not serve, else None: addressed to a Host name that is
        not exactly its own (``allowed_hosts``: DNS rebinding), or sent by a page of another origin than its
        own or the ``cors`` one. Pages can send simple requests and form posts anywhere without asking (CORS
        only hides the answer from them); browsers say so in ``Origin``, or in ``Sec-Fetch-Site`` for the
        requests without one (``<img src>``, ``<script src>``). Clients that are not browsers send neither."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:
            return text_answer(400, "more than one Host header")
        host = hosts[0].strip().lower() if hosts else None
        allowed = self.server.allowed_hosts
        if host is not None and allowed is not None and host not in allowed:
            names = ", ".join(sorted(name for name in allowed if not name.endswith(f":{self.app.port}")))
            return text_answer(403, f"Host {hosts[0]!r} refused: this server answers requests for {names} only "
                                    f"(with or without :{self.app.port})")
        origin = self.headers.get("Origin")
        if origin is not None:
            if self.app.cors in (origin, "*") or (host is not None and origin.lower() == f"http://{host}"):
                return None
            return text_answer(403, f"request refused: sent by a page of another origin ({origin}); start the "
                                    f"server with --cors ORIGIN to let that origin's pages use it")
        site = self.headers.get("Sec-Fetch-Site", "").lower()
        if site in ("cross-site", "same-site") and self.headers.get("Sec-Fetch-Mode", "").lower() != "navigate":
            return text_answer(403, "request refused: sent by a page of another site")
        return None

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
        try:
            return self.rfile.read(length)
        except TimeoutError:
            self.close_connection = True
            self._send(text_answer(408, f"the request did not arrive within {self.app.read_timeout_s:g} s"))
            return None

    # --- routes --------------------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        refusal = self._refusal()
        if refusal is not None:
            self._send(refusal)
            return
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
        refusal = self._refusal()
        if refusal is not None:
            self._send(refusal)
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
          writable: bool = False, cors: str | None = None, max_request_bytes: int = 1_000_000,
          allow_federated: bool = False, read_timeout_s: float = 10.0, max_connections: int = 64) -> None:
    """``kgb serve``: answer SPARQL over the store at ``store_path`` until Ctrl-C.

    Raises ``StoreError`` when the store is missing (and not ``writable``) or in use by another process,
    and ``OSError`` when the port is taken.
    """
    server = SparqlServer(store_path, host, port, timeout_s=timeout_s, writable=writable, cors=cors,
                          max_request_bytes=max_request_bytes, log_requests=True, allow_federated=allow_federated,
                          read_timeout_s=read_timeout_s, max_connections=max_connections).start()
    mode = "read-write (/update accepts SPARQL Update)" if writable else "read-only"
    if allow_federated:
        mode += ", federated queries allowed (SERVICE calls other hosts)"
    print(f"kgb serve: {server.url} - store {store_path}, {mode}, {timeout_s:g} s per query; Ctrl-C stops",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
