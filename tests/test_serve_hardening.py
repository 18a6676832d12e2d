"""``kgb serve`` and ``kgb query`` against what issue 10 found ("Nothing lost, nothing let in"): federated
calls a query makes the server send (SSRF), pages of other origins using the endpoint, Host names that
only start like 127.0.0.1 (DNS rebinding), half-open connections holding a thread each, ``FROM`` ignored,
and ``kgb query`` without a time limit.

Everything is real: servers (``SparqlServer``) on free 127.0.0.1 ports over Oxigraph stores in tmp_path,
raw sockets and HTTP requests, a listening socket standing for the host a query tries to reach. Every wait
is bounded.

``endpoint_attacks(store_path)`` runs every attack kind against a server over an existing store and counts
what got through; bench/faults.py prints it.
"""

from __future__ import annotations

import http.client
import json
import resource
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.cli import main
from kg_builder.rdf import article_iri
from kg_builder.serve import SparqlServer
from kg_builder.store import KGStore

CORS_ORIGIN = "https://analyst.example"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o }"
GRAPHS = [article_iri(f"hardening-{n}") for n in range(3)]
TRIPLES_PER_GRAPH = 100
VALUE = NamedNode("urn:kgb-test:value")
# Enough file descriptors for 400 stalled connections (both ends are in this process), else 200.
HALF_OPEN = 400 if resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= 4096 else 200


# --- a store, a server, a remote host ------------------------------------------------------------------

def build_store(path: Path) -> Path:
    """Three article graphs of 100 triples each: ``<urn:kgb-test:sN> <urn:kgb-test:value> "G-N"``, G the
    graph's number, so a query's answer says which graphs it saw."""
    with KGStore(path) as store:
        store.replace_articles(
            (graph, [Quad(NamedNode(f"urn:kgb-test:s{i}"), VALUE, Literal(f"{g}-{i}"), NamedNode(graph))
                     for i in range(TRIPLES_PER_GRAPH)])
            for g, graph in enumerate(GRAPHS)
        )
    return path


def start(store: Path, **options) -> SparqlServer:
    options = {"port": 0, "workers": 1, "timeout_s": 3.0, **options}
    return SparqlServer(store, **options).start_in_thread()


class RemoteHost:
    """A host a query could make the server call: a real listening socket on 127.0.0.1 that counts the
    connections made to it and answers any request like a SPARQL service, one solution ``?x = "remote"``."""

    ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}'

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)  # accept with a timeout: the loop checks whether to stop
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        request = b""
        try:
            while b"\r\n\r\n" not in request and len(request) < 1_000_000:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                               b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(self.ANSWER), self.ANSWER))
        except OSError:
            pass

    def connections_after(self, wait_s: float = 0.3) -> int:
        """Connections made so far, after a short wait for any still on their way."""
        time.sleep(wait_s)
        return self.connections

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.socket.close()

    def __enter__(self) -> "RemoteHost":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def request(url: str, data: bytes | dict | None = None, headers: dict | None = None,
            method: str | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
    """(status, headers, body) of an HTTP request; errors are answers too."""
    if isinstance(data, dict):
        data = urllib.parse.urlencode(data).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def ask(server: SparqlServer, sparql: str, headers: dict | None = None, **params) -> tuple[int, bytes]:
    query = urllib.parse.urlencode({"query": sparql, **params}, doseq=True)
    status, _, body = request(f"{server.url}query?{query}", headers=headers)
    return status, body


def values(server: SparqlServer, sparql: str, **params) -> set[str]:
    status, body = ask(server, sparql, **params)
    assert status == 200, body
    return {cell["value"] for row in json.loads(body)["results"]["bindings"] for cell in row.values()}


def with_host(server: SparqlServer, host: str) -> int:
    """The status of a query sent to the server's address under another Host header."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/query?query=ASK%7B%7D", headers={"Host": host})
        return connection.getresponse().status
    finally:
        connection.close()


def graph_values(g: int) -> set[str]:
    return {f"{g}-{i}" for i in range(TRIPLES_PER_GRAPH)}


@pytest.fixture
def store(tmp_path) -> Path:
    return build_store(tmp_path / "store")


# --- 6. federated queries (SSRF) and pages of other origins ------------------------------------------

def service_queries(url: str) -> list[str]:
    """Queries that make Oxigraph call ``url`` (each checked to, against a bare pyoxigraph Store)."""
    remote = f"PREFIX remote: <{url}#> "
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ sErViCe <{url}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE\n<{url}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE # a comment\n <{url}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE<{url}>{{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICESILENT<{url}>{{ ?x ?p ?o }} }}",
        remote + "SELECT * WHERE { SERVICE remote:x { ?x ?p ?o } }",
        remote + "SELECT * WHERE { SERVICEremote:x{ ?x ?p ?o } }",
        f"SELECT * WHERE {{ ?s ?p ?o.SERVICE <{url}> {{ ?x ?p2 ?o2 }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(true)SERVICE <{url}> {{ ?x ?p2 ?o2 }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o ; SERVICE <{url}> {{ ?x ?p2 ?o2 }} }}",
        # "<?b)SERVICEremote:x#>" looks like an IRI, but Oxigraph reads "<" as less-than and "#>" as a comment
        remote + "SELECT * WHERE { ?s ?p ?o FILTER(?o<?b||true)SERVICEremote:x#>\n{ ?x ?p2 ?o2 } }",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?x ?p2 ?o2 }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }} }}",
        f"ASK {{ SERVICE <{url}> {{ ?x ?p ?o }} }}",
        f"CONSTRUCT {{ ?x ?x ?x }} WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }}",
    ]


def innocent_queries(url: str) -> list[str]:
    """Queries where SERVICE is only a word: in a string, a comment, an IRI, a variable or a local name."""
    return [
        f'SELECT ?t WHERE {{ BIND("SERVICE <{url}> {{ ?x ?p ?o }}" AS ?t) }}',
        f"SELECT ?t WHERE {{ BIND('''it's a\nSERVICE <{url}> {{ }}''' AS ?t) }}",
        f"# SERVICE <{url}> {{ ?x ?p ?o }}\nSELECT * WHERE {{ ?s ?p ?o }} LIMIT 1",
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
        "SELECT * WHERE { ?s <http://example.org/service#provider> ?o } LIMIT 1",
        "SELECT * WHERE { ?s a <http://www.w3.org/ns/sparql-service-description#Service> }",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o } LIMIT 1",
        'SELECT * WHERE { ?s ?p ?o FILTER(?o != "SERVICE"@en) } LIMIT 1',
    ]


def test_service_queries_are_refused_and_the_host_is_never_contacted(store):
    with RemoteHost() as remote, start(store) as server:
        for sparql in service_queries(remote.url):
            status, body = ask(server, sparql)
            assert status == 400, (sparql, body)
            assert b"SERVICE" in body and b"--allow-federated" in body and body.count(b"\n") == 1
        status, _, body = request(server.url + "query", {"query": service_queries(remote.url)[0]})  # POST form
        assert status == 400, body
        assert remote.connections_after() == 0
        # ... while the word SERVICE where it is no keyword refuses nothing
        for sparql in innocent_queries(remote.url):
            assert ask(server, sparql)[0] == 200, sparql
        assert remote.connections_after() == 0


def test_service_and_load_in_an_update_are_refused(store):
    with RemoteHost() as remote, start(store, writable=True) as server:
        for update in (f"INSERT {{ GRAPH <urn:g> {{ ?x ?x ?x }} }} WHERE {{ SERVICE <{remote.url}> {{ ?x ?p ?o }} }}",
                       f"LOAD <{remote.url}>", f"load SILENT<{remote.url}> INTO GRAPH <urn:g>"):
            status, _, body = request(server.url + "update", {"update": update})
            assert status == 400, (update, body)
        assert remote.connections_after() == 0
        status, _, body = request(server.url + "update",
                                  {"update": 'INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "SERVICE <x> { }" } }'})
        assert status == 200, body


def test_federated_queries_reach_the_service_when_allowed(store):
    with RemoteHost() as remote, start(store, allow_federated=True) as server:
        for sparql in service_queries(remote.url)[:3]:
            assert values(server, sparql) == {"remote"}
        assert remote.connections_after() == 3


def test_remote_calls_are_found_by_reading_the_sparql_not_by_grepping_it():
    from kg_builder.query import remote_call_keyword

    url = "http://127.0.0.1:9/sparql"
    for sparql in service_queries(url):
        assert remote_call_keyword(sparql) == "SERVICE", sparql
    for sparql in innocent_queries(url):
        assert remote_call_keyword(sparql) is None, sparql
    assert remote_call_keyword(f"LOAD <{url}>", update=True) == "LOAD"
    assert remote_call_keyword(f"LOAD <{url}>") is None  # no LOAD in a query: it would not parse
    assert remote_call_keyword('INSERT DATA { <urn:a> <urn:b> "LOAD <x>" }', update=True) is None


def test_pages_of_other_origins_are_refused_with_403(store):
    with start(store) as server:
        own = f"http://127.0.0.1:{server.port}"
        for origin in ("https://evil.example", "null", f"http://localhost:{server.port}", own + ".evil.example"):
            assert ask(server, "ASK {}", {"Origin": origin})[0] == 403, origin
            status, _, body = request(server.url + "query", {"query": "ASK {}"}, {"Origin": origin})  # a form post
            assert status == 403 and b"origin" in body, origin
            status, _, _ = request(server.url + "query", b"query=ASK%7B%7D",
                                   {"Origin": origin, "Content-Type": "text/plain"})
            assert status == 403, origin
            status, _, _ = request(server.url + "query", method="OPTIONS",
                                   headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
            assert status == 403, origin
        # a page's <img src> or <script src> sends no Origin, but the browser says where it comes from
        assert ask(server, "ASK {}", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})[0] == 403
        # allowed: no Origin (curl, SPARQLWrapper), the server's own page, a link followed to it
        assert ask(server, "ASK {}")[0] == 200
        assert ask(server, "ASK {}", {"Origin": own})[0] == 200
        assert request(server.url + "query", {"query": "ASK {}"}, {"Origin": own})[0] == 200
        assert ask(server, "ASK {}", {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"})[0] == 200
        assert ask(server, "ASK {}", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})[0] == 200


def test_the_cors_origin_is_allowed_and_only_it(store):
    with start(store, cors=CORS_ORIGIN) as server:
        assert ask(server, "ASK {}", {"Origin": CORS_ORIGIN})[0] == 200
        status, headers, _ = request(server.url + "query", method="OPTIONS",
                                     headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "POST"})
        assert status == 204 and headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
        assert ask(server, "ASK {}", {"Origin": "https://evil.example"})[0] == 403


# --- 7. Host names (DNS rebinding) ------------------------------------------------------------------------

def test_only_the_exact_host_names_of_the_server_are_answered(store):
    with start(store) as server:
        port = server.port
        for host in ("127.0.0.1.evil.example", f"127.0.0.1.evil.example:{port}", "localhost.evil",
                     f"localhost.evil:{port}", "evil.example", f"evil.example:{port}", "127.0.0.2",
                     f"127.0.0.1:{port + 1}", f"127.0.0.1:{port}.evil.example", "127.0.0.1:", "[::1].evil",
                     f"127.0.0.1@evil.example:{port}", "", "0x7f000001"):
            assert with_host(server, host) == 403, host
        for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", f"LocalHost:{port}",
                     "[::1]", f"[::1]:{port}"):
            assert with_host(server, host) == 200, host


# --- 8. slow and half-open connections --------------------------------------------------------------------

@pytest.mark.parametrize("sent", [
    b"GET /query?query=AS",                                                # half a request line
    b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n",          # headers never finished
    b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 100\r\n\r\nASK",                                     # a body that stops
], ids=["request-line", "headers", "body"])
def test_a_client_that_stalls_mid_request_is_dropped_after_the_read_timeout(store, sent):
    with start(store, read_timeout_s=1.0) as server:
        client = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        with client:
            client.sendall(sent)
            started = time.monotonic()
            answer = b""
            while chunk := client.recv(65536):  # b"" once the server closes; at most 10 s (the socket timeout)
                answer += chunk
            elapsed = time.monotonic() - started
        assert elapsed < 8.0       # dropped at the 1 s read timeout, not held until the client gives up (10 s)
        assert answer == b"" or answer.startswith(b"HTTP/1.0 408"), answer


def test_requests_are_answered_while_hundreds_of_connections_stall_and_threads_stay_bounded(store):
    max_connections = 16
    with start(store, read_timeout_s=30.0, max_connections=max_connections) as server:
        baseline = threading.active_count()
        stalled = []
        try:
            for _ in range(HALF_OPEN):
                client = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                client.sendall(b"GET /query?query=AS")
                stalled.append(client)
            time.sleep(0.5)  # the server accepts them all
            for _ in range(5):
                started = time.monotonic()
                assert ask(server, "ASK { ?s ?p ?o }")[0] == 200
                assert time.monotonic() - started < 10.0     # answered, not queued behind the stalled ones
            assert threading.active_count() <= baseline + max_connections + 2
        finally:
            for client in stalled:
                client.close()


# --- 9. FROM and FROM NAMED; kgb query's time limit ----------------------------------------------------

def test_from_and_from_named_choose_the_graphs_a_query_sees(store):
    g0, g1, g2 = GRAPHS
    with start(store) as server:
        everything = graph_values(0) | graph_values(1) | graph_values(2)
        assert values(server, "SELECT ?o WHERE { ?s ?p ?o }") == everything  # no FROM: the union, as always
        assert values(server, f"SELECT ?o FROM <{g0}> WHERE {{ ?s ?p ?o }}") == graph_values(0)
        assert values(server, f"SELECT ?o FROM <{g0}> FROM <{g2}> WHERE {{ ?s ?p ?o }}") == \
            graph_values(0) | graph_values(2)
        assert values(server, f"SELECT ?o FROM NAMED <{g1}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == graph_values(1)
        # FROM NAMED alone: SPARQL says the default graph is empty
        assert values(server, f"SELECT ?o FROM NAMED <{g1}> WHERE {{ ?s ?p ?o }}") == set()
        assert values(server, f"select ?o from<{g1}> where {{ ?s ?p ?o }}") == graph_values(1)
        # the protocol's parameters do the same, and win over the query's own FROM
        assert values(server, "SELECT ?o WHERE { ?s ?p ?o }", **{"default-graph-uri": g0}) == graph_values(0)
        assert values(server, "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": g1}) == graph_values(1)
        assert values(server, "SELECT ?o WHERE { ?s ?p ?o }", **{"named-graph-uri": g1}) == set()
        assert values(server, f"SELECT ?o FROM <{g1}> WHERE {{ ?s ?p ?o }}",
                      **{"default-graph-uri": g2}) == graph_values(2)
        # a variable or prefix that only looks like FROM changes nothing
        subjects = {f"urn:kgb-test:s{i}" for i in range(TRIPLES_PER_GRAPH)}
        assert values(server, "SELECT ?from WHERE { ?from ?p ?o } LIMIT 1") <= subjects
        assert len(values(server, "SELECT ?o WHERE { ?s ?p ?o } # FROM <urn:nothing>")) == 300


def test_kgb_query_honours_from(store, capsys):
    assert main(["query", "--store", str(store), "--format", "json", "-e",
                 f"SELECT ?o FROM <{GRAPHS[1]}> WHERE {{ ?s ?p ?o }}"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert {row["o"]["value"] for row in rows} == graph_values(1)


def test_kgb_query_timeout_stops_a_runaway_query(store, capsys):
    started = time.monotonic()
    code = main(["query", "--store", str(store), "--timeout-s", "1", "-e", RUNAWAY])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code != 0 and elapsed < 6.0
    assert err.startswith("kgb: ") and err.count("\n") == 1 and "1 s time limit" in err, err
    # the stopped query let go of the store: the next one runs
    assert main(["query", "--store", str(store), "--format", "csv", "-e",
                 "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]) == 0
    assert capsys.readouterr().out.split() == ["n", "300"]


def test_kgb_query_no_federated_refuses_service(store, capsys):
    with RemoteHost() as remote:
        code = main(["query", "--store", str(store), "--no-federated", "-e", service_queries(remote.url)[0]])
        assert code == 2 and "SERVICE" in capsys.readouterr().err
        assert remote.connections_after() == 0


# --- all of it, counted -------------------------------------------------------------------------------------

def endpoint_attacks(store_path: Path) -> dict:
    """Start a server over the store at ``store_path`` (it must exist, have a named graph, and not be in use),
    try every attack kind covered here, and count what got through: every count but ``kinds_tried`` and
    ``requests_made`` should be 0. Takes ~10 s (bounded well under a minute)."""
    counts = {"kinds_tried": 0, "requests_made": 0, "federated_calls_made": 0, "service_queries_answered": 0,
              "updates_applied": 0, "accepted_bad_hosts": 0, "refused_good_hosts": 0, "accepted_cross_origin": 0,
              "refused_own_origin": 0, "half_open_connections": HALF_OPEN, "hung": 0, "threads_added": 0,
              "stalled_not_dropped": 0, "from_ignored": 0}
    max_connections = 16
    with RemoteHost() as remote, start(Path(store_path), read_timeout_s=2.0, max_connections=max_connections,
                                       workers=2) as server:
        port, own = server.port, f"http://127.0.0.1:{server.port}"

        def status(sparql: str, headers: dict | None = None) -> int:
            counts["requests_made"] += 1
            return ask(server, sparql, headers)[0]

        counts["kinds_tried"] += 1  # federated queries
        counts["service_queries_answered"] = sum(status(q) == 200 for q in service_queries(remote.url))
        counts["federated_calls_made"] = remote.connections_after()

        counts["kinds_tried"] += 1  # updates on a read-only server
        for update in ("DROP ALL", f"LOAD <{remote.url}>"):
            counts["requests_made"] += 1
            counts["updates_applied"] += request(server.url + "update", {"update": update})[0] == 200
        counts["federated_calls_made"] = remote.connections_after(0)

        counts["kinds_tried"] += 1  # DNS rebinding
        for host in ("127.0.0.1.evil.example", f"127.0.0.1.evil.example:{port}", "localhost.evil", "evil.example",
                     f"127.0.0.1:{port + 1}", "127.0.0.2"):
            counts["requests_made"] += 1
            counts["accepted_bad_hosts"] += with_host(server, host) != 403
        for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", f"[::1]:{port}"):
            counts["requests_made"] += 1
            counts["refused_good_hosts"] += with_host(server, host) != 200

        counts["kinds_tried"] += 1  # pages of other origins
        for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Origin": own + ".evil.example"},
                        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}):
            counts["accepted_cross_origin"] += status("ASK {}", headers) != 403
            counts["requests_made"] += 1
            counts["accepted_cross_origin"] += request(server.url + "query", {"query": "ASK {}"}, headers)[0] != 403
        counts["refused_own_origin"] = sum(status("ASK {}", headers) != 200 for headers in ({}, {"Origin": own}))

        counts["kinds_tried"] += 1  # half-open connections
        baseline = threading.active_count()
        stalled = []
        try:
            for _ in range(HALF_OPEN):
                client = socket.create_connection(("127.0.0.1", port), timeout=10)
                client.sendall(b"GET /query?query=AS")
                stalled.append(client)
            for _ in range(3):
                started = time.monotonic()
                try:
                    answered = status("ASK {}") == 200
                except OSError:
                    answered = False
                counts["hung"] += not answered or time.monotonic() - started > 5.0
            counts["threads_added"] = max(0, threading.active_count() - baseline - max_connections)
        finally:
            for client in stalled:
                client.close()

        counts["kinds_tried"] += 1  # a request that stops halfway
        client = socket.create_connection(("127.0.0.1", port), timeout=8)
        with client:
            client.sendall(b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            try:
                while client.recv(65536):
                    pass
            except OSError:
                counts["stalled_not_dropped"] += 1

        counts["kinds_tried"] += 1  # FROM ignored
        named = json.loads(ask(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } LIMIT 2")[1])
        graphs = [row["g"]["value"] for row in named["results"]["bindings"]]
        for graph in graphs:
            count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ {} }}"
            in_graph = values(server, count.format("", f"GRAPH <{graph}> {{ ?s ?p ?o }}"))
            counts["requests_made"] += 2
            counts["from_ignored"] += values(server, count.format(f"FROM <{graph}>", "?s ?p ?o")) != in_graph
    return counts


def test_endpoint_attacks_get_nothing_through(store):
    started = time.monotonic()
    counts = endpoint_attacks(store)
    assert time.monotonic() - started < 60
    assert counts["kinds_tried"] >= 7 and counts["requests_made"] > 40
    assert {k: v for k, v in counts.items() if k not in ("kinds_tried", "requests_made", "half_open_connections")
            and v} == {}
