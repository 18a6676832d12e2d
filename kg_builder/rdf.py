"""Extraction records -> RDF quads: the only module that builds RDF terms.

Everything one article says goes into one named graph, named by the article IRI, so that re-ingesting
an article is "drop its graph, insert the new one" (see ``kg_builder.store``). The vocabulary is the
contract of ``ontology/README.md``.

    >>> from kg_builder.model import Article, Extraction
    >>> quads = extraction_quads(Extraction(Article(id="a1", text="...")), generated_at="2024-01-01T00:00:00Z")
    >>> str(quads[0].graph_name)
    '<https://w3id.org/kg-builder/id/article/a1>'

Every node gets a deterministic IRI (no blank nodes): evidence, claim and mention nodes hang off their
event or article IRI with a fragment (``<event>#evidence-0``, ``<article>#mention-3``), so the same
extraction always yields the same quads and re-ingesting cannot pile up copies.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.gazetteer import class_hierarchy
from kg_builder.model import (ACLED_TYPES, EVENT_TYPE_OF, VIOLENT_EVENT_TYPES, Entity, Event, Extraction, Span,
                              acled_class_name)

# --- namespaces -------------------------------------------------------------------------------------

KGB = "https://w3id.org/kg-builder/ontology#"
KGR = "https://w3id.org/kg-builder/id/"
ONTOLOGY_GRAPH = "https://w3id.org/kg-builder/graph/ontology"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEO = "http://www.opengis.net/ont/geosparql#"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"

#: Prefixes predeclared for every SPARQL text (``store.query``/``store.update``) and used in dumps.
#: ``actor:``, ``place:``... exist because a prefixed name cannot contain an unescaped "/":
#: ``kgr:actor/hezbollah`` is a syntax error, ``actor:hezbollah`` is the same IRI.
PREFIXES: dict[str, str] = {
    "kgb": KGB, "kgr": KGR, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS, "prov": PROV,
    "dcterms": DCTERMS, "wgs": WGS, "geo": GEO, "sem": SEM,
    "actor": KGR + "actor/", "place": KGR + "place/", "event": KGR + "event/", "article": KGR + "article/",
    "weapon": KGR + "weapon/",
}

#: sub-event or event type class local name -> ACLED name (the reverse of ``model.acled_class_name``).
ACLED_NAME_OF_CLASS: dict[str, str] = {
    acled_class_name(name): name
    for typ, subs in ACLED_TYPES.items()
    for name in (typ, *subs)
}

_EVENT_PREFIX = KGR + "event/"
_ARTICLE_PREFIX = KGR + "article/"
_WEAPON_PREFIX = KGR + "weapon/"


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def kgb(local: str) -> NamedNode:
    """A term of our vocabulary: ``kgb("actor")`` is ``kgb:actor``."""
    return NamedNode(KGB + local)


RDF_TYPE = _n(RDF + "type")
SKOS_PREF_LABEL = _n(SKOS + "prefLabel")
XSD_DATE = _n(XSD + "date")
XSD_GYEARMONTH = _n(XSD + "gYearMonth")
XSD_GYEAR = _n(XSD + "gYear")
XSD_GMONTHDAY = _n(XSD + "gMonthDay")
XSD_DECIMAL = _n(XSD + "decimal")
XSD_DATETIME = _n(XSD + "dateTime")
XSD_ANYURI = _n(XSD + "anyURI")


# --- IRIs ---------------------------------------------------------------------------------------------

def article_iri(article_id: str) -> str:
    """The IRI of an article, also the name of its graph.

    >>> article_iri("seed-omar-field")
    'https://w3id.org/kg-builder/id/article/seed-omar-field'
    >>> article_iri("skynews/2018 06/19#1")
    'https://w3id.org/kg-builder/id/article/skynews%2F2018%2006%2F19%231'
    """
    if not article_id:
        raise ValueError("an article needs a non-empty id")
    return _ARTICLE_PREFIX + quote(article_id, safe="")


def event_iri(article_id: str, event_key: str) -> str:
    """The IRI of an event: a hash of the article id and the event key (unique inside the article).

    >>> event_iri("seed-omar-field", "e1")
    'https://w3id.org/kg-builder/id/event/25290312b19b90b3'
    """
    digest = hashlib.sha1((article_id + "\x1f" + event_key).encode("utf-8")).hexdigest()
    return _EVENT_PREFIX + digest[:16]


# Characters kept as they are in entity keys: the unreserved set plus "/" (keys are "kind/slug").
# Everything else (Arabic, spaces, "#", "?", "%", "<", '"'...) is percent-encoded, so any key gives a
# valid IRI and no key can inject a fragment or query part.
_ENTITY_KEY_SAFE = "/-._~"


def entity_iri(key: str) -> str:
    """The IRI of an actor or place from its ``Entity.key``.

    >>> entity_iri("actor/hezbollah")
    'https://w3id.org/kg-builder/id/actor/hezbollah'
    >>> entity_iri("place/حقل العمر")
    'https://w3id.org/kg-builder/id/place/%D8%AD%D9%82%D9%84%20%D8%A7%D9%84%D8%B9%D9%85%D8%B1'
    """
    if not key:
        raise ValueError("an entity needs a non-empty key")
    return KGR + quote(key, safe=_ENTITY_KEY_SAFE)


def weapon_iri(name: str) -> str:
    """``kgr:weapon/<name>`` for a name of the closed list (``model.WEAPONS``).

    >>> weapon_iri("rocket")
    'https://w3id.org/kg-builder/id/weapon/rocket'
    """
    return _WEAPON_PREFIX + quote(name, safe=_ENTITY_KEY_SAFE)


def local_name(iri: str) -> str:
    """The part after the last ``#`` or ``/``.

    >>> local_name("https://w3id.org/kg-builder/ontology#OilField")
    'OilField'
    """
    return re.split(r"[#/]", iri)[-1]


# --- literals -----------------------------------------------------------------------------------------

_DAY = re.compile(r"^-?\d{4,}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^-?\d{4,}-\d{2}$")
_YEAR = re.compile(r"^-?\d{4,}$")
_MONTH_DAY = re.compile(r"^(?:--)?(\d{2})-(\d{2})$")


def date_literal(value: str) -> Literal:
    """A date typed by its shape: xsd:date, xsd:gYearMonth, xsd:gYear or xsd:gMonthDay.

    A string of no known shape (or an impossible day) stays a plain string rather than a wrongly typed
    literal: a SPARQL comparison on it then simply fails instead of raising.

    >>> date_literal("2018-06-19").datatype.value
    'http://www.w3.org/2001/XMLSchema#date'
    >>> date_literal("2018-06").datatype.value
    'http://www.w3.org/2001/XMLSchema#gYearMonth'
    >>> date_literal("--06-19").value, date_literal("06-19").value
    ('--06-19', '--06-19')
    >>> date_literal("2018-02-30").datatype.value
    'http://www.w3.org/2001/XMLSchema#string'
    """
    if _DAY.match(value):
        try:
            _dt.date.fromisoformat(value)
        except ValueError:
            return Literal(value)
        return Literal(value, datatype=XSD_DATE)
    if _MONTH.match(value) and 1 <= int(value[-2:]) <= 12:
        return Literal(value, datatype=XSD_GYEARMONTH)
    if _YEAR.match(value):
        return Literal(value, datatype=XSD_GYEAR)
    md = _MONTH_DAY.match(value)
    if md:
        month, day = int(md.group(1)), int(md.group(2))
        try:
            _dt.date(2000, month, day)  # a leap year, so --02-29 is allowed
        except ValueError:
            return Literal(value)
        return Literal(f"--{md.group(1)}-{md.group(2)}", datatype=XSD_GMONTHDAY)
    return Literal(value)


def decimal_literal(value: float) -> Literal:
    """An xsd:decimal (never the scientific notation a float may print as).

    >>> decimal_literal(0.8).value, decimal_literal(1e-05).value, decimal_literal(35.0).value
    ('0.8', '0.00001', '35.0')
    """
    text = format(Decimal(repr(float(value))), "f")
    return Literal(text, datatype=XSD_DECIMAL)


def iri_term(iri: str) -> NamedNode:
    """An IRI as a term (raises ValueError when it is not a valid IRI).

    >>> iri_term("https://w3id.org/kg-builder/id/place/al-omar-field").value
    'https://w3id.org/kg-builder/id/place/al-omar-field'
    """
    return NamedNode(iri)


def string_literal(text: str, lang: str | None = None) -> Literal:
    """A plain string, or a language-tagged one.

    >>> print(string_literal('حقل "العمر"', "ar"))
    "حقل \\"العمر\\""@ar
    """
    return Literal(text, language=lang) if lang else Literal(text)


def integer_literal(value: int) -> Literal:
    """An xsd:integer.

    >>> integer_literal(7).datatype.value
    'http://www.w3.org/2001/XMLSchema#integer'
    """
    return Literal(int(value))


def typed_literal(text: str, datatype_iri: str) -> Literal:
    """A literal with an explicit datatype (raises ValueError on an invalid datatype IRI).

    >>> typed_literal("2018", XSD + "gYear").datatype.value
    'http://www.w3.org/2001/XMLSchema#gYear'
    """
    return Literal(text, datatype=NamedNode(datatype_iri))


def boolean_literal(value: bool) -> Literal:
    """An xsd:boolean."""
    return Literal(bool(value))


def decimal_text_literal(text: str) -> Literal:
    """An xsd:decimal from its lexical form, checked (no exponent, no NaN).

    >>> decimal_text_literal("0.75").value
    '0.75'
    """
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError(f"not a decimal number: {text!r}")
    return Literal(text, datatype=XSD_DECIMAL)


def _datetime_literal(value: str | _dt.datetime) -> Literal:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        value = value.isoformat(timespec="seconds").replace("+00:00", "Z")
    return Literal(value, datatype=XSD_DATETIME)


def _label(text: str | None, lang: str) -> Literal | None:
    return Literal(text, language=lang) if text else None


# --- the article graph --------------------------------------------------------------------------------

def extraction_quads(
    extraction: Extraction,
    *,
    content_hash: str | None = None,
    generated_at: str | _dt.datetime | None = None,
) -> list[Quad]:
    """All the quads of one article's graph: the article, its events, mentions and entities.

    ``generated_at`` is the time recorded as ``prov:generatedAtTime`` (default: now, UTC, to the
    second). Pass a fixed value when two runs must give byte-identical graphs; the ingest flow does not
    need to, because it skips articles whose ``content_hash`` has not changed.

    >>> from kg_builder.model import Article, Entity, Event, Extraction
    >>> ex = Extraction(Article(id="a1", text="x", lang="en"),
    ...                 entities=(Entity(key="actor/isis", kind="actor", type="ArmedGroup", label_en="ISIS"),),
    ...                 events=(Event(key="e1", sub_event_type="Armed clash", actors=("actor/isis",)),))
    >>> quads = extraction_quads(ex, generated_at="2024-01-01T00:00:00Z")
    >>> sorted({local_name(q.predicate.value) for q in quads})[:4]
    ['actor', 'confidence', 'generatedAtTime', 'identifier']
    """
    article = extraction.article
    graph = _n(article_iri(article.id))
    quads: list[Quad] = []

    def add(subject: NamedNode, predicate: NamedNode, obj) -> None:
        if obj is not None:
            quads.append(Quad(subject, predicate, obj, graph))

    # The article node.
    add(graph, RDF_TYPE, kgb("Article"))
    add(graph, _n(DCTERMS + "identifier"), Literal(article.id))
    if article.title:
        add(graph, _n(DCTERMS + "title"), Literal(article.title))
    if article.source:
        add(graph, _n(DCTERMS + "source"), Literal(article.source))
    if article.published:
        add(graph, _n(DCTERMS + "issued"), date_literal(article.published))
    if article.lang:
        add(graph, _n(DCTERMS + "language"), Literal(article.lang))
    if article.url:
        add(graph, kgb("url"), Literal(article.url, datatype=XSD_ANYURI))
    add(graph, kgb("text"), Literal(article.text))
    if content_hash:
        add(graph, kgb("contentHash"), Literal(content_hash))
    add(graph, _n(PROV + "generatedAtTime"),
        _datetime_literal(generated_at if generated_at is not None else _dt.datetime.now(_dt.timezone.utc)))

    # Entities: type, labels, coordinates, and a mention node per mention.
    for entity in extraction.entities:
        _entity_quads(entity, add)
    mentions = sorted(
        ((span.start, span.end, entity.key, span.text) for entity in extraction.entities for span in entity.mentions)
    )
    for number, (start, end, key, text) in enumerate(mentions):
        node = _n(f"{graph.value}#mention-{number}")
        add(node, RDF_TYPE, kgb("Mention"))
        add(node, kgb("denotes"), _n(entity_iri(key)))
        add(node, kgb("text"), Literal(text))
        add(node, kgb("start"), Literal(start))
        add(node, kgb("end"), Literal(end))
        add(node, kgb("inArticle"), graph)

    # Events.
    keys_here = {event.key for event in extraction.events}
    for event in extraction.events:
        _event_quads(article.id, graph, event, keys_here, add)

    # Who holds which place, as the article says, and the shortcut ``controller kgb:controls place``.
    for number, control in enumerate(extraction.controls):
        node = _n(f"{graph.value}#control-{number}")
        controller, place = _n(entity_iri(control.controller)), _n(entity_iri(control.place))
        add(node, RDF_TYPE, kgb("ControlStatement"))
        add(node, kgb("controller"), controller)
        add(node, kgb("place"), place)
        if control.since:
            add(node, kgb("since"), date_literal(control.since))
        _evidence_quads(node, f"{node.value}-evidence", control.evidence, add)
        add(controller, kgb("controls"), place)
    # The same fact may be said twice (two events with the same actor and target give the same kgb:attacked);
    # a graph is a set, so keep the first of each, in order.
    return list(dict.fromkeys(quads))


@lru_cache(maxsize=1)
def _broader_classes() -> dict[str, tuple[str, ...]]:
    """Class local name -> all its kgb: superclasses (from kgb.ttl), read once."""
    direct = class_hierarchy()
    out: dict[str, tuple[str, ...]] = {}
    for cls in direct:
        found, todo = [], list(direct[cls])
        while todo:
            sup = todo.pop(0)
            if sup not in found:
                found.append(sup)
                todo += direct.get(sup, ())
        out[cls] = tuple(found)
    return out


def _entity_quads(entity: Entity, add) -> None:
    node = _n(entity_iri(entity.key))
    add(node, RDF_TYPE, kgb(entity.type))
    # The superclasses as well, so "all actors", "all places" or "all regions" (a broad area is one)
    # need no ontology graph (and no reasoner).
    if entity.kind in ("actor", "place"):
        for broader in _broader_classes().get(entity.type, ()):
            add(node, RDF_TYPE, kgb(broader))
        add(node, RDF_TYPE, kgb(entity.kind.capitalize()))
    add(node, SKOS_PREF_LABEL, _label(entity.label_en, "en"))
    add(node, SKOS_PREF_LABEL, _label(entity.label_ar, "ar"))
    # Coordinates only for places the gazetteer does not know. A gazetteer place has its own in the
    # gazetteer graph, and ours, rebuilt from a float, may be written differently ("40.50" vs "40.5"):
    # two distinct literals would break "one wgs:lat" (shapes.ttl). Labels have no such problem (strings
    # round-trip exactly), so they are repeated for gazetteer entries to keep article graphs readable alone.
    if entity.lat is not None and entity.lon is not None and not entity.in_gazetteer:
        lat, lon = decimal_literal(entity.lat), decimal_literal(entity.lon)
        add(node, _n(WGS + "lat"), lat)
        add(node, _n(WGS + "long"), lon)
        geometry = _n(node.value + "#geometry")
        add(node, _n(GEO + "hasGeometry"), geometry)
        add(geometry, _n(GEO + "asWKT"), Literal(f"POINT({lon.value} {lat.value})", datatype=_n(GEO + "wktLiteral")))


def _evidence_quads(owner: NamedNode, base: str, spans: tuple[Span, ...], add) -> None:
    """Evidence nodes ``<base>-0``, ``<base>-1``... (``base`` already has its ``#``: an IRI has one at most)."""
    for number, span in enumerate(spans):
        node = _n(f"{base}-{number}")
        add(owner, kgb("evidence"), node)
        add(node, RDF_TYPE, kgb("Evidence"))
        add(node, kgb("text"), Literal(span.text))
        add(node, kgb("start"), Literal(span.start))
        add(node, kgb("end"), Literal(span.end))


def _event_quads(article_id: str, graph: NamedNode, event: Event, keys_here: set[str], add) -> None:
    node = _n(event_iri(article_id, event.key))
    if event.sub_event_type not in EVENT_TYPE_OF:
        raise ValueError(f"event {event.key!r}: unknown ACLED sub-event type {event.sub_event_type!r}")
    add(node, RDF_TYPE, kgb(acled_class_name(event.sub_event_type)))
    # kgb:Event too: one triple per event (never duplicated across graphs) that lets analysts and shapes
    # find every event without a reasoner.
    add(node, RDF_TYPE, kgb("Event"))
    for key in event.actors:
        add(node, kgb("actor"), _n(entity_iri(key)))
    for key in event.targets:
        add(node, kgb("target"), _n(entity_iri(key)))
    for key in event.locations:
        add(node, kgb("location"), _n(entity_iri(key)))
    if event.date:
        add(node, kgb("date"), date_literal(event.date))
    if event.date_precision:
        add(node, kgb("datePrecision"), Literal(event.date_precision))
    if event.killed is not None:
        add(node, kgb("killed"), Literal(int(event.killed)))
    if event.injured is not None:
        add(node, kgb("injured"), Literal(int(event.injured)))
    if event.killed_vague:
        add(node, kgb("killedVague"), Literal(True))
    if event.injured_vague:
        add(node, kgb("injuredVague"), Literal(True))
    for weapon in event.weapons:
        add(node, kgb("weapon"), _n(weapon_iri(weapon)))
    for number, claim in enumerate(event.claims):
        claim_node = _n(f"{node.value}#claim-{number}")
        claimant = _n(entity_iri(claim.claimant))
        add(node, kgb("claim"), claim_node)
        add(node, kgb("claimedBy"), claimant)
        add(claim_node, RDF_TYPE, kgb("Claim"))
        add(claim_node, kgb("claimant"), claimant)
        if claim.killed is not None:
            add(claim_node, kgb("killed"), Literal(int(claim.killed)))
        if claim.injured is not None:
            add(claim_node, kgb("injured"), Literal(int(claim.injured)))
        _evidence_quads(claim_node, f"{node.value}#claim-{number}-evidence", claim.evidence, add)
    if event.responds_to and event.responds_to in keys_here and event.responds_to != event.key:
        add(node, kgb("respondsTo"), _n(event_iri(article_id, event.responds_to)))
    # Clamped, not rejected: the shapes want [0, 1], and an extractor's overshoot is no reason to lose the event.
    add(node, kgb("confidence"), decimal_literal(min(1.0, max(0.0, float(event.confidence)))))
    _evidence_quads(node, f"{node.value}#evidence", event.evidence, add)
    add(node, _n(PROV + "wasDerivedFrom"), graph)
    if event.event_type in VIOLENT_EVENT_TYPES:     # its actors "attack" its targets (kgb:attacked)
        for actor in event.actors:
            for target in event.targets:
                if actor != target:
                    add(_n(entity_iri(actor)), kgb("attacked"), _n(entity_iri(target)))
