"""The merge policy: how two tellings of one incident combine into one.

An incident is told more than once: by two triggers of one sentence ("شنت ... غارات"، "قصف ...
واشتباكات"), in the lead and again in the body, by a second source. Whichever, the tellings combine by
one policy, :func:`merge_tellings`, used within a sentence (:func:`kg_builder.nlp.events._absorb`, on
the spaCy-side candidates) and across sentences (:func:`kg_builder.resolve.merge`, on the stage
records). Each caller reads its record into a :class:`Telling`, merges, and writes the answer back.

The policy (``a`` is the telling told first):

* **type** -- only violent types change (a strategic development keeps its own). A guessed type
  ("استهدف" with no weapon: ``weak_type``) gives way to one a telling says. Otherwise the more
  specific type wins (:data:`~kg_builder.model.SUB_EVENT_PRECEDENCE`: an air strike over shelling
  over a clash) when ``b`` says how it was done (a weapon; an attacker of its own; or it is told in
  ``a``'s sentence, whose attacker it shares) and is the same attacker's act -- another party's act
  told alongside ("بدعم من طيران التحالف") does not change what the first one did. **The clash
  rule**: remote fire (shelling, strikes, blasts) told without an attacker of its own leaves a battle
  a battle -- an armed clash with an attacker and an opponent who fights back, or a battle the fire
  only refers back to ("the air and artillery bombardment"): ACLED codes the clash.
* **tolls** -- killed counts all sides together (the guidelines): a breakdown by side ("21 soldiers
  and 8 attackers were killed") wins over a telling that counted only some of those sides, no
  higher ("21 soldiers killed"); otherwise two figures are two estimates of the same dead and the
  lowest stands ("conflicting sources -> the lowest"), an exact figure over "more than N" that it
  does not fall below (:func:`~kg_builder.model.lowest_toll`). Injured: the lowest. A toll said
  without a number ("dozens") in either telling is said.
* **date** -- a date of its own over one only assumed from the lead, then the most precise (a day
  over a month over a year over "days ago"), then the one told first.
* **confidence** -- the highest of the two.
* **roles** -- the union, in the order told (identities: the same entity by two names is one); in
  an armed clash a side told once as attacker and once as target is a side once, the attacker.
  Weapons: the union.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace

from kg_builder.model import (ALL_SIDES, DATE_PRECISION_RANK, EVENT_TYPE_OF, SUB_EVENT_RANK, UNNAMED_SIDE,
                              VIOLENT_EVENT_TYPES, lowest_toll)


@dataclass(frozen=True)
class When:
    """A telling's date as the policy compares it."""

    value: str | None
    precision: str | None
    from_lead: bool = False        # not its own: the lead's, assumed


@dataclass(frozen=True)
class Telling:
    """What the merge policy reads of one telling of an incident, whichever record it comes in.

    Roles are identities (``Hashable``): the entity key an entity will have, so that the same entity
    told by two names is one."""

    sub_event_type: str
    weak_type: bool = False
    actors: tuple[Hashable, ...] = ()
    targets: tuple[Hashable, ...] = ()
    locations: tuple[Hashable, ...] = ()
    claimants: tuple[Hashable, ...] = ()
    allies: frozenset = frozenset()     # the larger actors its actors fight as part of (the US: the coalition)
    armed_targets: bool = False         # one of its targets is an armed actor (an opponent who fights back)
    weapons: frozenset[str] = frozenset()
    refers_back: bool = False           # "the attack": no actor of its own, the incident told before
    sentences: frozenset = frozenset()  # the sentences that tell it (tellings of one sentence share an attacker)
    killed: int | None = None
    killed_bound: bool = False
    killed_sides: tuple[tuple[str, int], ...] = ()
    injured: int | None = None
    killed_vague: bool = False
    injured_vague: bool = False
    date: When | None = None
    confidence: float = 0.5

    @property
    def event_type(self) -> str:
        return EVENT_TYPE_OF[self.sub_event_type]

    @property
    def violent(self) -> bool:
        return self.event_type in VIOLENT_EVENT_TYPES


def _union(x: tuple, y: tuple) -> tuple:
    return tuple(dict.fromkeys(x + y))


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


# -- type ----------------------------------------------------------------------------------------
def same_attacker(a: Telling, b: Telling) -> bool:
    """Is ``b`` the act of ``a``'s attacker (or of no attacker said)? In a battle either side may be
    the one told as attacker next."""
    if not a.actors or not b.actors:
        return True
    sides = set(a.actors) | a.allies | (set(a.targets) if a.event_type == "Battles" else set())
    return bool(sides & (set(b.actors) | b.allies))


def stays_a_battle(a: Telling, b: Telling) -> bool:
    """The clash rule: a fight of armed men keeps its type whatever remote fire (shelling, strikes,
    blasts) went with it, when the fire is told without an attacker of its own (ACLED codes the clash).
    A battle's other sub-types (a place taken) still win by precedence."""
    if b.event_type != "Explosions/Remote violence" or b.actors:
        return False
    # "هاجم التنظيم مواقع قسد ... وتفجيرات رافقت الهجوم": an attacker and an opponent who fights back
    clash = a.sub_event_type == "Armed clash" and bool(a.actors) and (a.armed_targets or b.armed_targets)
    # the battle summed up afterwards ("the air and artillery bombardment")
    return clash or (b.refers_back and a.event_type == "Battles")


def says_how(a: Telling, b: Telling) -> bool:
    """Does ``b`` tell how the incident was done? A guessed type does not, nor a telling with no weapon
    and no attacker ("the attacks", "strikes") -- unless it is told in ``a``'s sentence, whose
    attacker is its own ("هاجموا مخيما ... وأخذوا منه خمسين عائلة رهائن")."""
    if b.weak_type:
        return False
    return bool(b.weapons) or (bool(b.actors) and not b.refers_back) or bool(a.sentences & b.sentences)


def merged_type(a: Telling, b: Telling) -> tuple[str, bool]:
    """The sub-event type of the incident two tellings tell, and whether it is still a guess."""
    keep = a.sub_event_type, a.weak_type and b.weak_type
    if not (a.violent and b.violent) or b.weak_type or not (same_attacker(a, b) or a.refers_back):
        return keep
    if a.weak_type:
        return b.sub_event_type, False      # "استهدافات" guessed; "اشتباكات" says
    if (says_how(a, b) and not stays_a_battle(a, b)
            and SUB_EVENT_RANK.get(b.sub_event_type, 99) < SUB_EVENT_RANK.get(a.sub_event_type, 99)):
        return b.sub_event_type, False
    return keep


# -- tolls ---------------------------------------------------------------------------------------
def merged_toll(a: Telling, b: Telling) -> tuple[int | None, bool, tuple[tuple[str, int], ...]]:
    """(killed, whether it is only a bound, by side) of two tellings: the lowest (two estimates of
    the same dead; "more than N" gives way to an exact figure), unless one telling breaks the toll
    down by side and the other told only some of those sides with no higher figure ("21 soldiers
    killed"; then "21 soldiers and 8 attackers were killed": 29, all sides together)."""
    sides_a, sides_b = dict(a.killed_sides), dict(b.killed_sides)
    for part, whole, whole_t in ((sides_a, sides_b, b), (sides_b, sides_a, a)):
        if (part and whole and whole_t.killed is not None and not {UNNAMED_SIDE, ALL_SIDES} & (set(part) | set(whole))
                and set(part) < set(whole) and all(part[k] <= whole[k] for k in part)):
            return whole_t.killed, whole_t.killed_bound, whole_t.killed_sides
    killed, bound = lowest_toll(a.killed, a.killed_bound, b.killed, b.killed_bound)
    sides = a.killed_sides if len(a.killed_sides) >= len(b.killed_sides) else b.killed_sides
    return killed, bound, sides


# -- date ----------------------------------------------------------------------------------------
def _date_rank(w: When) -> tuple[int, int]:
    return int(w.from_lead), DATE_PRECISION_RANK.get(w.precision, 9)


def merged_date(a: When | None, b: When | None) -> When | None:
    """The date of the incident: a date of its own over one assumed from the lead, then the most
    precise, then ``a``'s (told first: the lead tells the incident's day, the body what followed)."""
    if b is None or b.precision is None:
        return a
    if a is None or a.precision is None:
        return b
    return b if _date_rank(b) < _date_rank(a) else a


# -- the whole -----------------------------------------------------------------------------------
def merged_targets(a: Telling, b: Telling, actors: tuple) -> tuple:
    """The targets of both, in the order told -- in an armed clash, a side told once as attacker and
    once as target is a side, once: the attacker (of a place taken, who lost it stays the target)."""
    targets = _union(a.targets, b.targets)
    if a.sub_event_type == "Armed clash":
        return tuple(t for t in targets if t not in actors)
    return targets


def merge_tellings(a: Telling, b: Telling) -> Telling:
    """One telling of the incident out of two (``a`` told first): see the module's policy."""
    sub, weak = merged_type(a, b)
    actors = _union(a.actors, b.actors)
    killed, killed_bound, killed_sides = merged_toll(a, b)
    return replace(
        a, sub_event_type=sub, weak_type=weak, actors=actors,
        targets=merged_targets(a, b, actors),
        locations=_union(a.locations, b.locations), claimants=_union(a.claimants, b.claimants),
        allies=a.allies | b.allies, sentences=a.sentences | b.sentences,
        armed_targets=a.armed_targets or b.armed_targets,
        weapons=a.weapons | b.weapons,
        # still "the attack" told before only while no telling says who did it
        refers_back=(a.refers_back or b.refers_back) and not actors,
        killed=killed, killed_bound=killed_bound, killed_sides=killed_sides,
        injured=_min(a.injured, b.injured),
        killed_vague=a.killed_vague or b.killed_vague, injured_vague=a.injured_vague or b.injured_vague,
        date=merged_date(a.date, b.date), confidence=max(a.confidence, b.confidence),
    )
