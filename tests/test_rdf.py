"""Extraction -> quads: IRIs, the article graph, and the seed story used by the store/query/export tests.

``seed_extraction()`` is the hand-built extraction of the seed story (imported by the other test files):
Iran-backed militias shell the US base at the al-Omar field; US forces retaliate; an indirect attack on
the Green Village injures 2; unidentified gunmen fire rockets at the Zamlat al-Mahr field, injuring 5
according to Ayn al-Furat and 7 according to the Syrian Observatory.
"""

from __future__ import annotations

import hashlib

import pyoxigraph
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat

from kg_builder.model import Article, Claim, Entity, Event, Extraction, Span
from kg_builder.rdf import (
    KGB, XSD, article_iri, date_literal, decimal_literal, entity_iri, event_iri, extraction_quads, weapon_iri,
)

SEED_ID = "seed-omar-field"
GENERATED_AT = "2024-05-01T12:00:00Z"
SEED_HASH = hashlib.sha256(b"seed-omar-field v1").hexdigest()

SEED_TEXT = (
    "قصفت ميليشيات مدعومة من إيران القاعدة الأمريكية في حقل العمر بريف دير الزور الشرقي. "
    "وردت القوات الأمريكية بقصف مواقع الميليشيات. "
    "وأصيب شخصان في هجوم غير مباشر على القرية الخضراء. "
    "وأصيب خمسة أشخاص في هجوم صاروخي شنه مسلحون مجهولون على حقل زملة المهر، بحسب شبكة عين الفرات، "
    "فيما قال المرصد السوري إن عدد الجرحى سبعة."
)

# Entity keys of the story.
MILITIAS = "actor/iran-backed-militias"
US_FORCES = "actor/us-forces"
GUNMEN = "actor/new-5e1f0c2a9b7d"          # not in the gazetteer
AYN_AL_FURAT = "actor/ayn-al-furat"
SOHR = "actor/syrian-observatory-for-human-rights"
OMAR_FIELD = "place/al-omar-field"
OMAR_BASE = "place/al-omar-base"
GREEN_VILLAGE = "place/green-village"
ZAMLAT_FIELD = "place/new-8c3d2e1f0a9b"    # not in the gazetteer, with coordinates


def span(phrase: str, occurrence: int = 0, text: str = SEED_TEXT) -> Span:
    """The span of the n-th occurrence of ``phrase`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return Span(phrase, start, start + len(phrase))


def sentence(number: int, text: str = SEED_TEXT) -> Span:
    """The n-th sentence (split on '. ') as a span, for evidence."""
    start = 0
    for _ in range(number):
        start = text.index(". ", start) + 2
    end = text.find(". ", start)
    end = len(text) if end < 0 else end + 1
    return Span(text[start:end], start, end)


def seed_extraction(article_id: str = SEED_ID) -> Extraction:
    """The seed story, extracted by hand."""
    article = Article(id=article_id, text=SEED_TEXT, lang="ar", title="هجمات على حقل العمر",
                      url="https://www.skynewsarabia.com/middle-east/seed", published="2018-06-19",
                      source="skynews")
    entities = (
        # gazetteer entries carry the gazetteer's labels (what resolve gives them)
        Entity(MILITIAS, "actor", "Militia", label_ar="الميليشيات الموالية لإيران", label_en="Iran-backed militias",
               in_gazetteer=True, mentions=(span("ميليشيات مدعومة من إيران"), span("الميليشيات"))),
        Entity(US_FORCES, "actor", "ForeignForces", label_ar="القوات الأمريكية", label_en="US forces",
               in_gazetteer=True, mentions=(span("القوات الأمريكية"),)),
        Entity(GUNMEN, "actor", "UnidentifiedArmedGroup", label_ar="مسلحون مجهولون",
               mentions=(span("مسلحون مجهولون"),)),
        Entity(AYN_AL_FURAT, "actor", "Source", label_ar="عين الفرات", label_en="Ayn al-Furat",
               in_gazetteer=True, mentions=(span("شبكة عين الفرات"),)),
        Entity(SOHR, "actor", "Source", label_ar="المرصد السوري لحقوق الإنسان",
               label_en="Syrian Observatory for Human Rights",
               in_gazetteer=True, mentions=(span("المرصد السوري"),)),
        Entity(OMAR_FIELD, "place", "OilField", label_ar="حقل العمر", label_en="al-Omar oil field",
               lat=35.0333, lon=40.55, in_gazetteer=True, mentions=(span("حقل العمر"),)),  # coordinates: not written
        Entity(OMAR_BASE, "place", "MilitaryBase", label_ar="قاعدة حقل العمر",
               label_en="al-Omar field base", in_gazetteer=True, mentions=(span("القاعدة الأمريكية"),)),
        Entity(GREEN_VILLAGE, "place", "MilitaryBase", label_ar="القرية الخضراء", label_en="Green Village",
               in_gazetteer=True, mentions=(span("القرية الخضراء"),)),
        Entity(ZAMLAT_FIELD, "place", "OilField", label_ar="حقل زملة المهر", lat=35.1, lon=40.6,
               mentions=(span("حقل زملة المهر"),)),
    )
    events = (
        Event("e1", "Shelling/artillery/missile attack", actors=(MILITIAS,), targets=(OMAR_BASE,),
              locations=(OMAR_FIELD,), date="2018-06-18", date_precision="day", weapons=("artillery",),
              confidence=0.8, evidence=(sentence(0),)),
        Event("e2", "Shelling/artillery/missile attack", actors=(US_FORCES,), targets=(MILITIAS,),
              responds_to="e1", confidence=0.7, evidence=(sentence(1),)),
        Event("e3", "Shelling/artillery/missile attack", targets=(GREEN_VILLAGE,), locations=(GREEN_VILLAGE,),
              injured=2, confidence=0.6, evidence=(sentence(2),)),
        Event("e4", "Shelling/artillery/missile attack", actors=(GUNMEN,), targets=(ZAMLAT_FIELD,),
              locations=(ZAMLAT_FIELD,), date="2018-06", date_precision="month", injured=5,
              weapons=("rocket",), confidence=0.75, evidence=(sentence(3),),
              claims=(Claim(AYN_AL_FURAT, injured=5, evidence=(span("بحسب شبكة عين الفرات"),)),
                      Claim(SOHR, injured=7, evidence=(span("قال المرصد السوري إن عدد الجرحى سبعة"),)))),
    )
    return Extraction(article, entities, events)


def seed_quads(article_id: str = SEED_ID):
    return extraction_quads(seed_extraction(article_id), content_hash=SEED_HASH, generated_at=GENERATED_AT)


def objects(quads, subject: str, predicate: str) -> list:
    return [q.object for q in quads if q.subject == NamedNode(subject) and q.predicate == NamedNode(predicate)]


# --- IRIs ---------------------------------------------------------------------------------------------

def test_article_iri_percent_encodes_the_whole_id():
    assert article_iri("seed-omar-field") == "https://w3id.org/kg-builder/id/article/seed-omar-field"
    iri = article_iri("a/b c#d?e")
    assert iri == "https://w3id.org/kg-builder/id/article/a%2Fb%20c%23d%3Fe"
    NamedNode(iri)


def test_event_iri_is_a_stable_16_hex_hash_of_article_and_key():
    iri = event_iri(SEED_ID, "e1")
    assert iri == event_iri(SEED_ID, "e1")
    assert iri != event_iri(SEED_ID, "e2") != event_iri("other", "e1")
    digest = iri.rsplit("/", 1)[1]
    assert len(digest) == 16 and int(digest, 16) >= 0
    # the separator keeps ("ab", "c") and ("a", "bc") apart
    assert event_iri("ab", "c") != event_iri("a", "bc")


@pytest.mark.parametrize("key", ["actor/hezbollah", "place/new-3fa2", "actor/حزب الله", 'place/a"b>c<d',
                                 "actor/x#y?z", "place/100%", "actor/ {}|\\^`"])
def test_any_entity_key_gives_a_valid_iri_without_fragment_or_query(key):
    iri = entity_iri(key)
    NamedNode(iri)  # raises on an invalid IRI
    assert "#" not in iri and "?" not in iri and " " not in iri
    assert iri.startswith("https://w3id.org/kg-builder/id/")


def test_entity_iri_keeps_slugs_readable():
    assert entity_iri("actor/hezbollah") == "https://w3id.org/kg-builder/id/actor/hezbollah"
    assert weapon_iri("small_arms") == "https://w3id.org/kg-builder/id/weapon/small_arms"


@pytest.mark.parametrize("value,datatype", [
    ("2018-06-19", "date"), ("2018-06", "gYearMonth"), ("2018", "gYear"), ("--06-19", "gMonthDay"),
    ("06-19", "gMonthDay"), ("2018-02-30", "string"), ("2018-13", "string"), ("yesterday", "string"),
])
def test_dates_are_typed_by_their_shape(value, datatype):
    assert date_literal(value).datatype == NamedNode(XSD + datatype)


def test_decimals_never_use_exponents():
    assert decimal_literal(1e-7).value == "0.0000001"
    assert decimal_literal(0.8).datatype == NamedNode(XSD + "decimal")


# --- the article graph --------------------------------------------------------------------------------

def test_everything_is_in_the_article_graph_and_there_are_no_blank_nodes():
    quads = seed_quads()
    graph = NamedNode(article_iri(SEED_ID))
    assert quads and all(q.graph_name == graph for q in quads)
    assert not any(isinstance(t, BlankNode) for q in quads for t in (q.subject, q.object))
    assert len(quads) == len(set(quads))


def test_same_extraction_gives_identical_quads():
    assert seed_quads() == seed_quads()


def test_quads_round_trip_through_n_quads():
    quads = seed_quads()
    text = pyoxigraph.serialize(quads, format=RdfFormat.N_QUADS)
    assert set(pyoxigraph.parse(text, format=RdfFormat.N_QUADS)) == set(quads)


def test_article_node():
    quads = seed_quads()
    a = article_iri(SEED_ID)
    assert objects(quads, a, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == [NamedNode(KGB + "Article")]
    assert objects(quads, a, "http://purl.org/dc/terms/identifier") == [Literal(SEED_ID)]
    assert objects(quads, a, "http://purl.org/dc/terms/issued") == [Literal("2018-06-19", datatype=NamedNode(XSD + "date"))]
    assert objects(quads, a, "http://purl.org/dc/terms/language") == [Literal("ar")]
    assert objects(quads, a, KGB + "text") == [Literal(SEED_TEXT)]
    assert objects(quads, a, KGB + "contentHash") == [Literal(SEED_HASH)]
    assert objects(quads, a, KGB + "url")[0].datatype == NamedNode(XSD + "anyURI")
    assert objects(quads, a, "http://www.w3.org/ns/prov#generatedAtTime") == [
        Literal(GENERATED_AT, datatype=NamedNode(XSD + "dateTime"))]


def test_generated_at_defaults_to_now():
    quads = extraction_quads(seed_extraction())
    (stamp,) = objects(quads, article_iri(SEED_ID), "http://www.w3.org/ns/prov#generatedAtTime")
    assert stamp.datatype == NamedNode(XSD + "dateTime") and stamp.value.endswith("Z")


def test_events_follow_the_readme():
    quads = seed_quads()
    e1, e2, e4 = (event_iri(SEED_ID, k) for k in ("e1", "e2", "e4"))
    types = set(objects(quads, e1, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
    assert types == {NamedNode(KGB + "ShellingArtilleryMissileAttack"), NamedNode(KGB + "Event")}
    assert objects(quads, e1, KGB + "actor") == [NamedNode(entity_iri(MILITIAS))]
    assert objects(quads, e1, KGB + "target") == [NamedNode(entity_iri(OMAR_BASE))]
    assert objects(quads, e1, KGB + "location") == [NamedNode(entity_iri(OMAR_FIELD))]
    assert objects(quads, e1, KGB + "date") == [Literal("2018-06-18", datatype=NamedNode(XSD + "date"))]
    assert objects(quads, e1, KGB + "datePrecision") == [Literal("day")]
    assert objects(quads, e1, KGB + "confidence") == [Literal("0.8", datatype=NamedNode(XSD + "decimal"))]
    assert objects(quads, e1, KGB + "weapon") == [NamedNode(weapon_iri("artillery"))]
    assert objects(quads, e1, "http://www.w3.org/ns/prov#wasDerivedFrom") == [NamedNode(article_iri(SEED_ID))]
    assert objects(quads, e2, KGB + "respondsTo") == [NamedNode(e1)]
    assert objects(quads, e4, KGB + "date") == [Literal("2018-06", datatype=NamedNode(XSD + "gYearMonth"))]
    assert objects(quads, e4, KGB + "injured") == [Literal(5)]
    assert set(objects(quads, e4, KGB + "claimedBy")) == {NamedNode(entity_iri(AYN_AL_FURAT)), NamedNode(entity_iri(SOHR))}
    claims = objects(quads, e4, KGB + "claim")
    assert claims == [NamedNode(e4 + "#claim-0"), NamedNode(e4 + "#claim-1")]
    assert objects(quads, e4 + "#claim-1", KGB + "injured") == [Literal(7)]
    assert objects(quads, e4 + "#claim-1", KGB + "claimant") == [NamedNode(entity_iri(SOHR))]
    assert objects(quads, e4 + "#claim-1", KGB + "evidence") == [NamedNode(e4 + "#claim-1-evidence-0")]


def test_evidence_nodes_carry_the_exact_text_and_offsets():
    quads = seed_quads()
    e3 = event_iri(SEED_ID, "e3")
    (node,) = objects(quads, e3, KGB + "evidence")
    assert node == NamedNode(e3 + "#evidence-0")
    text = objects(quads, node.value, KGB + "text")[0].value
    start = int(objects(quads, node.value, KGB + "start")[0].value)
    end = int(objects(quads, node.value, KGB + "end")[0].value)
    assert SEED_TEXT[start:end] == text and "القرية الخضراء" in text


def test_mentions_entities_labels_and_coordinates():
    quads = seed_quads()
    article = article_iri(SEED_ID)
    mention_nodes = {q.subject for q in quads if q.predicate == NamedNode(KGB + "denotes")}
    assert len(mention_nodes) == 10
    assert all(m.value.startswith(article + "#mention-") for m in mention_nodes)
    militias = entity_iri(MILITIAS)
    assert set(objects(quads, militias, "http://www.w3.org/2004/02/skos/core#prefLabel")) == {
        Literal("Iran-backed militias", language="en"), Literal("الميليشيات الموالية لإيران", language="ar")}
    assert set(objects(quads, militias, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")) == {
        NamedNode(KGB + "Militia"), NamedNode(KGB + "Actor")}
    # a gazetteer place keeps the gazetteer's coordinates; a new place gets them here
    field = entity_iri(OMAR_FIELD)
    assert objects(quads, field, "http://www.w3.org/2003/01/geo/wgs84_pos#lat") == []
    zamlat = entity_iri(ZAMLAT_FIELD)
    assert objects(quads, zamlat, "http://www.w3.org/2003/01/geo/wgs84_pos#lat") == [
        Literal("35.1", datatype=NamedNode(XSD + "decimal"))]
    (geometry,) = objects(quads, zamlat, "http://www.opengis.net/ont/geosparql#hasGeometry")
    assert objects(quads, geometry.value, "http://www.opengis.net/ont/geosparql#asWKT")[0].value == "POINT(40.6 35.1)"


def test_an_entity_is_typed_by_all_its_classes_so_queries_need_no_reasoner():
    from dataclasses import replace
    area = Entity("place/east-of-the-euphrates", "place", "Area", label_ar="شرق الفرات",
                  label_en="east of the Euphrates", in_gazetteer=True, mentions=(span("الميليشيات"),))
    x = seed_extraction()
    x = replace(x, entities=x.entities + (area,))
    quads = extraction_quads(x, content_hash=SEED_HASH, generated_at=GENERATED_AT)
    types = set(objects(quads, entity_iri(area.key), "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
    assert types == {NamedNode(KGB + "Area"), NamedNode(KGB + "Region"), NamedNode(KGB + "Place")}


def test_attacked_shortcut_only_for_violent_events():
    quads = seed_quads()
    attacked = {(q.subject.value, q.object.value) for q in quads if q.predicate == NamedNode(KGB + "attacked")}
    assert attacked == {(entity_iri(MILITIAS), entity_iri(OMAR_BASE)), (entity_iri(US_FORCES), entity_iri(MILITIAS)),
                        (entity_iri(GUNMEN), entity_iri(ZAMLAT_FIELD))}
    arrest = Extraction(Article(id="a2", text="x"), events=(
        Event("e1", "Arrests", actors=(US_FORCES,), targets=(MILITIAS,)),))
    assert not [q for q in extraction_quads(arrest) if q.predicate == NamedNode(KGB + "attacked")]


def test_responds_to_an_unknown_key_is_left_out_and_confidence_is_clamped():
    ex = Extraction(Article(id="a3", text="x"), events=(
        Event("e1", "Armed clash", responds_to="nope", confidence=1.3),))
    quads = extraction_quads(ex)
    e1 = event_iri("a3", "e1")
    assert objects(quads, e1, KGB + "respondsTo") == []
    assert objects(quads, e1, KGB + "confidence") == [Literal("1.0", datatype=NamedNode(XSD + "decimal"))]


def test_unknown_sub_event_type_is_refused():
    ex = Extraction(Article(id="a4", text="x"), events=(Event("e1", "Picnic"),))
    with pytest.raises(ValueError, match="Picnic"):
        extraction_quads(ex)


def test_the_seed_graph_conforms_to_the_shapes():
    """Validated as shapes.ttl says: the article graph together with the T-box and the gazetteer."""
    from kg_builder.resources import ontology_dir

    folder = ontology_dir()
    shapes = folder / "shapes.ttl"
    if not shapes.exists() or not (folder / "kgb.ttl").exists():
        pytest.skip("no ontology/shapes yet")
    pyshacl = pytest.importorskip("pyshacl")
    rdflib = pytest.importorskip("rdflib")
    data = rdflib.Graph()
    data.parse(data=pyoxigraph.serialize([pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in seed_quads()],
                                         format=RdfFormat.N_TRIPLES).decode(), format="nt")
    for path in sorted(folder.glob("*.ttl")):
        if path.name != "shapes.ttl":
            data.parse(path, format="turtle")
    conforms, _, report = pyshacl.validate(data, shacl_graph=rdflib.Graph().parse(shapes, format="turtle"),
                                           inference="none")
    assert conforms, report
