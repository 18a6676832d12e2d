"""``export_events``: the JSON Lines contract the extractor is measured with."""

from __future__ import annotations

import io
import json

import pytest

from kg_builder.export import ENTITY_KEYS, EVENT_KEYS, LOCATION_KEYS, export_events
from kg_builder.model import ACLED_TYPES, EVENT_TYPE_OF, WEAPONS, Article, Event, Extraction, Span
from kg_builder.rdf import article_iri, entity_iri, event_iri, extraction_quads
from kg_builder.resources import ontology_dir
from kg_builder.store import open_store

from test_rdf import (
    AYN_AL_FURAT, GREEN_VILLAGE, GUNMEN, MILITIAS, OMAR_BASE, OMAR_FIELD, SEED_ID, SEED_TEXT, SOHR, US_FORCES,
    ZAMLAT_FIELD, seed_quads,
)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store")
    s.replace_articles([(article_iri(SEED_ID), seed_quads())])
    yield s
    s.close()


def export(store) -> list[dict]:
    out = io.StringIO()
    n = export_events(store, out)
    lines = out.getvalue().splitlines()
    assert n == len(lines)
    return [json.loads(line) for line in lines]


def check_entity(entity: dict, keys=ENTITY_KEYS):
    assert tuple(entity) == keys
    assert isinstance(entity["iri"], str)
    for key in ("label_en", "label_ar", "type"):
        assert entity[key] is None or isinstance(entity[key], str)
    assert isinstance(entity["mentions"], list) and all(isinstance(m, str) for m in entity["mentions"])
    if "lat" in entity:
        assert entity["lat"] is None or isinstance(entity["lat"], float)
        assert entity["lon"] is None or isinstance(entity["lon"], float)


def check_contract(event: dict):
    assert tuple(event) == EVENT_KEYS
    assert isinstance(event["doc"], str) and isinstance(event["id"], str)
    assert event["sub_event_type"] in EVENT_TYPE_OF
    assert event["event_type"] == EVENT_TYPE_OF[event["sub_event_type"]]
    assert event["cameo"] is None or isinstance(event["cameo"], str)
    assert event["plover"] is None or isinstance(event["plover"], str)
    for role in ("actors", "targets", "claimed_by"):
        for entity in event[role]:
            check_entity(entity)
    for entity in event["locations"]:
        check_entity(entity, LOCATION_KEYS)
    assert event["date"] is None or (isinstance(event["date"], str) and len(event["date"]) == 10)
    assert event["date_precision"] in (None, "day", "month", "year", "relative")
    for key in ("killed", "injured"):
        assert event[key] is None or (isinstance(event[key], int) and not isinstance(event[key], bool))
    assert all(w in WEAPONS for w in event["weapons"])
    assert event["responds_to"] is None or isinstance(event["responds_to"], str)
    assert isinstance(event["confidence"], float) and 0.0 <= event["confidence"] <= 1.0
    for ev in event["evidence"]:
        assert tuple(ev) == ("text", "start", "end")
        assert isinstance(ev["text"], str) and isinstance(ev["start"], int) and isinstance(ev["end"], int)


def test_every_line_follows_the_contract(store):
    events = export(store)
    assert len(events) == 4
    for event in events:
        check_contract(event)


def test_seed_story_values(store):
    e1, e2, e3, e4 = export(store)  # sorted by evidence start: the story order
    assert [e["id"] for e in (e1, e2, e3, e4)] == [event_iri(SEED_ID, k) for k in ("e1", "e2", "e3", "e4")]
    assert e1["doc"] == SEED_ID
    assert e1["sub_event_type"] == "Shelling/artillery/missile attack"
    assert e1["event_type"] == "Explosions/Remote violence"
    assert [a["iri"] for a in e1["actors"]] == [entity_iri(MILITIAS)]
    militias = e1["actors"][0]
    assert militias["label_en"] == "Iran-backed militias" and militias["label_ar"] == "الميليشيات الموالية لإيران"
    assert militias["type"] == "Militia"
    assert militias["mentions"] == ["ميليشيات مدعومة من إيران", "الميليشيات"]
    assert [t["iri"] for t in e1["targets"]] == [entity_iri(OMAR_BASE)]
    (field,) = e1["locations"]
    assert field["iri"] == entity_iri(OMAR_FIELD) and field["type"] == "OilField"
    assert (field["lat"], field["lon"]) == (None, None)  # the gazetteer has none for it
    assert e1["date"] == "2018-06-18" and e1["date_precision"] == "day"
    assert e1["weapons"] == ["artillery"] and e1["confidence"] == 0.8
    assert e1["killed"] is None and e1["injured"] is None
    assert e2["responds_to"] == e1["id"] and e2["date"] is None
    assert e3["injured"] == 2 and [t["iri"] for t in e3["targets"]] == [entity_iri(GREEN_VILLAGE)]
    assert e3["actors"] == []
    assert e4["injured"] == 5 and e4["weapons"] == ["rocket"]
    assert e4["date"] is None and e4["date_precision"] == "month"  # a month is not a day
    assert [c["iri"] for c in e4["claimed_by"]] == [entity_iri(AYN_AL_FURAT), entity_iri(SOHR)]
    gunmen = e4["actors"][0]
    assert gunmen["iri"] == entity_iri(GUNMEN) and gunmen["label_en"] is None and gunmen["type"] == "UnidentifiedArmedGroup"
    (zamlat,) = e4["locations"]
    assert zamlat["iri"] == entity_iri(ZAMLAT_FIELD) and (zamlat["lat"], zamlat["lon"]) == (35.1, 40.6)
    (evidence,) = e3["evidence"]
    assert SEED_TEXT[evidence["start"]:evidence["end"]] == evidence["text"]
    assert [a["iri"] for a in e2["actors"]] == [entity_iri(US_FORCES)]


def test_lines_are_utf8_json_with_arabic_unescaped(store):
    out = io.StringIO()
    export_events(store, out)
    assert "حقل العمر" in out.getvalue() and "\\u0" not in out.getvalue()


def test_without_the_ontology_names_come_from_the_model_and_codes_are_null(store):
    for event in export(store):
        assert event["cameo"] is None and event["plover"] is None


def test_with_the_ontology_codes_come_from_it(store):
    files = sorted(ontology_dir().glob("*.ttl"))
    if not files:
        pytest.skip("no ontology Turtle files yet")
    store.sync_ontology(files)
    events = export(store)
    for event in events:
        check_contract(event)
    assert events[0]["sub_event_type"] == "Shelling/artillery/missile attack"
    assert events[0]["cameo"] and events[0]["plover"]


def test_several_articles_sorted_by_doc_then_evidence(tmp_path):
    with open_store(tmp_path / "s") as store:
        ex = Extraction(Article(id="b-doc", text="first. second."), events=(
            Event("late", "Armed clash", confidence=0.5),
            Event("second", "Arrests", evidence=(Span("second.", 7, 14),)),
            Event("first", "Agreement", evidence=(Span("first.", 0, 6),)),
        ))
        store.replace_articles([(article_iri("b-doc"), extraction_quads(ex)),
                                (article_iri(SEED_ID), seed_quads())])
        events = export(store)
        assert [e["doc"] for e in events] == ["b-doc"] * 3 + [SEED_ID] * 4
        # evidence order; an event without evidence comes last in its article
        assert [e["id"] for e in events[:3]] == [event_iri("b-doc", k) for k in ("first", "second", "late")]
        assert events[1]["event_type"] == "Strategic developments" and events[1]["evidence"][0]["start"] == 7
        for event in events:
            check_contract(event)


def test_every_acled_sub_event_type_exports_its_exact_names(tmp_path):
    subs = [sub for subs in ACLED_TYPES.values() for sub in subs]
    ex = Extraction(Article(id="all", text="x"), events=tuple(Event(f"e{i}", sub) for i, sub in enumerate(subs)))
    with open_store(tmp_path / "s") as store:
        store.replace_articles([(article_iri("all"), extraction_quads(ex))])
        got = {(e["event_type"], e["sub_event_type"]) for e in export(store)}
    assert got == {(EVENT_TYPE_OF[s], s) for s in subs}
