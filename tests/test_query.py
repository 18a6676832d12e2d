"""Saved questions: header parsing, safe parameter binding, answers on the seed story, formats."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pyoxigraph import Literal, NamedNode

from kg_builder.query import (
    QueryParam, QueryParamError, SavedQuery, Table, bind_params, display_width, format_table, list_saved_queries,
    parse_saved_query, run_query, term_of_kind,
)
from kg_builder.rdf import KGB, XSD, article_iri, entity_iri, event_iri
from kg_builder.resources import ontology_dir

from test_rdf import (
    AYN_AL_FURAT, GREEN_VILLAGE, GUNMEN, MILITIAS, OMAR_BASE, OMAR_FIELD, SEED_ID, SOHR, US_FORCES, ZAMLAT_FIELD,
    seed_quads,
)

DEIR_EZ_ZOR = "place/deir-ez-zor-governorate"


@pytest.fixture
def store(tmp_path):
    from kg_builder.store import open_store

    s = open_store(tmp_path / "store")
    s.replace_articles([(article_iri(SEED_ID), seed_quads())])
    # A small gazetteer graph: where the places lie (what the real gazetteer says about them).
    s.update("""
        INSERT DATA { GRAPH <urn:test:gazetteer> {
          place:al-omar-base kgb:locatedIn place:al-omar-field .
          place:al-omar-field kgb:locatedIn place:deir-ez-zor-governorate .
          place:green-village kgb:locatedIn place:deir-ez-zor-governorate .
        } }""")
    yield s
    s.close()


def saved(name: str) -> SavedQuery:
    (query,) = [q for q in list_saved_queries() if q.name == name]
    return query


def ask(store, name: str, **values) -> Table:
    query = saved(name)
    return run_query(store, query.text, bind_params(query, values))


def plain(table: Table) -> list[list]:
    """Rows as Python values: IRIs and literals as their strings, integers as ints."""
    out = []
    for row in table.rows:
        cells = []
        for term in row:
            if isinstance(term, Literal) and term.datatype == NamedNode(XSD + "integer"):
                cells.append(int(term.value))
            else:
                cells.append(None if term is None else term.value)
        out.append(cells)
    return out


def column(table: Table, name: str) -> list:
    i = table.columns.index(name)
    return [row[i] for row in plain(table)]


# --- saved questions ------------------------------------------------------------------------------

def test_the_five_saved_questions_have_headers():
    queries = {q.name: q for q in list_saved_queries()}
    for name in ("events-by-type", "who-attacked-whom", "attacks-on-place", "casualties-by-actor", "event-evidence"):
        assert name in queries
        assert queries[name].title and queries[name].description
        assert queries[name].text.lstrip().startswith("#")
    assert queries["attacks-on-place"].params == (QueryParam(
        "place", "<https://w3id.org/kg-builder/id/place/al-omar-field>", "the place", "iri"),)
    (event,) = queries["event-evidence"].params
    assert event.name == "event" and event.kind == "iri" and event.default is None
    assert "export events" in event.description  # continuation lines are joined


def test_header_format(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(
        "# title: A question\n"
        "# description: first line\n"
        "#   second line\n"
        "# author: someone\n"
        '# param: ?label lang-string default="حقل \\"العمر\\"@ar" the label\'s text\n'
        "# param: $n integer default=3\n"
        "SELECT ?label ?n WHERE {}\n"
        "# param: ?ignored string after the header\n", encoding="utf-8")
    q = parse_saved_query(path)
    assert (q.name, q.title, q.description) == ("q", "A question", "first line second line")
    assert q.params == (QueryParam("label", 'حقل "العمر"@ar', "the label's text", "lang-string"),
                        QueryParam("n", "3", "", "integer"))


def test_a_bad_kind_is_reported(tmp_path):
    path = tmp_path / "bad.rq"
    path.write_text("# param: ?x colour red\nSELECT ?x WHERE {}\n")
    with pytest.raises(QueryParamError, match="unknown kind 'colour'"):
        parse_saved_query(path)


# --- binding --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,value,expected", [
    ("iri", "<https://example.org/x>", NamedNode("https://example.org/x")),
    ("iri", "https://example.org/x", NamedNode("https://example.org/x")),
    ("iri", "place:al-omar-field", NamedNode(entity_iri(OMAR_FIELD))),
    ("iri", "place/al-omar-field", NamedNode(entity_iri(OMAR_FIELD))),
    ("iri", "kgb:Militia", NamedNode(KGB + "Militia")),
    ("string", '"> } ; DROP ALL #', Literal('"> } ; DROP ALL #')),
    ("lang-string", 'حقل "العمر"@ar', Literal('حقل "العمر"', language="ar")),
    ("date", "2018-06-19", Literal("2018-06-19", datatype=NamedNode(XSD + "date"))),
    ("date", "2018-06", Literal("2018-06", datatype=NamedNode(XSD + "gYearMonth"))),
    ("integer", "7", Literal(7)),
    ("decimal", "0.75", Literal("0.75", datatype=NamedNode(XSD + "decimal"))),
])
def test_values_become_typed_terms(kind, value, expected):
    assert term_of_kind(kind, value) == expected


@pytest.mark.parametrize("kind,value", [
    ("iri", "not an iri"), ("iri", "> } ; DROP ALL #"), ("iri", "<https://x.org/a b>"), ("date", "yesterday"),
    ("integer", "7.5"), ("decimal", "1e3"), ("lang-string", "no tag"),
])
def test_bad_values_are_refused(kind, value):
    with pytest.raises(QueryParamError):
        term_of_kind(kind, value)


def test_defaults_unknown_and_required_parameters():
    place = saved("attacks-on-place")
    assert bind_params(place, {}) == {"place": NamedNode(entity_iri(OMAR_FIELD))}
    assert bind_params(place, {"?place": "place:green-village"}) == {"place": NamedNode(entity_iri(GREEN_VILLAGE))}
    with pytest.raises(QueryParamError, match=r"unknown parameter \?where .*\?place"):
        bind_params(place, {"where": "place:x"})
    with pytest.raises(QueryParamError, match=r"\?event is required"):
        bind_params(saved("event-evidence"), {})


def test_free_text_parameters_are_read_like_sparql_terms():
    text = "SELECT ?x ?y ?z ?w WHERE { ?x ?y ?z . ?z ?y ?w }"
    bound = bind_params(text, {"x": "<https://example.org/a>", "y": '"حزب \\"الله\\""@ar', "z": "42", "w": "plain"})
    assert bound == {"x": NamedNode("https://example.org/a"), "y": Literal('حزب "الله"', language="ar"),
                     "z": Literal(42), "w": Literal("plain")}
    with pytest.raises(QueryParamError, match=r"no variable \?nope"):
        bind_params(text, {"nope": "1"})


@pytest.mark.parametrize("value", ['"> } ; DROP ALL #', "\" } } ; CLEAR ALL ; SELECT * { ?s ?p ?o",
                                   'حقل "العمر" \\ \' } DROP ALL'])
def test_parameters_cannot_change_the_query(store, value):
    before = sorted(str(q) for q in store.oxigraph)
    query = "SELECT ?label ?entity WHERE { ?entity skos:prefLabel ?label }"
    for term in (term_of_kind("string", value), term_of_kind("lang-string", value + "@ar")):
        table = run_query(store, query, {"label": term})
        assert table.rows == []
    table = run_query(store, "SELECT ?label WHERE {}", bind_params("SELECT ?label WHERE {}", {"label": value}))
    assert plain(table) == [[value]]
    assert sorted(str(q) for q in store.oxigraph) == before


# --- answers on the seed story ------------------------------------------------------------------------

def test_who_attacked_whom(store):
    table = ask(store, "who-attacked-whom")
    assert table.columns == ["actorLabel", "targetLabel", "events", "actor", "target"]
    rows = {(r[3], r[4]): (r[0], r[1], r[2]) for r in plain(table)}
    assert rows == {
        (entity_iri(MILITIAS), entity_iri(OMAR_BASE)): ("Iran-backed militias", "al-Omar field base", 1),
        (entity_iri(US_FORCES), entity_iri(MILITIAS)): ("US forces", "Iran-backed militias", 1),
        # no English label: the Arabic one
        (entity_iri(GUNMEN), entity_iri(ZAMLAT_FIELD)): ("مسلحون مجهولون", "حقل زملة المهر", 1),
    }


def test_who_attacked_whom_counts_events_not_graphs(store):
    store.replace_articles([(article_iri("copy"), seed_quads("copy"))])  # same story, second article
    table = ask(store, "who-attacked-whom")
    assert column(table, "events") == [2, 2, 2]
    assert len(table.rows) == 3


def test_the_retaliation_link(store):
    table = run_query(store, "SELECT ?response ?first WHERE { ?response kgb:respondsTo ?first }")
    assert plain(table) == [[event_iri(SEED_ID, "e2"), event_iri(SEED_ID, "e1")]]


def test_casualties_by_actor(store):
    table = ask(store, "casualties-by-actor")
    rows = {r[0]: (r[1], r[2], r[3]) for r in plain(table)}
    assert rows["مسلحون مجهولون"] == (0, 5, 1)
    assert rows["(no actor named)"] == (0, 2, 1)
    assert rows["Iran-backed militias"] == (0, 0, 1)
    assert rows["US forces"] == (0, 0, 1)
    assert sum(r[1] for r in rows.values()) == 7 and sum(r[2] for r in rows.values()) == 4


def test_claims_keep_both_figures(store):
    table = run_query(store, """
        SELECT ?claimant ?injured WHERE { ?e kgb:claim ?c . ?c kgb:claimant ?claimant ; kgb:injured ?injured }
        ORDER BY ?injured""")
    assert plain(table) == [[entity_iri(AYN_AL_FURAT), 5], [entity_iri(SOHR), 7]]


def test_attacks_on_place_default_finds_the_al_omar_event(store):
    table = ask(store, "attacks-on-place")
    assert table.columns == ["place", "date", "subEventType", "actors", "targets", "doc", "event"]
    (row,) = plain(table)
    assert row[0] == entity_iri(OMAR_FIELD)
    assert row[1] == "2018-06-18"
    assert row[3] == "Iran-backed militias" and row[4] == "al-Omar field base"
    assert row[5] == SEED_ID and row[6] == event_iri(SEED_ID, "e1")


def test_attacks_on_place_follows_located_in_at_any_depth(store):
    events = column(ask(store, "attacks-on-place", place="place:deir-ez-zor-governorate"), "event")
    assert sorted(events) == sorted([event_iri(SEED_ID, "e1"), event_iri(SEED_ID, "e3")])
    # the base itself: e1 targets it
    assert column(ask(store, "attacks-on-place", place="place/al-omar-base"), "event") == [event_iri(SEED_ID, "e1")]
    assert ask(store, "attacks-on-place", place="place:nowhere").rows == []


def test_event_evidence(store):
    e4 = event_iri(SEED_ID, "e4")
    table = ask(store, "event-evidence", event=f"<{e4}>")
    rows = plain(table)
    assert len(rows) == 3  # the event's sentence and the two claims
    starts = [r[table.columns.index("start")] for r in rows]
    assert starts == sorted(starts)
    assert {r[table.columns.index("claimant")] for r in rows} == {None, entity_iri(AYN_AL_FURAT), entity_iri(SOHR)}
    assert {r[table.columns.index("doc")] for r in rows} == {SEED_ID}
    assert any("بحسب شبكة عين الفرات" == r[table.columns.index("text")] for r in rows)


def test_events_by_type_without_the_ontology(store):
    table = ask(store, "events-by-type")
    assert plain(table) == [["(ontology not loaded)", "ShellingArtilleryMissileAttack", 4]]


def test_events_by_type_with_the_ontology(store):
    files = sorted(ontology_dir().glob("*.ttl"))
    if not files:
        pytest.skip("no ontology Turtle files yet")
    store.sync_ontology(files)
    assert plain(ask(store, "events-by-type")) == [
        ["Explosions/Remote violence", "Shelling/artillery/missile attack", 4]]
    # the gazetteer's labels join the article's: still one row per pair, counts unchanged
    assert sorted(column(ask(store, "who-attacked-whom"), "events")) == [1, 1, 1]
    assert len(ask(store, "casualties-by-actor").rows) == 4


def test_every_saved_question_runs_on_an_empty_store(tmp_path):
    from kg_builder.store import open_store

    with open_store(tmp_path / "empty") as empty:
        for query in list_saved_queries():
            values = {p.name: "<https://example.org/x>" for p in query.params if p.default is None}
            table = run_query(empty, query.text, bind_params(query, values))
            assert table.kind == "select"


# --- ASK, CONSTRUCT and formats -----------------------------------------------------------------------

def test_ask_and_construct(store):
    table = run_query(store, "ASK { ?e kgb:injured 5 }")
    assert table.kind == "ask" and table.boolean is True and table.columns == ["boolean"]
    table = run_query(store, "CONSTRUCT { ?a kgb:attacked ?t } WHERE { ?a kgb:attacked ?t }")
    assert table.columns == ["subject", "predicate", "object"] and len(table.rows) == 3


def test_formats(store):
    table = ask(store, "who-attacked-whom")
    text = format_table(table, "table")
    lines = text.splitlines()
    assert lines[0].split() == table.columns
    assert "مسلحون مجهولون" in text and "actor:iran-backed-militias" in text
    # columns line up in display width, Arabic rows included: the actor column starts at one place
    assert len({display_width(line[: line.index("actor:")]) for line in lines[2:]}) == 1
    header_actor = lines[0].index("  actor  ") + 2
    assert display_width(lines[0][:header_actor]) == display_width(lines[2][: lines[2].index("actor:")])
    # numbers are right-aligned
    events_end = display_width(lines[0][: lines[0].index("events") + len("events")])
    assert all(display_width(line[:events_end]).__eq__(events_end) and line[:events_end].endswith("1")
               for line in lines[2:])

    rows = list(csv.reader(io.StringIO(format_table(table, "csv"))))
    assert rows[0] == table.columns and len(rows) == 4
    assert rows[1][3].startswith("https://")

    tsv = format_table(table, "tsv").splitlines()
    assert tsv[0] == "?actorLabel\t?targetLabel\t?events\t?actor\t?target"
    assert tsv[1].split("\t")[3].startswith("<https://")

    results = json.loads(format_table(table, "json"))
    assert results["head"]["vars"] == table.columns
    first = results["results"]["bindings"][0]
    assert first["actor"]["type"] == "uri"
    assert first["events"] == {"type": "literal", "value": "1", "datatype": XSD + "integer"}
    assert first["actorLabel"]["type"] == "literal" and "datatype" not in first["actorLabel"]

    assert json.loads(format_table(run_query(store, "ASK { ?s ?p ?o }"), "json")) == {"head": {}, "boolean": True}
    with pytest.raises(ValueError):
        format_table(table, "xml")


def test_table_format_aligns_arabic_and_keeps_lines_whole():
    table = Table(["name", "n"], [[Literal("مُحَمَّد", language="ar"), Literal(1)],
                                  [Literal("line one\nline two"), Literal(22)],
                                  [None, Literal(3)]])
    lines = format_table(table, "table").splitlines()
    assert len(lines) == 5
    # the number column is right-aligned and last: every line has the same display width
    assert {display_width(line) for line in lines} == {display_width("line one line two  22")}
    assert format_table(Table(["x"], []), "table").splitlines()[-1] == "(no results)"


def test_json_results_keep_language_tags():
    table = Table(["l"], [[Literal("حقل العمر", language="ar")]])
    assert json.loads(format_table(table, "json"))["results"]["bindings"] == [
        {"l": {"type": "literal", "value": "حقل العمر", "xml:lang": "ar"}}]
