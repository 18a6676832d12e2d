"""What the spaCy components find, as plain records on the ``Doc`` (``doc._.entities``, ...).

These records are spaCy-side: token indices into the Doc plus character offsets into the article's
original text. :mod:`kg_builder.extract` turns them into the stage records of :mod:`kg_builder.model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg_builder.model import ResponseLink


@dataclass
class EntityMention:
    """A name in the text that denotes an actor or a place."""

    start: int                 # token index (inclusive)
    end: int                   # token index (exclusive)
    start_char: int
    end_char: int
    text: str
    kind: str                  # "actor" | "place"
    type: str                  # ontology class local name
    key: str | None            # gazetteer key when known, else None (minted by resolve from ``name``)
    name: str                  # normalised name, the identity of an entity no gazetteer lists
    origin: str                # "gazetteer" | "pattern" | "affiliation" | "learned" | "coref" | "nisba"
    # its first word carries a preposition (بالتحالف، للنظام), not a letter of the name (بريطانيا،
    # لبنان); None when the finder could not tell
    preposition: bool | None = None


@dataclass
class Quantity:
    """A number in the text (token span), with its value or a flag that it was vague."""

    start: int
    end: int
    value: int | None
    vague: bool = False
    more_than: bool = False    # "أكثر من 20": a bound only; an exact figure told elsewhere is better


@dataclass
class DateRef:
    """A date expression resolved against the publication date."""

    start: int
    end: int
    value: str | None
    precision: str | None


@dataclass
class EventCandidate:
    """One event as found in one sentence, before events of the same incident are merged.

    Its fields bear the names of :class:`kg_builder.model.Event`'s (``refers_back``, ``response``,
    ``weak_type``...): it is the same record, still mutable and holding mentions, not yet keys."""

    sub_event_type: str
    trigger_start: int
    trigger_end: int
    sentence_start_char: int
    sentence_end_char: int
    sentence_index: int
    actors: list[EntityMention] = field(default_factory=list)
    targets: list[EntityMention] = field(default_factory=list)
    locations: list[EntityMention] = field(default_factory=list)
    killed: int | None = None
    injured: int | None = None
    killed_vague: bool = False
    injured_vague: bool = False
    # whose dead the killed figure counts, side (entity key or name; "" unnamed, "*" all sides) -> number
    killed_sides: dict[str, int] = field(default_factory=dict)
    killed_bound: bool = False  # the killed figure is "more than N": an exact one told elsewhere wins
    weapons: set[str] = field(default_factory=set)
    date: DateRef | None = None
    date_from_lead: bool = False
    claimants: list[EntityMention] = field(default_factory=list)
    # told as a response ("ردا على"، "ردت"), and where the event it answers is told: before it, or
    # (LATER) after it in the same sentence
    response: ResponseLink | None = None
    refers_back: bool = False  # "the attack" with no actor of its own: the incident told before
    background: bool = False   # "it is recalled that ...": an earlier incident, not the story's own
    roleless: bool = False     # no actor, target or place of its own (kept only joined to another)
    weak_type: bool = False    # the type is a guess (a "weak" trigger, no weapon named): another telling decides
    alongside: bool = False    # another party's act told as support of the sentence's incident (بدعم من غارات)
    by_verb: bool = False      # told by a verb (قصفت), not only by a noun (القصف، غارة)
    confidence: float = 0.5


@dataclass
class ControlCandidate:
    """A statement of who holds a place, in one sentence."""

    controller: EntityMention
    place: EntityMention
    sentence_start_char: int
    sentence_end_char: int
    since: DateRef | None = None
