"""The reference gazetteer: known actors and places, read from ``ontology/gazetteer-*.ttl``.

Each entry is one ``kgr:actor/<slug>`` or ``kgr:place/<slug>`` resource of those Turtle files, with its
class, its Arabic and English labels (preferred and alternative), and for places its coordinates and the
place it lies in. Parsing uses :func:`pyoxigraph.parse` (fast, and keeps rdflib out of the runtime path);
the result is cached per directory.

>>> gaz = load_gazetteer()
>>> gaz.get("actor/hezbollah").label_en
'Hezbollah'
>>> "الميليشيا اللبنانية" in gaz.get("actor/hezbollah").alt_labels_ar
True
>>> gaz.get("place/palmyra").located_in
'place/homs-governorate'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph

from kg_builder.resources import ontology_dir

__all__ = [
    "KGB",
    "KGR",
    "GazetteerEntry",
    "Gazetteer",
    "load_gazetteer",
    "ontology_files",
    "class_hierarchy",
]

#: Our terms (classes and properties).
KGB = "https://w3id.org/kg-builder/ontology#"
#: Our resources (events, entities, articles); an entry's key is its IRI after this prefix.
KGR = "https://w3id.org/kg-builder/id/"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PREF = _SKOS + "prefLabel"
_ALT = _SKOS + "altLabel"
_WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
_LAT = _WGS + "lat"
_LONG = _WGS + "long"
_LOCATED_IN = KGB + "locatedIn"
_MEMBER_OF = KGB + "memberOf"


@dataclass(frozen=True)
class GazetteerEntry:
    """One known actor or place.

    ``key`` is the IRI after ``kgr:`` (``"actor/hezbollah"``), the same string as ``Entity.key`` of
    :mod:`kg_builder.model`; ``type`` is the local name of its ``kgb:`` class (``"Militia"``).
    ``located_in`` is the key of the place it lies in (places only), or None.
    """

    key: str
    iri: str
    kind: str  # "actor" or "place"
    type: str
    label_ar: str | None
    label_en: str | None
    alt_labels_ar: tuple[str, ...] = ()
    alt_labels_en: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    located_in: str | None = None
    member_of: tuple[str, ...] = ()    # actors only: the larger actors it fights as part of

    def labels(self, lang: str | None = None) -> tuple[str, ...]:
        """Preferred then alternative labels, in ``lang`` ("ar" or "en") or in both.

        >>> load_gazetteer().get("actor/sdf").labels("ar")[:2]
        ('قوات سوريا الديمقراطية', 'قسد')
        """
        out: list[str] = []
        if lang in (None, "ar"):
            out += ([self.label_ar] if self.label_ar else []) + list(self.alt_labels_ar)
        if lang in (None, "en"):
            out += ([self.label_en] if self.label_en else []) + list(self.alt_labels_en)
        return tuple(out)


class Gazetteer:
    """The entries of the gazetteer, sorted by key, with lookup by key.

    >>> gaz = load_gazetteer()
    >>> len(gaz) > 100, gaz.get("place/nowhere")
    (True, None)
    >>> [e.key for e in gaz if e.type == "OilField"][:2]
    ['place/al-jafra-field', 'place/al-jibsa-field']
    """

    def __init__(self, entries: tuple[GazetteerEntry, ...]) -> None:
        self.entries: tuple[GazetteerEntry, ...] = tuple(sorted(entries, key=lambda e: e.key))
        self._by_key = {e.key: e for e in self.entries}

    def get(self, key: str) -> GazetteerEntry | None:
        """The entry with this key (``"place/palmyra"``), or None."""
        return self._by_key.get(key)

    def __getitem__(self, key: str) -> GazetteerEntry:
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self) -> Iterator[GazetteerEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def of_kind(self, kind: str) -> tuple[GazetteerEntry, ...]:
        """The actors (``kind="actor"``) or the places (``kind="place"``)."""
        return tuple(e for e in self.entries if e.kind == kind)

    def ancestors(self, key: str) -> tuple[str, ...]:
        """The keys of the places ``key`` lies in, nearest first (follows ``kgb:locatedIn``).

        >>> load_gazetteer().ancestors("place/al-omar-base")
        ('place/al-omar-field', 'place/deir-ez-zor-governorate', 'place/syria')
        """
        out: list[str] = []
        entry = self.get(key)
        while entry is not None and entry.located_in and entry.located_in not in out:
            out.append(entry.located_in)
            entry = self.get(entry.located_in)
        return tuple(out)


def ontology_files(directory: Path | None = None) -> list[Path]:
    """Every Turtle file of the ontology folder, sorted by name.

    >>> [p.name for p in ontology_files()][:2]
    ['gazetteer-actors.ttl', 'gazetteer-places.ttl']
    """
    folder = Path(directory) if directory is not None else ontology_dir()
    return sorted(folder.glob("*.ttl"))


def load_gazetteer(directory: Path | None = None) -> Gazetteer:
    """Read ``gazetteer-*.ttl`` of ``directory`` (default: the packaged ontology folder); cached.

    Raises ``ValueError`` if a file does not parse or an entry lacks a ``kgb:`` class.
    """
    folder = Path(directory) if directory is not None else ontology_dir()
    return _load(str(folder.resolve()))


@lru_cache(maxsize=8)
def _load(folder: str) -> Gazetteer:
    types: dict[str, list[str]] = defaultdict(list)
    pref: dict[tuple[str, str], str] = {}
    alts: dict[tuple[str, str], list[str]] = defaultdict(list)
    lat: dict[str, float] = {}
    lon: dict[str, float] = {}
    located: dict[str, str] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for path in sorted(Path(folder).glob("gazetteer-*.ttl")):
        try:
            quads = list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE))
        except SyntaxError as exc:  # pyoxigraph reports Turtle errors as SyntaxError
            raise ValueError(f"{path}: {exc}") from exc
        for q in quads:
            s, p, o = q.subject, q.predicate.value, q.object
            if not isinstance(s, pyoxigraph.NamedNode) or not s.value.startswith(KGR):
                continue
            subj = s.value
            if p == _RDF_TYPE and o.value.startswith(KGB):
                types[subj].append(o.value[len(KGB):])
            elif p in (_PREF, _ALT) and isinstance(o, pyoxigraph.Literal) and o.language:
                lang = o.language.split("-")[0].lower()
                if p == _PREF:
                    pref[(subj, lang)] = o.value
                else:
                    alts[(subj, lang)].append(o.value)
            elif p == _LAT and isinstance(o, pyoxigraph.Literal):
                lat[subj] = float(o.value)
            elif p == _LONG and isinstance(o, pyoxigraph.Literal):
                lon[subj] = float(o.value)
            elif p == _LOCATED_IN and isinstance(o, pyoxigraph.NamedNode) and o.value.startswith(KGR):
                located[subj] = o.value[len(KGR):]
            elif p == _MEMBER_OF and isinstance(o, pyoxigraph.NamedNode) and o.value.startswith(KGR):
                members[subj].append(o.value[len(KGR):])

    subjects = set(types) | {s for s, _ in pref} | {s for s, _ in alts}
    entries = []
    for iri in subjects:
        key = iri[len(KGR):]
        kind = key.split("/", 1)[0]
        if kind not in ("actor", "place"):
            continue
        if not types[iri]:
            raise ValueError(f"gazetteer entry {key} has no kgb: class")
        entries.append(
            GazetteerEntry(
                key=key,
                iri=iri,
                kind=kind,
                type=sorted(types[iri])[0],
                label_ar=pref.get((iri, "ar")),
                label_en=pref.get((iri, "en")),
                alt_labels_ar=tuple(alts[(iri, "ar")]),
                alt_labels_en=tuple(alts[(iri, "en")]),
                lat=lat.get(iri),
                lon=lon.get(iri),
                located_in=located.get(iri),
                member_of=tuple(sorted(members.get(iri, ()))),
            )
        )
    return Gazetteer(tuple(entries))


def class_hierarchy(directory: Path | None = None) -> dict[str, tuple[str, ...]]:
    """``kgb:`` class local name -> its direct ``kgb:`` superclasses, from ``kgb.ttl``.

    >>> class_hierarchy()["ShellingArtilleryMissileAttack"]
    ('ExplosionsRemoteViolence',)
    >>> class_hierarchy()["Militia"]
    ('Actor',)
    """
    folder = Path(directory) if directory is not None else ontology_dir()
    return _hierarchy(str(folder.resolve()))


@lru_cache(maxsize=8)
def _hierarchy(folder: str) -> dict[str, tuple[str, ...]]:
    supers: dict[str, list[str]] = defaultdict(list)
    for q in pyoxigraph.parse(path=Path(folder) / "kgb.ttl", format=pyoxigraph.RdfFormat.TURTLE):
        if (
            q.predicate.value == _RDFS_SUBCLASS
            and q.subject.value.startswith(KGB)
            and isinstance(q.object, pyoxigraph.NamedNode)
            and q.object.value.startswith(KGB)
        ):
            supers[q.subject.value[len(KGB):]].append(q.object.value[len(KGB):])
    return {cls: tuple(sorted(s)) for cls, s in supers.items()}
