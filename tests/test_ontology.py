"""The vocabulary files of ontology/: they parse, they cover the model's closed lists, the gazetteer is
complete and consistent, and the SHACL shapes accept a valid event graph and reject broken ones."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SKOS

from kg_builder.gazetteer import KGB, KGR, Gazetteer, class_hierarchy, load_gazetteer, ontology_files
from kg_builder.model import ACLED_TYPES, DATE_PRECISIONS, WEAPONS, acled_class_name
from kg_builder.normalise import match_key
from kg_builder.resources import ontology_dir

KGB_NS = rdflib.Namespace(KGB)
KGR_NS = rdflib.Namespace(KGR)
SEM = rdflib.Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
WGS = rdflib.Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")

ONTOLOGY = ontology_dir()
ACTOR_CLASSES = {
    "StateForces", "ForeignForces", "Militia", "ArmedGroup", "Rebels", "Civilians",
    "UnidentifiedArmedGroup", "Source",
}
PLACE_CLASSES = {
    "Country", "Governorate", "Settlement", "OilField", "GasField", "MilitaryBase", "River", "Region",
    "BorderCrossing", "Facility",
}
# narrower place classes, by the class they narrow
NARROWER_PLACE_CLASSES = {"Area": "Region"}
PLOVER = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
    "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}
#: Arabic labels deliberately shared by an actor and a place: a country and its forces.
SHARED_ACROSS_KINDS = {("actor/iranian-forces", "place/iran"), ("actor/israeli-forces", "place/israel"),
                       ("actor/turkish-forces", "place/turkey")}


@pytest.fixture(scope="module")
def tbox() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY / "kgb.ttl")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def by_label(gaz: Gazetteer, label: str, kind: str | None = None) -> set[str]:
    """Keys of the entries having ``label`` among their labels, compared as the extractor does."""
    key = match_key(label)
    return {e.key for e in gaz if (kind is None or e.kind == kind) and key in {match_key(x) for x in e.labels()}}


# --- files ----------------------------------------------------------------------------------------


def test_expected_files_exist():
    names = {p.name for p in ontology_files()}
    assert {"kgb.ttl", "shapes.ttl", "gazetteer-actors.ttl", "gazetteer-places.ttl"} <= names
    assert ontology_files() == sorted(ontology_files())


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.name)
def test_every_ttl_parses_with_pyoxigraph_and_rdflib(path: Path):
    n_ox = len(list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE)))
    graph = rdflib.Graph().parse(path, format="turtle")
    assert n_ox > 0
    assert n_ox == len(graph)


# --- T-box ----------------------------------------------------------------------------------------


def test_event_hierarchy(tbox: rdflib.Graph):
    assert (KGB_NS.Event, RDFS.subClassOf, SEM.Event) in tbox
    assert (KGB_NS.Article, RDFS.subClassOf, PROV.Entity) in tbox
    for event_type in ACLED_TYPES:
        cls = KGB_NS[acled_class_name(event_type)]
        assert (cls, RDFS.subClassOf, KGB_NS.Event) in tbox, event_type
        assert (cls, SKOS.prefLabel, rdflib.Literal(event_type, lang="en")) in tbox


@pytest.mark.parametrize(
    "event_type,sub", [(t, s) for t, subs in ACLED_TYPES.items() for s in subs], ids=lambda x: str(x)
)
def test_every_sub_event_type_is_a_coded_class(tbox: rdflib.Graph, event_type: str, sub: str):
    cls = KGB_NS[acled_class_name(sub)]
    assert (cls, RDFS.subClassOf, KGB_NS[acled_class_name(event_type)]) in tbox
    assert list(tbox.objects(cls, SKOS.prefLabel)) == [rdflib.Literal(sub, lang="en")]
    cameo = list(tbox.objects(cls, KGB_NS.cameoCode))
    plover = list(tbox.objects(cls, KGB_NS.ploverCategory))
    # one plain string each, so a query gets one row per class
    assert len(cameo) == 1 and cameo[0].datatype is None and cameo[0].language is None
    assert cameo[0].isdigit() and 2 <= len(cameo[0]) <= 4
    assert len(plover) == 1 and str(plover[0]) in PLOVER


def test_sub_event_classes_are_exactly_the_acled_list(tbox: rdflib.Graph):
    coded = {str(s)[len(KGB):] for s in tbox.subjects(KGB_NS.ploverCategory, None)}
    assert coded == {acled_class_name(s) for subs in ACLED_TYPES.values() for s in subs}


def test_some_cameo_codes(tbox: rdflib.Graph):
    code = lambda name: str(tbox.value(KGB_NS[acled_class_name(name)], KGB_NS.cameoCode))  # noqa: E731
    assert code("Shelling/artillery/missile attack") == "194"
    assert code("Air/drone strike") == "195"
    assert code("Arrests") == "173"
    assert code("Abduction/forced disappearance") == "181"
    assert code("Agreement") == "057"


@pytest.mark.parametrize("weapon", WEAPONS)
def test_every_weapon_is_an_individual(tbox: rdflib.Graph, weapon: str):
    iri = KGR_NS[f"weapon/{weapon}"]
    assert (iri, RDF.type, KGB_NS.Weapon) in tbox
    assert list(tbox.objects(iri, SKOS.notation)) == [rdflib.Literal(weapon)]
    langs = {lbl.language for lbl in tbox.objects(iri, SKOS.prefLabel)}
    assert langs == {"en", "ar"}


def test_no_weapon_outside_the_closed_list(tbox: rdflib.Graph):
    weapons = {str(s)[len(KGR) + len("weapon/"):] for s in tbox.subjects(RDF.type, KGB_NS.Weapon)}
    assert weapons == set(WEAPONS)


def test_actor_and_place_classes(tbox: rdflib.Graph):
    hierarchy = class_hierarchy()
    for cls in ACTOR_CLASSES:
        assert hierarchy[cls] == ("Actor",)
    for cls in PLACE_CLASSES:
        assert hierarchy[cls] == ("Place",)
    for cls, broader in NARROWER_PLACE_CLASSES.items():
        assert hierarchy[cls] == (broader,)
    for cls in ("Claim", "Evidence", "Mention", "ControlStatement", "Article", "Weapon"):
        assert (KGB_NS[cls], RDF.type, rdflib.OWL.Class) in tbox


README_PROPERTIES = (
    "actor target location date datePrecision killed injured killedVague injuredVague weapon claim "
    "claimedBy claimant respondsTo confidence evidence text start end denotes inArticle controller place "
    "since controls attacked locatedIn memberOf url contentHash cameoCode ploverCategory"
).split()


@pytest.mark.parametrize("prop", README_PROPERTIES)
def test_every_readme_property_is_declared(tbox: rdflib.Graph, prop: str):
    iri = KGB_NS[prop]
    types = set(tbox.objects(iri, RDF.type))
    assert types & {rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty, rdflib.OWL.AnnotationProperty}
    assert tbox.value(iri, RDFS.label) is not None
    assert tbox.value(iri, RDFS.comment) is not None


def test_only_readme_properties_are_declared(tbox: rdflib.Graph):
    declared = set()
    for t in (rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty, rdflib.OWL.AnnotationProperty):
        declared |= {str(s)[len(KGB):] for s in tbox.subjects(RDF.type, t) if str(s).startswith(KGB)}
    assert declared == set(README_PROPERTIES)


# --- gazetteer ------------------------------------------------------------------------------------


def test_gazetteer_entries_are_well_formed(gaz: Gazetteer):
    assert len(gaz) > 150
    for e in gaz:
        assert e.label_ar and e.label_en, e.key
        assert e.kind in ("actor", "place")
        assert e.type in (ACTOR_CLASSES if e.kind == "actor" else PLACE_CLASSES | set(NARROWER_PLACE_CLASSES)), e.key
        slug = e.key.split("/", 1)[1]
        assert slug.isascii() and slug == slug.lower() and " " not in slug and "_" not in slug, e.key
        assert e.iri == KGR + e.key
        assert all(any("\u0600" <= c <= "\u06ff" for c in x) for x in (e.label_ar, *e.alt_labels_ar)), e.key
        if e.kind == "actor":
            assert e.lat is None and e.located_in is None


def test_no_unverifiable_ids_in_gazetteer():
    # the issue forbids invented external ids: none could be checked without the internet
    linking = {"http://www.w3.org/2002/07/owl#sameAs", str(SKOS.exactMatch), str(SKOS.closeMatch)}
    for name in ("gazetteer-actors.ttl", "gazetteer-places.ttl"):
        for q in pyoxigraph.parse(path=ONTOLOGY / name, format=pyoxigraph.RdfFormat.TURTLE):
            assert q.predicate.value not in linking, q
            for term in (q.predicate, q.object):
                if isinstance(term, pyoxigraph.NamedNode):
                    assert "wikidata.org" not in term.value and "geonames.org" not in term.value, q


def test_located_in_points_at_known_places(gaz: Gazetteer):
    for e in gaz.of_kind("place"):
        if e.located_in is not None:
            target = gaz.get(e.located_in)
            assert target is not None and target.kind == "place", e.key
            assert e.key not in gaz.ancestors(e.key), f"cycle at {e.key}"
        elif e.type not in ("Country", "River"):
            pytest.fail(f"{e.key} lies nowhere")


def test_all_syrian_governorates(gaz: Gazetteer):
    govs = {e.key for e in gaz if e.type == "Governorate" and e.located_in == "place/syria"}
    assert len(govs) == 14
    assert "place/deir-ez-zor-governorate" in govs


def test_coordinates_are_sane(gaz: Gazetteer):
    with_coords = [e for e in gaz if e.lat is not None or e.lon is not None]
    assert len(with_coords) > 60
    for e in with_coords:
        assert e.lat is not None and e.lon is not None, e.key
        assert -90 <= e.lat <= 90 and -180 <= e.lon <= 180, e.key
        if "place/syria" in gaz.ancestors(e.key):
            # a sanity box around Syria: catches swapped lat/long and typos
            assert 32.0 <= e.lat <= 37.5 and 35.5 <= e.lon <= 42.5, e.key
        assert 29 <= e.lat <= 40 and 32 <= e.lon <= 49, e.key  # the region the gazetteer covers


def test_settlement_coordinates_match_their_governorate_roughly(gaz: Gazetteer):
    # a place with coordinates lies within ~2.5 degrees of its governorate's representative point
    for e in gaz:
        gov = gaz.get(e.located_in) if e.located_in else None
        if e.lat is None or gov is None or gov.type != "Governorate" or gov.lat is None:
            continue
        assert abs(e.lat - gov.lat) < 2.5 and abs(e.lon - gov.lon) < 2.5, e.key


def test_wkt_matches_lat_long():
    graph = rdflib.Graph().parse(ONTOLOGY / "gazetteer-places.ttl")
    geo = rdflib.Namespace("http://www.opengis.net/ont/geosparql#")
    for place, lat in graph.subject_objects(WGS.lat):
        assert lat.datatype == rdflib.XSD.decimal
        lon = graph.value(place, WGS.long)
        wkt = graph.value(graph.value(place, geo.hasGeometry), geo.asWKT)
        assert wkt is not None and wkt.datatype == geo.wktLiteral, place
        assert str(wkt) == f"POINT({lon} {lat})", place


def test_arabic_labels_are_unambiguous(gaz: Gazetteer):
    owners: dict[str, set[str]] = defaultdict(set)
    for e in gaz:
        for label in e.labels("ar"):
            owners[match_key(label)].add(e.key)
    clashes = {label: keys for label, keys in owners.items() if len(keys) > 1}
    unexpected = {label: keys for label, keys in clashes.items() if tuple(sorted(keys)) not in SHARED_ACROSS_KINDS}
    assert not unexpected


def test_english_labels_are_unambiguous(gaz: Gazetteer):
    owners: dict[str, set[str]] = defaultdict(set)
    for e in gaz:
        for label in e.labels("en"):
            owners[label.casefold()].add(e.key)
    unexpected = {k: v for k, v in owners.items() if len(v) > 1 and tuple(sorted(v)) not in SHARED_ACROSS_KINDS}
    assert not unexpected


@pytest.mark.parametrize(
    "label,key",
    [
        # the seed article's actors
        ("الميليشيات الإيرانية", "actor/iran-backed-militias"),
        ("المليشيات الإيرانية", "actor/iran-backed-militias"),
        ("الميليشيات التابعة لإيران", "actor/iran-backed-militias"),
        ("الميليشيات الموالية لإيران", "actor/iran-backed-militias"),
        ("التحالف الدولي", "actor/international-coalition"),
        ("قوات التحالف", "actor/international-coalition"),
        ("قوات التحالف الدولي", "actor/international-coalition"),
        ("القوات الأمريكية", "actor/us-forces"),
        ("القوات الأميركية", "actor/us-forces"),
        ("واشنطن", "actor/us-forces"),
        ("حزب الله", "actor/hezbollah"),
        ("حزب الله اللبناني", "actor/hezbollah"),
        ("الميليشيا اللبنانية", "actor/hezbollah"),
        ("مسلحين مجهولين", "actor/unidentified-armed-group"),
        ("مسلحون مجهولون", "actor/unidentified-armed-group"),
        ("النظام", "actor/syrian-government-forces"),
        ("قوات الأسد", "actor/syrian-government-forces"),
        ("روسيا", "actor/russian-forces"),
        ("قسد", "actor/sdf"),
        ("قوات سوريا الديمقراطية", "actor/sdf"),
        ("تنظيم الدولة", "actor/isis"),
        ("داعش", "actor/isis"),
        ("مصادر محلية", "actor/local-sources"),
        ("شبكات محلية", "actor/local-sources"),
        ("مصادر اعلامية", "actor/media-sources"),
        ("عين الفرات", "actor/ayn-al-furat"),
        ("الخابور", "actor/al-khabour"),
        ("المرصد السوري", "actor/syrian-observatory-for-human-rights"),
        ("سانا", "actor/sana"),
        # the seed article's places
        ("حقل العمر", "place/al-omar-field"),
        ("دير الزور", "place/deir-ez-zor"),
        ("ريف دير الزور الشرقي", "place/deir-ez-zor-governorate"),
        ("ريف دير الزور", "place/deir-ez-zor-governorate"),
        ("القرية الخضراء", "place/green-village"),
        ("زملة المهر", "place/zamlat-al-mahr-field"),
        ("تدمر", "place/palmyra"),
        ("ريف حمص الشرقي", "place/homs-governorate"),
        ("نهر الفرات", "place/euphrates"),
        ("البادية السورية", "place/syrian-desert"),
        ("شرق الفرات", "place/east-of-the-euphrates"),
        ("شمال شرقي سوريا", "place/northeast-syria"),
        ("سوريا", "place/syria"),
        ("حميميم", "place/hmeimim-air-base"),
        ("التيفور", "place/t4-air-base"),
        ("البوكمال", "place/al-bukamal"),
        ("أبو كمال", "place/al-bukamal"),
        ("عين العرب", "place/kobani"),
    ],
)
def test_label_lookup(gaz: Gazetteer, label: str, key: str):
    assert by_label(gaz, label) & {key}, f"{label!r} does not find {key}"
    assert by_label(gaz, label, kind=key.split("/")[0]) == {key}


@pytest.mark.parametrize("label", ["SDF", "ISIS", "ISIL", "Daesh", "Islamic State", "US-led coalition", "Palmyra"])
def test_english_lookup(gaz: Gazetteer, label: str):
    assert len(by_label(gaz, label)) == 1


def test_gazetteer_module_doctests():
    import doctest

    import kg_builder.gazetteer

    result = doctest.testmod(kg_builder.gazetteer)
    assert result.attempted > 5 and result.failed == 0


def test_loader_is_cached_and_keyed_by_folder(tmp_path: Path, gaz: Gazetteer):
    assert load_gazetteer() is gaz
    assert load_gazetteer(ONTOLOGY) is gaz
    (tmp_path / "gazetteer-test.ttl").write_text(
        '@prefix kgb: <https://w3id.org/kg-builder/ontology#> .\n'
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
        '@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .\n'
        '<https://w3id.org/kg-builder/id/place/x> a kgb:Settlement ; skos:prefLabel "س"@ar , "X"@en ;\n'
        '  skos:altLabel "ص"@ar ; wgs:lat 35.5 ; wgs:long 38.25 ;\n'
        '  kgb:locatedIn <https://w3id.org/kg-builder/id/place/syria> .\n',
        encoding="utf-8",
    )
    small = load_gazetteer(tmp_path)
    assert len(small) == 1
    (entry,) = small
    assert (entry.key, entry.kind, entry.type, entry.lat, entry.lon) == ("place/x", "place", "Settlement", 35.5, 38.25)
    assert entry.alt_labels_ar == ("ص",) and entry.located_in == "place/syria"
    assert small.get("place/syria") is None


def test_loader_rejects_untyped_entries(tmp_path: Path):
    (tmp_path / "gazetteer-bad.ttl").write_text(
        '<https://w3id.org/kg-builder/id/actor/y> <http://www.w3.org/2004/02/skos/core#prefLabel> "Y"@en .\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="actor/y"):
        load_gazetteer(tmp_path)


# --- SHACL ----------------------------------------------------------------------------------------

PREFIXES = """
@prefix kgb:     <https://w3id.org/kg-builder/ontology#> .
@prefix actor:   <https://w3id.org/kg-builder/id/actor/> .
@prefix place:   <https://w3id.org/kg-builder/id/place/> .
@prefix weapon:  <https://w3id.org/kg-builder/id/weapon/> .
@prefix event:   <https://w3id.org/kg-builder/id/event/> .
@prefix article: <https://w3id.org/kg-builder/id/article/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
"""

ARTICLE = """
article:seed-omar-field a kgb:Article ;
    dcterms:identifier "seed-omar-field" ; dcterms:source "skynews" ; dcterms:language "ar" ;
    dcterms:issued "2018-06-19"^^xsd:date ;
    kgb:text "انفجارات عنيفة هزّت حقل العمر" ;
    kgb:contentHash "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0" .
"""

VALID_EVENT = """
event:ab12cd34ef56ab78 a kgb:ShellingArtilleryMissileAttack ;
    kgb:actor actor:iran-backed-militias ;
    kgb:target place:al-omar-base , actor:international-coalition ;
    kgb:location place:al-omar-field ;
    kgb:date "2018-01-05"^^xsd:date ;
    kgb:datePrecision "day" ;
    kgb:killed 3 ; kgb:injured 2 ;
    kgb:weapon weapon:rocket , weapon:artillery ;
    kgb:claimedBy actor:ayn-al-furat ;
    kgb:claim [ a kgb:Claim ; kgb:claimant actor:ayn-al-furat ; kgb:killed 3 ;
                kgb:evidence [ a kgb:Evidence ; kgb:text "مقتل 3" ; kgb:start 40 ; kgb:end 46 ] ] ;
    kgb:respondsTo event:00aa11bb22cc33dd ;
    kgb:confidence 0.8 ;
    kgb:evidence [ a kgb:Evidence ; kgb:text "قصف مدفعي وصاروخي" ; kgb:start 120 ; kgb:end 137 ] ;
    prov:wasDerivedFrom article:seed-omar-field .

event:00aa11bb22cc33dd a kgb:AirDroneStrike ;
    kgb:actor actor:new-0123456789ab ;
    kgb:location place:new-ba9876543210 ;
    kgb:killedVague true ;
    kgb:confidence 0.5 ;
    kgb:evidence [ a kgb:Evidence ; kgb:text "غارة" ; kgb:start 0 ; kgb:end 4 ] ;
    prov:wasDerivedFrom article:seed-omar-field .

actor:new-0123456789ab a kgb:ArmedGroup ; skos:prefLabel "لواء مجهول"@ar .
place:new-ba9876543210 a kgb:Settlement ; skos:prefLabel "قرية ما"@ar .

[] a kgb:Mention ; kgb:denotes place:al-omar-field ; kgb:text "حقل العمر" ; kgb:start 22 ; kgb:end 31 ;
   kgb:inArticle article:seed-omar-field .
[] a kgb:ControlStatement ; kgb:controller actor:hezbollah ; kgb:place place:zamlat-al-mahr-field ;
   kgb:since "2018-04"^^xsd:gYearMonth ;
   kgb:evidence [ a kgb:Evidence ; kgb:text "تسيطر عليه ميليشيا حزب الله" ; kgb:start 500 ; kgb:end 527 ] .
actor:hezbollah kgb:controls place:zamlat-al-mahr-field .
actor:iran-backed-militias kgb:attacked place:al-omar-base , actor:international-coalition .
"""


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY / "shapes.ttl")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in ontology_files():
        if path.name != "shapes.ttl":
            graph.parse(path)
    return graph


def validate(data: str, shapes: rdflib.Graph, ontology: rdflib.Graph, inference: str = "none"):
    # As shapes.ttl says: validate the article graph together with the T-box and the gazetteer.
    pyshacl = pytest.importorskip("pyshacl")
    graph = rdflib.Graph().parse(data=PREFIXES + data, format="turtle") + ontology
    conforms, report, text = pyshacl.validate(graph, shacl_graph=shapes, inference=inference)
    return conforms, text


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_shapes_accept_a_valid_event_graph(shapes, ontology, inference):
    conforms, text = validate(ARTICLE + VALID_EVENT, shapes, ontology, inference)
    assert conforms, text


def test_shapes_accept_the_ontology_itself(shapes, ontology):
    pyshacl = pytest.importorskip("pyshacl")
    conforms, _, text = pyshacl.validate(rdflib.Graph() + ontology, shacl_graph=shapes, inference="none")
    assert conforms, text


def replace(old: str, new: str) -> str:
    """The valid graph with the first ``old`` of the events replaced by ``new``."""
    assert old in VALID_EVENT
    return ARTICLE + VALID_EVENT.replace(old, new, 1)


def replace_in_article(old: str, new: str) -> str:
    assert old in ARTICLE
    return ARTICLE.replace(old, new, 1) + VALID_EVENT


INVALID = {
    "missing evidence": replace(
        'kgb:evidence [ a kgb:Evidence ; kgb:text "قصف مدفعي وصاروخي" ; kgb:start 120 ; kgb:end 137 ] ;', ""
    ),
    "confidence 1.5": replace("kgb:confidence 0.8", "kgb:confidence 1.5"),
    "confidence as a double": replace("kgb:confidence 0.8", "kgb:confidence 8.0E-1"),
    "killed -1": replace("kgb:killed 3 ; kgb:injured 2", "kgb:killed -1 ; kgb:injured 2"),
    "killed twice": replace("kgb:killed 3 ; kgb:injured 2", "kgb:killed 3 , 4 ; kgb:injured 2"),
    "injured as a string": replace("kgb:injured 2", 'kgb:injured "2"'),
    "claim killed -2": replace("kgb:claimant actor:ayn-al-furat ; kgb:killed 3", "kgb:claimant actor:ayn-al-furat ; kgb:killed -2"),
    "claim without claimant": replace("kgb:claimant actor:ayn-al-furat ; ", ""),
    "start after end": replace("kgb:start 120 ; kgb:end 137", "kgb:start 140 ; kgb:end 137"),
    "negative start": replace("kgb:start 120 ; kgb:end 137", "kgb:start -1 ; kgb:end 137"),
    "evidence without text": replace('kgb:text "قصف مدفعي وصاروخي" ; kgb:start 120', "kgb:start 120"),
    "bad date precision": replace('kgb:datePrecision "day"', 'kgb:datePrecision "week"'),
    "date as a string": replace('"2018-01-05"^^xsd:date', '"5 January 2018"'),
    "two sub-event classes": replace("a kgb:ShellingArtilleryMissileAttack", "a kgb:ShellingArtilleryMissileAttack , kgb:AirDroneStrike"),
    "only an event-type class": replace("a kgb:ShellingArtilleryMissileAttack", "a kgb:ExplosionsRemoteViolence"),
    "no article": replace(
        "kgb:end 137 ] ;\n    prov:wasDerivedFrom article:seed-omar-field .", "kgb:end 137 ] ."
    ),
    "derived from an untyped thing": replace("prov:wasDerivedFrom article:seed-omar-field .", "prov:wasDerivedFrom article:elsewhere ."),
    "actor is a place": replace("kgb:actor actor:iran-backed-militias", "kgb:actor place:palmyra"),
    "actor is untyped": replace("kgb:actor actor:iran-backed-militias", "kgb:actor actor:nobody-knows"),
    "actor is a literal": replace("kgb:actor actor:iran-backed-militias", 'kgb:actor "الميليشيات"'),
    "location is an actor": replace("kgb:location place:al-omar-field", "kgb:location actor:hezbollah"),
    "target is a weapon": replace("kgb:target place:al-omar-base", "kgb:target weapon:rocket"),
    "unknown weapon": replace("weapon:rocket , weapon:artillery", "weapon:rocket , weapon:slingshot"),
    "responds to a place": replace("kgb:respondsTo event:00aa11bb22cc33dd", "kgb:respondsTo place:palmyra"),
    "vague is not boolean": replace("kgb:killedVague true", 'kgb:killedVague "yes"'),
    "new place without label": replace('place:new-ba9876543210 a kgb:Settlement ; skos:prefLabel "قرية ما"@ar .', "place:new-ba9876543210 a kgb:Settlement ."),
    "mention without denotes": replace("kgb:denotes place:al-omar-field ; ", ""),
    "control of an actor": replace("kgb:place place:zamlat-al-mahr-field ;", "kgb:place actor:sdf ;"),
    "article without text": replace_in_article('    kgb:text "انفجارات عنيفة هزّت حقل العمر" ;\n', ""),
    "bad content hash": replace_in_article('"0f1e2d3c', '"XYZ'),
}


#: What the report must say for each invalid case (a fragment of the shape's sh:message).
REASON = {
    "missing evidence": "at least one evidence span",
    "confidence 1.5": "kgb:confidence is one xsd:decimal in [0, 1]",
    "confidence as a double": "kgb:confidence is one xsd:decimal in [0, 1]",
    "killed -1": "kgb:killed is at most one non-negative",
    "killed twice": "kgb:killed is at most one non-negative",
    "injured as a string": "kgb:injured is at most one non-negative",
    "claim killed -2": "kgb:killed is at most one non-negative",
    "claim without claimant": "A claim has exactly one kgb:claimant",
    "start after end": "<= kgb:end",
    "negative start": "<= kgb:end",
    "evidence without text": "A span has exactly one kgb:text",
    "bad date precision": "kgb:datePrecision is one of",
    "date as a string": "kgb:date is one xsd:date",
    "two sub-event classes": "exactly one ACLED sub-event class",
    "only an event-type class": "exactly one ACLED sub-event class",
    "no article": "derived from exactly one kgb:Article",
    "derived from an untyped thing": "derived from exactly one kgb:Article",
    "actor is a place": "kgb:actor values are IRIs of kgb:Actor",
    "actor is untyped": "kgb:actor values are IRIs of kgb:Actor",
    "actor is a literal": "kgb:actor values are IRIs of kgb:Actor",
    "location is an actor": "kgb:location values are IRIs of kgb:Place",
    "target is a weapon": "kgb:target values are IRIs of kgb:Actor or kgb:Place",
    "unknown weapon": "kgb:weapon values are kgr:weapon",
    "responds to a place": "kgb:respondsTo points at another kgb:Event",
    "vague is not boolean": "xsd:boolean",
    "new place without label": "A place has a skos:prefLabel",
    "mention without denotes": "A mention denotes exactly one actor or place",
    "control of an actor": "class kgb:Place",
    "article without text": "An article has exactly one kgb:text",
    "bad content hash": "lower-case hex SHA-256",
}


def test_every_invalid_case_has_a_reason():
    assert set(REASON) == set(INVALID)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_shapes_reject_invalid_graphs(shapes, ontology, case):
    data = INVALID[case]
    assert data != ARTICLE + VALID_EVENT, "the case did not change the graph"
    conforms, text = validate(data, shapes, ontology)
    assert not conforms, f"{case}: accepted"
    assert REASON[case] in text, text


def test_shapes_reject_a_bad_gazetteer_place(shapes, ontology):
    bad = """
    place:nowhere a kgb:Settlement ; skos:prefLabel "مكان"@ar , "one"@en , "two"@en ;
        <http://www.w3.org/2003/01/geo/wgs84_pos#lat> 95.0 .
    """
    conforms, text = validate(bad, shapes, ontology)
    assert not conforms
    assert "uniqueLang" in text or "UniqueLang" in text
    assert "95" in text


@pytest.mark.parametrize("precision", DATE_PRECISIONS)
def test_every_model_date_precision_is_accepted(shapes, ontology, precision):
    conforms, text = validate(ARTICLE + VALID_EVENT.replace('"day"', f'"{precision}"'), shapes, ontology)
    assert conforms, text
