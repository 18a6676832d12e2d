"""RemoteStore against a real ``oxigraph serve`` on 127.0.0.1: the same answers as the embedded store.

One server for the module (a free port, its own directory), stopped in the fixture's ``finally``. The
Arabic example articles are ingested into it through ``kgb ingest --store URL`` and into an embedded
store in ``tmp_path``; stats, a saved question and the events export must then be identical.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from kg_builder.cli import main
from kg_builder.pipeline import ingest
from kg_builder.query import run_query
from kg_builder.rdf import KGB
from kg_builder.remote_store import RemoteStore, bind_values
from kg_builder.store import KGStore, QueryError, StoreError, open_store

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles-ar.jsonl"
HOSTILE = ['"> } ; DROP ALL #', 'حزب "الله" } ; CLEAR ALL', "\\u0022 } DROP ALL #", "a\\\\u0022\n}\t'''\"\"\""]

pytestmark = pytest.mark.skipif(not OXIGRAPH.exists(), reason=f"no oxigraph server executable at {OXIGRAPH} "
                                "(pip install oxigraph into the venv)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """The root URL of an ``oxigraph serve`` started for this module; stopped whatever happens."""
    folder = tmp_path_factory.mktemp("oxigraph-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(folder / "db"),
                                "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"{url}query?query=ASK%7B%7D", timeout=1).read()
                break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"oxigraph serve did not answer on {url}: "
                                f"{(folder / 'server.log').read_text(errors='replace')[-500:]}")
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def stores(server_url, tmp_path_factory):
    """(remote URL, embedded store directory), the same articles ingested into each by ``kgb ingest``."""
    embedded = tmp_path_factory.mktemp("embedded") / "store"
    assert main(["ingest", str(EXAMPLES), "--store", server_url, "--quiet"]) == 0
    assert main(["ingest", str(EXAMPLES), "--store", str(embedded), "--quiet"]) == 0
    return server_url, embedded


def _cli_output(capsys, argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 0
    return capsys.readouterr().out


def _quad_count(store) -> int:
    rows = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
    return int(rows[0]["n"].value)


def test_stats_query_and_export_are_the_same_as_embedded(stores, capsys, tmp_path):
    url, embedded = stores
    remote_stats = _cli_output(capsys, ["stats", "--store", url])
    assert "articles: 4" in remote_stats
    assert remote_stats == _cli_output(capsys, ["stats", "--store", str(embedded)])

    answers = {}
    for fmt in ("tsv", "json"):
        answers[fmt] = _cli_output(capsys, ["query", "who-attacked-whom", "--format", fmt, "--store", url])
        assert answers[fmt] == _cli_output(capsys, ["query", "who-attacked-whom", "--format", fmt,
                                                    "--store", str(embedded)])
    assert len(answers["tsv"].splitlines()) > 1  # the question found attacks, not two empty answers

    assert main(["export", "events", "--store", url, "-o", str(tmp_path / "remote.jsonl")]) == 0
    assert main(["export", "events", "--store", str(embedded), "-o", str(tmp_path / "embedded.jsonl")]) == 0
    exported = (tmp_path / "remote.jsonl").read_text(encoding="utf-8")
    assert exported == (tmp_path / "embedded.jsonl").read_text(encoding="utf-8")
    # Not empty (the extractor finds events in these articles), and the ontology graph is there (codes).
    assert exported.splitlines() and json.loads(exported.splitlines()[0])["cameo"]


def test_saved_question_with_a_parameter_binds_like_the_embedded_store(stores, capsys):
    url, embedded = stores
    rows = {}
    for value in ("place:al-omar-field", "place:deir-ez-zor", "<https://w3id.org/kg-builder/id/place/syria>"):
        argv = ["query", "attacks-on-place", "--param", f"place={value}", "--format", "tsv"]
        remote = _cli_output(capsys, argv + ["--store", url])
        assert remote == _cli_output(capsys, argv + ["--store", str(embedded)])
        rows[value] = len(remote.splitlines()) - 1
    assert max(rows.values()) > 0  # some attacks were found, not only equal empty answers
    argv = ["query", "-e", "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label }", "--param", 'label="دير الزور"@ar']
    remote = _cli_output(capsys, argv + ["--store", url])
    assert remote == _cli_output(capsys, argv + ["--store", str(embedded)]) and "place:deir-ez-zor" in remote


def test_reingest_replaces_graphs_without_duplicates(stores, tmp_path):
    url, embedded = stores
    with open_store(url) as remote:
        before = _quad_count(remote)
        report = ingest([EXAMPLES], remote, progress=False)
        assert (report.articles, report.unchanged) == (0, 4)
        # The same article id with another text: its graph is replaced, old triples gone.
        first = json.loads(EXAMPLES.read_text(encoding="utf-8").splitlines()[0])
        changed = tmp_path / "changed.jsonl"
        changed.write_text(json.dumps({**first, "text": first["text"] + "\n\nقتل مدني في قصف على دير الزور."},
                                      ensure_ascii=False) + "\n", encoding="utf-8")
        assert ingest([changed], remote, progress=False).articles == 1
        texts = list(remote.query("SELECT ?t WHERE { ?a dcterms:identifier ?id ; kgb:text ?t }",
                                  {"id": Literal(first["id"])}))
        assert [row["t"].value for row in texts] == [first["text"] + "\n\nقتل مدني في قصف على دير الزور."]
        # Put the original back, as it was: the store has exactly the quads it had.
        assert ingest([EXAMPLES], remote, progress=False).articles == 1
        assert _quad_count(remote) == before
    with KGStore(embedded) as local:
        assert len(local.oxigraph) == before


def test_replace_articles_puts_whole_graphs(server_url):
    graph = "https://w3id.org/kg-builder/id/article/put-test"
    text = NamedNode(KGB + "text")
    with RemoteStore(server_url) as store:
        store.replace_articles([(graph, [Quad(NamedNode(graph), text, Literal(f"v{i}"), NamedNode(graph))
                                         for i in range(3)])])
        store.replace_articles([(graph, [Quad(NamedNode(graph), text, Literal("حزب \"الله\""), NamedNode(graph))])])
        rows = list(store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
        assert [row["o"].value for row in rows] == ['حزب "الله"']
        # A bad quad anywhere in the batch: nothing is sent, the graph keeps its content.
        with pytest.raises(ValueError):
            store.replace_articles([(graph, []), (graph, [Quad(NamedNode(graph), text, Literal("x"),
                                                               NamedNode(graph + "-other"))])])
        assert len(list(store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))) == 1
        store.replace_articles([(graph, [])])
        assert not list(store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))


def test_a_failed_put_leaves_the_old_graph(server_url):
    """What the module doc promises of Oxigraph's PUT: a body broken half-way replaces nothing."""
    graph = "https://w3id.org/kg-builder/id/article/broken-put"
    with RemoteStore(server_url) as store:
        store.replace_articles([(graph, [Quad(NamedNode(graph), NamedNode(KGB + "text"), Literal("old"),
                                               NamedNode(graph))])])
        broken = f'<{graph}> <{KGB}text> "new" .\n<{graph}> <{KGB}text> "unterminated .\n'.encode()
        with pytest.raises(QueryError):
            store._request("PUT", f"{store.graph_store_url}?graph={graph}", broken, "application/n-triples")
        rows = list(store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
        assert [row["o"].value for row in rows] == ["old"]
        store.replace_articles([(graph, [])])


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_bound_as_literals(stores, value):
    url, _ = stores
    with open_store(url) as store:
        before = _quad_count(store)
        rows = list(store.query("SELECT ?x WHERE { }", {"x": Literal(value)}))
        assert [row["x"].value for row in rows] == [value]
        rows = list(store.query("SELECT ?label WHERE { ?s skos:prefLabel ?label }", {"label": Literal(value, language="ar")}))
        assert rows == []
        assert store.query("ASK { FILTER(?x = ?y) }", {"x": Literal(value), "y": Literal(value)})
        assert _quad_count(store) == before


def test_hostile_value_through_the_cli(stores, capsys):
    url, _ = stores
    out = _cli_output(capsys, ["query", "-e", "SELECT ?x WHERE { }", "--param", f"x={HOSTILE[0]}",
                               "--format", "json", "--store", url])
    assert json.loads(out)["results"]["bindings"] == [{"x": {"type": "literal", "value": HOSTILE[0]}}]
    assert "articles: 4" in _cli_output(capsys, ["stats", "--store", url])


def test_bind_values_finds_the_outermost_where_group(server_url):
    """Braces of strings, comments, IRIs, EXISTS in a projection and CONSTRUCT templates are skipped;
    every rewritten query runs on the server with the binding in force."""
    x = Literal("حقل { العمر }", language="ar")
    cases = {
        "SELECT ?x (EXISTS { ?a ?b ?c } AS ?any) # { a comment\nWHERE { FILTER(STR(?x) != \"}{\") }": "select",
        "SELECT ?x (COUNT(*) AS ?n) WHERE { OPTIONAL { ?s ?p ?x } } GROUP BY ?x": "select",
        "SELECT * WHERE { SELECT ?x WHERE { } }": "select",
        "CONSTRUCT { <https://ex.org/s> <https://ex.org/p> ?x } WHERE { }": "graph",
        "ASK WHERE { FILTER(lang(?x) = 'ar') }": "ask",
    }
    with RemoteStore(server_url) as store:
        for sparql, kind in cases.items():
            table = run_query(store, sparql, {"x": x})
            assert table.kind == kind, sparql
            if kind == "select":
                assert table.rows and table.rows[0][0] == x, sparql
            elif kind == "graph":
                assert [row[2] for row in table.rows] == [x]
            else:
                assert table.boolean is True
    rewritten = bind_values("CONSTRUCT WHERE { ?x ?p ?o }", {"x": NamedNode("https://ex.org/a")})
    assert rewritten.startswith("CONSTRUCT { ?x ?p ?o } WHERE {\nVALUES (?x) { (<https://ex.org/a>) }")
    assert bind_values("DESCRIBE ?x", {"x": NamedNode("https://ex.org/a")}).endswith(
        "\nVALUES (?x) { (<https://ex.org/a>) }\n")
    with pytest.raises(QueryError, match="no variable \\?y"):
        bind_values("SELECT ?x WHERE { }", {"y": x})
    with pytest.raises(QueryError, match="blank node"):
        bind_values("SELECT ?x WHERE { }", {"x": BlankNode()})


def test_query_errors_and_dump(stores, tmp_path):
    url, embedded = stores
    with open_store(url) as store:
        with pytest.raises(QueryError, match="refused the request"):
            store.query("SELECT ?x WHERE { ?x }")
        store.dump(tmp_path / "remote.nt")
        with KGStore(embedded) as local:
            local.dump(tmp_path / "local.nt")

        def named_lines(path):
            # Blank-node labels are each store's own, and the remote one re-ingested an article (another
            # prov:generatedAtTime); every other triple must be the same.
            lines = path.read_text(encoding="utf-8").splitlines()
            return sorted(line for line in lines if "_:" not in line and "generatedAtTime" not in line), len(lines)

        remote, local = named_lines(tmp_path / "remote.nt"), named_lines(tmp_path / "local.nt")
        assert remote == local and remote[1] > 100
    with pytest.raises(StoreError, match="closed"):
        store.stats()


def test_connection_refused_is_one_line_and_exit_code_2(capsys):
    url = f"http://127.0.0.1:{_free_port()}/"  # nobody listens on a port just released
    for argv in (["stats"], ["query", "who-attacked-whom"], ["ingest", str(EXAMPLES)]):
        capsys.readouterr()
        assert main(argv + ["--store", url]) == 2
        err = capsys.readouterr().err
        assert err == f"kgb: cannot reach the SPARQL store at {url}query: connection refused\n", err
