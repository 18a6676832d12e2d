"""Saved SPARQL questions, their parameters, and result tables.

A saved question is a ``.rq`` file in ``queries/`` that starts with a header of ``#`` comments::

    # title: Attacks on a place
    # description: Events whose location or target is the place, or a place located in it
    #   (a continuation line starts with "#" and two spaces or more).
    # param: ?place iri default=<https://w3id.org/kg-builder/id/place/al-omar-field> the place
    # param: ?since date the first day (no default: the parameter is required)
    SELECT ?place ?event ... WHERE { ... }

A ``param:`` line is ``?name kind [default=VALUE] description``. ``kind`` says how a value given on the
command line becomes an RDF term: ``iri`` (``<...>``, a full IRI, a prefixed name like ``place:al-omar-field``
or an entity key like ``place/al-omar-field``), ``string``, ``lang-string`` (``text@ar``), ``date``
(``2018-06-19``, or ``2018-06``, ``2018``), ``integer`` or ``decimal``. A default with spaces is quoted:
``default="حقل العمر@ar"``. Values are bound to the variables as terms (Oxigraph substitutions), never
pasted into the SPARQL text, so no value can change what the query does. Oxigraph binds only variables
the query SELECTs, so a saved SELECT lists its parameters among its columns.

    >>> q = parse_saved_query(next(p for p in (queries_dir()).glob("attacks-on-place.rq")))
    >>> q.params[0].name, q.params[0].kind
    ('place', 'iri')
    >>> bind_params(q, {})["place"].value
    'https://w3id.org/kg-builder/id/place/al-omar-field'
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing.connection
import os
import re
import signal
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, Triple, Variable

from kg_builder.rdf import (
    PREFIXES, XSD, boolean_literal, date_literal, decimal_text_literal, entity_iri, integer_literal, iri_term,
    string_literal, typed_literal,
)
from kg_builder.resources import queries_dir
from kg_builder.store import KGStore, QueryError, StoreError, open_store

Term = Union[NamedNode, BlankNode, Literal, Triple]

PARAM_KINDS: tuple[str, ...] = ("iri", "string", "date", "integer", "decimal", "lang-string")


class QueryParamError(ValueError):
    """A parameter value or name that cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class QueryParam:
    """One parameter of a saved question: the variable ``?name`` and how to read its value."""

    name: str
    default: str | None
    description: str
    kind: str = "string"


@dataclass(frozen=True)
class SavedQuery:
    """A ``.rq`` file with its header read."""

    name: str                       # the file stem: what ``kgb query NAME`` takes
    path: Path
    title: str
    description: str
    params: tuple[QueryParam, ...]
    text: str                       # the whole file, header included (comments are SPARQL comments)


_HEADER_LINE = re.compile(r"^#\s?(?P<key>[a-z-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(?P<value>\S.*)$")


def parse_saved_query(path: str | Path) -> SavedQuery:
    """Read a saved question and its header (see the module doc for the format).

    A header line ``# key: value`` may continue on lines ``#   more``; the header ends at the first line
    that is not a comment. Unknown keys are ignored (room for ``# author:`` and the like).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[QueryParam] = []
    last_key: str | None = None
    raw_params: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER_LINE.match(stripped)
        continuation = _CONTINUATION.match(line.rstrip())
        if match and not continuation:
            last_key = match["key"]
            if last_key == "param":
                raw_params.append(match["value"].strip())
            else:
                fields[last_key] = match["value"].strip()
        elif continuation and last_key:
            if last_key == "param":
                raw_params[-1] += " " + continuation["value"].strip()
            else:
                fields[last_key] = (fields.get(last_key, "") + " " + continuation["value"].strip()).strip()
    for raw in raw_params:
        params.append(_parse_param(raw, path))
    names = [p.name for p in params]
    if len(names) != len(set(names)):
        raise QueryParamError(f"{path}: a parameter is declared twice")
    return SavedQuery(name=path.stem, path=path, title=fields.get("title", path.stem),
                      description=fields.get("description", ""), params=tuple(params), text=text)


_PARAM_LINE = re.compile(
    r'^[?$](?P<name>\w+)\s+(?P<kind>\S+)'
    r'(?:\s+default=(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>\S+)))?'
    r'\s*(?P<description>.*)$'
)


def _parse_param(raw: str, path: Path) -> QueryParam:
    match = _PARAM_LINE.match(raw)
    if not match:
        raise QueryParamError(f"{path}: a param line is '?name kind [default=VALUE] description', got {raw!r}")
    name, kind = match["name"], match["kind"]
    if kind not in PARAM_KINDS:
        raise QueryParamError(f"{path}: ?{name} has unknown kind {kind!r} (one of {', '.join(PARAM_KINDS)})")
    if match["quoted"] is not None:
        default = re.sub(r"\\(.)", r"\1", match["quoted"])
    else:
        default = match["bare"]
    return QueryParam(name=name, default=default, description=match["description"].strip(), kind=kind)


def list_saved_queries(directory: str | Path | None = None) -> list[SavedQuery]:
    """The saved questions of a folder (default: the ones shipped in ``queries/``), sorted by name."""
    folder = Path(directory) if directory is not None else queries_dir()
    return [parse_saved_query(p) for p in sorted(folder.glob("*.rq"))]


# --- values -> terms ----------------------------------------------------------------------------------

_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>\S*)$")


def _iri_value(value: str) -> NamedNode:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    elif "://" in value or value.startswith("urn:"):
        pass
    else:
        prefixed = _PREFIXED.match(value)
        if prefixed and prefixed["prefix"] in PREFIXES:
            value = PREFIXES[prefixed["prefix"]] + prefixed["local"]
        elif re.match(r"^(actor|place|event|article|weapon)/\S", value):
            value = entity_iri(value)  # an entity key, as the extractor and gazetteer write them
        else:
            raise QueryParamError(f"not an IRI: {value!r} (give <https://...>, a prefixed name like "
                                  f"place:al-omar-field, or a key like place/al-omar-field)")
    try:
        return iri_term(value)
    except ValueError:
        raise QueryParamError(f"not a valid IRI: {value!r}") from None


def term_of_kind(kind: str, value: str) -> Term:
    """Turn a command-line string into an RDF term of the given kind.

    >>> term_of_kind("iri", "place:al-omar-field").value
    'https://w3id.org/kg-builder/id/place/al-omar-field'
    >>> term_of_kind("lang-string", "حقل العمر@ar").language
    'ar'
    >>> term_of_kind("integer", "7").value
    '7'
    """
    if kind == "iri":
        return _iri_value(value)
    if kind == "string":
        return string_literal(value)
    if kind == "lang-string":
        text, at, lang = value.rpartition("@")
        if not at or not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", lang):
            raise QueryParamError(f"a language-tagged string is text@lang (e.g. حقل العمر@ar), got {value!r}")
        return string_literal(text, lang)
    if kind == "date":
        term = date_literal(value.strip())
        if term.datatype.value.endswith("#string"):
            raise QueryParamError(f"not a date (YYYY-MM-DD, YYYY-MM or YYYY): {value!r}")
        return term
    if kind == "integer":
        if not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            raise QueryParamError(f"not an integer: {value!r}")
        return integer_literal(int(value))
    if kind == "decimal":
        try:
            return decimal_text_literal(value.strip())
        except ValueError as err:
            raise QueryParamError(str(err)) from None
    raise QueryParamError(f"unknown parameter kind {kind!r} (one of {', '.join(PARAM_KINDS)})")


_TYPED = re.compile(r'^"(?P<text>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^<(?P<datatype>[^>]+)>)?$', re.S)


def _guess_term(value: str) -> Term:
    """A value for a free SPARQL text (no declared kinds): written like a SPARQL term.

    ``<iri>`` or ``prefix:name`` -> IRI; ``"text"@ar`` / ``"2018"^^<...>`` -> that literal; a whole number
    -> integer; anything else -> a plain string.
    """
    stripped = value.strip()
    if stripped.startswith("<") and stripped.endswith(">"):
        return _iri_value(stripped)
    typed = _TYPED.match(stripped)
    if typed:
        text = re.sub(r"\\(.)", r"\1", typed["text"])
        if typed["lang"]:
            return string_literal(text, typed["lang"])
        if typed["datatype"]:
            try:
                return typed_literal(text, typed["datatype"])
            except ValueError:
                raise QueryParamError(f"not a valid datatype IRI in {value!r}") from None
        return string_literal(text)
    prefixed = _PREFIXED.match(stripped)
    if prefixed and prefixed["prefix"] in PREFIXES:
        return _iri_value(stripped)
    if re.fullmatch(r"[+-]?\d+", stripped):
        return integer_literal(int(stripped))
    return string_literal(value)


def bind_params(saved_or_text: SavedQuery | str, values: dict[str, str]) -> dict[str, Term]:
    """Typed RDF terms for a query's parameters, from command-line strings.

    For a saved question: every declared parameter gets the given value or its default, read by its
    kind; an undeclared name, or a required parameter left out, is a ``QueryParamError``. For a free
    SPARQL text: each value is read like a SPARQL term (``<iri>``, ``"text"@ar``, ``42``, else a plain
    string) and must name a variable of the text.

    >>> bind_params("SELECT ?x WHERE { ?x ?p ?o }", {"x": "<https://example.org/a>"})["x"].value
    'https://example.org/a'
    """
    values = {name.lstrip("?$"): value for name, value in values.items()}
    if isinstance(saved_or_text, str):
        text = saved_or_text
        bound: dict[str, Term] = {}
        for name, value in values.items():
            if not re.search(r"[?$]" + re.escape(name) + r"\b", text):
                raise QueryParamError(f"the query has no variable ?{name}")
            bound[name] = _guess_term(value)
        return bound
    saved = saved_or_text
    declared = {p.name: p for p in saved.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        known = ", ".join(f"?{n}" for n in declared) or "none"
        raise QueryParamError(f"{saved.name}: unknown parameter ?{unknown[0]} (its parameters: {known})")
    bound = {}
    for param in saved.params:
        value = values.get(param.name, param.default)
        if value is None:
            raise QueryParamError(f"{saved.name}: parameter ?{param.name} is required ({param.description})")
        try:
            bound[param.name] = term_of_kind(param.kind, value)
        except QueryParamError as err:
            raise QueryParamError(f"{saved.name}: ?{param.name}: {err}") from None
    return bound


# --- reading a SPARQL text without running it -----------------------------------------------------------
#
# pyoxigraph 0.5 has no parser API (no algebra to walk), so the keywords that matter here (SERVICE and LOAD:
# the store would call another host; FROM: the query picks its own graphs) are found by a tokenizer that
# follows SPARQL's lexical rules: strings, IRIs and comments are skipped whole, variable names too. What
# Oxigraph's parser does that a plain tokenizer would miss, measured with pyoxigraph 0.5.13:
#
# * it reads keywords case-insensitively and without a word boundary: ``sErViCe``, ``SERVICESILENT<...>``,
#   ``SERVICEremote:x{...}`` and ``?o.SERVICE`` are all federated calls;
# * "<" right after an operand is less-than, not an IRI: in ``FILTER(?o<?b)SERVICEremote:x#>`` then a
#   newline, what looks like the IRI ``<?b)SERVICEremote:x#>`` is code, and "#>" a comment.
#
# Where the tokenizer cannot tell, it errs towards finding the keyword: a false refusal (an IRI with a
# fragment and "service" in a position only code could have) is rare, a hole would not be. Checked against
# Oxigraph itself: of 153,600 queries generated around those cases, it parsed 5,760 and 4,320 reached a
# listening socket; this finds SERVICE in all 4,320.

# Strings as SPARQL writes them: long ones may hold newlines and lone quotes, short ones neither.
_LONG_STRINGS = r"'''(?:[^'\\]|\\.|'(?!''))*'''" + "|" + r'"""(?:[^"\\]|\\.|"(?!""))*"""'
_SHORT_STRINGS = r"'(?:[^'\\\r\n]|\\.)*'" + "|" + r'"(?:[^"\\\r\n]|\\.)*"'
_SPARQL_TOKEN = re.compile("|".join((
    r"(?P<comment>#[^\r\n]*)",
    f"(?P<string>{_LONG_STRINGS}|{_SHORT_STRINGS})",
    r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)",  # IRIREF, exactly
    r"(?P<variable>[?$]\w+)",
    r"(?P<word>(?:[\w.:%-]|\\.)+)",        # keywords, prefixed names, numbers, blank node labels
    r"(?P<space>\s+)",
    r"(?P<other>.)",
)), re.DOTALL)

#: What a word can start with for a keyword glued after it to still be read as one: nothing, a number,
#: true/false, or a dot (that ends a triple: ``?o.SERVICE``). After letters it is part of a name.
_ENDS_A_TOKEN = re.compile(r"|.*\.|[+-]?[0-9.]*(?:E[+-]?[0-9]*)?|TRUE|FALSE", re.DOTALL)
#: After these, an operand must come: no keyword can follow (``/service`` in an IRI read as code is a path).
_WANTS_AN_OPERAND = frozenset("/=!<(,|^&+*")


@dataclass(frozen=True)
class _Token:
    kind: str       # comment, string, iri, variable, word, space or other
    text: str
    before: str     # the last character of the token before it, spaces and comments skipped ("" at the start)
    depth: int      # how many { } it is inside


def _sparql_tokens(text: str) -> Iterator[_Token]:
    before, depth = "", 0
    for match in _SPARQL_TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        yield _Token(kind, value, before, depth)
        if kind == "other":
            depth += {"{": 1, "}": -1}.get(value, 0)
        if kind not in ("space", "comment"):
            before = value[-1]


def _keyword_in_word(word: str, keyword: str) -> bool:
    upper = word.upper()
    start = upper.find(keyword)
    while start != -1:
        if _ENDS_A_TOKEN.fullmatch(upper[:start]):
            return True
        start = upper.find(keyword, start + 1)
    return False


def _finds_keyword(text: str, keyword: str) -> bool:
    for token in _sparql_tokens(text):
        if token.kind == "word" and token.before not in _WANTS_AN_OPERAND and _keyword_in_word(token.text, keyword):
            return True
        # An IRI-looking token that Oxigraph may read as code: a keyword hidden in it needs a "#" after it
        # (to comment out the ">"), so only those are read again, as code.
        if token.kind == "iri" and "#" in token.text and _finds_keyword(token.text[1:-1], keyword):
            return True
    return False


def remote_call_keyword(sparql: str, *, update: bool = False) -> str | None:
    """The keyword that would make the store call another host: ``SERVICE`` (a federated query, in a
    query or an update) or ``LOAD`` (an update fetching a URL); None when there is none. Found by reading
    the SPARQL (see above), so the word in a string, an IRI, a comment or a variable does not count.

    >>> remote_call_keyword("SELECT * WHERE { sErViCe <http://127.0.0.1:8080/> { ?s ?p ?o } }")
    'SERVICE'
    >>> remote_call_keyword('SELECT ?service WHERE { ?service ?p "SERVICE <x> {}" } # SERVICE') is None
    True
    """
    for keyword in ("SERVICE", "LOAD") if update else ("SERVICE",):
        if _finds_keyword(sparql, keyword):
            return keyword
    return None


def has_dataset_clause(sparql: str) -> bool:
    """Whether a query names its own graphs with ``FROM`` or ``FROM NAMED`` (outside strings, IRIs,
    comments, and the braces: the dataset clause comes before WHERE).

    >>> has_dataset_clause("SELECT ?from FROM <urn:g> WHERE { ?from ?p ?o }"), has_dataset_clause("ASK { } # FROM")
    (True, False)
    """
    return any(token.kind == "word" and token.depth == 0 and token.text.upper() in ("FROM", "FROMNAMED")
               for token in _sparql_tokens(sparql))


def query_options(sparql: str, bindings: dict[str, Term] | None = None, default_graphs: tuple[str, ...] = (),
                  named_graphs: tuple[str, ...] = ()) -> dict:
    """The keyword arguments of ``pyoxigraph.Store.query`` for a query of kg-builder: our prefixes
    predeclared, ``bindings`` substituted into the parsed query (never pasted into its text), and its dataset:

    * graphs given by the caller (the SPARQL Protocol's ``default-graph-uri`` / ``named-graph-uri``) are the
      whole dataset and replace the query's own FROM / FROM NAMED, as the Protocol says;
    * else a query's own FROM / FROM NAMED are its dataset (Oxigraph applies them; with FROM NAMED alone
      the default graph is empty, as SPARQL says);
    * else the default graph is the union of all graphs, as everywhere in kg-builder.

    >>> query_options("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }").get("use_default_graph_as_union")
    >>> query_options("SELECT * WHERE { ?s ?p ?o }")["use_default_graph_as_union"]
    True
    """
    options: dict = {"prefixes": PREFIXES}
    if bindings:
        options["substitutions"] = {Variable(name.lstrip("?$")): term for name, term in bindings.items()}
    if default_graphs or named_graphs:
        options["default_graph"] = [NamedNode(g) for g in default_graphs]
        options["named_graphs"] = [NamedNode(g) for g in named_graphs]
    elif not has_dataset_clause(sparql):
        options["use_default_graph_as_union"] = True
    return options


# --- running and formatting ---------------------------------------------------------------------------

@dataclass
class Table:
    """A query result as rows of terms (None for an unbound cell).

    SELECT: its variables. ASK: one column ``boolean`` with one row (and ``boolean`` set).
    CONSTRUCT/DESCRIBE: columns ``subject``, ``predicate``, ``object``, one row per distinct triple.
    """

    columns: list[str]
    rows: list[list[Term | None]]
    boolean: bool | None = None
    kind: str = field(default="select")   # "select", "ask" or "graph"


def run_query(store: KGStore, sparql: str, bindings: dict[str, Term] | None = None) -> Table:
    """Run a query on the store and read the whole result into a ``Table``. A query with its own FROM /
    FROM NAMED sees those graphs (see ``query_options``), any other the union of all graphs."""
    if isinstance(store, KGStore) and has_dataset_clause(sparql):
        result = _query_with_its_dataset(store, sparql, bindings)
    else:
        result = store.query(sparql, bindings)
    if isinstance(result, QueryBoolean):
        value = bool(result)
        return Table(["boolean"], [[boolean_literal(value)]], boolean=value, kind="ask")
    if isinstance(result, QuerySolutions):
        variables = result.variables
        columns = [v.value for v in variables]
        rows = [[solution[v] for v in variables] for solution in result]
        return Table(columns, rows)
    # CONSTRUCT / DESCRIBE: the union default graph repeats a triple once per graph; a graph is a set.
    triples = list(dict.fromkeys(result))
    return Table(["subject", "predicate", "object"], [[t.subject, t.predicate, t.object] for t in triples],
                 kind="graph")


def _query_with_its_dataset(store: KGStore, sparql: str, bindings: dict[str, Term] | None):
    # KGStore.query always unites all graphs, which would drop the query's FROM: ask Oxigraph directly.
    try:
        return store.oxigraph.query(sparql, **query_options(sparql, bindings))
    except (SyntaxError, RuntimeError) as err:  # RuntimeError: a binding Oxigraph cannot make
        raise QueryError(f"SPARQL query: {_first_line(err)}") from None
    except OSError as err:
        raise StoreError(f"SPARQL query failed: {_first_line(err)}") from None


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# --- stopping a runaway query ------------------------------------------------------------------------------
#
# A pyoxigraph query cannot be interrupted from Python (no cancel call; a thread cannot be killed), so the
# only way to stop one is to end the process running it. ``kgb serve`` keeps query workers for that (see
# kg_builder.serve); ``kgb query`` runs its one query in a child process the same way.

class ChildProcess:
    """A Python subprocess running ``module.entry(fd, *args)``, talking to us over one end of a
    ``multiprocessing.Pipe`` (``conn``); ``fd`` is its end, read with ``child_connection``.

    Started as ``python -c "from module import entry"`` with the pipe's descriptor passed down, rather than
    with ``multiprocessing.Process``: its "spawn" mode re-runs the parent's main script in each child (a
    script without an ``if __name__ == "__main__"`` guard would start servers in a loop), and "fork" is
    unsafe in a process with threads (the HTTP server's).
    """

    def __init__(self, module: str, entry: str, *args: str):
        parent, child = multiprocessing.Pipe()
        env = dict(os.environ)
        # The children import kg_builder from where this process did, installed or not.
        package_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        code = f"import sys; from {module} import {entry}; {entry}(*sys.argv[1:])"
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


def child_connection(fd: str) -> multiprocessing.connection.Connection:
    """In a ``ChildProcess``: its end of the pipe, from the descriptor it was given."""
    return multiprocessing.connection.Connection(int(fd))


def ignore_ctrl_c() -> None:
    """In a ``ChildProcess``: Ctrl-C reaches the whole process group, but stopping us is the parent's call
    (it kills a query, and lets a store owner flush and close the store)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class QueryTimeout(StoreError):
    """A query stopped at its time limit; the message is one line for a human."""


#: How long opening a store in the child may take (a big RocksDB store replays its log on opening).
OPEN_TIMEOUT_S = 120.0


def run_query_with_time_limit(location: str | Path, sparql: str, bindings: dict[str, Term] | None = None,
                              timeout_s: float | None = 60.0) -> Table:
    """``run_query`` on the store at ``location`` (a directory, or the URL of a SPARQL server), stopped
    after ``timeout_s`` seconds with a ``QueryTimeout`` (None or 0: no limit).

    A local store is opened and queried in a ``ChildProcess`` killed at the limit (the store's lock goes
    with it); a SPARQL server is asked with the limit as its HTTP timeout.
    """
    location = str(location)
    if not timeout_s or location.startswith(("http://", "https://")):
        return _run_here(location, sparql, bindings, timeout_s)
    child = ChildProcess("kg_builder.query", "query_process_main", location)
    answered = False
    try:
        _answer_of(child, OPEN_TIMEOUT_S, f"opening the store {location} took more than {OPEN_TIMEOUT_S:g} s")
        child.conn.send((sparql, bindings or {}))
        table = _answer_of(child, timeout_s, f"query stopped: it ran longer than the {timeout_s:g} s time limit; "
                                             f"narrow it (LIMIT, more specific patterns) or give a longer --timeout-s")
        answered = True
        return table
    except (EOFError, OSError):
        raise StoreError("the query process died (out of memory?); the query was not answered") from None
    finally:
        if answered:
            child.stop()  # it closes the store and ends
        else:
            child.kill()


def _run_here(location: str, sparql: str, bindings: dict[str, Term] | None, timeout_s: float | None) -> Table:
    store = open_store(location, create=False)  # a reader: a missing store is an error, not made
    if timeout_s and hasattr(store, "timeout_s"):  # a RemoteStore: its HTTP requests' time limit
        store.timeout_s = timeout_s
    try:
        return run_query(store, sparql, bindings)
    finally:
        store.close()


def _answer_of(child: ChildProcess, timeout_s: float, late: str):
    """What the child sends next: a value, or its error raised here; ``QueryTimeout(late)`` past the limit."""
    if not child.conn.poll(timeout_s):
        raise QueryTimeout(late)
    kind, value = child.conn.recv()
    if kind == "query-error":
        raise QueryError(value)
    if kind == "store-error":
        raise StoreError(value)
    return value


def query_process_main(fd: str, location: str) -> None:
    """The child of ``run_query_with_time_limit``: opens the store, says "ready", answers one query with a
    ``Table`` (or an error message), closes the store."""
    ignore_ctrl_c()
    conn = child_connection(fd)
    try:
        store = open_store(location, create=False)  # a reader: a missing store is an error, not made
    except StoreError as err:
        conn.send(("store-error", str(err)))
        return
    try:
        conn.send(("ready", None))
        try:
            sparql, bindings = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_table_or_error(store, sparql, bindings))
    finally:
        store.close()


def _table_or_error(store: KGStore, sparql: str, bindings: dict[str, Term]) -> tuple[str, object]:
    try:
        return "table", run_query(store, sparql, bindings)
    except QueryError as err:
        return "query-error", str(err)
    except StoreError as err:
        return "store-error", str(err)
    except Exception as err:  # a bug or a broken store: one line for the parent to print
        return "store-error", f"the query failed: {_first_line(err)}"


def _compact(iri: str) -> str:
    """``https://w3id.org/kg-builder/id/place/x`` -> ``place:x`` for the aligned table (longest prefix wins)."""
    best = None
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and (best is None or len(namespace) > len(PREFIXES[best])):
            local = iri[len(namespace):]
            if re.fullmatch(r"[\w.%-]*", local):
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else f"<{iri}>"


def _cell_text(term: Term | None, max_width: int) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        text = _compact(term.value)
    elif isinstance(term, BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, Literal):
        text = term.value
    else:
        text = str(term)
    text = " ".join(text.split())  # newlines and tabs would break the alignment
    if display_width(text) > max_width:
        cut = ""
        for ch in text:
            if display_width(cut + ch) > max_width - 1:
                break
            cut += ch
        text = cut + "…"
    return text


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: Arabic diacritics, joiners and direction marks take none;
    wide (CJK) characters take two.

    >>> display_width("حقل العمر"), display_width("مُحَمَّد"), display_width("\u200fab")
    (9, 4, 2)
    """
    width = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


_NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}


def _is_numeric_column(rows: list[list[Term | None]], index: int) -> bool:
    values = [row[index] for row in rows if row[index] is not None]
    return bool(values) and all(isinstance(t, Literal) and t.datatype.value in _NUMERIC for t in values)


def _json_term(term: Term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def format_table(table: Table, fmt: str = "table", *, max_width: int = 60) -> str:
    """The table as text: ``table`` (aligned columns for reading), ``csv``/``tsv`` (the W3C SPARQL 1.1
    CSV and TSV result formats: CSV has plain values, TSV terms in SPARQL syntax) or ``json`` (SPARQL 1.1
    JSON results). Every format ends with a newline.

    >>> from kg_builder.rdf import string_literal
    >>> print(format_table(Table(["name", "n"], [[string_literal("حزب الله", "ar"), integer_literal(3)]])), end="")
    name      n
    --------  -
    حزب الله  3
    """
    if fmt == "json":
        if table.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(table.boolean)}) + "\n"
        bindings = [{col: _json_term(term) for col, term in zip(table.columns, row) if term is not None}
                    for row in table.rows]
        return json.dumps({"head": {"vars": table.columns}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as the W3C CSV results format says
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(["" if t is None else (t.value if isinstance(t, (NamedNode, Literal)) else
                             f"_:{t.value}" if isinstance(t, BlankNode) else str(t)) for t in row])
        return buffer.getvalue()
    if fmt == "tsv":
        lines = ["\t".join(f"?{c}" for c in table.columns)]
        for row in table.rows:
            # str(term) is the N-Triples form; tabs and newlines inside literals are escaped by it.
            lines.append("\t".join("" if t is None else str(t) for t in row))
        return "\n".join(lines) + "\n"
    if fmt == "table":
        cells = [[_cell_text(t, max_width) for t in row] for row in table.rows]
        widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(table.columns)]
        right = [_is_numeric_column(table.rows, i) for i in range(len(table.columns))]
        lines = ["  ".join(_pad(c, w, r) for c, w, r in zip(table.columns, widths, right)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, right)).rstrip() for row in cells]
        if not table.rows:
            lines.append("(no results)")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r} (table, csv, tsv or json)")
