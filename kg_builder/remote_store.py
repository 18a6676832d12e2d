"""A remote SPARQL 1.1 store with the interface of :class:`kg_builder.store.KGStore`.

``kgb ingest|query|stats|export --store http://HOST:PORT/`` go through this class (``open_store``
dispatches ``http(s)://`` locations here), so the pipeline, the saved questions and the exports run
unchanged against a server::

    oxigraph serve --location ./kg-server --bind 127.0.0.1:7879
    kgb ingest examples/ --store http://127.0.0.1:7879/
    kgb query who-attacked-whom --store http://127.0.0.1:7879/

    >>> store = RemoteStore("http://127.0.0.1:7879/")
    >>> store.query_url, store.graph_store_url
    ('http://127.0.0.1:7879/query', 'http://127.0.0.1:7879/store')

Endpoints. The URL is the service root and the endpoints are named as Oxigraph's server names them:
``ROOT/query`` (SPARQL 1.1 Protocol, query), ``ROOT/update`` (SPARQL 1.1 Protocol, update) and
``ROOT/store`` (Graph Store Protocol). Another server with other names is reached by building
``RemoteStore(url, query_url=..., update_url=..., graph_store_url=...)`` (Fuseki, for instance, serves
all three on the dataset URL itself: give it for each). Only the standard library speaks HTTP.

Reading. Queries are POSTed (form-encoded: queries can be long); results come back as SPARQL JSON
(SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE) and are parsed by pyoxigraph into the objects an
embedded store returns: ``QuerySolutions`` / ``QueryBoolean``, and for graph results a list of
``Triple`` (the embedded store returns a ``QueryTriples`` iterator; both are iterables of triples). The
whole answer is read before returning, so no connection stays open behind a result.

The union default graph. Our queries expect the default graph to be the union of all named graphs (one
graph per article, see ``kg_builder.store``). Oxigraph's server does that per request with the URL
parameter ``union-default-graph`` (or for every query with ``oxigraph serve --union-default-graph``),
which this class sends by default (``union_default_graph_param``; None sends nothing). Other stores
must be configured so: Fuseki/TDB2 with ``tdb2:unionDefaultGraph true``; Virtuoso, GraphDB and
Blazegraph (quads mode) answer over all graphs when a query names none. ``GRAPH ?g`` clauses (the
export uses them) work everywhere.

Binding parameters safely. The SPARQL 1.1 Protocol has no parameters, so the bound terms have to go
into the query text, and nothing a value contains may change what the query does. Two rules:

* Terms are written by pyoxigraph's N-Triples serialisation of terms it has validated: an IRI cannot
  contain ``>``, ``{``, spaces...; a literal's ``"``, ``\\`` and line breaks are escaped (``\\"``,
  ``\\\\``, ``\\n``). Even a store that (as SPARQL 1.1 section 19.2 says) expands ``\\uXXXX`` escapes over
  the whole text before parsing cannot be broken out of a literal: a ``\\u`` can only appear in our text
  as an escaped backslash followed by ``u``, so whatever the expansion produces stays preceded by a
  backslash, i.e. escaped. Blank nodes (not allowed in ``VALUES``) and quoted triples are refused.
* The terms are joined as a ``VALUES (?a ?b) { (<term> "term") }`` block placed first inside the query's
  outermost ``WHERE`` group, found by a small tokenizer that skips strings, IRIs and comments (see
  :func:`bind_values`). Inline data at the start of the group is joined with everything the group
  matches, so the variables hold the terms through the whole pattern, OPTIONALs and FILTERs of that
  group included; projections, ``GROUP BY`` and aggregates then run on the bound solutions, exactly as
  with Oxigraph's substitutions. A trailing ``VALUES`` after the query would not do: it is joined
  *after* grouping, so binding a variable that is aggregated over (not grouped by) would silently
  filter nothing. Differences from the embedded store's substitutions (SEP-0007): a bound variable need
  not be selected; a FILTER inside a *nested* group ``{ { FILTER(?x ...) } }`` does not see the binding
  (nested groups are evaluated on their own); and binding a variable that the query assigns itself
  (``BIND(... AS ?x)``, ``(... AS ?x)``) is refused by the store (variable already in scope).

Writing, and what is atomic. An article graph is written with ONE Graph Store Protocol ``PUT
ROOT/store?graph=IRI`` of its N-Triples, which replaces the graph whole; the ontology graph likewise
(with its fingerprint triple in the same PUT, so the fingerprint never disagrees with the triples). On
Oxigraph 0.5.13 a PUT that fails (its body broken half-way) leaves the old graph as it was (tested in
``tests/test_remote_store.py``), so each article is always either its old version or its new one.
What is lost against the embedded store: a batch is not one transaction. Graph Store Protocol
requests are one graph each, so ``replace_articles`` may stop half-way through a batch (server down,
HTTP error): the graphs already PUT stay replaced, the others keep their old content, and the
:class:`StoreError` says how many were written. Re-running the ingest is the remedy: replaced articles
are skipped as unchanged, the rest are written. Every quad of the batch is checked and serialised
before the first PUT, so a bad quad still writes nothing.
"""

from __future__ import annotations

import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph
from pyoxigraph import (
    BlankNode, Literal, NamedNode, Quad, QueryResultsFormat, RdfFormat, Triple,
)

from kg_builder.rdf import PREFIXES
from kg_builder.store import KGStore, QueryError, StoreError, Term, graph_triples, rdf_format

#: Seconds to wait for the server (to connect, and between two reads of an answer).
DEFAULT_TIMEOUT_S = 120.0

_N_TRIPLES = RdfFormat.N_TRIPLES.media_type                  # application/n-triples
_ACCEPT = f"{QueryResultsFormat.JSON.media_type}, {_N_TRIPLES}, text/turtle;q=0.5, " \
          f"{QueryResultsFormat.XML.media_type};q=0.5"


# --- binding terms into a query text -----------------------------------------------------------------

# One SPARQL token, as much as is needed to find braces and parentheses that are syntax: strings, IRIs
# and comments are skipped whole (a "{" inside them is text), prefixed names are one token (their local
# part may escape "(" or "#", e.g. ex:a\(b), and so are variables.
_TOKEN = re.compile("|".join([
    r"(?P<comment>#[^\n\r]*)",
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""' "|'''(?:[^'\\\\]|\\\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"' r"|'(?:[^'\\\n\r]|\\.)*')",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    r"(?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w.\-:%]|\\.)*)",
    r"(?P<var>[?$]\w+)",
    r"(?P<word>[^\W\d]\w*)",
    r"(?P<brace>[{}])",
    r"(?P<paren>[()])",
    r"(?P<other>\S)",
]), re.DOTALL)

_QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """``(kind, text, start, end)`` of the query's tokens, comments left out."""
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "comment":
            out.append((kind, match.group(), match.start(), match.end()))
    return out


def _values_block(bindings: dict[str, Term]) -> str:
    """``VALUES (?a ?b) { (<iri> "text"@ar) }`` written by pyoxigraph's term serialisation."""
    names, terms = [], []
    for name, term in bindings.items():
        name = name.lstrip("?$")
        if not re.fullmatch(r"\w+", name):
            raise QueryError(f"SPARQL query: {name!r} is not a variable name")
        if isinstance(term, BlankNode):
            raise QueryError(f"SPARQL query: ?{name}: a blank node cannot be bound over the SPARQL protocol")
        if not isinstance(term, (NamedNode, Literal)):
            raise QueryError(f"SPARQL query: ?{name}: only IRIs and literals can be bound, "
                             f"not {type(term).__name__}")
        names.append(f"?{name}")
        terms.append(str(term))  # N-Triples form of a validated term: escaped, cannot leave its token
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def _matching_brace(tokens: list, index: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``tokens[index]``."""
    depth = 0
    for i in range(index, len(tokens)):
        if tokens[i][0] == "brace":
            depth += 1 if tokens[i][1] == "{" else -1
            if depth == 0:
                return i
    raise QueryError("SPARQL query: a '{' is never closed")


def bind_values(sparql: str, bindings: dict[str, Term] | None) -> str:
    """The query with the bindings as a ``VALUES`` block first in its outermost WHERE group.

    The bound terms are serialised by pyoxigraph, so a hostile value stays one literal:

    >>> from pyoxigraph import Literal, NamedNode
    >>> print(bind_values("SELECT ?x (COUNT(*) AS ?n) WHERE { ?e ?p ?x } GROUP BY ?x",
    ...                   {"x": Literal('"> } ; DROP ALL #')}))
    SELECT ?x (COUNT(*) AS ?n) WHERE {
    VALUES (?x) { ("\\"> } ; DROP ALL #") }
     ?e ?p ?x } GROUP BY ?x

    The ``{`` of an ``EXISTS`` in the projection, of a CONSTRUCT template, of a string or a comment is
    not the WHERE group's; a WHERE group that is a sub-SELECT is wrapped in a group of its own, and
    ``CONSTRUCT WHERE { T }`` is spelled out as ``CONSTRUCT { T } WHERE { T }`` first:

    >>> print(bind_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": NamedNode("https://ex.org/a")}))
    CONSTRUCT { ?s ?p ?o } WHERE {
    VALUES (?s) { (<https://ex.org/a>) }
     ?s ?p ?o }

    A bound variable the query does not mention is a :class:`QueryError`, as with the embedded store.
    """
    if not bindings:
        return sparql
    tokens = _tokens(sparql)
    variables = {text[1:] for kind, text, _, _ in tokens if kind == "var"}
    for name in bindings:
        if name.lstrip("?$") not in variables:
            raise QueryError(f"SPARQL query: the query has no variable ?{name.lstrip('?$')} to bind")
    values = _values_block(bindings)

    form_at = next((i for i, t in enumerate(tokens) if t[0] == "word" and t[1].upper() in _QUERY_FORMS), None)
    if form_at is None:
        raise QueryError("SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK in the text")
    form = tokens[form_at][1].upper()

    def first_group(start: int) -> int | None:
        # The first "{" outside parentheses: a "{" inside "( ... )" belongs to an expression (EXISTS).
        depth = 0
        for i in range(start, len(tokens)):
            kind, text = tokens[i][0], tokens[i][1]
            if kind == "paren":
                depth += 1 if text == "(" else -1
            elif kind == "brace" and text == "{" and depth == 0:
                return i
        return None

    group = first_group(form_at + 1)
    if group is not None and form == "CONSTRUCT":
        before = tokens[group - 1]
        close = _matching_brace(tokens, group)
        if before[0] == "word" and before[1].upper() == "WHERE":
            # CONSTRUCT WHERE { T } (T is both template and pattern, and may hold only triples):
            # write the template out so the pattern can take the VALUES block.
            template = sparql[tokens[group][2]:tokens[close][3]]
            sparql = sparql[:before[2]] + template + " " + sparql[before[2]:]
            shift = len(template) + 1
            tokens = [(k, t, s + shift, e + shift) if s >= before[2] else (k, t, s, e) for k, t, s, e in tokens]
        else:
            group = first_group(close + 1)  # the template was the first group; the pattern is next

    if group is None:
        # No WHERE group (DESCRIBE <iri>): a trailing VALUES clause is the query's only place for data.
        return f"{sparql}\n{values}\n"
    open_end = tokens[group][3]
    following = tokens[group + 1] if group + 1 < len(tokens) else None
    if following is not None and following[0] == "word" and following[1].upper() == "SELECT":
        # WHERE { SELECT ... } is a sub-select, which takes no sibling: nest it in a group.
        close_start = tokens[_matching_brace(tokens, group)][2]
        return (sparql[:open_end] + f"\n{values}\n{{" + sparql[open_end:close_start] + "}"
                + sparql[close_start:])
    return sparql[:open_end] + f"\n{values}\n" + sparql[open_end:]


def _prologue() -> str:
    """Our prefixes declared in SPARQL (the embedded store predeclares them; a query may redeclare).

    One line, so that the server's error positions are off by one line only (said in the message)."""
    return " ".join(f"PREFIX {prefix}: {NamedNode(namespace)}" for prefix, namespace in PREFIXES.items()) + "\n"


# --- the store ---------------------------------------------------------------------------------------

class RemoteStore:
    """A SPARQL 1.1 server (Protocol + Graph Store Protocol) used like a :class:`KGStore`.

    Nothing is sent until the first call; an unreachable server is then a one-line :class:`StoreError`:

    >>> store = RemoteStore("http://127.0.0.1:9/", timeout_s=2)
    >>> try:
    ...     store.article_hash("https://w3id.org/kg-builder/id/article/a1")
    ... except StoreError as err:
    ...     print(err)
    cannot reach the SPARQL store at http://127.0.0.1:9/query: connection refused
    """

    def __init__(self, url: str, *, query_url: str | None = None, update_url: str | None = None,
                 graph_store_url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
                 union_default_graph_param: str | None = "union-default-graph"):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(f"not an http(s) URL of a SPARQL store: {url}")
        self.url = url
        root = url.rstrip("/")
        self.query_url = query_url or f"{root}/query"
        self.update_url = update_url or f"{root}/update"
        self.graph_store_url = graph_store_url or f"{root}/store"
        self.timeout_s = timeout_s
        self.union_default_graph_param = union_default_graph_param
        self.read_only = False
        self._closed = False

    # --- lifecycle ----------------------------------------------------------------------------------

    def flush(self) -> None:
        """Nothing to do: a write is on the server once the server has answered it."""
        self._check_open()

    def close(self) -> None:
        """Forget the server (no connection is kept between calls). Closing twice is fine."""
        self._closed = True

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store {self.url} is closed")

    # --- HTTP ---------------------------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes, content_type: str,
                 accept: str | None = None) -> tuple[str, bytes]:
        """Send one request; return the answer's content type and body, or raise a one-line error.

        An HTTP 400 is the server refusing the text (a syntax error, a variable already in scope...):
        :class:`QueryError`. Anything else that goes wrong is a :class:`StoreError`.
        """
        self._check_open()
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        url = url.split("?")[0]  # messages name the endpoint, not its parameters
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as err:
            detail = _first_line(err.read(4000).decode("utf-8", "replace")) or err.reason
            if err.code == 400:
                hint = " (line 1 is kgb's PREFIX line)" if body.startswith((b"query=", b"update=")) else ""
                raise QueryError(f"the SPARQL store at {url} refused the request: {detail}{hint}") from None
            raise StoreError(f"the SPARQL store at {url} answered HTTP {err.code}: {detail}") from None
        except urllib.error.URLError as err:
            raise StoreError(f"cannot reach the SPARQL store at {url}: {_reason(err.reason, self.timeout_s)}") from None
        except (TimeoutError, socket.timeout):
            raise StoreError(f"the SPARQL store at {url} did not answer within {self.timeout_s:g} s") from None
        except (ConnectionError, OSError) as err:
            raise StoreError(f"lost the SPARQL store at {url}: {_reason(err, self.timeout_s)}") from None

    def _query_endpoint(self) -> str:
        if not self.union_default_graph_param:
            return self.query_url
        joiner = "&" if urllib.parse.urlsplit(self.query_url).query else "?"
        return f"{self.query_url}{joiner}{urllib.parse.quote(self.union_default_graph_param)}"

    # --- writing ------------------------------------------------------------------------------------

    def replace_articles(self, graphs: Iterable[tuple[str, list[Quad]]]) -> None:
        """Replace each article graph by the given quads: one Graph Store Protocol PUT per graph.

        Each graph is replaced whole (old or new, never a mix); the batch as a whole is not atomic (see
        the module doc). Every quad is checked and serialised before the first PUT.
        """
        self._replace_graphs(list(graphs))

    def _replace_graphs(self, batch: list[tuple[str, list[Quad]]]) -> None:
        # Named like KGStore's helper on purpose: KGStore.sync_ontology, borrowed below, calls it.
        bodies: list[tuple[NamedNode, bytes]] = []
        for graph_iri, quads in batch:
            graph, triples = graph_triples(graph_iri, quads)
            bodies.append((graph, pyoxigraph.serialize(triples, format=RdfFormat.N_TRIPLES) or b""))
        for written, (graph, body) in enumerate(bodies):
            url = f"{self.graph_store_url}?graph={urllib.parse.quote(graph.value, safe='')}"
            try:
                self._request("PUT", url, body, f"{_N_TRIPLES}; charset=utf-8")
            except StoreError as err:
                if len(bodies) == 1:
                    raise
                raise StoreError(f"{err} ({written} of the batch's {len(bodies)} graphs were written before; "
                                 f"run the ingest again to write the rest)") from None

    def article_hash(self, article_iri: str) -> str | None:
        """The ``kgb:contentHash`` stored for an article, or None if the article is not in the store."""
        node = NamedNode(article_iri)  # validated, so its N-Triples form is one safe token
        rows = list(self.query(f"SELECT ?hash WHERE {{ GRAPH {node} {{ {node} kgb:contentHash ?hash }} }} LIMIT 1"))
        return rows[0]["hash"].value if rows else None

    # The ontology and the statistics are the embedded store's own code, run through this class:
    # KGStore.sync_ontology only calls article_hash and _replace_graphs (one PUT here, with the
    # fingerprint triple inside it), KGStore.stats only calls _select. tests/test_remote_store.py
    # compares both stores, so a change there that needs more than that shows up as a failure.
    def sync_ontology(self, files: list[Path]) -> bool:
        """Make the ontology graph hold exactly these Turtle files (one PUT), unless they have not changed."""
        return KGStore.sync_ontology(self, files)

    def stats(self) -> dict:
        """How much is in the store: the same keys and queries as :meth:`KGStore.stats`."""
        return KGStore.stats(self)

    def publish_snapshot(self, folder: str | Path) -> Path:
        raise StoreError(f"snapshots are for store directories; readers of {self.url} can query it directly")

    def update(self, sparql: str) -> None:
        """Run a SPARQL update through the update endpoint. Our prefixes are predeclared."""
        body = urllib.parse.urlencode({"update": _prologue() + sparql}).encode("utf-8")
        self._request("POST", self.update_url, body, "application/x-www-form-urlencoded")

    # --- reading ------------------------------------------------------------------------------------

    def query(self, sparql: str, bindings: dict[str, Term] | None = None):
        """Run a SPARQL query over the union of all graphs; returns pyoxigraph objects.

        ``bindings`` maps variable names to terms, joined as a ``VALUES`` block in the outermost WHERE
        group (see :func:`bind_values`). SELECT gives ``QuerySolutions``, ASK ``QueryBoolean``,
        CONSTRUCT/DESCRIBE a list of ``Triple``.
        """
        text = _prologue() + bind_values(sparql, bindings)
        body = urllib.parse.urlencode({"query": text}).encode("utf-8")
        content_type, answer = self._request("POST", self._query_endpoint(), body,
                                             "application/x-www-form-urlencoded", accept=_ACCEPT)
        media_type = content_type.split(";")[0].strip().lower()
        results_format = QueryResultsFormat.from_media_type(media_type) if media_type else None
        try:
            if results_format is not None:
                return pyoxigraph.parse_query_results(answer, results_format)
            rdf_format = RdfFormat.from_media_type(media_type) if media_type else None
            if rdf_format is not None:
                return [Triple(t.subject, t.predicate, t.object) for t in pyoxigraph.parse(answer, rdf_format)]
        except SyntaxError as err:
            raise StoreError(f"the SPARQL store at {self.query_url} sent a malformed answer: {_first_line(err)}") from None
        raise StoreError(f"the SPARQL store at {self.query_url} answered in an unexpected format "
                         f"({content_type or 'no content type'})")

    def _select(self, sparql: str) -> list:
        return list(self.query(sparql))

    def dump(self, path: str | Path, format: str | RdfFormat | None = None, *, graph: str | None = None) -> None:
        """Write the store to a file, as :meth:`KGStore.dump` does: dataset formats keep the graphs;
        triple formats write one ``graph`` or, without one, the union of all graphs (each triple once).
        """
        path = Path(path)
        fmt = rdf_format(path, format)
        prefixes = dict(PREFIXES)
        if fmt.supports_datasets:
            rows = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            quads = (Quad(row["s"], row["p"], row["o"], row["g"]) for row in rows)
            pyoxigraph.serialize(quads, str(path), fmt, prefixes=prefixes if fmt is RdfFormat.TRIG else None)
            return
        if graph is not None:
            triples = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} }}")
        else:
            triples = self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        pyoxigraph.serialize(list(dict.fromkeys(triples)), str(path), fmt, prefixes=prefixes)


def _first_line(text) -> str:
    text = str(text).strip()
    return text.splitlines()[0].strip() if text else ""


def _reason(reason, timeout_s: float) -> str:
    """A socket error in a few words: "connection refused", "unknown host"..."""
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout_s:g} s"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({_first_line(reason.strerror or reason)})"
    if isinstance(reason, ConnectionResetError):
        return "connection reset"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return _first_line(reason) or type(reason).__name__
