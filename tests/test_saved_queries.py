"""The library of saved questions (queries/*.rq): each one asked of a known graph, with exact answers.

The known graph is built from hand-made extractions (``extraction_quads`` + ``replace_articles``) plus
the real ontology and gazetteer graph (``sync_ontology``), so gazetteer places bring their coordinates and
``kgb:locatedIn`` chain, and gazetteer actors their class, as in a real store. The story:

* t-omar (June 2018): militias and Hezbollah shell the al-Omar base (o1, two sources disagree on the
  dead); US forces strike back at al-Mayadin (o2, answers o1); the militias shell the field again (o3,
  answers o2, low confidence). The article also says the SDF control the field since April 2018.
* t-east (July 2018): ISIS clash with government forces at al-Bukamal (b1, month precision, two sources
  agree), take Hajin (b2); unknown gunmen kill a civilian at a village 25.6 km north of al-Mayadin
  (b3, just outside 25 km; sources disagree); an IED injures four at a village 18.9 km north (b4, no
  actor, confidence exactly 0.6).
* t-2017 (October 2017): the SDF take the al-Omar field from ISIS (c1); government forces and the NDF
  retake al-Mayadin (c2). The article says the government controls al-Mayadin since 2017-10-14.
* t-2019 (2019): the US hand the al-Omar base to the SDF (d1, month precision); Hezbollah fight ISIS
  on an unknown day (d2, undated); the militias shell the field sometime in 2019 (d3, year precision).

A second part ingests ~200 generated Arabic articles through the real pipeline and runs every saved
question with its defaults under a time bound: the performance rule (one label per entity, no subquery
nested in an OPTIONAL that runs per row) is easy to break and only shows on a big store.
"""

from __future__ import annotations

import json
import math
import time

import pytest
from pyoxigraph import Literal, NamedNode

from kg_builder.gazetteer import load_gazetteer, ontology_files
from kg_builder.model import Article, Claim, Entity, Event, Extraction, Span
from kg_builder.query import Table, bind_params, list_saved_queries, run_query
from kg_builder.rdf import KGR, XSD, article_iri, entity_iri, event_iri, extraction_quads

from test_query import ask   # the one helper that runs a saved question with its parameters

GENERATED_AT = "2024-05-01T12:00:00Z"

MILITIAS = "actor/iran-backed-militias"
HEZBOLLAH = "actor/hezbollah"
COALITION = "actor/international-coalition"
US = "actor/us-forces"
ISIS = "actor/isis"
SGF = "actor/syrian-government-forces"
NDF = "actor/national-defence-forces"
SDF = "actor/sdf"
CIVILIANS = "actor/civilians"
GUNMEN = "actor/new-aaaaaaaaaaaa"            # not in the gazetteer: Arabic label only
AYN = "actor/ayn-al-furat"
SOHR = "actor/syrian-observatory-for-human-rights"
SANA = "actor/sana"
LOCAL = "actor/local-sources"
DEZ24 = "actor/deir-ezzor-24"

OMAR_FIELD = "place/al-omar-field"
OMAR_BASE = "place/al-omar-base"
MAYADIN = "place/al-mayadin"                 # 35.02 N, 40.45 E in the gazetteer
BUKAMAL = "place/al-bukamal"
HAJIN = "place/hajin"
DEZ = "place/deir-ez-zor-governorate"
NEAR = "place/new-bbbbbbbbbbbb"              # 35.19 N, 40.45 E: 18.90 km north of al-Mayadin
FAR = "place/new-cccccccccccc"               # 35.25 N, 40.45 E: 25.57 km north, just outside 25 km

KM_PER_DEGREE = 6371.0088 * math.pi / 180

GAZ = load_gazetteer()


def known(key: str) -> Entity:
    """A gazetteer entity as resolve gives it: the gazetteer's class and labels, no coordinates."""
    entry = GAZ[key]
    return Entity(key, entry.kind, entry.type, label_ar=entry.label_ar, label_en=entry.label_en, in_gazetteer=True)


def sentences(text: str) -> list[Span]:
    spans, start = [], 0
    for part in text.split(". "):
        spans.append(Span(part, start, start + len(part)))
        start += len(part) + 2
    return spans


def article(article_id: str, published: str, text: str) -> Article:
    return Article(id=article_id, text=text, lang="ar", published=published, source="test")


OMAR_TEXT = ("قصفت الميليشيات الموالية لإيران وحزب الله قاعدة حقل العمر. ردت القوات الأمريكية بغارة على الميادين. "
             "عادت الميليشيات لقصف حقل العمر. بحسب عين الفرات قتل اثنان. وقال المرصد إن القتلى أربعة")
EAST_TEXT = ("اشتبك تنظيم داعش مع قوات النظام في البوكمال. سيطر التنظيم على هجين. قتل مسلحون مجهولون مدنيا. "
             "أصيب أربعة بانفجار عبوة ناسفة. قالت مصادر محلية إن القتيل واحد. وقالت دير الزور 24 إن القتلى اثنان")
Y2017_TEXT = "سيطرت قسد على حقل العمر. استعادت قوات النظام والدفاع الوطني الميادين"
Y2019_TEXT = "سلمت القوات الأمريكية قاعدة العمر لقسد. اشتبك حزب الله مع داعش. قصفت الميليشيات حقل العمر"


def known_extractions() -> list[Extraction]:
    o = sentences(OMAR_TEXT)
    omar = Extraction(
        article("t-omar", "2018-06-20", OMAR_TEXT),
        entities=tuple(known(k) for k in (MILITIAS, HEZBOLLAH, COALITION, US, AYN, SOHR, OMAR_BASE, OMAR_FIELD, MAYADIN)),
        events=(
            Event("o1", "Shelling/artillery/missile attack", actors=(MILITIAS, HEZBOLLAH), targets=(OMAR_BASE, COALITION),
                  locations=(OMAR_BASE,), date="2018-06-18", date_precision="day", killed=2, injured=3,
                  weapons=("rocket", "artillery"), confidence=0.8, evidence=(o[0],),
                  claims=(Claim(AYN, killed=2, injured=3, evidence=(o[3],)), Claim(SOHR, killed=4, injured=3, evidence=(o[4],)))),
            Event("o2", "Air/drone strike", actors=(US,), targets=(MILITIAS,), locations=(MAYADIN,), date="2018-06-19",
                  date_precision="day", killed=5, weapons=("aircraft",), claims=(Claim(SOHR, killed=5),),
                  responds_to="o1", confidence=0.9, evidence=(o[1],)),
            Event("o3", "Shelling/artillery/missile attack", actors=(MILITIAS,), targets=(US,), locations=(OMAR_FIELD,),
                  date="2018-06-20", date_precision="day", injured=1, weapons=("rocket", "mortar"), responds_to="o2",
                  confidence=0.55, evidence=(o[2],)),
        ))
    e = sentences(EAST_TEXT)
    east = Extraction(
        article("t-east", "2018-07-05", EAST_TEXT),
        entities=tuple(known(k) for k in (ISIS, SGF, CIVILIANS, SOHR, SANA, LOCAL, DEZ24, BUKAMAL, HAJIN)) + (
            Entity(GUNMEN, "actor", "UnidentifiedArmedGroup", label_ar="مسلحون مجهولون"),
            Entity(NEAR, "place", "Settlement", label_ar="قرية قريبة", lat=35.19, lon=40.45),
            Entity(FAR, "place", "Settlement", label_ar="قرية بعيدة", lat=35.25, lon=40.45),
        ),
        events=(
            Event("b1", "Armed clash", actors=(ISIS,), targets=(SGF,), locations=(BUKAMAL,), date="2018-07",
                  date_precision="month", killed=7, injured=1, confidence=0.7, evidence=(e[0],),
                  claims=(Claim(SOHR, killed=7, injured=1), Claim(SANA, killed=7, injured=1))),
            Event("b2", "Non-state actor overtakes territory", actors=(ISIS,), targets=(SGF,), locations=(HAJIN,),
                  date="2018-07-02", date_precision="day", confidence=0.65, evidence=(e[1],)),
            Event("b3", "Attack", actors=(GUNMEN,), targets=(CIVILIANS,), locations=(FAR,), date="2018-07-03",
                  date_precision="day", killed=1, confidence=0.4, evidence=(e[2],),
                  claims=(Claim(LOCAL, killed=1, evidence=(e[4],)), Claim(DEZ24, killed=2, evidence=(e[5],)))),
            Event("b4", "Remote explosive/landmine/IED", targets=(CIVILIANS,), locations=(NEAR,), date="2018-07-04",
                  date_precision="day", injured=4, weapons=("ied",), confidence=0.6, evidence=(e[3],)),
        ))
    y17 = sentences(Y2017_TEXT)
    y2017 = Extraction(
        article("t-2017", "2017-10-25", Y2017_TEXT),
        entities=tuple(known(k) for k in (SDF, ISIS, SGF, NDF, OMAR_FIELD, MAYADIN)),
        events=(
            Event("c1", "Non-state actor overtakes territory", actors=(SDF,), targets=(ISIS,), locations=(OMAR_FIELD,),
                  date="2017-10-22", date_precision="day", confidence=0.85, evidence=(y17[0],)),
            Event("c2", "Government regains territory", actors=(SGF, NDF), targets=(ISIS,), locations=(MAYADIN,),
                  date="2017-10-14", date_precision="day", killed=3, confidence=0.75, evidence=(y17[1],)),
        ))
    y19 = sentences(Y2019_TEXT)
    y2019 = Extraction(
        article("t-2019", "2019-03-01", Y2019_TEXT),
        entities=tuple(known(k) for k in (US, SDF, HEZBOLLAH, ISIS, MILITIAS, OMAR_BASE, OMAR_FIELD)),
        events=(
            Event("d1", "Non-violent transfer of territory", actors=(SDF,), targets=(US,), locations=(OMAR_BASE,),
                  date="2019-02", date_precision="month", confidence=0.7, evidence=(y19[0],)),
            Event("d2", "Armed clash", actors=(HEZBOLLAH,), targets=(ISIS,), killed=2, confidence=0.7, evidence=(y19[1],)),
            Event("d3", "Shelling/artillery/missile attack", actors=(MILITIAS,), targets=(OMAR_FIELD,),
                  locations=(OMAR_FIELD,), date="2019", date_precision="year", weapons=("rocket",), confidence=0.7,
                  evidence=(y19[2],)),
        ))
    return [omar, east, y2017, y2019]


# The extractor writes no control statements yet; these are written as ontology/README.md shows them.
CONTROL_STATEMENTS = """
INSERT DATA {
  GRAPH article:t-omar {
    <https://w3id.org/kg-builder/id/article/t-omar#control-0> a kgb:ControlStatement ;
        kgb:controller actor:sdf ; kgb:place place:al-omar-field ; kgb:since "2018-04"^^xsd:gYearMonth .
    actor:sdf kgb:controls place:al-omar-field .
  }
  GRAPH article:t-2017 {
    <https://w3id.org/kg-builder/id/article/t-2017#control-0> a kgb:ControlStatement ;
        kgb:controller actor:syrian-government-forces ; kgb:place place:al-mayadin ;
        kgb:since "2017-10-14"^^xsd:date .
  }
}
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from kg_builder.store import open_store

    s = open_store(tmp_path_factory.mktemp("known") / "store")
    s.sync_ontology(ontology_files())
    s.replace_articles([(article_iri(x.article.id), extraction_quads(x, generated_at=GENERATED_AT))
                        for x in known_extractions()])
    s.update(CONTROL_STATEMENTS)
    yield s
    s.close()


def ev(key: str) -> str:
    """The IRI of a known event by its key (o1, b3...): the article is told by the key's letter."""
    doc = {"o": "t-omar", "b": "t-east", "c": "t-2017", "d": "t-2019"}[key[0]]
    return event_iri(doc, key)


def value(term):
    if term is None:
        return None
    if isinstance(term, Literal) and term.datatype == NamedNode(XSD + "integer"):
        return int(term.value)
    if isinstance(term, Literal) and term.datatype in (NamedNode(XSD + "decimal"), NamedNode(XSD + "double")):
        return float(term.value)
    return term.value


def rows(table: Table, *names: str) -> list[tuple]:
    """The chosen columns of every row, as Python values, in the order the query gives."""
    index = [table.columns.index(n) for n in names]
    return [tuple(value(row[i]) for i in index) for row in table.rows]


# --- the library ----------------------------------------------------------------------------------

EXPECTED = {
    "events-by-type", "who-attacked-whom", "who-attacked-whom-by-period", "attacks-on-place", "attacks-near-point",
    "retaliation-chains", "casualties-by-actor", "casualties-by-side-by-month", "casualties-by-actor-by-month",
    "control-changes", "event-claims", "conflicting-figures", "active-actors-in-governorate", "new-actors",
    "weapons-by-actor", "event-evidence", "low-confidence-events",
}


def test_the_library_has_every_question_with_a_header():
    queries = {q.name: q for q in list_saved_queries()}
    assert EXPECTED <= set(queries) and len(queries) >= 15
    for q in queries.values():
        assert q.title and q.title != q.name, q.name
        assert len(q.description) > 40, q.name
        for p in q.params:
            assert p.description, (q.name, p.name)
            # Oxigraph substitutes only selected variables: an unselected parameter would be silently free
            select = q.text[q.text.index("SELECT"):q.text.index("WHERE")]
            assert f"?{p.name}" in select.split(), (q.name, p.name)


def test_parameters_and_defaults():
    params = {q.name: {p.name: (p.kind, p.default) for p in q.params} for q in list_saved_queries()}
    assert params["who-attacked-whom-by-period"] == {"since": ("date", "0001-01-01"), "until": ("date", "9999-12-31")}
    assert params["new-actors"] == {"since": ("date", "0001-01-01"), "until": ("date", "9999-12-31")}
    assert params["attacks-near-point"] == {"lat": ("decimal", "35.02"), "lon": ("decimal", "40.45"), "km": ("decimal", "25")}
    assert params["active-actors-in-governorate"] == {"place": ("iri", f"<{entity_iri(DEZ)}>")}
    assert params["control-changes"] == {"place": ("iri", f"<{entity_iri(OMAR_FIELD)}>")}
    assert params["weapons-by-actor"] == {"actor": ("iri", f"<{entity_iri(MILITIAS)}>")}
    assert params["low-confidence-events"] == {"max": ("decimal", "0.6")}
    assert params["event-evidence"] == {"event": ("iri", None)}


def test_kgb_query_list_prints_every_title_with_its_parameters(capsys):
    from kg_builder.cli import main

    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for q in list_saved_queries():
        assert q.title in lines[q.name]
        for p in q.params:
            assert (f"{p.name}={p.default}" if p.default else p.name) in lines[q.name]
    assert "lat=35.02" in lines["attacks-near-point"] and "km=25" in lines["attacks-near-point"]


# --- who attacked whom --------------------------------------------------------------------------------

def label(key: str) -> str:
    """The English label of a gazetteer entry: what the questions show for it."""
    return GAZ[key].label_en


def test_who_attacked_whom_counts_undated_events_too(store):
    got = rows(ask(store, "who-attacked-whom"), "actorLabel", "targetLabel", "events")
    assert got[0] == (label(ISIS), label(SGF), 2)
    assert (label(HEZBOLLAH), label(ISIS), 1) in got                  # d2 has no date
    assert ("مسلحون مجهولون", label(CIVILIANS), 1) in got            # no English label: the Arabic one
    assert sum(n for *_, n in got) == 14


def test_who_attacked_whom_by_period_defaults_span_every_dated_event(store):
    table = ask(store, "who-attacked-whom-by-period")
    got = rows(table, "actorLabel", "targetLabel", "events", "firstDate", "lastDate")
    assert got[0] == (label(ISIS), label(SGF), 2, "2018-07", "2018-07-02")
    assert sorted(got[1:]) == sorted([
        (label(HEZBOLLAH), label(OMAR_BASE), 1, "2018-06-18", "2018-06-18"),
        (label(HEZBOLLAH), label(COALITION), 1, "2018-06-18", "2018-06-18"),
        (label(MILITIAS), label(OMAR_BASE), 1, "2018-06-18", "2018-06-18"),
        (label(MILITIAS), label(COALITION), 1, "2018-06-18", "2018-06-18"),
        (label(MILITIAS), label(US), 1, "2018-06-20", "2018-06-20"),
        (label(MILITIAS), label(OMAR_FIELD), 1, "2019", "2019"),
        (label(US), label(MILITIAS), 1, "2018-06-19", "2018-06-19"),
        (label(SDF), label(ISIS), 1, "2017-10-22", "2017-10-22"),
        (label(SGF), label(ISIS), 1, "2017-10-14", "2017-10-14"),
        (label(NDF), label(ISIS), 1, "2017-10-14", "2017-10-14"),
        ("مسلحون مجهولون", label(CIVILIANS), 1, "2018-07-03", "2018-07-03"),
    ])
    assert (label(HEZBOLLAH), label(ISIS)) not in [r[:2] for r in got]   # d2 is undated
    # the parameters are selected (Oxigraph binds only those) and come back as given
    assert set(rows(table, "since", "until")) == {("0001-01-01", "9999-12-31")}


@pytest.mark.parametrize("since,until,expected", [
    # July 2018: the month-precision clash b1 lies within the month
    ("2018-07-01", "2018-07-31", {(ISIS, SGF, 2), (GUNMEN, CIVILIANS, 1)}),
    ("2018-07", "2018-07", {(ISIS, SGF, 2), (GUNMEN, CIVILIANS, 1)}),
    # from 2 July the whole month of b1 is no longer inside: only b2
    ("2018-07-02", "2018-07-31", {(ISIS, SGF, 1), (GUNMEN, CIVILIANS, 1)}),
    # one day
    ("2018-06-19", "2018-06-19", {(US, MILITIAS, 1)}),
    # a year: the year-precision d3 counts in 2019, the month-precision d1 is no attack
    ("2019", "2019", {(MILITIAS, OMAR_FIELD, 1)}),
    ("2019-01-01", "2019-06-30", set()),
    ("2017", "2017-10-20", {(SGF, ISIS, 1), (NDF, ISIS, 1)}),
])
def test_who_attacked_whom_in_a_period(store, since, until, expected):
    table = ask(store, "who-attacked-whom-by-period", since=since, until=until)
    got = {(a.removeprefix(KGR), t.removeprefix(KGR), n)
           for a, t, n in rows(table, "actor", "target", "events")}
    assert got == expected


# --- places and distances -----------------------------------------------------------------------------

def test_attacks_on_the_al_omar_field_include_its_base(store):
    got = rows(ask(store, "attacks-on-place"), "date", "event")
    assert sorted(e for _, e in got) == sorted([ev("o1"), ev("o3"), ev("c1"), ev("d1"), ev("d3")])
    # the governorate holds the field, al-Mayadin, al-Bukamal and Hajin, not the villages with no locatedIn
    dez = {e for _, e in rows(ask(store, "attacks-on-place", place="place:deir-ez-zor-governorate"), "date", "event")}
    assert dez == {ev(k) for k in ("o1", "o2", "o3", "b1", "b2", "c1", "c2", "d1", "d3")}


def test_attacks_within_25_km_of_al_mayadin(store):
    table = ask(store, "attacks-near-point")
    got = rows(table, "event", "placeLabel", "distanceKm", "date")
    # gazetteer coordinates (al-Mayadin) and article coordinates (the village) both count; nearest first,
    # then by date. The village 25.6 km away is just outside.
    assert got == [(ev("c2"), label(MAYADIN), 0.0, "2017-10-14"), (ev("o2"), label(MAYADIN), 0.0, "2018-06-19"),
                   (ev("b4"), "قرية قريبة", round(0.17 * KM_PER_DEGREE, 2), "2018-07-04")]
    assert rows(table, "actors", "targets")[1] == (label(US), label(MILITIAS))


@pytest.mark.parametrize("km,expected", [
    ("25.5", {"c2", "o2", "b4"}),          # 25.57 km: still out
    ("25.6", {"c2", "o2", "b4", "b3"}),    # and in
    ("18.8", {"c2", "o2"}),                # 18.90 km: out
    ("0.5", {"c2", "o2"}),
])
def test_the_radius_is_a_radius(store, km, expected):
    table = ask(store, "attacks-near-point", km=km)
    assert {e for (e,) in rows(table, "event")} == {ev(k) for k in expected}


def test_distance_east_west_shrinks_with_latitude(store):
    # 0.3 degrees of longitude east of the near village's latitude: 0.3 * 111.195 * cos(35.19) = 27.26 km
    table = ask(store, "attacks-near-point", lat="35.19", lon="40.75", km="30")
    got = dict(rows(table, "event", "distanceKm"))
    assert got[ev("b4")] == pytest.approx(0.3 * KM_PER_DEGREE * math.cos(math.radians(35.19)), abs=0.01)
    assert ev("b3") not in got or got[ev("b3")] > got[ev("b4")]


def test_distance_agrees_with_geosparql_where_oxigraph_has_it(store):
    """Our plain-SPARQL distance against Oxigraph's own geof:distance (a great circle), when built in."""
    try:
        geo = run_query(store, """
            SELECT ?m WHERE { BIND(<http://www.opengis.net/def/function/geosparql/distance>(
                "POINT(40.45 35.02)"^^geo:wktLiteral, "POINT(40.75 35.19)"^^geo:wktLiteral,
                <http://www.opengis.net/def/uom/OGC/1.0/metre>) AS ?m) }""")
    except Exception:
        pytest.skip("this Oxigraph has no GeoSPARQL functions")
    (metres,) = [value(r[0]) for r in geo.rows]
    table = ask(store, "attacks-near-point", lat="35.02", lon="40.75", km="40")
    # b4's village is at 35.19, 40.45: the same two points the other way round
    assert dict(rows(table, "event", "distanceKm"))[ev("b4")] == pytest.approx(float(metres) / 1000, rel=1e-3)


# --- tit for tat --------------------------------------------------------------------------------------

def test_retaliation_chain_in_order(store):
    table = ask(store, "retaliation-chains")
    got = rows(table, "chain", "step", "event", "respondsTo", "date")
    assert got == [
        (ev("o1"), 0, ev("o1"), None, "2018-06-18"),        # the start answers nothing
        (ev("o1"), 1, ev("o2"), ev("o1"), "2018-06-19"),
        (ev("o1"), 2, ev("o3"), ev("o2"), "2018-06-20"),    # reached through o2: respondsTo+
    ]
    got = rows(table, "actors", "targets")
    assert got[1:] == [(label(US), label(MILITIAS)), (label(MILITIAS), label(US))]
    # two actors and two targets on the first event, joined in some order
    assert set(got[0][0].split(", ")) == {label(MILITIAS), label(HEZBOLLAH)}
    assert set(got[0][1].split(", ")) == {label(OMAR_BASE), label(COALITION)}
    assert rows(table, "subEventType")[1] == ("Air/drone strike",)


# --- casualties -----------------------------------------------------------------------------------

def test_casualties_by_side_by_month(store):
    got = rows(ask(store, "casualties-by-side-by-month"), "month", "side", "killed", "injured", "events")
    assert got == [
        ("(no date)", "Militia", 2, 0, 1),                       # d2
        ("2017-10", "ArmedGroup", 0, 0, 1),                      # c1 (SDF)
        ("2017-10", "Militia", 3, 0, 1),                         # c2, for the NDF
        ("2017-10", "StateForces", 3, 0, 1),                     # c2 again, for the government
        ("2018-06", "ForeignForces", 5, 0, 1),                   # o2
        ("2018-06", "Militia", 2, 4, 2),                         # o1 once for two militias, o3
        ("2018-07", "(no actor named)", 0, 4, 1),                # b4
        ("2018-07", "ArmedGroup", 7, 1, 2),                      # b1 (month precision), b2
        ("2018-07", "UnidentifiedArmedGroup", 1, 0, 1),          # b3
        ("2019 (month unknown)", "Militia", 0, 0, 1),            # d3
        ("2019-02", "ArmedGroup", 0, 0, 1),                      # d1
    ]


def test_casualties_by_actor_by_month(store):
    got = rows(ask(store, "casualties-by-actor-by-month"), "month", "actorLabel", "side", "killed", "injured", "events")
    june = [r for r in got if r[0] == "2018-06"]
    assert june == [("2018-06", label(US), "ForeignForces", 5, 0, 1),
                    ("2018-06", label(MILITIAS), "Militia", 2, 4, 2),
                    ("2018-06", label(HEZBOLLAH), "Militia", 2, 3, 1)]
    assert ("2018-07", "مسلحون مجهولون", "UnidentifiedArmedGroup", 1, 0, 1) in got
    assert ("(no date)", label(HEZBOLLAH), "Militia", 2, 0, 1) in got
    assert len(got) == 11
    assert all(r[1] != "(no actor named)" for r in got)


def test_casualties_by_actor(store):
    got = {r[0]: r[1:] for r in rows(ask(store, "casualties-by-actor"), "actorLabel", "killed", "injured", "events")}
    assert got[label(MILITIAS)] == (2, 4, 3)
    assert got[label(HEZBOLLAH)] == (4, 3, 2)
    assert got["(no actor named)"] == (0, 4, 1)


# --- control ------------------------------------------------------------------------------------------

def test_control_of_the_al_omar_field_over_time(store):
    got = rows(ask(store, "control-changes"), "date", "how", "controllerLabel", "fromLabel", "whereLabel", "doc")
    assert got == [
        ("2017-10-22", "Non-state actor overtakes territory", label(SDF), label(ISIS), label(OMAR_FIELD), "t-2017"),
        ("2018-04", "control statement", label(SDF), None, label(OMAR_FIELD), "t-omar"),
        # the base lies in the field: its handover counts
        ("2019-02", "Non-violent transfer of territory", label(SDF), label(US), label(OMAR_BASE), "t-2019"),
    ]


def test_control_of_a_governorate_gathers_its_places(store):
    got = rows(ask(store, "control-changes", place="place:deir-ez-zor-governorate"), "date", "how", "controllerLabel",
               "whereLabel")
    assert got == [
        ("2017-10-14", "Government regains territory", label(NDF), label(MAYADIN)),
        ("2017-10-14", "Government regains territory", label(SGF), label(MAYADIN)),
        ("2017-10-14", "control statement", label(SGF), label(MAYADIN)),
        ("2017-10-22", "Non-state actor overtakes territory", label(SDF), label(OMAR_FIELD)),
        ("2018-04", "control statement", label(SDF), label(OMAR_FIELD)),
        ("2018-07-02", "Non-state actor overtakes territory", label(ISIS), label(HAJIN)),
        ("2019-02", "Non-violent transfer of territory", label(SDF), label(OMAR_BASE)),
    ]
    assert ask(store, "control-changes", place="place:al-bukamal").rows == []  # a clash is no change


# --- sources ------------------------------------------------------------------------------------------

def test_who_claims_each_event(store):
    got = rows(ask(store, "event-claims"), "event", "claimantLabel", "killed", "injured", "eventKilled", "eventInjured")
    assert got == [
        (ev("o1"), label(AYN), 2, 3, 2, 3),
        (ev("o1"), label(SOHR), 4, 3, 2, 3),
        (ev("o2"), label(SOHR), 5, None, 5, None),
        (ev("b1"), label(SANA), 7, 1, 7, 1),
        (ev("b1"), label(SOHR), 7, 1, 7, 1),
        (ev("b3"), label(DEZ24), 2, None, 1, None),
        (ev("b3"), label(LOCAL), 1, None, 1, None),
    ]


def test_a_bare_claimed_by_is_a_claim_without_figures(store):
    """kgb:claimedBy alone (a source named with no claim node) still answers "who claims it"."""
    store.update("INSERT DATA { GRAPH <urn:test:bare> { <%s> kgb:claimedBy actor:afp, actor:ayn-al-furat } }" % ev("o2"))
    try:
        got = rows(ask(store, "event-claims"), "event", "claimantLabel", "killed")
        # Ayn al-Furat has a claim node on o1, none on o2: on o2 it is bare; SOHR's o2 claim keeps its figure
        assert [r for r in got if r[0] == ev("o2")] == [(ev("o2"), label("actor/afp"), None),
                                                        (ev("o2"), label(AYN), None), (ev("o2"), label(SOHR), 5)]
        assert len(got) == 9
    finally:
        store.update("DROP GRAPH <urn:test:bare>")


def test_sources_that_disagree(store):
    got = rows(ask(store, "conflicting-figures"), "event", "claimantALabel", "killedA", "injuredA",
               "claimantBLabel", "killedB", "injuredB")
    # b1's two sources agree; o2 has one source
    assert got == [(ev("o1"), label(AYN), 2, 3, label(SOHR), 4, 3),
                   (ev("b3"), label(LOCAL), 1, None, label(DEZ24), 2, None)]


def test_evidence_of_an_event(store):
    table = ask(store, "event-evidence", event=f"<{ev('o1')}>")
    got = rows(table, "start", "text", "claimant")
    o = sentences(OMAR_TEXT)
    assert got == [(o[0].start, o[0].text, None), (o[3].start, o[3].text, entity_iri(AYN)),
                   (o[4].start, o[4].text, entity_iri(SOHR))]


# --- actors -------------------------------------------------------------------------------------------

def test_most_active_actors_in_deir_ez_zor(store):
    got = rows(ask(store, "active-actors-in-governorate"), "actorLabel", "side", "events", "killed", "injured",
               "firstDate", "lastDate")
    assert got == [
        (label(MILITIAS), "Militia", 3, 2, 4, "2018-06-18", "2019"),     # o1 at the base, o3, d3 in the field
        (label(ISIS), "ArmedGroup", 2, 7, 1, "2018-07", "2018-07-02"),
        (label(SDF), "ArmedGroup", 2, 0, 0, "2017-10-22", "2019-02"),
        (label(US), "ForeignForces", 1, 5, 0, "2018-06-19", "2018-06-19"),
        (label(NDF), "Militia", 1, 3, 0, "2017-10-14", "2017-10-14"),
        (label(SGF), "StateForces", 1, 3, 0, "2017-10-14", "2017-10-14"),
        (label(HEZBOLLAH), "Militia", 1, 2, 3, "2018-06-18", "2018-06-18"),  # d2 has no place
    ]
    # the gunmen acted at a village the gazetteer does not place: not counted; another governorate: nobody
    assert ask(store, "active-actors-in-governorate", place="place:homs-governorate").rows == []
    assert [r[0] for r in rows(ask(store, "active-actors-in-governorate", place="place:hajin"), "actorLabel")] == [
        label(ISIS)]


def test_new_actors_first_seen(store):
    got = rows(ask(store, "new-actors"), "actor", "firstSeen", "firstEvent", "events")
    assert got == [
        (entity_iri(ISIS), "2017-10-14", ev("c2"), 5),       # first seen as a target
        (entity_iri(NDF), "2017-10-14", ev("c2"), 1),
        (entity_iri(SGF), "2017-10-14", ev("c2"), 3),
        (entity_iri(SDF), "2017-10-22", ev("c1"), 2),
        (entity_iri(HEZBOLLAH), "2018-06-18", ev("o1"), 2),  # d2 is undated but still counted as an event
        (entity_iri(COALITION), "2018-06-18", ev("o1"), 1),
        (entity_iri(MILITIAS), "2018-06-18", ev("o1"), 4),
        (entity_iri(US), "2018-06-19", ev("o2"), 3),
        (entity_iri(CIVILIANS), "2018-07-03", ev("b3"), 2),
        (entity_iri(GUNMEN), "2018-07-03", ev("b3"), 1),
    ]
    july = rows(ask(store, "new-actors", since="2018-07", until="2018-07"), "actor", "firstSeen", "side")
    assert july == [(entity_iri(CIVILIANS), "2018-07-03", "Civilians"),
                    (entity_iri(GUNMEN), "2018-07-03", "UnidentifiedArmedGroup")]
    year = {a for (a,) in rows(ask(store, "new-actors", since="2018", until="2018"), "actor")}
    assert year == {entity_iri(k) for k in (MILITIAS, HEZBOLLAH, COALITION, US, GUNMEN, CIVILIANS)}
    # ISIS fought in 2018 too, but was first seen in 2017
    assert entity_iri(ISIS) not in year


def test_weapons_of_an_actor(store):
    got = rows(ask(store, "weapons-by-actor"), "weaponLabel", "events", "firstDate", "lastDate")
    assert got == [("rocket", 3, "2018-06-18", "2019"), ("artillery", 1, "2018-06-18", "2018-06-18"),
                   ("mortar", 1, "2018-06-20", "2018-06-20")]
    assert rows(ask(store, "weapons-by-actor", actor="actor:us-forces"), "weaponLabel", "events") == [("aircraft", 1)]
    # a target's weapons are not its own
    assert ask(store, "weapons-by-actor", actor="actor:civilians").rows == []


def test_events_to_review(store):
    table = ask(store, "low-confidence-events")
    got = rows(table, "confidence", "event", "evidence")
    e, o = sentences(EAST_TEXT), sentences(OMAR_TEXT)
    assert got == [(0.4, ev("b3"), e[2].text), (0.55, ev("o3"), o[2].text), (0.6, ev("b4"), e[3].text)]
    assert [e for _, e, _ in rows(ask(store, "low-confidence-events", max="0.5"), "confidence", "event", "evidence")] == [
        ev("b3")]
    assert len(ask(store, "low-confidence-events", max="1").rows) == 12


def test_events_by_type(store):
    got = {(t, s): n for t, s, n in rows(ask(store, "events-by-type"), "eventType", "subEventType", "events")}
    assert got[("Battles", "Armed clash")] == 2
    assert got[("Explosions/Remote violence", "Shelling/artillery/missile attack")] == 3
    assert got[("Strategic developments", "Non-violent transfer of territory")] == 1
    assert sum(got.values()) == 12


# --- speed on a store of a few hundred articles -------------------------------------------------------

PLACES_AR = ["حقل العمر", "الميادين", "البوكمال", "هجين", "حقل كونيكو", "القرية الخضراء"]
ACTORS_AR = ["الميليشيات الإيرانية", "قوات سوريا الديمقراطية", "تنظيم داعش", "القوات الأمريكية", "حزب الله"]


def generated_articles(n: int) -> list[dict]:
    out = []
    for i in range(n):
        actor, target = ACTORS_AR[i % 5], ACTORS_AR[(i + 2) % 5]
        place = PLACES_AR[i % 6]
        text = (f"قصفت {actor} مواقع {target} في {place} بريف دير الزور الشرقي بالصواريخ. "
                f"وقتل {i % 7 + 1} عناصر وأصيب {i % 4 + 2} آخرون بحسب المرصد السوري لحقوق الإنسان. "
                f"وردت {target} بقصف مدفعي على مواقع {actor} في {PLACES_AR[(i + 1) % 6]}.")
        out.append({"id": f"gen-{i:03d}", "text": text, "lang": "ar", "source": "test",
                    "published": f"2018-{i % 12 + 1:02d}-{i % 28 + 1:02d}"})
    return out


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    from kg_builder.pipeline import ingest
    from kg_builder.store import open_store

    folder = tmp_path_factory.mktemp("big")
    corpus = folder / "articles.jsonl"
    corpus.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in generated_articles(200)) + "\n",
                      encoding="utf-8")
    s = open_store(folder / "store")
    ingest([corpus], s, progress=False)
    # and the known story, so that every question has something to find (chains, claims, control...)
    s.replace_articles([(article_iri(x.article.id), extraction_quads(x, generated_at=GENERATED_AT))
                        for x in known_extractions()])
    s.update(CONTROL_STATEMENTS)
    yield s
    s.close()


def test_every_saved_question_is_fast_on_a_few_hundred_articles(big_store):
    events = run_query(big_store, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kgb:Event }").rows[0][0]
    assert int(events.value) > 200   # the pipeline really extracted the generated articles
    timings = {}
    for query in list_saved_queries():
        values = {p.name: f"<{ev('o1')}>" for p in query.params if p.default is None}
        started = time.perf_counter()
        table = run_query(big_store, query.text, bind_params(query, values))
        timings[query.name] = time.perf_counter() - started
        assert table.kind == "select"
    print("\n" + "\n".join(f"{name:32} {seconds * 1000:8.1f} ms" for name, seconds in sorted(timings.items())))
    slow = {name: round(s, 2) for name, s in timings.items() if s > 5}
    assert not slow
