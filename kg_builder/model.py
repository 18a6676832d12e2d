"""The small typed records passed from one stage of the flow to the next.

    ingest -> Article -> normalise/nlp -> extract -> Extraction -> resolve -> Extraction -> rdf -> quads -> store

Every record is a frozen dataclass: a stage builds new ones, it never edits what it was given.
Offsets (``start``, ``end``) are always character offsets into ``Article.text`` as ingested
(after junk removal), never into a normalised copy, so evidence can be shown to an analyst as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

#: ACLED event types and their sub-event types, exactly as ACLED (and the gold guidelines) write them.
ACLED_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Air/drone strike",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Suicide bomb",
        "Grenade",
        "Chemical weapon",
    ),
    "Violence against civilians": ("Attack", "Abduction/forced disappearance", "Sexual violence"),
    "Strategic developments": (
        "Non-violent transfer of territory",
        "Looting/property destruction",
        "Arrests",
        "Headquarters or base established",
        "Agreement",
        "Change to group/activity",
        "Disrupted weapons use",
        "Other",
    ),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
}

#: sub-event type -> event type
EVENT_TYPE_OF: dict[str, str] = {sub: typ for typ, subs in ACLED_TYPES.items() for sub in subs}

#: The violent ACLED event types: tellings of one of them and of another may be one incident (a clash
#: told once as shelling), never a violent one and a strategic development.
#: (``kg_builder.evaluate`` keeps its own copy on purpose: it mirrors the reference scorer.)
VIOLENT_EVENT_TYPES: frozenset[str] = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})

#: Who may fight: actor classes that make a target an armed opponent (a clash, not an attack on civilians).
ARMED_ACTOR_TYPES: frozenset[str] = frozenset(
    {"StateForces", "ForeignForces", "Militia", "ArmedGroup", "Rebels", "UnidentifiedArmedGroup"})

#: Taking territory: by force, by a non-state actor or by the state (ACLED: who took it decides which),
#: or without fighting.
TERRITORY_BY_FORCE: tuple[str, ...] = ("Non-state actor overtakes territory", "Government regains territory")
TERRITORY_TYPES: tuple[str, ...] = TERRITORY_BY_FORCE + ("Non-violent transfer of territory",)

#: Place classes too large to tie a telling to one incident: two tellings that share only one of these
#: (a country, a governorate, a broad area) are not thereby one incident.
BROAD_PLACE_TYPES: frozenset[str] = frozenset({"Country", "Governorate", "Region", "Area", "River"})

#: When two tellings of one incident disagree on the sub-event type, the one earlier here wins
#: (ACLED precedence: an air strike over shelling, shelling over a generic armed clash).
SUB_EVENT_PRECEDENCE: tuple[str, ...] = (
    "Chemical weapon", "Suicide bomb", "Air/drone strike", "Remote explosive/landmine/IED", "Grenade",
    "Shelling/artillery/missile attack", "Non-state actor overtakes territory", "Government regains territory",
    "Abduction/forced disappearance", "Attack", "Armed clash",
)
#: sub-event type -> its place in SUB_EVENT_PRECEDENCE (lower wins); types not listed rank after all
SUB_EVENT_RANK: dict[str, int] = {sub: i for i, sub in enumerate(SUB_EVENT_PRECEDENCE)}

#: The closed weapon list of the annotation guidelines.
WEAPONS: tuple[str, ...] = (
    "artillery", "rocket", "missile", "mortar", "drone", "aircraft", "small_arms",
    "ied", "car_bomb", "suicide_bomb", "grenade", "chemical", "landmine",
)

#: How precise a date is: a known day, only the month, only the year, or "relative" (e.g. "days ago").
DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year", "relative")
#: precision -> rank, most precise first (a day over a month over a year over "days ago")
DATE_PRECISION_RANK: dict[str, int] = {p: i for i, p in enumerate(DATE_PRECISIONS)}

#: The side of a killed figure that counts all sides ("the death toll rose to 27"), and the side of a
#: figure whose victims are not named ("5 people"): keys of ``Event.killed_sides``.
ALL_SIDES = "*"
UNNAMED_SIDE = ""


class ResponseLink(Enum):
    """Where the event an event answers is told: the text says "in response to" (ردا على، ردت)
    but not yet which event; :func:`kg_builder.resolve.resolve` finds it and sets ``Event.responds_to``."""

    EARLIER = "earlier"     # "وردت فصائل المعارضة بقصف ...": an event told before it
    LATER = "later"         # "قصفت إسرائيل ... ردا على إطلاق صواريخ": the one told after it, same sentence


@dataclass(frozen=True)
class Article:
    """One news article as ingested: its text and what we know about where it came from."""

    id: str
    text: str
    lang: str | None = None            # "ar", "en", or another ISO 639-1 code; None if unknown
    title: str | None = None
    url: str | None = None
    published: str | None = None       # ISO date "YYYY-MM-DD", or None when unknown
    source: str | None = None          # the outlet, e.g. "skynews"
    origin: str | None = None          # the file (and line, "file.jsonl:12") it was read from
    metadata: dict[str, str] = field(default_factory=dict)  # unknown JSONL keys, kept as strings


@dataclass(frozen=True)
class Span:
    """A stretch of the original article text: ``Article.text[start:end] == text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Entity:
    """An actor or a place the article talks about (canonical after ``resolve``).

    ``key`` identifies the entity across articles: a gazetteer entry's key (e.g. ``"actor/hezbollah"``)
    or, for a name no gazetteer lists, a key minted from its normalised name (``"actor/new-<hash>"``).
    """

    key: str
    kind: str                          # "actor" or "place"
    type: str                          # ontology class local name, e.g. "Militia", "OilField"
    label_ar: str | None = None
    label_en: str | None = None
    lat: float | None = None
    lon: float | None = None
    in_gazetteer: bool = False
    mentions: tuple[Span, ...] = ()
    member_of: tuple[str, ...] = ()    # actors: keys of the larger actors it fights as part of


@dataclass(frozen=True)
class Claim:
    """Who reports an event and, where they give them, the figures they give."""

    claimant: str                      # Entity.key of the source (a monitor, an outlet, "local sources")
    killed: int | None = None
    injured: int | None = None
    evidence: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Event:
    """One incident: who did what to whom, where, when, with what, with what toll, says whom."""

    key: str                           # unique inside the article, e.g. "e1"
    sub_event_type: str                # ACLED sub-event type name, a key of EVENT_TYPE_OF
    actors: tuple[str, ...] = ()       # Entity.key of each
    targets: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    date: str | None = None            # "YYYY-MM-DD" (day), "YYYY-MM" (month) or "YYYY" (year)
    date_precision: str | None = None  # one of DATE_PRECISIONS, None when no time is said
    date_from_lead: bool = False       # no date of its own: the lead's date was taken (weaker evidence)
    killed: int | None = None
    injured: int | None = None
    killed_vague: bool = False         # "dozens were killed": a toll was said, without a number
    injured_vague: bool = False
    # the killed figure by side as the text splits it (side name -> number; "" unnamed, "*" all sides):
    # lets a merge tell a breakdown ("21 soldiers and 8 attackers") from a second estimate
    killed_sides: tuple[tuple[str, int], ...] = ()
    killed_bound: bool = False         # killed is "more than N" only: an exact figure told elsewhere wins
    weapons: tuple[str, ...] = ()      # from WEAPONS
    claims: tuple[Claim, ...] = ()
    response: ResponseLink | None = None  # told as a response, and where the event it answers is told
    responds_to: str | None = None     # Event.key of the event this one answers (set by resolve)
    confidence: float = 0.5
    evidence: tuple[Span, ...] = ()
    refers_back: bool = False          # told only as "the attack": the incident told before (resolve merges)
    background: bool = False           # told as an earlier incident (يذكر أن، سبق أن): never merged into another
    weak_type: bool = False            # the type is a guess ("استهدف" with no weapon): another telling decides

    @property
    def event_type(self) -> str:
        return EVENT_TYPE_OF[self.sub_event_type]


@dataclass(frozen=True)
class Control:
    """Who holds a place, as the article says ("الحقل الذي تسيطر عليه ميليشيا حزب الله")."""

    controller: str                    # Entity.key of the actor
    place: str                         # Entity.key of the place
    since: str | None = None           # "YYYY-MM-DD" / "YYYY-MM" / "YYYY" when the article says
    evidence: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one article."""

    article: Article
    entities: tuple[Entity, ...] = ()
    events: tuple[Event, ...] = ()
    controls: tuple[Control, ...] = ()
    notes: tuple[str, ...] = ()        # e.g. "language 'fr' is not extracted"

    def entity(self, key: str) -> Entity:
        for e in self.entities:
            if e.key == key:
                return e
        raise KeyError(key)


def acled_class_name(name: str) -> str:
    """The ontology class local name of an ACLED type: CamelCase of its words.

    >>> acled_class_name("Shelling/artillery/missile attack")
    'ShellingArtilleryMissileAttack'
    >>> acled_class_name("Non-state actor overtakes territory")
    'NonStateActorOvertakesTerritory'
    >>> acled_class_name("Explosions/Remote violence")
    'ExplosionsRemoteViolence'
    """
    import re

    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w)


def lowest_toll(a: int | None, a_bound: bool, b: int | None, b_bound: bool) -> tuple[int | None, bool]:
    """Two figures for the same dead: the lowest stands (conflicting sources), except that "more
    than N" gives way to an exact figure that is not below it ("more than 20", then "23").
    Returns (figure, whether it is still a bound).

    >>> lowest_toll(20, True, 23, False)
    (23, False)
    >>> lowest_toll(7, False, 9, False)
    (7, False)
    """
    if a is None:
        return b, b_bound
    if b is None:
        return a, a_bound
    if a_bound and not b_bound and b >= a:
        return b, False
    if b_bound and not a_bound and a >= b:
        return a, False
    return (a, a_bound) if a <= b else (b, b_bound)
