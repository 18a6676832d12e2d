"""The knowledge-graph store: the only module that knows Oxigraph's ``Store``.

    >>> import tempfile
    >>> with open_store(tempfile.mkdtemp()) as store:
    ...     store.stats()["articles"]
    0

Layout: one named graph per article (named by the article IRI, see ``kg_builder.rdf``), and one graph
``<https://w3id.org/kg-builder/graph/ontology>`` with the Turtle files of ``ontology/``. Queries see the
union of all graphs as their default graph, so analysts never need ``GRAPH`` clauses. Beware that
Oxigraph's union does not merge equal triples of different graphs: a label repeated in three article
graphs matches three times, so count with ``COUNT(DISTINCT ...)``.

Transactions (measured with pyoxigraph 0.5.13, 200 articles x 300 quads, on-disk store):

* ``Store.extend`` is atomic (a failing iterator or a non-quad leaves nothing written) but only adds;
  removing the old graph first (``remove_graph`` or a ``DROP`` update) is a second transaction, so a
  crash in between would leave the batch's articles absent and a failing insert would lose them.
  ``bulk_extend``/``bulk_load`` are not transactional at all.
* ``Store.update`` runs the whole request, all its operations, in one transaction: an update
  ``INSERT DATA {...} ; DROP GRAPH <missing>`` raises and leaves the store untouched.
* Speed: ``INSERT DATA`` of 60k quads took 1.1-2.0 s against 0.9-1.5 s for ``extend`` (about +25%,
  mostly SPARQL parsing; building the text takes 0.08 s); dropping the old graphs costs the same
  either way (1.4 s). The non-atomic drop+extend was not faster enough to be worth the risk.

So ``replace_articles`` sends one update ``DROP SILENT GRAPH <a1> ; ... ; INSERT DATA { GRAPH <a1> {...}
... }`` per batch: every article of the batch is replaced, or none is. Terms are written by
pyoxigraph's own N-Triples serialisation (escaped, checked when the term was built), never by
formatting strings, so no article text can break out of its literal.

One writer, and readers on snapshots. A store directory is opened by one process at a time (RocksDB's
lock; a second ``kgb ingest``, or one while ``kgb serve`` holds the store, gets a one-line
:class:`StoreError`). Opening a store that another process writes read-only is undefined behaviour in
pyoxigraph 0.5, so readers never do it: the writer publishes **snapshots** (``publish_snapshot``:
``Store.backup``, a RocksDB checkpoint of hard links, taken between two transactions) into a folder::

    SNAPSHOTS/snapshot-000001/  SNAPSHOTS/snapshot-000002/ ...  SNAPSHOTS/current -> snapshot-000002

``current`` is a symbolic link replaced atomically once a snapshot is complete, so a reader
(``open_snapshot``, read-only, no lock) always gets a whole one. Nobody ever writes a published snapshot.
Superseded snapshots are deleted once they have been superseded for ``SNAPSHOT_GRACE_S`` seconds.

Only ``kgb ingest`` creates a store: every other command opens with ``open_store(location, create=False)``,
which says "no store at DIR" instead of making an empty one, and reads a snapshot folder (or
``SNAPSHOTS/current``) read-only, without writing into it.

A full disk (measured with pyoxigraph 0.5.13 / RocksDB 11.0.4 on a filled tmpfs):

* An update that hits ENOSPC raises and is not applied: the write-ahead log record of the transaction is
  incomplete and dropped on recovery, so the batches before it are whole and the failed one is absent.
  RocksDB then refuses every write of that session; ``flush`` on close fails too.
* Opening the store read-write afterwards fails while the disk is full: the open replays the write-ahead
  log into new table files, and writes a new info log (``LOG``, ~137 KB of options), OPTIONS and
  MANIFEST files. Every open, failed or not, first renames ``LOG`` to ``LOG.old.<time>`` and starts a
  new one, and RocksDB keeps up to 1000 of those: a failed open (for lack of space, or because another
  process holds the lock) used to leave one more behind each time. ``KGStore`` puts the old log back
  after a failed open, and keeps only the newest :data:`KEEP_INFO_LOGS` old logs after a good one.
  (A read-write open that fails for lack of space also leaves an empty write-ahead log file: no bytes,
  and the next good open deletes it.)
* ``Store.read_only`` writes nothing at all (no log, no lock file): it replays the write-ahead log in
  memory. So a reader (``open_store(create=False)``) whose read-write open fails for lack of space
  reads the store read-only, while it holds a shared lock on RocksDB's ``LOCK`` file that RocksDB's own
  exclusive lock conflicts with: no writer can open the store meanwhile, so this is not the undefined
  "read-only while another process writes" case. Once space is freed, the store opens read-write again
  (the log is replayed into tables then) and nothing is lost.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Union

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Triple, Variable

from kg_builder.rdf import ACLED_NAME_OF_CLASS, KGB, ONTOLOGY_GRAPH, PREFIXES, local_name
from kg_builder.model import EVENT_TYPE_OF

Term = Union[NamedNode, BlankNode, Literal, Triple]

_CONTENT_HASH = NamedNode(KGB + "contentHash")


class StoreError(Exception):
    """The store cannot do what was asked; the message is one line for a human."""


class QueryError(StoreError, ValueError):
    """A SPARQL text is wrong (syntax, or a parameter the query does not select)."""


class NoSpaceError(StoreError):
    """The disk of the store is full; nothing was half-written (the failed transaction is absent)."""


_FORMATS = {
    "nq": RdfFormat.N_QUADS, "nquads": RdfFormat.N_QUADS, "n-quads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "nt": RdfFormat.N_TRIPLES, "ntriples": RdfFormat.N_TRIPLES, "n-triples": RdfFormat.N_TRIPLES,
    "ttl": RdfFormat.TURTLE, "turtle": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD, "json-ld": RdfFormat.JSON_LD,
    "rdf": RdfFormat.RDF_XML, "xml": RdfFormat.RDF_XML, "rdfxml": RdfFormat.RDF_XML,
}


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


#: How long a superseded snapshot is kept for the readers that may still have it open (seconds).
SNAPSHOT_GRACE_S = 300.0
#: The symbolic link, inside a snapshot folder, to the newest complete snapshot.
SNAPSHOT_CURRENT = "current"
_SNAPSHOT_NAME = re.compile(r"snapshot-(\d{6,})")
#: Written into each snapshot once it is complete; only such folders are opened by ``open_snapshot``.
SNAPSHOT_MARKER = "KGB_SNAPSHOT"


#: Old RocksDB info logs (LOG.old.*, one per open, ~137 KB each) kept in a store; RocksDB would keep 1000.
KEEP_INFO_LOGS = 3
# RocksDB's words when another process (or this one) holds the store's LOCK file.
_LOCKED = re.compile(r"While lock file|lock hold by", re.IGNORECASE)
# Paths this process has open read-write: a read-only open of one of them is refused (see _lock_out_writers).
_OPEN_FOR_WRITING: set[Path] = set()


def _in_use_message(path: Path) -> str:
    return (f"the store {path} is in use by another kgb process (an ingest, or kgb serve); "
            f"wait for it to finish and retry, or query a snapshot (kgb ingest --snapshot DIR)")


def _is_no_space(err: OSError) -> bool:
    # pyoxigraph's IO errors carry RocksDB's message but no errno
    return err.errno == errno.ENOSPC or "No space left on device" in str(err)


def _store_error(path: Path, err: OSError, doing: str) -> StoreError:
    """The one-line error for an OSError of the store: a full disk is named as such."""
    if _is_no_space(err):
        return NoSpaceError(f"no space left on {path}; nothing half-written (free some space, then run it again)")
    return StoreError(f"{doing}: {_first_line(err)}")


def _open_error(path: Path, err: OSError) -> StoreError:
    if _LOCKED.search(str(err)):
        return StoreError(_in_use_message(path))
    return _store_error(path, err, f"cannot open the store {path}")


def is_store_directory(path: str | Path) -> bool:
    """Is there a RocksDB store (or a snapshot of one) in this directory? Its CURRENT file says so."""
    return (Path(path) / "CURRENT").is_file()


def _info_logs(path: Path) -> set[str]:
    try:
        return {name for name in os.listdir(path) if name.startswith("LOG")}
    except OSError:
        return set()


def _undo_log_rotation(path: Path, before: set[str]) -> None:
    """Put back the info log a failed open rotated away.

    RocksDB renames ``LOG`` to ``LOG.old.<time>`` and starts a new ``LOG`` before it takes the lock or
    reads anything, so even an open that fails (store in use, disk full) leaves a log behind, and takes
    another writer's log away from its name. When exactly one old log appeared, it is the one: renamed
    back over the new ``LOG``. More than one means a live writer rolled its own log meanwhile (at 1 MB):
    then nothing is touched."""
    new_old_logs = _info_logs(path) - before - {"LOG"}
    try:
        if "LOG" in before and len(new_old_logs) == 1:
            os.replace(path / new_old_logs.pop(), path / "LOG")
        elif "LOG" not in before and not new_old_logs:
            (path / "LOG").unlink(missing_ok=True)
    except OSError:
        pass   # only a log: never worth failing over


def _log_time(name: str) -> int:
    suffix = name.rsplit(".", 1)[-1]
    return int(suffix) if suffix.isdigit() else 0


def _prune_info_logs(path: Path, keep: int = KEEP_INFO_LOGS) -> None:
    """Delete all but the newest ``keep`` old info logs (we hold the lock: nobody else writes here)."""
    old_logs = sorted((name for name in _info_logs(path) if name.startswith("LOG.old.")), key=_log_time)
    for name in old_logs[:-keep] if keep else old_logs:
        try:
            (path / name).unlink()
        except OSError:
            pass


def _lock_out_writers(path: Path) -> int:
    """Take a shared lock on the store's ``LOCK`` file, the file RocksDB's writers lock exclusively (an
    fcntl lock, as RocksDB's own): while it is held no writer can open the store, so reading it with
    ``Store.read_only`` is safe. Returns the descriptor to close to let go.

    POSIX locks belong to the process: closing any descriptor of the file drops every lock this process
    has on it, RocksDB's included. So a store this process has open read-write is refused here."""
    if path.resolve() in _OPEN_FOR_WRITING:
        raise StoreError(f"the store {path} is open read-write in this process; read it through that")
    try:
        fd = os.open(path / "LOCK", os.O_RDONLY)
    except OSError as err:
        raise _open_error(path, err) from None
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(_in_use_message(path)) from None
    return fd


class KGStore:
    """An embedded Oxigraph store in a directory (created if missing, unless ``create=False``).

    ``read_only=True`` opens an existing store or snapshot with ``Store.read_only``: nothing is written.
    A live store (one with RocksDB's ``LOCK`` file; snapshots have none) is then locked against writers
    for as long as it is open.

    >>> import tempfile
    >>> store = KGStore(tempfile.mkdtemp())
    >>> store.article_hash("https://w3id.org/kg-builder/id/article/none") is None
    True
    >>> store.close()
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True):
        self.path = Path(path)
        self.read_only = read_only
        self._writers_lock: int | None = None
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path} is a file, not a store directory")
        if (read_only or not create) and not is_store_directory(self.path):
            raise StoreError(f"no store at {self.path}")
        self._store: Store | None = self._open_read_only() if read_only else self._open_read_write()

    def _open_read_write(self) -> Store:
        if not self.path.exists():
            try:
                self.path.mkdir(parents=True)
            except OSError as err:
                raise _store_error(self.path, err, f"cannot create the store {self.path}") from None
        logs_before = _info_logs(self.path)
        try:
            store = Store(str(self.path))
        except OSError as err:
            _undo_log_rotation(self.path, logs_before)
            raise _open_error(self.path, err) from None
        _OPEN_FOR_WRITING.add(self.path.resolve())
        _prune_info_logs(self.path)
        return store

    def _open_read_only(self) -> Store:
        if (self.path / "LOCK").exists():   # a live store, not a snapshot: no writer while we read
            self._writers_lock = _lock_out_writers(self.path)
        try:
            return Store.read_only(str(self.path))
        except OSError as err:
            self._let_writers_in()
            raise _open_error(self.path, err) from None

    def _let_writers_in(self) -> None:
        if self._writers_lock is not None:
            os.close(self._writers_lock)
            self._writers_lock = None

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def oxigraph(self) -> Store:
        """The underlying ``pyoxigraph.Store`` (for tests and tools; the flow goes through this class)."""
        if self._store is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._store

    def flush(self) -> None:
        """Make sure everything written so far is on disk."""
        try:
            self.oxigraph.flush()
        except OSError as err:
            raise _store_error(self.path, err, f"writing to the store {self.path} failed") from None

    def close(self) -> None:
        """Flush and release the directory (its lock) for other processes. Closing twice is fine."""
        if self._store is None:
            return
        try:
            if not self.read_only:
                self._store.flush()
        except OSError as err:
            raise _store_error(self.path, err, f"writing to the store {self.path} failed") from None
        finally:
            # Oxigraph has no close(): the lock goes when the last reference does. Query results hold a
            # reference too, which is why run_query reads them to the end.
            self._store = None
            _OPEN_FOR_WRITING.discard(self.path.resolve())
            self._let_writers_in()

    def __enter__(self) -> "KGStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------------------

    def replace_articles(self, graphs: Iterable[tuple[str, list[Quad]]]) -> None:
        """Replace each article graph by the given quads, all of the batch in one transaction.

        ``graphs`` yields ``(article IRI, quads)``; the quads belong to that graph (their own graph name
        must be it or the default graph). Nothing is written if anything in the batch is wrong.

        >>> import tempfile
        >>> from pyoxigraph import NamedNode, Literal, Quad
        >>> store = KGStore(tempfile.mkdtemp())
        >>> g = "https://w3id.org/kg-builder/id/article/a1"
        >>> q = Quad(NamedNode(g), NamedNode("https://w3id.org/kg-builder/ontology#text"), Literal("x"), NamedNode(g))
        >>> store.replace_articles([(g, [q])]); store.replace_articles([(g, [q])])
        >>> len(store.oxigraph)
        1
        """
        self._replace_graphs(list(graphs))

    def _replace_graphs(self, batch: list[tuple[str, list[Quad]]]) -> None:
        if not batch:
            return
        # Everything is checked and written out as text before the store is touched: a bad quad raises
        # here, with the store as it was.
        drops: list[str] = []
        blocks: list[str] = []
        for graph_iri, quads in batch:
            graph, triples = graph_triples(graph_iri, quads)
            drops.append(f"DROP SILENT GRAPH {graph}")
            lines = [f"{t.subject} {t.predicate} {t.object} ." for t in triples]
            if lines:
                blocks.append(f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}")
        # One INSERT DATA for the whole batch: blank-node labels (only the ontology has any) may not be
        # shared between operations of one request, and one operation is also parsed fastest.
        request = " ;\n".join(drops)
        if blocks:
            request += " ;\nINSERT DATA {\n" + "\n".join(blocks) + "\n}"
        try:
            self.oxigraph.update(request)
        except OSError as err:
            raise _store_error(self.path, err, f"writing to the store {self.path} failed") from None

    def publish_snapshot(self, folder: str | Path) -> Path:
        """Publish a consistent, read-only copy of the store as ``folder/current``; return its path.

        The copy is a RocksDB checkpoint (``Store.backup``: hard links, milliseconds) taken in this
        process between two transactions, so every article in it is whole. It is written under a new
        name, marked complete, and only then does ``current`` point to it (an atomic rename of a link).
        Snapshots superseded for more than :data:`SNAPSHOT_GRACE_S` seconds are deleted.
        ``folder`` must be on the same file system as the store for hard links (else files are copied).
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(m[1]) for p in folder.iterdir() if (m := _SNAPSHOT_NAME.fullmatch(p.name))]
        name = f"snapshot-{max(numbers, default=0) + 1:06d}"
        target = folder / name
        try:
            self.oxigraph.backup(str(target))
            (target / SNAPSHOT_MARKER).write_text(f"snapshot of {self.path.resolve()}\n", encoding="utf-8")
        except OSError as err:
            shutil.rmtree(target, ignore_errors=True)
            raise _store_error(folder, err, f"cannot write a snapshot into {folder}") from None
        link = folder / f".{SNAPSHOT_CURRENT}-{os.getpid()}"
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(name, link)
        os.replace(link, folder / SNAPSHOT_CURRENT)
        _delete_old_snapshots(folder, keep=name)
        return target

    def article_hash(self, article_iri: str) -> str | None:
        """The ``kgb:contentHash`` stored for an article, or None if the article is not in the store."""
        node = NamedNode(article_iri)
        for quad in self.oxigraph.quads_for_pattern(node, _CONTENT_HASH, None, node):
            return quad.object.value
        return None

    def sync_ontology(self, files: list[Path]) -> bool:
        """Make the ontology graph hold exactly these Turtle files; do nothing if they have not changed.

        The hash of the files (names and bytes) is kept in the ontology graph itself (on the graph IRI),
        so it is replaced in the same transaction as the triples. Returns True when the graph was
        rewritten.
        """
        files = sorted(Path(f) for f in files)
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.name.encode("utf-8") + b"\x00")
            digest.update(path.read_bytes() + b"\x00")
        fingerprint = digest.hexdigest()
        if self.article_hash(ONTOLOGY_GRAPH) == fingerprint:
            return False
        graph = NamedNode(ONTOLOGY_GRAPH)
        quads: list[Quad] = []
        for path in files:
            try:
                for triple in pyoxigraph.parse(path=str(path), format=RdfFormat.TURTLE):
                    quads.append(Quad(triple.subject, triple.predicate, triple.object, graph))
            except SyntaxError as err:
                raise StoreError(f"{path}: {_first_line(err)}") from None
        quads.append(Quad(graph, _CONTENT_HASH, Literal(fingerprint), graph))
        self._replace_graphs([(ONTOLOGY_GRAPH, quads)])
        return True

    def update(self, sparql: str) -> None:
        """Run a SPARQL update (one transaction). Our prefixes (kgb:, kgr:, skos: ...) are predeclared."""
        try:
            self.oxigraph.update(sparql, prefixes=PREFIXES)
        except SyntaxError as err:
            raise QueryError(f"SPARQL update: {_first_line(err)}") from None
        except OSError as err:
            raise _store_error(self.path, err, "SPARQL update failed") from None

    # --- reading ------------------------------------------------------------------------------------

    def query(self, sparql: str, bindings: dict[str, Term] | None = None):
        """Run a SPARQL query over the union of all graphs; returns pyoxigraph's result.

        ``bindings`` maps variable names (without ``?``) to RDF terms; they are substituted into the
        parsed query (SEP-0007), never pasted into the text. A SELECT must select the bound variables.
        Our prefixes are predeclared.

        >>> import tempfile
        >>> from pyoxigraph import Literal
        >>> store = KGStore(tempfile.mkdtemp())
        >>> [row["x"].value for row in store.query("SELECT ?x WHERE {}", {"x": Literal('"> } DROP ALL')})]
        ['"> } DROP ALL']
        """
        substitutions = {Variable(name.lstrip("?$")): term for name, term in (bindings or {}).items()}
        try:
            return self.oxigraph.query(
                sparql, prefixes=PREFIXES, use_default_graph_as_union=True, substitutions=substitutions or None
            )
        except SyntaxError as err:
            raise QueryError(f"SPARQL query: {_first_line(err)}") from None
        except RuntimeError as err:
            # Oxigraph reports a substitution it cannot make (a variable not selected) as RuntimeError.
            raise QueryError(f"SPARQL query: {_first_line(err)}") from None
        except OSError as err:
            raise StoreError(f"SPARQL query failed: {_first_line(err)}") from None

    def _select(self, sparql: str) -> list:
        return list(self.query(sparql))

    def dump(self, path: str | Path, format: str | RdfFormat | None = None, *, graph: str | None = None) -> None:
        """Write the store to a file. Dataset formats (N-Quads, TriG) keep the graphs; triple formats
        (Turtle, N-Triples...) write one ``graph`` or, without one, the union of all graphs.

        ``format`` is a name ("nquads", "trig", "turtle", "ntriples", "jsonld", "rdfxml"), an
        ``RdfFormat``, or None to guess from the file extension.
        """
        path = Path(path)
        fmt = rdf_format(path, format)
        prefixes = dict(PREFIXES)
        if fmt.supports_datasets:
            self.oxigraph.dump(str(path), fmt, prefixes=prefixes if fmt is RdfFormat.TRIG else None)
        elif graph is not None:
            self.oxigraph.dump(str(path), fmt, from_graph=NamedNode(graph), prefixes=prefixes)
        else:
            triples = self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
            unique = list(dict.fromkeys(triples))
            pyoxigraph.serialize(unique, str(path), fmt, prefixes=prefixes)

    def stats(self) -> dict:
        """How much is in the store.

        Keys: ``articles``, ``events``, ``entities`` (actors and places some article talks about),
        ``actors``, ``places``, ``events by type`` and ``events by sub-event type`` (ACLED names -> count).
        Works without the ontology graph.
        """
        def count(where: str) -> int:
            rows = self._select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")
            return int(rows[0]["n"].value) if rows else 0

        by_sub: dict[str, int] = {}
        for row in self._select(
            "SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kgb:Event ; a ?class } GROUP BY ?class"
        ):
            name = ACLED_NAME_OF_CLASS.get(local_name(row["class"].value))
            if name in EVENT_TYPE_OF:  # a sub-event class, not kgb:Event nor an event-type class
                by_sub[name] = by_sub.get(name, 0) + int(row["n"].value)
        by_type: dict[str, int] = {}
        for name, n in by_sub.items():
            by_type[EVENT_TYPE_OF[name]] = by_type.get(EVENT_TYPE_OF[name], 0) + n
        return {
            "articles": count("?x a kgb:Article"),
            "events": count("?x a kgb:Event"),
            "entities": count("{ ?x a kgb:Actor } UNION { ?x a kgb:Place }"),
            "actors": count("?x a kgb:Actor"),
            "places": count("?x a kgb:Place"),
            "events by type": dict(sorted(by_type.items())),
            "events by sub-event type": dict(sorted(by_sub.items())),
        }


def _delete_old_snapshots(folder: Path, keep: str, grace_s: float | None = None) -> None:
    """Delete the snapshots superseded for longer than ``grace_s`` (default :data:`SNAPSHOT_GRACE_S`).

    A snapshot's superseding time is when its successor was marked complete."""
    grace_s = SNAPSHOT_GRACE_S if grace_s is None else grace_s
    snapshots = sorted((int(m[1]), p) for p in folder.iterdir() if (m := _SNAPSHOT_NAME.fullmatch(p.name)))
    complete = [(number, path) for number, path in snapshots if (path / SNAPSHOT_MARKER).is_file()]
    now = time.time()
    for number, path in snapshots:
        if path.name == keep:
            continue
        successors = [later for n, later in complete if n > number]
        if not successors:
            continue          # the newest complete one (or a later, unfinished one): keep
        try:
            superseded_at = (successors[0] / SNAPSHOT_MARKER).stat().st_mtime
        except OSError:
            continue
        if now - superseded_at > grace_s:
            shutil.rmtree(path, ignore_errors=True)


def latest_snapshot(folder: str | Path) -> Path:
    """The newest complete snapshot published into ``folder`` (what ``folder/current`` points to)."""
    folder = Path(folder)
    link = folder / SNAPSHOT_CURRENT
    try:
        name = os.readlink(link)
    except FileNotFoundError:
        raise StoreError(f"no snapshot in {folder} yet (kgb ingest --snapshot {folder} publishes them)") from None
    except OSError as err:
        raise StoreError(f"{link} is not a snapshot link: {err.strerror or err}") from None
    target = folder / name
    if not (target / SNAPSHOT_MARKER).is_file():
        raise StoreError(f"{target} is not a complete kgb snapshot")
    return target


def open_snapshot(folder: str | Path) -> KGStore:
    """The newest snapshot in ``folder``, opened read-only (no lock: any number of readers at once).

    ``folder`` is a snapshot folder (with its ``current`` link) or one snapshot directory. A live store
    is refused: reading a store another process writes is undefined behaviour in pyoxigraph 0.5.
    """
    folder = Path(folder)
    if (folder / SNAPSHOT_MARKER).is_file():
        return KGStore(folder, read_only=True)
    return KGStore(latest_snapshot(folder), read_only=True)


def graph_triples(graph_iri: str, quads) -> tuple[NamedNode, list[Triple]]:
    """An article graph's name and its quads as triples, checked: every quad a pyoxigraph Quad of that
    graph (or of the default graph). Raises before anything is written, so a bad batch changes nothing."""
    graph = NamedNode(graph_iri)  # raises ValueError on an invalid IRI
    triples = []
    for quad in quads:
        if not isinstance(quad, Quad):
            raise TypeError(f"graph {graph_iri}: expected a pyoxigraph Quad, got {type(quad).__name__}")
        if quad.graph_name != graph and not isinstance(quad.graph_name, DefaultGraph):
            raise ValueError(f"graph {graph_iri}: a quad of graph {quad.graph_name} in its batch")
        triples.append(Triple(quad.subject, quad.predicate, quad.object))
    return graph, triples


def rdf_format(path: Path, format: str | RdfFormat | None) -> RdfFormat:
    """The RDF format asked for by name ("nquads", "turtle"...), as an RdfFormat, or guessed from
    the file's extension; a clear StoreError when there is none."""
    if format is None:
        fmt = RdfFormat.from_extension(path.suffix.lstrip(".")) or _FORMATS.get(path.suffix.lstrip(".").lower())
    elif isinstance(format, RdfFormat):
        fmt = format
    else:
        fmt = _FORMATS.get(format.lower())
    if fmt is None:
        raise StoreError(f"unknown RDF format {format or path.suffix!r}; try one of {', '.join(sorted(_FORMATS))}")
    return fmt


def open_store(location: str | Path, create: bool = True) -> KGStore:
    """Open the store at ``location``: a directory, or the ``http(s)://`` root of a SPARQL 1.1 server
    (a ``kg_builder.remote_store.RemoteStore``, same interface; nothing is sent yet).

    ``create=True`` (what ``kgb ingest`` and the Python API do by default) makes the store if it is
    missing. ``create=False`` is how every reader opens (stats, query, export): a missing store, or a
    folder that is not one, is a "no store at DIR" :class:`StoreError` and nothing is created; a snapshot
    folder (``kgb ingest --snapshot DIR``), or its ``current`` link, is opened read-only with
    :func:`open_snapshot`; and a store that cannot be opened read-write for lack of space is opened
    read-only (see the module doc), so it can still be read, though not written.

    >>> open_store("http://127.0.0.1:7878/")
    RemoteStore('http://127.0.0.1:7878/')
    """
    text = str(location)
    if text.startswith(("http://", "https://")):
        from kg_builder.remote_store import RemoteStore  # imported here: remote_store imports this module
        return RemoteStore(text)
    if create:
        return KGStore(Path(location))
    return _open_for_reading(Path(location))


def _is_snapshot_folder(path: Path) -> bool:
    return (path / SNAPSHOT_MARKER).is_file() or (path / SNAPSHOT_CURRENT).is_symlink()


def require_store(location: str | Path) -> None:
    """Raise "no store at DIR" unless ``location`` is a store, a snapshot folder or a server URL: what
    every command but ``kgb ingest`` checks first, so that none of them creates a store.

    >>> require_store("/nonexistent/kg-store")
    Traceback (most recent call last):
    kg_builder.store.StoreError: no store at /nonexistent/kg-store
    """
    if str(location).startswith(("http://", "https://")):
        return
    path = Path(location)
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} is a file, not a store directory")
    if not (is_store_directory(path) or _is_snapshot_folder(path)):
        raise StoreError(f"no store at {path}")


def _open_for_reading(path: Path) -> KGStore:
    require_store(path)
    if _is_snapshot_folder(path):
        return open_snapshot(path)   # read-only: nobody ever writes a published snapshot
    try:
        return KGStore(path, create=False)
    except NoSpaceError:
        # A read-write open needs space (new log, options and manifest; the write-ahead log turned into
        # tables); a read-only one writes nothing, so a full disk can still be read.
        return KGStore(path, read_only=True)
