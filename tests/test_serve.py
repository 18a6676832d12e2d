"""``kgb serve``: a real server on a free 127.0.0.1 port, over a small store built here, asked over HTTP.

Two servers for the module: a read-only one (the default) and a writable one with CORS, each on its own
store (a server holds its store's lock). Both have a 1-second time limit so runaway queries are quick to
stop, and a small request limit.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rdflib
from SPARQLWrapper import JSON, POST, SPARQLWrapper

import signal
import subprocess
import sys
import threading

from kg_builder.model import Article, Entity, Event, Extraction
from kg_builder.query import list_saved_queries
from kg_builder.rdf import article_iri, extraction_quads
from kg_builder.resources import queries_dir
from kg_builder.serve import SparqlServer, accepted_media_types, negotiate
from kg_builder.store import KGStore, StoreError

CORS_ORIGIN = "https://analyst.example"
MAX_REQUEST_BYTES = 20_000
INJECTION = '"> } ; DROP ALL #'
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
# Five independent patterns over every triple: hundreds of triples to the fifth power, never finishes.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o }"

SAVED_QUERIES = {
    "entity-labels.rq": """\
# title: Labels of an entity
# description: The preferred labels of one actor or place.
# param: ?entity iri default=actor/hezbollah the entity (a key like actor/hezbollah, or an IRI)
SELECT ?entity ?label WHERE { ?entity skos:prefLabel ?label }
""",
    "echo.rq": """\
# title: Echo a text
# description: Answers the text it is given, as it was bound.
# param: ?text string the text
SELECT ?text WHERE { }
""",
}


def _extractions() -> list[Extraction]:
    hezbollah = Entity(key="actor/hezbollah", kind="actor", type="Militia", label_ar="حزب الله", label_en="Hezbollah")
    field = Entity(key="place/al-omar-field", kind="place", type="OilField", label_ar="حقل العمر",
                   label_en="al-Omar oil field", lat=35.0, lon=40.0)
    coalition = Entity(key="actor/international-coalition", kind="actor", type="MilitaryForce",
                       label_ar="التحالف الدولي", label_en="International coalition")
    out = []
    for n in range(3):
        article = Article(id=f"serve-{n}", text="قصفت ميليشيات حزب الله حقل العمر", lang="ar",
                          published=f"2018-01-0{n + 1}", source="test")
        event = Event(key="e1", sub_event_type="Shelling/artillery/missile attack", actors=("actor/hezbollah",),
                      targets=("actor/international-coalition",), locations=("place/al-omar-field",),
                      date=f"2018-01-0{n + 1}", date_precision="day", killed=n, weapons=("rocket",))
        out.append(Extraction(article, entities=(hezbollah, field, coalition), events=(event,)))
    return out


def _build_store(path: Path) -> Path:
    with KGStore(path) as store:
        store.replace_articles(
            (article_iri(ex.article.id), extraction_quads(ex, generated_at="2024-01-01T00:00:00Z"))
            for ex in _extractions()
        )
    return path


@pytest.fixture(scope="module")
def saved_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("queries")
    for shipped in queries_dir().glob("*.rq"):  # the real ones too: each must run through the endpoint
        shutil.copy(shipped, folder / shipped.name)
    for name, text in SAVED_QUERIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def read_only(tmp_path_factory, saved_dir):
    store = _build_store(tmp_path_factory.mktemp("ro") / "store")
    with SparqlServer(store, port=0, timeout_s=1.0, workers=2, max_request_bytes=MAX_REQUEST_BYTES,
                      saved_queries_dir=saved_dir) as server:
        yield server


@pytest.fixture(scope="module")
def writable(tmp_path_factory, saved_dir):
    store = _build_store(tmp_path_factory.mktemp("rw") / "store")
    with SparqlServer(store, port=0, timeout_s=1.0, workers=2, writable=True, cors=CORS_ORIGIN,
                      saved_queries_dir=saved_dir) as server:
        yield server


def request(url: str, data: bytes | dict | None = None, headers: dict | None = None, method: str | None = None):
    """(status, headers, body) of an HTTP request; errors are answers too."""
    if isinstance(data, dict):
        data = urllib.parse.urlencode(data).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(server: SparqlServer, path: str = "query", headers: dict | None = None, **params):
    return request(server.url + path + ("?" + urllib.parse.urlencode(params) if params else ""), headers=headers)


def select_json(server: SparqlServer, sparql: str | None, **params) -> list[dict]:
    status, _, body = get(server, **({"query": sparql} if sparql else {}), **params)
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


def quad_count(server: SparqlServer) -> int:
    return int(select_json(server, COUNT_QUADS)[0]["n"]["value"])


# --- the protocol ---------------------------------------------------------------------------------------

def test_sparqlwrapper_gets_json_results_by_get_and_post(read_only):
    for method in ("GET", POST):
        client = SPARQLWrapper(read_only.url + "sparql")
        client.setQuery('SELECT ?label WHERE { ?a skos:prefLabel ?label FILTER(lang(?label) = "ar") }')
        client.setReturnFormat(JSON)
        if method == POST:
            client.setMethod(POST)
        labels = {b["label"]["value"] for b in client.query().convert()["results"]["bindings"]}
        assert {"حزب الله", "حقل العمر", "التحالف الدولي"} <= labels


def test_get_post_form_and_post_body_answer_the_same(read_only):
    sparql = "SELECT DISTINCT ?event ?killed WHERE { ?event a kgb:Event ; kgb:killed ?killed } ORDER BY ?killed"
    answers = [
        get(read_only, query=sparql),
        request(read_only.url + "query", {"query": sparql}),
        request(read_only.url + "sparql", sparql.encode("utf-8"), {"Content-Type": "application/sparql-query"}),
    ]
    bodies = [json.loads(body) for status, _, body in answers if status == 200]
    assert len(bodies) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    assert [b["killed"]["value"] for b in bodies[0]["results"]["bindings"]] == ["0", "1", "2"]


def test_select_formats_by_accept_header(read_only):
    sparql = 'SELECT ?label WHERE { <https://w3id.org/kg-builder/id/actor/hezbollah> skos:prefLabel ?label } LIMIT 1'
    status, headers, body = get(read_only, query=sparql, headers={"Accept": "application/sparql-results+xml"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    assert ET.fromstring(body).tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    status, headers, body = get(read_only, query=sparql, headers={"Accept": "text/csv"})
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert next(csv.reader(io.StringIO(body.decode("utf-8")))) == ["label"]
    status, headers, body = get(read_only, query=sparql, headers={"Accept": "text/tab-separated-values"})
    assert headers["Content-Type"].startswith("text/tab-separated-values") and body.startswith(b"?label\n")
    status, headers, body = get(read_only, query=sparql, headers={"Accept": "text/html, */*;q=0.1"})
    assert headers["Content-Type"] == "application/sparql-results+json"  # the default, like a browser gets
    # format= wins over Accept
    status, headers, body = get(read_only, query=sparql, format="csv",
                                headers={"Accept": "application/sparql-results+json"})
    assert headers["Content-Type"].startswith("text/csv")
    status, _, body = get(read_only, query="ASK { ?e a kgb:Event }", headers={"Accept": "application/json"})
    assert json.loads(body) == {"head": {}, "boolean": True}


def test_construct_as_turtle_ntriples_rdfxml_jsonld(read_only):
    sparql = "CONSTRUCT { ?e kgb:killed ?k } WHERE { ?e kgb:killed ?k }"
    status, headers, body = get(read_only, query=sparql, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body.decode("utf-8"), format="turtle")
    assert len(graph) == 3  # one per event: the union's repeats are merged
    for media_type, rdflib_format in (("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
                                      ("application/ld+json", "json-ld")):
        status, headers, body = get(read_only, query=sparql, headers={"Accept": media_type})
        assert status == 200 and headers["Content-Type"].startswith(media_type)
        assert len(rdflib.Graph().parse(data=body.decode("utf-8"), format=rdflib_format)) == 3
    status, headers, _ = get(read_only, query=sparql, format="ntriples")
    assert headers["Content-Type"] == "application/n-triples"


def test_errors_say_what_is_wrong(read_only):
    status, _, body = get(read_only, query="SELECT ?x WHERE { ?x")
    assert status == 400 and body.startswith(b"SPARQL query:")
    status, _, body = get(read_only, query="SELECT ?x WHERE { ?x ?p ?o }", headers={"Accept": "text/turtle"})
    assert status == 406 and b"json" in body
    status, _, body = get(read_only)
    assert status == 400 and b"no query" in body
    status, _, _ = get(read_only, "nowhere")
    assert status == 404


def test_content_negotiation_rules():
    assert accepted_media_types("a/b;q=0.2, c/d, e/f;q=0") == ["c/d", "a/b"]
    assert negotiate("graph", "application/json").name == "jsonld"
    assert negotiate("select", "text/*").name == "csv"
    assert negotiate("ask", None, "xml").name == "xml"
    assert negotiate("select", None, "turtle") is None


# --- writing ------------------------------------------------------------------------------------------

def test_update_is_refused_by_a_read_only_server(read_only):
    before = quad_count(read_only)
    for route in ("update", "sparql"):
        status, _, body = request(read_only.url + route, {"update": "DROP ALL"})
        assert status == 403 and b"read-only" in body
    status, _, _ = request(read_only.url + "update", b"DROP ALL", {"Content-Type": "application/sparql-update"})
    assert status == 403
    assert quad_count(read_only) == before


def test_update_is_applied_by_a_writable_server_and_seen_at_once(writable):
    update = 'INSERT DATA { GRAPH <urn:test:notes> { <urn:test:a> skos:note "ملاحظة" } }'
    status, _, body = request(writable.url + "update", {"update": update})
    assert status == 200, body
    assert select_json(writable, "SELECT ?n WHERE { <urn:test:a> skos:note ?n }")[0]["n"]["value"] == "ملاحظة"
    status, _, _ = request(writable.url + "sparql", b"DROP GRAPH <urn:test:notes>",
                           {"Content-Type": "application/sparql-update"})
    assert status == 200
    assert select_json(writable, "SELECT ?n WHERE { <urn:test:a> skos:note ?n }") == []
    # each update wrote a snapshot; the old ones go once no worker has them open (2 workers + current)
    snapshots = list(Path(writable._snapshot_root).iterdir())
    assert 1 <= len(snapshots) <= 3


def test_a_page_of_another_origin_cannot_update(writable):
    before = quad_count(writable)
    status, _, body = request(writable.url + "update", {"update": "DROP ALL"}, {"Origin": "https://evil.example"})
    assert status == 403 and b"another origin" in body
    assert quad_count(writable) == before


def test_the_store_is_held_by_the_server_alone(read_only):
    with pytest.raises(StoreError, match="in use"):
        KGStore(read_only.store_path)


def test_a_store_in_use_or_missing_cannot_be_served(tmp_path):
    with KGStore(tmp_path / "busy"):  # as a running kgb ingest would hold it
        with pytest.raises(StoreError, match="in use"):
            SparqlServer(tmp_path / "busy", port=0).start()
    with pytest.raises(StoreError, match="no store"):
        SparqlServer(tmp_path / "missing", port=0).start()
    assert not (tmp_path / "missing").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["busy"]  # no snapshot folder left behind


def test_serve_stops_on_ctrl_c_and_releases_the_store(tmp_path):
    store = _build_store(tmp_path / "store")
    code = f"from kg_builder.serve import serve; serve({str(store)!r}, port=0)"
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stderr.readline()
        assert "kgb serve: http://127.0.0.1:" in banner and "read-only" in banner
        url = banner.split()[2]
        assert json.loads(request(url + "query?query=ASK%7B%7D")[2]) == {"head": {}, "boolean": True}
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    KGStore(store).close()  # the owner let go of the lock
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


# --- limits ---------------------------------------------------------------------------------------------

def test_runaway_query_is_stopped_and_the_server_goes_on(read_only):
    started = time.monotonic()
    status, _, body = get(read_only, query=RUNAWAY)
    elapsed = time.monotonic() - started
    assert status == 503 and b"time limit" in body
    assert elapsed < 3.0
    assert quad_count(read_only) > 0  # answered by the other worker, or the fresh one


def test_other_queries_are_answered_while_a_runaway_runs(read_only):
    deadline = time.monotonic() + 10
    while read_only.idle_workers < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the previous test's stopped worker is being replaced
    runaway = threading.Thread(target=get, args=(read_only,), kwargs={"query": RUNAWAY})
    runaway.start()
    time.sleep(0.2)  # the runaway holds one worker now
    started = time.monotonic()
    assert quad_count(read_only) > 0
    assert time.monotonic() - started < 0.5
    runaway.join()


def test_runaway_update_is_stopped_and_nothing_is_written(writable):
    before = quad_count(writable)
    # Updates do not see the union as their default graph: the runaway patterns go through GRAPH.
    product = " . ".join(f"GRAPH ?g{i} {{ ?s{i} ?p{i} ?o{i} }}" for i in range(5))
    update = f"INSERT {{ GRAPH <urn:test:runaway> {{ <urn:test:x> <urn:test:n> ?n }} }} WHERE {{ " \
             f"{{ SELECT (COUNT(*) AS ?n) WHERE {{ {product} }} }} }}"
    status, _, body = request(writable.url + "update", {"update": update})
    assert status == 503 and b"nothing was written" in body
    assert quad_count(writable) == before
    status, _, _ = request(writable.url + "update", {"update": "DROP SILENT GRAPH <urn:test:nothing>"})
    assert status == 200  # a new owner has the store


def test_oversized_requests_are_refused(read_only):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (MAX_REQUEST_BYTES * 3)
    status, _, body = request(read_only.url + "query", {"query": big})
    assert status == 413 and str(MAX_REQUEST_BYTES).encode() in body
    status, _, _ = get(read_only, query=big[: MAX_REQUEST_BYTES + 100])
    assert status == 413
    assert quad_count(read_only) > 0


def test_cors_headers_only_when_asked(read_only, writable):
    _, headers, _ = get(read_only, query="ASK {}")
    assert headers.get("Access-Control-Allow-Origin") is None
    _, headers, _ = get(writable, query="ASK {}")
    assert headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    status, headers, _ = request(writable.url + "query", method="OPTIONS",
                                 headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]


def test_requests_for_another_host_name_are_refused(read_only):
    # A DNS-rebinding page would reach 127.0.0.1 under its own host name.
    connection = http.client.HTTPConnection("127.0.0.1", read_only.port, timeout=10)
    connection.request("GET", "/query?query=ASK%7B%7D", headers={"Host": "evil.example"})
    response = connection.getresponse()
    assert response.status == 403
    connection.close()


# --- saved questions and the page -------------------------------------------------------------------

def test_saved_question_with_typed_parameter(read_only):
    rows = select_json(read_only, None, saved="entity-labels", **{"param.entity": "place/al-omar-field"})
    assert {r["label"]["value"] for r in rows} >= {"حقل العمر", "al-Omar oil field"}
    rows = select_json(read_only, None, saved="entity-labels")  # the default: actor/hezbollah
    assert "حزب الله" in {r["label"]["value"] for r in rows}
    status, _, body = get(read_only, saved="entity-labels", **{"param.entity": "not an iri"})
    assert status == 400 and b"?entity" in body
    status, _, body = get(read_only, saved="echo")
    assert status == 400 and b"required" in body


def test_every_shipped_saved_question_runs_with_its_defaults(read_only):
    shipped = [q for q in list_saved_queries() if all(p.default is not None for p in q.params)]
    assert shipped, "no shipped saved question without required parameters"
    for saved in shipped:
        status, _, body = get(read_only, saved=saved.name)
        assert status == 200, (saved.name, body)


def test_a_hostile_parameter_is_only_a_literal(writable):
    before = quad_count(writable)
    # the saved question's text, edited and run as is by the page, with the parameter typed by its header
    status, _, body = request(writable.url + "query",
                              {"query": SAVED_QUERIES["echo.rq"], "saved": "echo", "param.text": INJECTION})
    assert status == 200, body
    [row] = json.loads(body)["results"]["bindings"]
    assert row["text"] == {"type": "literal", "value": INJECTION}
    # a free query: the value is read like a SPARQL term, and this one is just a string
    status, _, body = request(writable.url + "sparql", {"query": "SELECT ?v WHERE { }", "param.v": INJECTION})
    assert json.loads(body)["results"]["bindings"][0]["v"]["value"] == INJECTION
    assert quad_count(writable) == before


def test_the_page_lists_the_saved_questions(read_only):
    status, headers, body = get(read_only, "")
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<option value="entity-labels">Labels of an entity (entity-labels)</option>' in page
    assert "Echo a text" in page and "read-only" in page
    data = page.split('<script type="application/json" id="kgb-data">')[1].split("</script>")[0]
    saved = {q["name"]: q for q in json.loads(data)["saved"]}
    assert saved["entity-labels"]["params"][0] == {
        "name": "entity", "kind": "iri", "default": "actor/hezbollah",
        "description": "the entity (a key like actor/hezbollah, or an IRI)"}
    for asset, kind in (("app.js", "application/javascript"), ("style.css", "text/css")):
        status, headers, _ = get(read_only, asset)
        assert status == 200 and headers["Content-Type"].startswith(kind)


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")


@pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                    reason="needs /usr/bin/chromium and chromedriver (apt-get install chromium chromium-driver)")
def test_the_page_runs_a_saved_question_in_a_browser(read_only):
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install 'kg-builder[browser-test]')")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        browser.get(read_only.url)
        Select(browser.find_element(By.ID, "saved")).select_by_value("entity-labels")
        field = browser.find_element(By.ID, "param-entity")
        assert field.get_attribute("value") == "actor/hezbollah"  # the default, from the header
        field.clear()
        field.send_keys("place/al-omar-field")
        assert "skos:prefLabel" in browser.find_element(By.ID, "sparql").get_attribute("value")
        browser.find_element(By.ID, "run").click()
        WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#result tbody tr"))
        cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#result tbody td")]
        assert "حقل العمر" in cells and "place:al-omar-field" in cells
        assert "row" in browser.find_element(By.ID, "status").text
    finally:
        browser.quit()
