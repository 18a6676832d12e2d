"""Graph exports (GEXF 1.3, GraphML, Gephi CSV) of a small hand-built store, read back and checked.

The story (two articles, seven events):

* A1 2018-01-05: Iran-backed militias shell the US base at the al-Omar field and US forces (2 injured;
  rocket, artillery; says the Syrian Observatory).
* A2 2018-01-06: US forces answer A1 with an air strike on the militias at the al-Omar field (3 killed).
* B1 2018-02 (month only): unidentified gunmen attack the Zamlat al-Mahr field, injuring 5 (small arms;
  says Ayn al-Furat). The field is not in the gazetteer but has coordinates; the gunmen have no English
  label.
* B2 2018-03-01: militias clash with US forces at the al-Omar field.
* B3 2018 (year only): militias shell US forces again, 1 killed; no place.
* B4 2018-03-10: tribal fighters (a new actor, Arabic label only) clash with militias at the US base.
* B5 undated: US forces arrest gunmen.

A mini gazetteer in the ontology graph says the base lies in the field and the field in the Deir ez-Zor
governorate (for the place filter), gives the field its coordinates, and gives the militias another
Arabic label (which must win over the article's).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree
from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.graph_export import (
    FORMATS, VIEWS, GraphFilter, build_graph, csv_paths, edge_id, export_graph, write_graph,
)
from kg_builder.model import Article, Claim, Entity, Event, Extraction
from kg_builder.rdf import (
    KGB, ONTOLOGY_GRAPH, SKOS, WGS, article_iri, decimal_literal, entity_iri, event_iri, extraction_quads,
    weapon_iri,
)
from kg_builder.store import open_store

SCHEMA_DIR = Path(__file__).parent / "data" / "gexf-1.3"
GEXF = "{http://gexf.net/1.3}"

MILITIAS, US_FORCES, GUNMEN = "actor/iran-backed-militias", "actor/us-forces", "actor/new-5e1f0c2a9b7d"
TRIBES = "actor/new-aa11bb22cc33"
SOHR, AYN_AL_FURAT = "actor/syrian-observatory", "actor/ayn-al-furat"
OMAR_FIELD, OMAR_BASE, DEIR_GOV = "place/al-omar-field", "place/al-omar-base", "place/deir-ez-zor-governorate"
ZAMLAT_FIELD = "place/new-8c3d2e1f0a9b"

MIL, US, GUN, TRB = (entity_iri(k) for k in (MILITIAS, US_FORCES, GUNMEN, TRIBES))
FIELD, BASE, ZAMLAT, DEIR = (entity_iri(k) for k in (OMAR_FIELD, OMAR_BASE, ZAMLAT_FIELD, DEIR_GOV))
A1, A2 = event_iri("omar", "e1"), event_iri("omar", "e2")
B1, B2, B3, B4, B5 = (event_iri("zamlat", f"e{n}") for n in range(1, 6))

SHELLING, AIR, CLASH, ARRESTS = ("Shelling/artillery/missile attack", "Air/drone strike", "Armed clash",
                                 "Arrests")
GAZETTEER_MILITIAS_AR = "الميليشيات الموالية لإيران"


def entities() -> tuple[Entity, ...]:
    return (
        Entity(MILITIAS, "actor", "Militia", label_ar="ميليشيات مدعومة من إيران", label_en="Iran-backed militias",
               in_gazetteer=True),
        Entity(US_FORCES, "actor", "ForeignForces", label_ar="القوات الأمريكية", label_en="US forces",
               in_gazetteer=True),
        Entity(GUNMEN, "actor", "UnidentifiedArmedGroup", label_ar="مسلحون مجهولون"),
        Entity(TRIBES, "actor", "ArmedGroup", label_ar="مقاتلو العشائر"),
        Entity(SOHR, "actor", "Source", label_ar="المرصد السوري", label_en="Syrian Observatory for Human Rights",
               in_gazetteer=True),
        Entity(AYN_AL_FURAT, "actor", "Source", label_ar="شبكة عين الفرات", label_en="Ayn al-Furat network",
               in_gazetteer=True),
        Entity(OMAR_FIELD, "place", "OilField", label_ar="حقل العمر", label_en="al-Omar oil field",
               lat=35.0333, lon=40.55, in_gazetteer=True),
        Entity(OMAR_BASE, "place", "MilitaryBase", label_ar="القاعدة الأمريكية في حقل العمر",
               label_en="US base at al-Omar field", in_gazetteer=True),
        Entity(ZAMLAT_FIELD, "place", "OilField", label_ar="حقل زملة المهر", lat=35.1, lon=40.6),
    )


def store_quads():
    omar = Extraction(
        Article(id="omar", text="...", lang="ar"), entities(),
        (Event("e1", SHELLING, actors=(MILITIAS,), targets=(OMAR_BASE, US_FORCES), locations=(OMAR_FIELD,),
               date="2018-01-05", date_precision="day", injured=2, weapons=("rocket", "artillery"),
               claims=(Claim(SOHR),), confidence=0.8),
         Event("e2", AIR, actors=(US_FORCES,), targets=(MILITIAS,), locations=(OMAR_FIELD,), date="2018-01-06",
               date_precision="day", killed=3, weapons=("aircraft",), responds_to="e1", confidence=0.7)))
    zamlat = Extraction(
        Article(id="zamlat", text="...", lang="ar"), entities(),
        (Event("e1", CLASH, actors=(GUNMEN,), targets=(ZAMLAT_FIELD,), locations=(ZAMLAT_FIELD,), date="2018-02",
               date_precision="month", injured=5, weapons=("small_arms",), claims=(Claim(AYN_AL_FURAT),),
               confidence=0.6),
         Event("e2", CLASH, actors=(MILITIAS,), targets=(US_FORCES,), locations=(OMAR_FIELD,),
               date="2018-03-01", date_precision="day", confidence=0.5),
         Event("e3", SHELLING, actors=(MILITIAS,), targets=(US_FORCES,), date="2018", date_precision="year",
               killed=1, confidence=0.9),
         Event("e4", CLASH, actors=(TRIBES,), targets=(MILITIAS,), locations=(OMAR_BASE,), date="2018-03-10",
               date_precision="day", confidence=0.4),
         Event("e5", ARRESTS, actors=(US_FORCES,), targets=(GUNMEN,), confidence=0.5)))
    at = "2024-05-01T12:00:00Z"
    return [(article_iri("omar"), extraction_quads(omar, generated_at=at)),
            (article_iri("zamlat"), extraction_quads(zamlat, generated_at=at))]


def mini_gazetteer() -> list[Quad]:
    g = NamedNode(ONTOLOGY_GRAPH)
    located_in = NamedNode(KGB + "locatedIn")
    return [
        Quad(NamedNode(FIELD), located_in, NamedNode(DEIR), g),
        Quad(NamedNode(BASE), located_in, NamedNode(FIELD), g),
        Quad(NamedNode(DEIR), NamedNode(SKOS + "prefLabel"), Literal("Deir ez-Zor governorate", language="en"), g),
        Quad(NamedNode(MIL), NamedNode(SKOS + "prefLabel"), Literal(GAZETTEER_MILITIAS_AR, language="ar"), g),
        Quad(NamedNode(MIL), NamedNode(SKOS + "prefLabel"), Literal("Iran-backed militias", language="en"), g),
        # Gazetteer places keep their coordinates here, not in article graphs (kg_builder.rdf).
        Quad(NamedNode(FIELD), NamedNode(WGS + "lat"), decimal_literal(35.0333), g),
        Quad(NamedNode(FIELD), NamedNode(WGS + "long"), decimal_literal(40.55), g),
    ]


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store")
    s.replace_articles(store_quads() + [(ONTOLOGY_GRAPH, mini_gazetteer())])
    yield s
    s.close()


def edges_by(graph: nx.MultiDiGraph) -> dict[tuple[str, str, str], dict]:
    return {(u, v, data["kind"]): data for u, v, data in graph.edges(data=True)}


# --- reading files back --------------------------------------------------------------------------------

class _NoNetwork(etree.Resolver):
    """Fails any schema import that would go to the network: the schema must resolve from tests/data."""

    def resolve(self, url, public_id, context):
        if url and url.startswith(("http://", "https://")):
            raise AssertionError(f"the GEXF schema tried to fetch {url}")
        return None


@pytest.fixture(scope="module")
def gexf_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_NoNetwork())
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "gexf.xsd"), parser))


def read_gexf(path: Path, schema: etree.XMLSchema):
    """Parse and validate a GEXF file; return (root, nodes by id, edges by id, attribute types by class)."""
    root = etree.parse(str(path), etree.XMLParser(no_network=True)).getroot()
    assert schema.validate(root), schema.error_log
    types = {cls: {a.get("id"): a.get("type") for a in root.iter(f"{GEXF}attribute")
                   if a.getparent().get("class") == cls} for cls in ("node", "edge")}
    nodes = {n.get("id"): n for n in root.iter(f"{GEXF}node")}
    edges = {e.get("id"): e for e in root.iter(f"{GEXF}edge")}
    return root, nodes, edges, types


def attvalues(element) -> dict[str, str]:
    return {v.get("for"): v.get("value") for v in element.iter(f"{GEXF}attvalue")}


def spells(element) -> list[tuple[str, str]]:
    return [(s.get("start"), s.get("end")) for s in element.iter(f"{GEXF}spell")]


def read_csv(path: Path) -> tuple[list[dict], list[dict]]:
    nodes_path, edges_path = csv_paths(path)
    with open(nodes_path, encoding="utf-8-sig", newline="") as f:
        nodes = list(csv.DictReader(f))
    with open(edges_path, encoding="utf-8-sig", newline="") as f:
        edges = list(csv.DictReader(f))
    return nodes, edges


# --- the views, in memory ---------------------------------------------------------------------------------

def test_actors_view_weights_tolls_dates_and_parallel_kinds(store):
    graph = build_graph(store, "actors")
    assert set(graph.nodes) == {MIL, US, BASE, GUN, ZAMLAT, TRB}
    edges = edges_by(graph)
    assert set(edges) == {(MIL, BASE, SHELLING), (MIL, US, SHELLING), (MIL, US, CLASH), (US, MIL, AIR),
                          (GUN, ZAMLAT, CLASH), (TRB, MIL, CLASH), (US, GUN, ARRESTS)}
    # Two parallel militias -> US forces edges, told apart by kind.
    assert graph.number_of_edges(MIL, US) == 2
    shelling = edges[(MIL, US, SHELLING)]
    assert shelling["weight"] == 2.0 and shelling["events"] == 2
    assert shelling["killed"] == 1 and shelling["injured"] == 2
    assert shelling["event_type"] == "Explosions/Remote violence"
    assert shelling["confidence"] == pytest.approx(0.85)
    assert shelling["spells"] == [("2018-01-01", "2018-12-31"), ("2018-01-05", "2018-01-05")]
    assert (shelling["first_date"], shelling["last_date"]) == ("2018", "2018")
    assert edges[(US, GUN, ARRESTS)]["spells"] == []  # undated
    assert "first_date" not in edges[(US, GUN, ARRESTS)]
    # Nodes: first to last appearance; the undated arrest adds an event but no time.
    assert graph.nodes[GUN]["events"] == 2
    assert (graph.nodes[GUN]["start"], graph.nodes[GUN]["end"]) == ("2018-02-01", "2018-02-28")
    assert (graph.nodes[MIL]["start"], graph.nodes[MIL]["end"]) == ("2018-01-01", "2018-12-31")
    assert graph.nodes[BASE]["category"] == "place" and graph.nodes[BASE]["type"] == "MilitaryBase"
    assert graph.nodes[MIL]["type"] == "Militia" and graph.nodes[GUN]["type"] == "UnidentifiedArmedGroup"
    assert (graph.nodes[ZAMLAT]["lat"], graph.nodes[ZAMLAT]["lng"]) == (35.1, 40.6)
    assert edge_id(MIL, US, CLASH) in {key for _, _, key in graph.edges(keys=True)}


def test_actor_place_view_is_bipartite(store):
    graph = build_graph(store, "actor-place")
    places = {FIELD, BASE, ZAMLAT}
    assert set(graph.nodes) == {MIL, US, GUN, TRB} | places
    for u, v, data in graph.edges(data=True):
        assert u not in places and v in places
        assert data["kind"] in ("actor", "target")
    edges = edges_by(graph)
    assert set(edges) == {(MIL, FIELD, "actor"), (MIL, BASE, "actor"), (US, FIELD, "target"),
                          (US, BASE, "target"), (US, FIELD, "actor"), (MIL, FIELD, "target"),
                          (GUN, ZAMLAT, "actor"), (TRB, BASE, "actor"), (MIL, BASE, "target")}
    assert edges[(MIL, FIELD, "actor")]["weight"] == 2.0  # A1 and B2
    assert edges[(US, FIELD, "target")]["events"] == 2
    assert edges[(US, FIELD, "actor")]["killed"] == 3
    assert graph.nodes[FIELD]["lat"] == pytest.approx(35.0333)


def test_events_view_links_every_role(store):
    graph = build_graph(store, "events")
    events = {A1, A2, B1, B2, B3, B4, B5}
    weapons = {weapon_iri(w) for w in ("rocket", "artillery", "aircraft", "small_arms")}
    sources = {entity_iri(SOHR), entity_iri(AYN_AL_FURAT)}
    assert set(graph.nodes) == events | weapons | sources | {MIL, US, GUN, TRB, FIELD, BASE, ZAMLAT}
    assert graph.number_of_edges() == 27
    kinds = {(u, v): data["kind"] for u, v, data in graph.edges(data=True)}
    assert kinds[(A2, A1)] == "responds_to"
    assert kinds[(A1, entity_iri(SOHR))] == "claimed_by"
    assert kinds[(A1, weapon_iri("rocket"))] == "weapon"
    assert kinds[(B4, BASE)] == "location" and kinds[(B4, TRB)] == "actor" and kinds[(B4, MIL)] == "target"
    a1 = graph.nodes[A1]
    assert a1["category"] == "event" and a1["type"] == "ShellingArtilleryMissileAttack"
    assert a1["label"] == "Shelling/artillery/missile attack (2018-01-05)"
    assert (a1["injured"], a1["confidence"], a1["article"]) == (2, 0.8, "omar")
    assert "killed" not in a1  # unknown, not zero
    assert (graph.nodes[B1]["start"], graph.nodes[B1]["end"]) == ("2018-02-01", "2018-02-28")
    assert graph.nodes[weapon_iri("small_arms")]["label"] == "small_arms"  # no label: the local name
    assert graph.nodes[weapon_iri("small_arms")]["type"] == "Weapon"
    for _, _, data in graph.edges(data=True):
        assert data["weight"] == 1.0 and "killed" not in data


def test_labels_follow_the_language_and_fall_back(store):
    ar = build_graph(store, "actors", label_lang="ar")
    en = build_graph(store, "actors", label_lang="en")
    assert ar.nodes[MIL]["label"] == GAZETTEER_MILITIAS_AR  # the gazetteer's label beats the article's
    assert en.nodes[MIL]["label"] == "Iran-backed militias"
    assert ar.nodes[US]["label"] == "القوات الأمريكية" and en.nodes[US]["label"] == "US forces"
    assert en.nodes[TRB]["label"] == ar.nodes[TRB]["label"] == "مقاتلو العشائر"  # Arabic only
    assert "label_en" not in en.nodes[TRB] and en.nodes[TRB]["label_ar"] == "مقاتلو العشائر"
    assert en.nodes[ZAMLAT]["label"] == "حقل زملة المهر"


@pytest.mark.parametrize("filters, expected", [
    (GraphFilter(since="2018-02"), {(GUN, ZAMLAT, CLASH), (MIL, US, CLASH), (MIL, US, SHELLING), (TRB, MIL, CLASH)}),
    (GraphFilter(until="2018-01-05"), {(MIL, BASE, SHELLING), (MIL, US, SHELLING)}),
    (GraphFilter(since="2018-02-15", until="2018-02-20"), {(GUN, ZAMLAT, CLASH), (MIL, US, SHELLING)}),
    (GraphFilter(place=DEIR), {(MIL, BASE, SHELLING), (MIL, US, SHELLING), (US, MIL, AIR), (MIL, US, CLASH),
                               (TRB, MIL, CLASH)}),
    (GraphFilter(place=BASE), {(TRB, MIL, CLASH)}),
    (GraphFilter(actor=GUN), {(GUN, ZAMLAT, CLASH), (US, GUN, ARRESTS)}),
    (GraphFilter(event_type="Battles"), {(GUN, ZAMLAT, CLASH), (MIL, US, CLASH), (TRB, MIL, CLASH)}),
    (GraphFilter(event_type="air/drone strike"), {(US, MIL, AIR)}),
    (GraphFilter(event_type="Strategic developments", actor=US), {(US, GUN, ARRESTS)}),
    # The base lies in the field: B4 at the base is "at" the field too.
    (GraphFilter(since="2018-03", place=FIELD, actor=MIL), {(MIL, US, CLASH), (TRB, MIL, CLASH)}),
    (GraphFilter(since="2019"), set()),
])
def test_filters_narrow_the_graph(store, filters, expected):
    graph = build_graph(store, "actors", filters)
    assert set(edges_by(graph)) == expected
    assert graph.graph["filters"] == filters.describe()


def test_date_filter_counts_only_the_events_inside(store):
    edges = edges_by(build_graph(store, "actors", GraphFilter(since="2018-02")))
    assert edges[(MIL, US, SHELLING)]["weight"] == 1.0  # B3 (2018) only; A1 is in January
    assert edges[(MIL, US, SHELLING)]["spells"] == [("2018-01-01", "2018-12-31")]


@pytest.mark.parametrize("kwargs, message", [
    ({"since": "5 Jan 2018"}, "since must be a date"),
    ({"until": "2018-13"}, "until must be a date"),
    ({"until": "2018-02-30"}, "until must be a date"),
    ({"place": "not an iri"}, "place must be an IRI"),
    ({"actor": "<x> } DROP ALL {"}, "actor must be an IRI"),
    ({"event_type": "Skirmish"}, "unknown ACLED event type"),
])
def test_bad_filters_are_refused_with_a_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GraphFilter(**kwargs)


def test_bad_view_language_and_format_are_refused(store, tmp_path):
    with pytest.raises(ValueError, match="unknown view"):
        build_graph(store, "people")
    with pytest.raises(ValueError, match="unknown label language"):
        build_graph(store, label_lang="fr")
    with pytest.raises(ValueError, match="unknown graph format"):
        export_graph(store, tmp_path / "g.dot", "dot")


# --- the files --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("view", VIEWS)
def test_every_view_in_every_format_reads_back(store, tmp_path, view, gexf_schema):
    expected = build_graph(store, view)
    n_nodes, n_edges = expected.number_of_nodes(), expected.number_of_edges()
    for fmt in FORMATS:
        assert export_graph(store, tmp_path / f"{view}.{fmt}", fmt, view) == (n_nodes, n_edges)

    root, nodes, edges, _ = read_gexf(tmp_path / f"{view}.gexf", gexf_schema)
    assert len(nodes) == n_nodes and len(edges) == n_edges
    assert root.find(f"{GEXF}graph/{GEXF}nodes").get("count") == str(n_nodes)
    assert set(nodes) == set(expected.nodes)
    assert set(edges) == {key for _, _, key in expected.edges(keys=True)}

    graphml = nx.read_graphml(tmp_path / f"{view}.graphml", force_multigraph=True)
    assert graphml.number_of_nodes() == n_nodes and graphml.number_of_edges() == n_edges
    assert set(graphml.nodes) == set(expected.nodes)

    csv_nodes, csv_edges = read_csv(tmp_path / f"{view}.csv")
    assert len(csv_nodes) == n_nodes and len(csv_edges) == n_edges
    assert {row["Id"] for row in csv_nodes} == set(expected.nodes)


def test_gexf_is_gephi_ready(store, tmp_path, gexf_schema):
    path = tmp_path / "actors.gexf"
    export_graph(store, path, "gexf", "actors", label_lang="ar")
    root, nodes, edges, types = read_gexf(path, gexf_schema)
    assert root.get("version") == "1.3"
    graph = root.find(f"{GEXF}graph")
    assert (graph.get("defaultedgetype"), graph.get("mode"), graph.get("timeformat")) == ("directed", "dynamic", "date")
    # Typed columns: counts integer, coordinates and confidence double, the class a string.
    assert types["node"]["events"] == "integer" and types["node"]["type"] == "string"
    assert types["node"]["lat"] == "double" and types["node"]["lng"] == "double"
    assert types["edge"]["events"] == "integer" and types["edge"]["killed"] == "integer"
    assert types["edge"]["confidence"] == "double"

    assert nodes[MIL].get("label") == GAZETTEER_MILITIAS_AR
    assert (nodes[MIL].get("start"), nodes[MIL].get("end")) == ("2018-01-01", "2018-12-31")
    assert "start" not in nodes[BASE].attrib or nodes[BASE].get("start") == "2018-01-05"
    zamlat = attvalues(nodes[ZAMLAT])
    assert (float(zamlat["lat"]), float(zamlat["lng"])) == (35.1, 40.6)
    assert zamlat["type"] == "OilField" and "lat" not in attvalues(nodes[MIL])

    shelling = edges[edge_id(MIL, US, SHELLING)]
    clash = edges[edge_id(MIL, US, CLASH)]
    assert (shelling.get("source"), shelling.get("target")) == (MIL, US)
    assert (shelling.get("kind"), clash.get("kind")) == (SHELLING, CLASH)
    assert float(shelling.get("weight")) == 2.0
    assert spells(shelling) == [("2018-01-01", "2018-12-31"), ("2018-01-05", "2018-01-05")]
    assert attvalues(shelling)["killed"] == "1" and attvalues(shelling)["injured"] == "2"
    assert spells(edges[edge_id(US, GUN, ARRESTS)]) == []


def test_graphml_keeps_numbers_numeric(store, tmp_path):
    path = tmp_path / "actors.graphml"
    export_graph(store, path, "graphml", "actors")
    graph = nx.read_graphml(path, force_multigraph=True)
    assert graph.nodes[ZAMLAT]["lat"] == 35.1 and isinstance(graph.nodes[MIL]["events"], int)
    assert graph.nodes[MIL]["label"] == "Iran-backed militias"
    shelling = graph.edges[MIL, US, edge_id(MIL, US, SHELLING)]
    assert shelling["weight"] == 2.0 and isinstance(shelling["weight"], float)
    assert shelling["killed"] == 1 and isinstance(shelling["killed"], int)
    assert shelling["kind"] == SHELLING
    assert shelling["timeset"] == "<[2018-01-01, 2018-12-31]; [2018-01-05, 2018-01-05]>"
    for _, data in graph.nodes(data=True):
        assert all(value is not None for value in data.values())


def test_csv_has_gephi_spreadsheet_columns(store, tmp_path):
    path = tmp_path / "out" / "graph.csv"
    path.parent.mkdir()
    export_graph(store, path, "csv", "actors", label_lang="ar")
    assert not path.exists() and all(p.exists() for p in csv_paths(path))
    nodes, edges = read_csv(path)
    assert list(nodes[0])[:3] == ["Id", "Label", "Timeset"]
    assert list(edges[0])[:7] == ["Source", "Target", "Type", "Kind", "Id", "Weight", "Timeset"]
    node = {row["Id"]: row for row in nodes}
    assert node[TRB]["Label"] == "مقاتلو العشائر" and node[TRB]["type"] == "ArmedGroup"
    assert (node[ZAMLAT]["lat"], node[ZAMLAT]["lng"]) == ("35.1", "40.6")
    assert node[GUN]["Timeset"] == "<[2018-02-01, 2018-02-28]>"
    edge = {row["Id"]: row for row in edges}[edge_id(MIL, US, SHELLING)]
    assert (edge["Source"], edge["Target"], edge["Type"], edge["Kind"]) == (MIL, US, "Directed", SHELLING)
    assert (edge["Weight"], edge["events"], edge["killed"]) == ("2.0", "2", "1")
    assert edge["Timeset"] == "<[2018-01-01, 2018-12-31]; [2018-01-05, 2018-01-05]>"


def test_gexf_and_graphml_write_to_binary_files(store):
    for fmt in ("gexf", "graphml"):
        out = io.BytesIO()
        write_graph(build_graph(store, "actors"), out, fmt)
        assert "مسلحون مجهولون".encode("utf-8") in out.getvalue()
    with pytest.raises(TypeError, match="give a path"):
        write_graph(build_graph(store, "actors"), io.BytesIO(), "csv")


def test_odd_labels_and_iris_survive_every_format(tmp_path, gexf_schema):
    """Quotes, angle brackets, ampersands, Arabic, a control character; an IRI with & ' ( ) ? = #."""
    label = 'Say "no" <to> & \'them\' — حزب "الله"\x07'
    clean_label = label.replace("\x07", "")
    odd_actor = "https://example.org/actor/a&b'c(d)?e=f#frag"
    odd_target = entity_iri('actor/new <"x"> حزب')
    event = NamedNode(KGB.replace("ontology#", "id/event/") + "odd1")
    g = NamedNode(article_iri("odd"))
    quads = [
        Quad(event, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(KGB + "Event"), g),
        Quad(event, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(KGB + "ArmedClash"), g),
        Quad(event, NamedNode(KGB + "actor"), NamedNode(odd_actor), g),
        Quad(event, NamedNode(KGB + "target"), NamedNode(odd_target), g),
        Quad(event, NamedNode(KGB + "date"), Literal("2018-04-01", datatype=NamedNode(
            "http://www.w3.org/2001/XMLSchema#date")), g),
        Quad(NamedNode(odd_actor), NamedNode(SKOS + "prefLabel"), Literal(label, language="en"), g),
    ]
    with open_store(tmp_path / "store") as store:
        store.replace_articles([(g.value, quads)])
        for fmt in FORMATS:
            export_graph(store, tmp_path / f"odd.{fmt}", fmt, "actors")
        assert build_graph(store, "actors", GraphFilter(actor=odd_actor)).number_of_edges() == 1

    _, nodes, edges, _ = read_gexf(tmp_path / "odd.gexf", gexf_schema)
    assert set(nodes) == {odd_actor, odd_target}
    assert nodes[odd_actor].get("label") == clean_label
    assert nodes[odd_target].get("label") == 'new <"x"> حزب'  # no label: the decoded local name
    assert [(e.get("source"), e.get("target")) for e in edges.values()] == [(odd_actor, odd_target)]

    graphml = nx.read_graphml(tmp_path / "odd.graphml", force_multigraph=True)
    assert graphml.nodes[odd_actor]["label"] == clean_label
    assert list(graphml.edges()) == [(odd_actor, odd_target)]

    csv_nodes, csv_edges = read_csv(tmp_path / "odd.csv")
    assert {row["Id"]: row["Label"] for row in csv_nodes}[odd_actor] == clean_label
    assert (csv_edges[0]["Source"], csv_edges[0]["Target"]) == (odd_actor, odd_target)


def test_empty_store_gives_valid_empty_files(tmp_path, gexf_schema):
    with open_store(tmp_path / "store") as store:
        for fmt in FORMATS:
            assert export_graph(store, tmp_path / f"empty.{fmt}", fmt, "events") == (0, 0)
    _, nodes, edges, _ = read_gexf(tmp_path / "empty.gexf", gexf_schema)
    assert nodes == {} and edges == {}
    assert nx.read_graphml(tmp_path / "empty.graphml").number_of_nodes() == 0
    assert read_csv(tmp_path / "empty.csv") == ([], [])
