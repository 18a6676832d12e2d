"""Graph exports of the store for network analysts: GEXF 1.3 (Gephi), GraphML, and Gephi's CSV pair.

    >>> import tempfile
    >>> from kg_builder.store import open_store
    >>> with open_store(tempfile.mkdtemp()) as store:
    ...     graph = build_graph(store, "actors", GraphFilter(since="2018-01"), label_lang="ar")
    >>> graph.number_of_nodes(), graph.graph["view"]
    (0, 'actors')

Three views of the same events (``build_graph(store, view)``):

``actors``
    actor -> target edges, one per (actor, target, ACLED sub-event type): the sub-event type is the edge
    ``kind``, so two actors who both shelled and raided each other get two parallel edges. Each edge
    carries ``weight`` (= ``events``, how many events), ``killed``/``injured`` (sums of the known
    tolls), ``first_date``/``last_date``, ``confidence`` (mean) and ``event_type`` (the ACLED type).
    Targets may be places (``kgb:target place:al-omar-base``); they are nodes like the actors.
``actor-place``
    bipartite: the actor side (an event's actors, and its targets that are not places) -> the place side
    (its locations, and its targets that are places). ``kind`` is the actor's role (``actor`` or
    ``target``); weights and tolls as above.
``events``
    one node per event, linked to what the event names, in the direction of the RDF property
    (event -> entity): kinds ``actor``, ``target``, ``location``, ``weapon``, ``claimed_by``,
    ``responds_to`` (event -> event it answers, when both are in the export).

Every node has ``label`` (in ``label_lang``, else the other language, else the IRI local name),
``category`` (actor/place/weapon/event), ``type`` (class local name, for Gephi's partition colouring),
``label_en``/``label_ar`` when known, ``lat``/``lng`` for places with coordinates, and ``events``.
Time: each edge has ``spells`` (one ``(start, end)`` per event date, a month or a year becoming its first
and last day) and each node ``start``/``end`` (first to last appearance), which the GEXF writer turns
into Gephi's timeline. Undated events give no spell: an element without any time is always visible.

A file given by path is written whole or not at all (``kg_builder.files``): a failed or killed export
leaves an earlier file there as it was; the CSV pair is written and synced before either file replaces
the earlier pair.

Filters (``GraphFilter``) choose the events; every view is then drawn from those events only. Their
values reach SPARQL as bound RDF terms (``KGStore.query(bindings=...)``), never as query text.
"""

from __future__ import annotations

import calendar
import csv
import datetime as _dt
import hashlib
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Union
from urllib.parse import unquote

import networkx as nx
from lxml import etree
from pyoxigraph import Literal, NamedNode

from kg_builder.files import OutputError, atomic_output, atomic_outputs, is_stream_target
from kg_builder.model import ACLED_TYPES, EVENT_TYPE_OF, acled_class_name
from kg_builder.rdf import ACLED_NAME_OF_CLASS, KGB, KGR, ONTOLOGY_GRAPH, XSD, local_name
from kg_builder.store import KGStore

VIEWS: tuple[str, ...] = ("actors", "actor-place", "events")
FORMATS: tuple[str, ...] = ("gexf", "graphml", "csv")
LABEL_LANGS: tuple[str, ...] = ("en", "ar")

GEXF_NS = "http://gexf.net/1.3"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

PathOrFile = Union[str, Path, BinaryIO]


# --- filters ------------------------------------------------------------------------------------------

_DATE_SHAPE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _lower_names() -> dict[str, frozenset[str]]:
    """lower-cased ACLED type / sub-event type / class local name -> the sub-event class local names."""
    names: dict[str, frozenset[str]] = {}
    for event_type, subs in ACLED_TYPES.items():
        classes = frozenset(acled_class_name(sub) for sub in subs)
        names[event_type.lower()] = classes
        names[acled_class_name(event_type).lower()] = classes
        for sub in subs:
            names[sub.lower()] = frozenset({acled_class_name(sub)})
            names[acled_class_name(sub).lower()] = frozenset({acled_class_name(sub)})
    return names


_EVENT_CLASSES_BY_NAME = _lower_names()


def event_classes(name: str) -> frozenset[str]:
    """The sub-event class local names an ACLED event type or sub-event type name stands for.

    Case does not matter, and the class local name is accepted too.

    >>> sorted(event_classes("Battles"))
    ['ArmedClash', 'GovernmentRegainsTerritory', 'NonStateActorOvertakesTerritory']
    >>> sorted(event_classes("air/drone strike")), sorted(event_classes("AirDroneStrike"))
    (['AirDroneStrike'], ['AirDroneStrike'])
    """
    try:
        return _EVENT_CLASSES_BY_NAME[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(ACLED_TYPES) + sorted(EVENT_TYPE_OF))
        raise ValueError(f"unknown ACLED event type {name!r}; one of: {known}") from None


def _check_date(name: str, value: str | None) -> None:
    if value is None:
        return
    if not _DATE_SHAPE.match(value) or _period(value) is None:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, not {value!r}")


def _check_iri(name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        NamedNode(value)
    except ValueError:
        raise ValueError(f"{name} must be an IRI, e.g. {KGR}place/al-omar-field, not {value!r}") from None


@dataclass(frozen=True)
class GraphFilter:
    """Which events go into a graph; every field left at None lets all events through.

    * ``since``/``until``: a day, month or year (``2018-01-05``, ``2018-01``, ``2018``), inclusive. An
      event dated to a month or year matches when that period overlaps the range; an undated event
      never matches a date filter.
    * ``place``: an IRI; events located at it, or at a place ``kgb:locatedIn`` it (at any depth).
    * ``actor``: an IRI; events where it is an actor or a target.
    * ``event_type``: an ACLED event type (``Battles``) or sub-event type (``Air/drone strike``).

    Wrong values raise ValueError with a one-line message, at construction:

    >>> GraphFilter(since="2018-01", event_type="Battles").since
    '2018-01'
    >>> GraphFilter(until="5 Jan 2018")
    Traceback (most recent call last):
    ...
    ValueError: until must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, not '5 Jan 2018'
    """

    since: str | None = None
    until: str | None = None
    place: str | None = None
    actor: str | None = None
    event_type: str | None = None

    def __post_init__(self) -> None:
        _check_date("since", self.since)
        _check_date("until", self.until)
        _check_iri("place", self.place)
        _check_iri("actor", self.actor)
        if self.event_type is not None:
            event_classes(self.event_type)

    def describe(self) -> str:
        """The filters set, for the file's metadata.

        >>> GraphFilter(since="2018", actor="https://w3id.org/kg-builder/id/actor/x").describe()
        'since=2018; actor=https://w3id.org/kg-builder/id/actor/x'
        """
        parts = [f"{name}={getattr(self, name)}" for name in ("since", "until", "place", "actor", "event_type")
                 if getattr(self, name) is not None]
        return "; ".join(parts) or "none"


# --- dates ----------------------------------------------------------------------------------------------

def _period(value: str) -> tuple[str, str] | None:
    """The first and last day of a date, month or year (as xsd:date text); None for anything else.

    >>> _period("2018-01-05"), _period("2018-02"), _period("2020"), _period("--06-19")
    (('2018-01-05', '2018-01-05'), ('2018-02-01', '2018-02-28'), ('2020-01-01', '2020-12-31'), None)
    """
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            _dt.date.fromisoformat(value)
            return value, value
        if re.fullmatch(r"\d{4}-\d{2}", value):
            year, month = int(value[:4]), int(value[5:])
            last = calendar.monthrange(year, month)[1]  # raises for month 13
            return f"{value}-01", f"{value}-{last:02d}"
        if re.fullmatch(r"\d{4}", value):
            return f"{value}-01-01", f"{value}-12-31"
    except (ValueError, calendar.IllegalMonthError):
        return None
    return None


# --- reading the store -----------------------------------------------------------------------------------

# Filter fragments: fixed texts, combined by which filters are set; the user's values are the bound
# variables ?since ?until ?place ?actor (a SELECT must project what it binds, hence the projection).
_DATE_PATTERN = "?e kgb:date ?date . BIND(STR(?date) AS ?day)"
# Periods overlap when they agree on their common prefix: "2018-06" vs "2018-06-10" compare as
# "2018-06" vs "2018-06", so a month-dated event is kept by a day inside that month.
_SINCE_PATTERN = """BIND(IF(STRLEN(?day) < STRLEN(?since), STRLEN(?day), STRLEN(?since)) AS ?sinceLength)
  FILTER(SUBSTR(?day, 1, ?sinceLength) >= SUBSTR(?since, 1, ?sinceLength))"""
_UNTIL_PATTERN = """BIND(IF(STRLEN(?day) < STRLEN(?until), STRLEN(?day), STRLEN(?until)) AS ?untilLength)
  FILTER(SUBSTR(?day, 1, ?untilLength) <= SUBSTR(?until, 1, ?untilLength))"""
_PLACE_PATTERN = "?e kgb:location ?location . ?location kgb:locatedIn* ?place ."
_ACTOR_PATTERN = "{ ?e kgb:actor ?actor } UNION { ?e kgb:target ?actor }"

_EVENT_FACTS = """
SELECT ?e ?date ?precision ?killed ?injured ?confidence ?doc WHERE {
  ?e a kgb:Event .
  OPTIONAL { ?e kgb:date ?date }
  OPTIONAL { ?e kgb:datePrecision ?precision }
  OPTIONAL { ?e kgb:killed ?killed }
  OPTIONAL { ?e kgb:injured ?injured }
  OPTIONAL { ?e kgb:confidence ?confidence }
  OPTIONAL { ?e prov:wasDerivedFrom ?article . ?article dcterms:identifier ?doc }
}"""

_EVENT_CLASSES = "SELECT DISTINCT ?e ?class WHERE { ?e a kgb:Event ; a ?class }"

_EVENT_LINKS = """
SELECT DISTINCT ?e ?role ?x WHERE {
  VALUES ?role { kgb:actor kgb:target kgb:location kgb:weapon kgb:claimedBy kgb:respondsTo }
  ?e a kgb:Event ; ?role ?x .
}"""

# Labels, classes and coordinates of everything events link to, with their graph (to prefer the
# gazetteer's, in the ontology graph, over what one article said).
_NODE_FACTS = """
SELECT ?x ?p ?o ?g WHERE {
  { SELECT DISTINCT ?x WHERE {
      VALUES ?role { kgb:actor kgb:target kgb:location kgb:weapon kgb:claimedBy }
      ?e a kgb:Event ; ?role ?x } }
  VALUES ?p { rdf:type skos:prefLabel wgs:lat wgs:long }
  GRAPH ?g { ?x ?p ?o }
}"""

_ROLE_NAMES = {"actor": "actors", "target": "targets", "location": "locations", "weapon": "weapons",
               "claimedBy": "claimed_by", "respondsTo": "responds_to"}
# Classes every entity carries besides its specific one (materialised by kg_builder.rdf): a fallback only.
_GENERIC_TYPES = {"Actor", "Place"}


@dataclass
class _Event:
    iri: str
    date: str | None = None
    period: tuple[str, str] | None = None
    precision: str | None = None
    killed: int | None = None
    injured: int | None = None
    confidence: float | None = None
    doc: str | None = None
    sub_event_type: str | None = None
    event_type: str | None = None
    sub_event_class: str | None = None
    links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class _Facts:
    """What the store says about one linked IRI, as (graph, value) candidates."""

    labels: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    types: list[tuple[str, str]] = field(default_factory=list)
    lat: list[tuple[str, str]] = field(default_factory=list)
    long: list[tuple[str, str]] = field(default_factory=list)


def _pick(candidates: list[tuple[str, str]]) -> str | None:
    """One value of (graph, value) pairs: the ontology/gazetteer graph's first, then the smallest."""
    if not candidates:
        return None
    return min(candidates, key=lambda gv: (gv[0] != ONTOLOGY_GRAPH, gv[1]))[1]


def _number(term):
    if term is None:
        return None
    datatype = term.datatype.value if getattr(term, "datatype", None) is not None else ""
    try:
        if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(term.value)
        return float(term.value)
    except ValueError:
        return None  # a malformed literal: leave the value out rather than fail the whole export


def _matching_events(store: KGStore, filters: GraphFilter) -> set[str]:
    patterns = ["?e a kgb:Event ."]
    bindings: dict = {}
    if filters.since or filters.until:
        patterns.append(_DATE_PATTERN)
    # each filter given adds its pattern, and its value bound as a term (never pasted into the query)
    for name, value, pattern, term in (("since", filters.since, _SINCE_PATTERN, Literal),
                                       ("until", filters.until, _UNTIL_PATTERN, Literal),
                                       ("place", filters.place, _PLACE_PATTERN, NamedNode),
                                       ("actor", filters.actor, _ACTOR_PATTERN, NamedNode)):
        if value:
            patterns.append(pattern)
            bindings[name] = term(value)
    if filters.event_type:
        # IRIs from the closed ACLED list (event_classes validated the name), written by pyoxigraph.
        classes = " ".join(str(NamedNode(KGB + name)) for name in sorted(event_classes(filters.event_type)))
        patterns.append(f"?e a ?eventClass . VALUES ?eventClass {{ {classes} }}")
    projection = " ".join(["?e"] + [f"?{name}" for name in bindings])
    sparql = f"SELECT DISTINCT {projection} WHERE {{\n  " + "\n  ".join(patterns) + "\n}"
    return {row["e"].value for row in store.query(sparql, bindings)}


def _load_events(store: KGStore, keep: set[str]) -> dict[str, _Event]:
    events: dict[str, _Event] = {}
    for row in store.query(_EVENT_FACTS):
        iri = row["e"].value
        if iri not in keep or iri in events:
            continue  # several article graphs may repeat a fact; the first row is as good as any
        event = events[iri] = _Event(iri)
        if row["date"] is not None:
            event.date = row["date"].value
            event.period = _period(event.date)
        event.precision = row["precision"].value if row["precision"] is not None else None
        killed, injured, confidence = _number(row["killed"]), _number(row["injured"]), _number(row["confidence"])
        event.killed = int(killed) if killed is not None else None
        event.injured = int(injured) if injured is not None else None
        event.confidence = float(confidence) if confidence is not None else None
        event.doc = row["doc"].value if row["doc"] is not None else None
    for row in store.query(_EVENT_CLASSES):
        event = events.get(row["e"].value)
        class_iri = row["class"].value
        name = ACLED_NAME_OF_CLASS.get(local_name(class_iri)) if class_iri.startswith(KGB) else None
        if event is not None and name in EVENT_TYPE_OF:
            event.sub_event_type, event.event_type = name, EVENT_TYPE_OF[name]
            event.sub_event_class = local_name(class_iri)
    for row in store.query(_EVENT_LINKS):
        event = events.get(row["e"].value)
        if event is not None:
            role = _ROLE_NAMES[local_name(row["role"].value)]
            if row["x"].value not in event.links[role]:
                event.links[role].append(row["x"].value)
    for event in events.values():
        for members in event.links.values():
            members.sort()
    return events


def _load_facts(store: KGStore) -> dict[str, _Facts]:
    facts: dict[str, _Facts] = defaultdict(_Facts)
    for row in store.query(_NODE_FACTS):
        x, p, o, g = row["x"].value, local_name(row["p"].value), row["o"], row["g"].value
        if p == "prefLabel" and getattr(o, "language", None) in LABEL_LANGS:
            facts[x].labels[o.language].append((g, o.value))
        elif p == "type" and o.value.startswith(KGB):
            facts[x].types.append((g, local_name(o.value)))
        elif p == "lat":
            facts[x].lat.append((g, o.value))
        elif p == "long":
            facts[x].long.append((g, o.value))
    return facts


# --- nodes -------------------------------------------------------------------------------------------

_CATEGORY_PREFIXES = (("actor", KGR + "actor/"), ("place", KGR + "place/"), ("weapon", KGR + "weapon/"),
                      ("event", KGR + "event/"))


def _category(iri: str, types: set[str]) -> str:
    for category, prefix in _CATEGORY_PREFIXES:
        if iri.startswith(prefix):
            return category
    if "Place" in types:
        return "place"
    if "Actor" in types:
        return "actor"
    return "entity"


def readable_local_name(iri: str) -> str:
    """The IRI's local name, percent-decoded (Arabic keys are percent-encoded in IRIs).

    >>> readable_local_name("https://w3id.org/kg-builder/id/place/%D8%AD%D9%82%D9%84")
    'حقل'
    """
    return unquote(local_name(iri)) or iri


def _entity_attributes(iri: str, facts: _Facts | None, label_lang: str) -> dict:
    facts = facts or _Facts()
    labels = {lang: _pick(facts.labels.get(lang, [])) for lang in LABEL_LANGS}
    other = "ar" if label_lang == "en" else "en"
    all_types = {t for _, t in facts.types}
    specific = [(g, t) for g, t in facts.types if t not in _GENERIC_TYPES]
    category = _category(iri, all_types)
    attributes = {
        "label": labels[label_lang] or labels[other] or readable_local_name(iri),
        "category": category,
        "type": _pick(specific) or _pick(facts.types) or category.capitalize(),
    }
    for lang in LABEL_LANGS:
        if labels[lang]:
            attributes[f"label_{lang}"] = labels[lang]
    lat, lng = _pick(facts.lat), _pick(facts.long)
    try:
        if lat is not None and lng is not None:
            attributes["lat"], attributes["lng"] = float(lat), float(lng)
    except ValueError:
        pass  # a malformed coordinate: no position rather than a wrong one
    return attributes


@dataclass
class _Tally:
    """Counts, tolls and dates of the events behind one node or edge."""

    events: set[str] = field(default_factory=set)
    killed: int = 0
    injured: int = 0
    confidences: list[float] = field(default_factory=list)
    dates: list[tuple[tuple[str, str], str]] = field(default_factory=list)  # (period, as the event says it)

    def add(self, event: _Event) -> None:
        if event.iri in self.events:
            return
        self.events.add(event.iri)
        self.killed += event.killed or 0
        self.injured += event.injured or 0
        if event.confidence is not None:
            self.confidences.append(event.confidence)
        if event.period is not None:
            self.dates.append((event.period, event.date))

    def node_time(self) -> dict:
        """``start``/``end``: first to last appearance, plus the dates as the events give them."""
        if not self.dates:
            return {}
        first = min(self.dates)
        last = max(self.dates, key=lambda pd: (pd[0][1], pd[0][0]))
        return {"start": first[0][0], "end": last[0][1], "first_date": first[1], "last_date": last[1]}

    def edge_attributes(self) -> dict:
        attributes = {"weight": float(len(self.events)), "events": len(self.events), "killed": self.killed,
                      "injured": self.injured}
        if self.confidences:
            attributes["confidence"] = round(sum(self.confidences) / len(self.confidences), 4)
        time = self.node_time()
        if time:
            attributes["first_date"], attributes["last_date"] = time["first_date"], time["last_date"]
        attributes["spells"] = sorted({period for period, _ in self.dates})
        return attributes


def edge_id(source: str, target: str, kind: str) -> str:
    """A stable edge id: the same edge gets the same id in every export.

    >>> edge_id("a", "b", "actor")
    'e-6fdaf36d47e2f1d2'
    """
    return "e-" + hashlib.sha1("\x1f".join((source, target, kind)).encode("utf-8")).hexdigest()[:16]


class _GraphBuilder:
    def __init__(self, view: str, label_lang: str, facts: dict[str, _Facts], filters: GraphFilter):
        self.label_lang = label_lang
        self.facts = facts
        self.graph = nx.MultiDiGraph(view=view, label_lang=label_lang, filters=filters.describe())
        self.node_tallies: dict[str, _Tally] = defaultdict(_Tally)
        self.edge_tallies: dict[tuple[str, str, str], _Tally] = defaultdict(_Tally)
        self.edge_extra: dict[tuple[str, str, str], dict] = {}
        self.node_extra: dict[str, dict] = {}

    def touch(self, iri: str, event: _Event) -> None:
        self.node_tallies[iri].add(event)

    def link(self, source: str, target: str, kind: str, event: _Event, **extra) -> None:
        self.touch(source, event)
        self.touch(target, event)
        self.edge_tallies[(source, target, kind)].add(event)
        self.edge_extra.setdefault((source, target, kind), extra)

    def is_place(self, iri: str) -> bool:
        facts = self.facts.get(iri)
        return _category(iri, {t for _, t in facts.types} if facts else set()) == "place"

    def finish(self) -> nx.MultiDiGraph:
        for iri in sorted(self.node_tallies):
            tally = self.node_tallies[iri]
            attributes = self.node_extra.get(iri) or _entity_attributes(iri, self.facts.get(iri), self.label_lang)
            attributes = {**attributes, "events": len(tally.events), **tally.node_time()}
            self.graph.add_node(iri, **attributes)
        for (source, target, kind) in sorted(self.edge_tallies):
            attributes = {"kind": kind, **self.edge_extra[(source, target, kind)],
                          **self.edge_tallies[(source, target, kind)].edge_attributes()}
            if self.graph.graph["view"] == "events":
                # One event per edge: its toll and confidence are on the event node, not repeated per link.
                for name in ("killed", "injured", "confidence"):
                    attributes.pop(name, None)
            self.graph.add_edge(source, target, key=edge_id(source, target, kind), **attributes)
        return self.graph


def _actors_view(builder: _GraphBuilder, events: dict[str, _Event]) -> None:
    for event in events.values():
        actors, targets = event.links.get("actors", []), event.links.get("targets", [])
        for iri in actors + targets:
            builder.touch(iri, event)  # an actor with no target still belongs in the picture
        kind = event.sub_event_type or "Event"
        for actor in actors:
            for target in targets:
                builder.link(actor, target, kind, event, event_type=event.event_type or "Event")


def _actor_place_view(builder: _GraphBuilder, events: dict[str, _Event]) -> None:
    for event in events.values():
        targets = event.links.get("targets", [])
        sides = [(iri, "actor") for iri in event.links.get("actors", [])]
        sides += [(iri, "target") for iri in targets if not builder.is_place(iri)]
        places = sorted(set(event.links.get("locations", [])) | {iri for iri in targets if builder.is_place(iri)})
        for iri, _ in sides:
            builder.touch(iri, event)
        for iri in places:
            builder.touch(iri, event)
        for actor, role in sides:
            for place in places:
                builder.link(actor, place, role, event)


def _event_label(event: _Event) -> str:
    name = event.sub_event_type or "Event"
    return f"{name} ({event.date})" if event.date else name


def _events_view(builder: _GraphBuilder, events: dict[str, _Event]) -> None:
    for event in events.values():
        attributes = {"label": _event_label(event), "category": "event",
                      "type": event.sub_event_class or "Event"}
        optional = {"event_type": event.event_type, "sub_event_type": event.sub_event_type, "date": event.date,
                    "date_precision": event.precision, "killed": event.killed, "injured": event.injured,
                    "confidence": event.confidence, "article": event.doc}
        attributes.update({key: value for key, value in optional.items() if value is not None})
        builder.node_extra[event.iri] = attributes
        builder.touch(event.iri, event)
        for role, kind in (("actors", "actor"), ("targets", "target"), ("locations", "location"),
                           ("weapons", "weapon"), ("claimed_by", "claimed_by"), ("responds_to", "responds_to")):
            for other in event.links.get(role, []):
                if role == "responds_to" and other not in events:
                    continue  # the answered event was filtered out: no dangling half-described node
                builder.link(event.iri, other, kind, event)


_VIEW_BUILDERS = {"actors": _actors_view, "actor-place": _actor_place_view, "events": _events_view}


def build_graph(store: KGStore, view: str = "actors", filters: GraphFilter = GraphFilter(),
                label_lang: str = "en") -> nx.MultiDiGraph:
    """The graph of one view of the store's events (see the module doc), as a networkx MultiDiGraph.

    Node keys are IRIs; edge keys are ``edge_id(source, target, kind)``. Attribute values are str, int
    or float, never None (a missing value is a missing key), plus ``spells`` on edges: a sorted list of
    ``(start, end)`` xsd:date strings. ``graph.graph`` holds ``view``, ``label_lang`` and ``filters``.

    >>> import tempfile
    >>> from kg_builder.store import open_store
    >>> with open_store(tempfile.mkdtemp()) as store:
    ...     build_graph(store, "events").number_of_edges()
    0
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; one of: {', '.join(VIEWS)}")
    if label_lang not in LABEL_LANGS:
        raise ValueError(f"unknown label language {label_lang!r}; one of: {', '.join(LABEL_LANGS)}")
    events = _load_events(store, _matching_events(store, filters))
    builder = _GraphBuilder(view, label_lang, _load_facts(store), filters)
    _VIEW_BUILDERS[view](builder, events)
    return builder.finish()


# --- writing ----------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (lxml refuses them): dropped from any text we write.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Node/edge attributes the formats carry in their own places, not as attribute columns.
_STRUCTURAL = {"label", "start", "end", "spells", "kind", "weight"}


def _xml_text(value) -> str:
    return _NOT_XML.sub("", str(value))


def _column_types(items, skip=_STRUCTURAL) -> dict[str, str]:
    """Attribute name -> GEXF type (integer, double, string), over all nodes or all edges, in a stable
    order (first appearance). A column mixing ints and floats is double; anything else mixed is string."""
    seen: dict[str, set[type]] = {}
    for attributes in items:
        for name, value in attributes.items():
            if name not in skip:
                seen.setdefault(name, set()).add(type(value))
    types = {}
    for name, kinds in seen.items():
        if kinds <= {int}:
            types[name] = "integer"
        elif kinds <= {int, float}:
            types[name] = "double"
        else:
            types[name] = "string"
    return types


def _timeset(spells) -> str:
    """Gephi's interval-set text: ``<[2018-01-05, 2018-01-05]; [2018-02-01, 2018-02-28]>``."""
    return "<" + "; ".join(f"[{start}, {end}]" for start, end in spells) + ">" if spells else ""


def _format_value(value, gexf_type: str) -> str:
    if gexf_type == "integer":
        return str(int(value))
    if gexf_type == "double":
        return repr(float(value))
    return _xml_text(value)


def write_gexf(graph: nx.MultiDiGraph, out: PathOrFile) -> None:
    """Write a GEXF 1.3 file that Gephi reads as a dynamic directed graph.

    Nodes get ``start``/``end`` and edges ``<spells>`` (``timeformat="date"``, xsd:date values), so the
    timeline plays; parallel edges are told apart by ``kind``; typed ``<attributes>`` columns (integer,
    double, string) carry the counts, ``lat``/``lng``, ``type`` and the rest.

    >>> import io
    >>> g = nx.MultiDiGraph(view="actors")
    >>> g.add_node("x", label='a "b" <c>', events=1)
    >>> out = io.BytesIO(); write_gexf(g, out)
    >>> b'label="a &quot;b&quot; &lt;c&gt;"' in out.getvalue()
    True
    """
    def q(tag: str) -> str:
        return f"{{{GEXF_NS}}}{tag}"

    root = etree.Element(q("gexf"), nsmap={None: GEXF_NS, "xsi": _XSI_NS}, version="1.3")
    root.set(f"{{{_XSI_NS}}}schemaLocation", f"{GEXF_NS} {GEXF_NS}/gexf.xsd")
    meta = etree.SubElement(root, q("meta"))
    etree.SubElement(meta, q("creator")).text = "kg-builder"
    description = ", ".join(f"{key}: {value}" for key, value in sorted(graph.graph.items())
                            if isinstance(value, (str, int, float)))
    etree.SubElement(meta, q("description")).text = _xml_text(description or "kg-builder graph")
    graph_element = etree.SubElement(root, q("graph"), defaultedgetype="directed", mode="dynamic",
                                     timeformat="date")

    node_types = _column_types(attributes for _, attributes in graph.nodes(data=True))
    edge_types = _column_types(attributes for _, _, attributes in graph.edges(data=True))
    for gexf_class, types in (("node", node_types), ("edge", edge_types)):
        declarations = etree.SubElement(graph_element, q("attributes"), {"class": gexf_class, "mode": "static"})
        for name, gexf_type in types.items():
            etree.SubElement(declarations, q("attribute"), id=name, title=name, type=gexf_type)

    def attvalues(parent, attributes: dict, types: dict[str, str]) -> None:
        values = [(name, attributes[name]) for name in types if name in attributes]
        if values:
            container = etree.SubElement(parent, q("attvalues"))
            for name, value in values:
                etree.SubElement(container, q("attvalue"), {"for": name, "value": _format_value(value, types[name])})

    nodes = etree.SubElement(graph_element, q("nodes"), count=str(graph.number_of_nodes()))
    for node, attributes in graph.nodes(data=True):
        element = etree.SubElement(nodes, q("node"), id=_xml_text(node),
                                   label=_xml_text(attributes.get("label", node)))
        if "start" in attributes:
            element.set("start", attributes["start"])
            element.set("end", attributes["end"])
        attvalues(element, attributes, node_types)

    edges = etree.SubElement(graph_element, q("edges"), count=str(graph.number_of_edges()))
    for source, target, key, attributes in graph.edges(keys=True, data=True):
        element = etree.SubElement(edges, q("edge"), id=_xml_text(key), source=_xml_text(source),
                                   target=_xml_text(target))
        if "kind" in attributes:
            element.set("kind", _xml_text(attributes["kind"]))
        if "label" in attributes:
            element.set("label", _xml_text(attributes["label"]))
        element.set("weight", repr(float(attributes.get("weight", 1.0))))
        attvalues(element, attributes, edge_types)
        if attributes.get("spells"):
            spells = etree.SubElement(element, q("spells"))
            for start, end in attributes["spells"]:
                etree.SubElement(spells, q("spell"), start=start, end=end)

    with _binary_output(out) as handle:
        etree.ElementTree(root).write(handle, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@contextmanager
def _binary_output(out: PathOrFile):
    """A path is written whole or not at all (``kg_builder.files.atomic_output``); a file object as given."""
    if isinstance(out, (str, Path)):
        with atomic_output(out, "wb") as handle:
            yield handle
    else:
        yield out


def _flat_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy for formats with only scalar values: spells become a Gephi ``timeset`` string, labels lose
    characters XML cannot carry, and nothing is None."""
    flat = nx.MultiDiGraph(**{k: _xml_text(v) for k, v in graph.graph.items() if v is not None})

    def clean(attributes: dict) -> dict:
        result = {}
        for name, value in attributes.items():
            if value is None:
                continue
            if name == "spells":
                if value:
                    result["timeset"] = _timeset(value)
            elif isinstance(value, str):
                result[name] = _xml_text(value)
            else:
                result[name] = value
        return result

    for node, attributes in graph.nodes(data=True):
        flat.add_node(_xml_text(node), **clean(attributes))
    for source, target, key, attributes in graph.edges(keys=True, data=True):
        flat.add_edge(_xml_text(source), _xml_text(target), key=_xml_text(key), **clean(attributes))
    return flat


def write_graphml(graph: nx.MultiDiGraph, out: PathOrFile) -> None:
    """Write GraphML with typed keys (long, double, string); edge ids are the edge keys.

    ``infer_numeric_types`` makes a column that mixes ints and floats one double key instead of two
    keys of the same name.
    """
    flat = _flat_copy(graph)
    with _binary_output(out) as handle:
        nx.write_graphml(flat, handle, infer_numeric_types=True)


def csv_paths(path: str | Path) -> tuple[Path, Path]:
    """The two files of a CSV export: ``<stem>-nodes.csv`` and ``<stem>-edges.csv`` beside ``path``.

    >>> [p.name for p in csv_paths("out/graph.csv")]
    ['graph-nodes.csv', 'graph-edges.csv']
    """
    path = Path(path)
    return path.with_name(f"{path.stem}-nodes.csv"), path.with_name(f"{path.stem}-edges.csv")


def write_csv(graph: nx.MultiDiGraph, path: str | Path) -> tuple[Path, Path]:
    """Write the node and edge tables Gephi's spreadsheet import recognises; return their paths.

    Nodes: ``Id,Label,Timeset,<attributes>``; edges: ``Source,Target,Type,Kind,Id,Weight,Timeset,
    <attributes>`` (Type is always ``Directed``). Timeset is Gephi's interval text
    (``<[2018-01-05, 2018-01-05]>``), empty when undated. Files are UTF-8 with a BOM, because Excel and
    some Gephi builds otherwise misread Arabic.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError("the CSV export writes two files; give a path (<stem>-nodes.csv, <stem>-edges.csv)")
    _refuse_csv_target(path)
    nodes_path, edges_path = csv_paths(path)
    flat = _flat_copy(graph)
    node_columns = list(_column_types((a for _, a in flat.nodes(data=True)), skip=_STRUCTURAL | {"timeset"}))
    edge_columns = list(_column_types((a for _, _, a in flat.edges(data=True)), skip=_STRUCTURAL | {"timeset"}))

    # Both files are written and synced before either replaces an earlier export: a pair from one run.
    with atomic_outputs([nodes_path, edges_path], "w", encoding="utf-8-sig", newline="") as (nodes, edges):
        writer = csv.writer(nodes)
        writer.writerow(["Id", "Label", "Timeset"] + node_columns)
        for node, attributes in flat.nodes(data=True):
            timeset = _timeset([(attributes["start"], attributes["end"])]) if "start" in attributes else ""
            writer.writerow([node, attributes.get("label", node), timeset]
                            + [attributes.get(name, "") for name in node_columns])
        writer = csv.writer(edges)
        writer.writerow(["Source", "Target", "Type", "Kind", "Id", "Weight", "Timeset"] + edge_columns)
        for source, target, key, attributes in flat.edges(keys=True, data=True):
            writer.writerow([source, target, "Directed", attributes.get("kind", ""), key,
                             attributes.get("weight", 1.0), attributes.get("timeset", "")]
                            + [attributes.get(name, "") for name in edge_columns])
    return nodes_path, edges_path


def _refuse_csv_target(path: str | Path) -> None:
    """The two CSV files are made beside ``path`` from its name: a device (``/dev/full``, ``/dev/stdout``)
    or a directory has no such place, and ``/dev/full-nodes.csv`` is not what anyone meant."""
    if is_stream_target(path):
        raise OutputError(f"cannot write {path}: the CSV export writes two files, NAME-nodes.csv and "
                          f"NAME-edges.csv; give -o NAME.csv, not a device")
    if Path(path).is_dir():
        raise OutputError(f"cannot write {path}: it is a directory; give -o FOLDER/NAME.csv")


def write_graph(graph: nx.MultiDiGraph, path_or_file: PathOrFile, fmt: str) -> None:
    """Write ``graph`` as ``gexf``, ``graphml`` (a path or a binary file) or ``csv`` (a path: see
    ``csv_paths``).

    >>> import io
    >>> out = io.BytesIO(); write_graph(nx.MultiDiGraph(), out, "graphml"); b"<graphml" in out.getvalue()
    True
    """
    if fmt == "gexf":
        write_gexf(graph, path_or_file)
    elif fmt == "graphml":
        write_graphml(graph, path_or_file)
    elif fmt == "csv":
        write_csv(graph, path_or_file)
    else:
        raise ValueError(f"unknown graph format {fmt!r}; one of: {', '.join(FORMATS)}")


def export_graph(store: KGStore, path: PathOrFile, fmt: str = "gexf", view: str = "actors",
                 filters: GraphFilter = GraphFilter(), label_lang: str = "en") -> tuple[int, int]:
    """Build one view and write it; return (nodes, edges). What ``kgb export gexf|graphml|csv`` runs.

    >>> import tempfile, pathlib
    >>> from kg_builder.store import open_store
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with open_store(folder / "store") as store:
    ...     export_graph(store, folder / "g.gexf", "gexf", view="actor-place")
    (0, 0)
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; one of: {', '.join(FORMATS)}")
    graph = build_graph(store, view, filters, label_lang)
    write_graph(graph, path, fmt)
    return graph.number_of_nodes(), graph.number_of_edges()
