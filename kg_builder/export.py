"""Export the events of the store as JSON Lines, one event a line: how the extractor is measured.

    >>> import io, tempfile
    >>> from kg_builder.store import open_store
    >>> with open_store(tempfile.mkdtemp()) as store:
    ...     export_events(store, io.StringIO())
    0

The line format is a contract (the evaluation reads it); keep it stable::

    {"doc": "seed-omar-field",                        # the article's dcterms:identifier
     "id": "https://w3id.org/kg-builder/id/event/...",
     "event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
     "cameo": "194", "plover": "ASSAULT",             # null when the ontology graph is not loaded
     "actors": [ENTITY], "targets": [ENTITY], "locations": [ENTITY + "lat", "lon"],
     "date": "2018-06-19" | null,                     # only for a day with a known year
     "date_precision": "day" | "month" | "year" | "relative" | null,
     "killed": int | null, "injured": int | null,
     "weapons": ["rocket", ...],                      # names of the closed list
     "claimed_by": [ENTITY], "responds_to": event IRI | null,
     "confidence": 0.8,
     "evidence": [{"text": "...", "start": 120, "end": 245}]}

    ENTITY = {"iri", "label_en", "label_ar", "type" (class local name),
              "mentions": [the entity's mention texts in that article, in text order, unique]}

``write_events(store, path)`` (what ``kgb export events -o FILE`` runs) writes the file whole or not at
all: under a temporary name, renamed over an earlier export only once complete (``kg_builder.files``).

Lines are sorted by doc, then by the start of the first evidence, then by id. Entity lists are in the
order the article first mentions them (then by IRI). The export runs a fixed handful of SPARQL queries
over the whole store, so its cost grows with the store, not with one query per event.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from kg_builder.files import atomic_output
from kg_builder.model import EVENT_TYPE_OF, WEAPONS
from kg_builder.rdf import ACLED_NAME_OF_CLASS, KGB, ONTOLOGY_GRAPH, XSD, local_name
from kg_builder.store import KGStore

#: The keys of an exported event, in the order they are written.
EVENT_KEYS: tuple[str, ...] = (
    "doc", "id", "event_type", "sub_event_type", "cameo", "plover", "actors", "targets", "locations",
    "date", "date_precision", "killed", "injured", "weapons", "claimed_by", "responds_to", "confidence",
    "evidence",
)
ENTITY_KEYS: tuple[str, ...] = ("iri", "label_en", "label_ar", "type", "mentions")
LOCATION_KEYS: tuple[str, ...] = ENTITY_KEYS + ("lat", "lon")

_ROLES = {KGB + "actor": "actors", KGB + "target": "targets", KGB + "location": "locations",
          KGB + "claimedBy": "claimed_by"}
# Types every entity carries besides its specific class (materialised by kg_builder.rdf).
_GENERIC_ENTITY_TYPES = {"Actor", "Place"}

_EVENTS = """
SELECT ?e ?doc ?date ?precision ?killed ?injured ?respondsTo ?confidence WHERE {
  ?e a kgb:Event ; prov:wasDerivedFrom ?article .
  ?article dcterms:identifier ?doc .
  OPTIONAL { ?e kgb:date ?date }
  OPTIONAL { ?e kgb:datePrecision ?precision }
  OPTIONAL { ?e kgb:killed ?killed }
  OPTIONAL { ?e kgb:injured ?injured }
  OPTIONAL { ?e kgb:respondsTo ?respondsTo }
  OPTIONAL { ?e kgb:confidence ?confidence }
}"""

_EVENT_CLASSES = "SELECT ?e ?class WHERE { ?e a kgb:Event ; a ?class }"

_ROLE_VALUES = """
SELECT ?e ?role ?x WHERE {
  VALUES ?role { kgb:actor kgb:target kgb:location kgb:claimedBy }
  ?e a kgb:Event ; ?role ?x .
}"""

_WEAPONS = "SELECT ?e ?weapon WHERE { ?e a kgb:Event ; kgb:weapon ?weapon }"

_EVIDENCE = """
SELECT ?e ?text ?start ?end WHERE {
  ?e a kgb:Event ; kgb:evidence ?ev .
  ?ev kgb:text ?text ; kgb:start ?start ; kgb:end ?end .
}"""

# Facts about the entities the events name, with the graph they come from (to prefer the gazetteer's).
_ENTITY_FACTS = """
SELECT ?x ?p ?o ?g WHERE {
  { SELECT DISTINCT ?x WHERE {
      VALUES ?role { kgb:actor kgb:target kgb:location kgb:claimedBy }
      ?e ?role ?x } }
  VALUES ?p { rdf:type skos:prefLabel wgs:lat wgs:long }
  GRAPH ?g { ?x ?p ?o }
}"""

_MENTIONS = """
SELECT ?article ?x ?text ?start WHERE {
  ?m a kgb:Mention ; kgb:denotes ?x ; kgb:inArticle ?article ; kgb:text ?text ; kgb:start ?start .
}"""

_ARTICLES_OF_EVENTS = "SELECT ?e ?article WHERE { ?e a kgb:Event ; prov:wasDerivedFrom ?article }"

# ACLED labels and codes from the ontology graph (absent when it is not loaded: the export falls back on
# kg_builder.model for the names and writes null codes).
_CLASS_FACTS = """
SELECT ?class ?label ?super ?cameo ?plover WHERE {
  GRAPH <%s> {
    ?class rdfs:subClassOf ?super .
    OPTIONAL { ?class skos:prefLabel ?label FILTER(langMatches(lang(?label), "en")) }
    OPTIONAL { ?class kgb:cameoCode ?cameo }
    OPTIONAL { ?class kgb:ploverCategory ?plover }
  }
}""" % ONTOLOGY_GRAPH


def _python(term):
    """A literal as the Python value the contract wants (int, float, str); an IRI as its string."""
    if term is None:
        return None
    datatype = getattr(term, "datatype", None)
    if datatype is not None:
        dt = datatype.value
        if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(term.value)
        if dt in (XSD + "decimal", XSD + "double", XSD + "float"):
            return float(term.value)
    return term.value


def _pick(candidates: list[tuple[str, str]]) -> str | None:
    """One value among (graph, value) pairs: the ontology/gazetteer graph's first, then the smallest."""
    if not candidates:
        return None
    return min(candidates, key=lambda gv: (gv[0] != ONTOLOGY_GRAPH, gv[1]))[1]


def export_events(store: KGStore, out: TextIO) -> int:
    """Write every event of the store to ``out`` as JSON Lines (see the module doc); return how many."""
    q = store.query

    classes: dict[str, dict] = defaultdict(dict)
    for row in q(_CLASS_FACTS):
        facts = classes[row["class"].value]
        facts.setdefault("super", row["super"].value)
        for key in ("label", "cameo", "plover"):
            if row[key] is not None:
                facts.setdefault(key, row[key].value)

    events: dict[str, dict] = {}
    for row in q(_EVENTS):
        iri = row["e"].value
        date, precision = row["date"], _python(row["precision"])
        day = (date is not None and date.datatype.value == XSD + "date" and precision in ("day", None))
        events[iri] = {
            "doc": row["doc"].value, "id": iri, "event_type": None, "sub_event_type": None,
            "cameo": None, "plover": None, "actors": [], "targets": [], "locations": [],
            "date": date.value if day else None, "date_precision": precision,
            "killed": _python(row["killed"]), "injured": _python(row["injured"]), "weapons": [],
            "claimed_by": [], "responds_to": _python(row["respondsTo"]),
            "confidence": _python(row["confidence"]), "evidence": [],
        }

    for row in q(_EVENT_CLASSES):
        event = events.get(row["e"].value)
        class_iri = row["class"].value
        sub_name = ACLED_NAME_OF_CLASS.get(local_name(class_iri)) if class_iri.startswith(KGB) else None
        if event is None or sub_name not in EVENT_TYPE_OF:
            continue  # kgb:Event itself, or a class that is not an ACLED sub-event type
        facts = classes.get(class_iri, {})
        type_facts = classes.get(facts.get("super", ""), {})
        event["sub_event_type"] = facts.get("label") or sub_name
        event["event_type"] = type_facts.get("label") or EVENT_TYPE_OF[sub_name]
        event["cameo"] = facts.get("cameo")
        event["plover"] = facts.get("plover")

    article_of = {row["e"].value: row["article"].value for row in q(_ARTICLES_OF_EVENTS)}

    # Entities: labels, class, coordinates; mentions per (article, entity) in text order.
    labels: dict[tuple[str, str], list] = defaultdict(list)
    types: dict[str, list] = defaultdict(list)
    coords: dict[tuple[str, str], list] = defaultdict(list)
    for row in q(_ENTITY_FACTS):
        x, p, o, g = row["x"].value, local_name(row["p"].value), row["o"], row["g"].value
        if p == "prefLabel" and getattr(o, "language", None) in ("en", "ar"):
            labels[(x, o.language)].append((g, o.value))
        elif p == "type" and o.value.startswith(KGB) and local_name(o.value) not in _GENERIC_ENTITY_TYPES:
            types[x].append((g, local_name(o.value)))
        elif p in ("lat", "long"):
            coords[(x, p)].append((g, o.value))
    mentions: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for row in q(_MENTIONS):
        mentions[(row["article"].value, row["x"].value)].append((int(row["start"].value), row["text"].value))
    for spans in mentions.values():
        spans.sort()

    # Pick once per entity: a gazetteer entity's label is repeated in every article graph that names it,
    # so picking per event would cost events x articles.
    picked_labels = {key: _pick(candidates) for key, candidates in labels.items()}
    picked_types = {key: _pick(candidates) for key, candidates in types.items()}
    picked_coords = {key: _pick(candidates) for key, candidates in coords.items()}

    def entity(article: str, iri: str, with_coords: bool) -> dict:
        texts = list(dict.fromkeys(text for _, text in mentions.get((article, iri), ())))
        record = {"iri": iri, "label_en": picked_labels.get((iri, "en")), "label_ar": picked_labels.get((iri, "ar")),
                  "type": picked_types.get(iri), "mentions": texts}
        if with_coords:
            lat, lon = picked_coords.get((iri, "lat")), picked_coords.get((iri, "long"))
            record["lat"] = float(lat) if lat is not None else None
            record["lon"] = float(lon) if lon is not None else None
        return record

    def first_mention(article: str, iri: str) -> tuple[float, str]:
        spans = mentions.get((article, iri))
        return (spans[0][0] if spans else float("inf"), iri)

    role_members: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in q(_ROLE_VALUES):
        role_members[(row["e"].value, _ROLES[row["role"].value])].add(row["x"].value)
    for (event_iri, role), members in role_members.items():
        event = events.get(event_iri)
        if event is None:
            continue
        article = article_of.get(event_iri, "")
        ordered = sorted(members, key=lambda iri: first_mention(article, iri))
        event[role] = [entity(article, iri, role == "locations") for iri in ordered]

    weapon_rank = {name: i for i, name in enumerate(WEAPONS)}
    for row in q(_WEAPONS):
        event = events.get(row["e"].value)
        if event is not None:
            event["weapons"].append(local_name(row["weapon"].value))
    for row in q(_EVIDENCE):
        event = events.get(row["e"].value)
        if event is not None:
            event["evidence"].append({"text": row["text"].value, "start": int(row["start"].value),
                                      "end": int(row["end"].value)})

    def order(event: dict):
        first = event["evidence"][0]["start"] if event["evidence"] else float("inf")
        return (event["doc"], first, event["id"])

    for event in events.values():
        event["weapons"] = sorted(set(event["weapons"]), key=lambda w: (weapon_rank.get(w, len(WEAPONS)), w))
        unique = {(ev["start"], ev["end"], ev["text"]): ev for ev in event["evidence"]}
        event["evidence"] = [unique[k] for k in sorted(unique)]

    written = 0
    for event in sorted(events.values(), key=order):
        out.write(json.dumps(event, ensure_ascii=False) + "\n")
        written += 1
    return written


def write_events(store: KGStore, path: str | Path) -> int:
    """Export the events into the file ``path``; return how many. A failed or killed export leaves an
    earlier file at ``path`` as it was (see ``kg_builder.files.atomic_output``).

    >>> import pathlib, tempfile
    >>> from kg_builder.store import open_store
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with open_store(folder / "store") as store:
    ...     write_events(store, folder / "events.jsonl")
    0
    """
    with atomic_output(path, "w", encoding="utf-8") as out:
        return export_events(store, out)
