"""Resolve: one event per incident, responses linked, claims gathered -- a stage of its own.

    extraction = resolve(extraction)     # after Extractor.extract(..., resolve=False)

An article tells an incident more than once: in the lead, again in the body, once more through a
second source. :func:`resolve` merges those event records into one (:func:`merge`, by the merge policy
of :mod:`kg_builder.merge`, the same that joins two triggers of one sentence), keeping all their
evidence and all their claimants; the toll of a merged event follows the guidelines (all sides
together; conflicting sources: the lowest), while each :class:`~kg_builder.model.Claim` keeps its
own figures. It then links responses (رداً على، ردّت) to the event they answer: an event told as a
response (``Event.response``) gets the key of the event it answers in ``responds_to``.
"""

from __future__ import annotations

from dataclasses import replace

from kg_builder.merge import Telling, When, merge_tellings
from kg_builder.model import (ARMED_ACTOR_TYPES, BROAD_PLACE_TYPES, EVENT_TYPE_OF, TERRITORY_BY_FORCE,
                              TERRITORY_TYPES, VIOLENT_EVENT_TYPES, Claim, Control, Event, Extraction,
                              ResponseLink)

# places too large to say two tellings are of one incident (and places of no known class)
BROAD_PLACES = BROAD_PLACE_TYPES | {None}
# places that say little once a place inside or along them is named ("Syria", "east of the Euphrates")
VAGUE_PLACES = {"Country", "Area", "River"}
def _family(e: Event) -> str:
    t = EVENT_TYPE_OF[e.sub_event_type]
    return "violent" if t in VIOLENT_EVENT_TYPES else t


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _dates_conflict(a: Event, b: Event) -> bool:
    if {a.date_precision, b.date_precision} == {"relative", "day"}:
        return True         # "days ago" is not the day the story tells
    if a.date_from_lead or b.date_from_lead:
        return False        # a date only assumed from the lead contradicts nothing
    if a.date and b.date and a.date_precision == "day" and b.date_precision == "day":
        return a.date != b.date
    if a.date and b.date and {a.date_precision, b.date_precision} <= {"day", "month", "year"}:
        # "late July" is not 10 September: a coarser date must contain the finer one
        n = min(len(a.date), len(b.date))
        return a.date[:n] != b.date[:n]
    return False


def _swapped(a: Event, b: Event) -> bool:
    """Is who attacks in one telling attacked in the other ("the shelling of the group" is not the
    group's attack)?"""
    return bool(set(a.actors) & set(b.targets) or set(b.actors) & set(a.targets))


def _sides(actors: tuple[str, ...], members: dict[str, tuple[str, ...]] | None) -> set[str]:
    """The actors and the larger actors they fight as part of (the US and the coalition)."""
    out = set(actors)
    for k in actors:
        out.update((members or {}).get(k, ()))
    return out


def same_incident(a: Event, b: Event, entity_types: dict[str, str] | None = None,
                  members: dict[str, tuple[str, ...]] | None = None) -> bool:
    """Do two event records of one article tell the same incident?

    Same family of event, no contradicting day, and something in common: a target, or a place
    together with the actor (or with no actor said on one side). Two different attackers make two
    incidents -- unless it is the same kind of event at the same town or site (a strike on one
    village told once as American and once as the coalition's); ``entity_types`` (class by entity
    key) tells which places are that specific, and that civilians are no shared target."""
    if _family(a) != _family(b) or _dates_conflict(a, b):
        return False
    same_day = (a.date_precision == b.date_precision == "day" and a.date == b.date
                and not (a.date_from_lead or b.date_from_lead))
    if (a.response is None) != (b.response is None):
        return False
    # in a battle both parties fight: who is told as attacker and who as target is arbitrary (ACLED)
    # -- but of two takings of a place, who took it tells them apart (taken, then taken back)
    battle = a.event_type == b.event_type == "Battles" and "Armed clash" in (a.sub_event_type, b.sub_event_type)
    if not battle and _swapped(a, b):
        return False
    # a coalition member's strike told once by its name and once as the coalition's is one attacker
    actors_a = _sides(a.actors + (a.targets if battle else ()), members)
    actors_b = _sides(b.actors + (b.targets if battle else ()), members)
    # the same two parties fighting, one telling with no place of its own: one clash
    if battle and len(actors_a & actors_b) > 1 and (not a.locations or not b.locations):
        return True
    if (a.background or b.background) and not set(a.evidence) & set(b.evidence) and not same_day:
        # a recap ("وكانت إسرائيل قد ...") is the story's incident again only when it names the same day
        return False
    types = entity_types or {}
    if actors_a and actors_b and not actors_a & actors_b:
        specific = {k for k in set(a.locations) & set(b.locations) if types.get(k) not in BROAD_PLACES}
        return bool(specific) and a.sub_event_type == b.sub_event_type
    shared_actor = bool(actors_a & actors_b)
    # "civilians" are victims of many incidents: sharing them says nothing about being one incident
    shared_target = any(types.get(k) != "Civilians" for k in set(a.targets) & set(b.targets))
    # a country or a governorate in common says little when each telling names its own town or site
    specific_a = {k for k in a.locations if types.get(k) not in BROAD_PLACES}
    specific_b = {k for k in b.locations if types.get(k) not in BROAD_PLACES}
    shared_place = bool(set(a.locations) & set(b.locations)) and not (
        specific_a and specific_b and not specific_a & specific_b)
    if shared_target:
        return True
    if {a.event_type, b.event_type} == {"Battles", "Violence against civilians"}:
        # fighting armed men and abducting or killing civilians are one incident only on one target
        return False
    if shared_place and (shared_actor or not actors_a or not actors_b):
        return True
    if shared_actor and (not a.locations or not b.locations) and (not a.targets or not b.targets):
        return True
    return False


def _kind(sub_event_type: str) -> str:
    """The sub-event type, with taking territory one kind: who took it decides which (ACLED)."""
    return "territory" if sub_event_type in TERRITORY_TYPES else sub_event_type


def _retells_lead(lead: Event, ev: Event, members: dict[str, tuple[str, ...]] | None = None) -> bool:
    """Is ``ev`` the first retelling of the article's lead incident: the same attacker doing the same
    kind of thing, on no other day, told as the story's own (not as background)?"""
    return (_kind(lead.sub_event_type) == _kind(ev.sub_event_type)
            and bool(_sides(lead.actors, members) & _sides(ev.actors, members))
            and not _dates_conflict(lead, ev) and not lead.background and not ev.background
            and (lead.response is None) == (ev.response is None)
            and not _swapped(lead, ev))


def _telling(e: Event, types: dict[str, str] | None = None,
             members: dict[str, tuple[str, ...]] | None = None) -> Telling:
    """What the merge policy reads of an event record."""
    types = types or {}
    return Telling(
        sub_event_type=e.sub_event_type, weak_type=e.weak_type, actors=e.actors, targets=e.targets,
        locations=e.locations, claimants=tuple(c.claimant for c in e.claims),
        allies=frozenset(_sides(e.actors, members)) - set(e.actors),
        armed_targets=any(types.get(k) in ARMED_ACTOR_TYPES for k in e.targets),
        weapons=frozenset(e.weapons), refers_back=e.refers_back, sentences=frozenset(e.evidence),
        killed=e.killed, killed_bound=e.killed_bound, killed_sides=e.killed_sides, injured=e.injured,
        killed_vague=e.killed_vague, injured_vague=e.injured_vague,
        date=When(e.date, e.date_precision, e.date_from_lead) if e.date_precision is not None else None,
        confidence=e.confidence)


def merge(a: Event, b: Event, entity_types: dict[str, str] | None = None,
          members: dict[str, tuple[str, ...]] | None = None) -> Event:
    """One record out of two records of one incident (``a`` told first), by the merge policy of
    :mod:`kg_builder.merge`; ``entity_types`` (class by entity key) and ``members`` (the larger actors
    an actor fights as part of) tell the policy which targets fight back and who is one attacker.
    Each claimant's claim keeps its own figures (the lowest it gives)."""

    def union(x, y):
        return tuple(dict.fromkeys(x + y))

    claims = {}
    for c in a.claims + b.claims:
        old = claims.get(c.claimant)
        claims[c.claimant] = c if old is None else Claim(
            claimant=c.claimant, killed=_min(old.killed, c.killed), injured=_min(old.injured, c.injured),
            evidence=union(old.evidence, c.evidence))
    ta = _telling(a, entity_types, members)
    tb = _telling(b, entity_types, members)
    m = merge_tellings(ta, tb)
    date = m.date
    return replace(
        a,
        sub_event_type=m.sub_event_type, weak_type=m.weak_type,
        actors=m.actors, targets=m.targets, locations=m.locations,
        date=None if date is None else date.value, date_precision=None if date is None else date.precision,
        date_from_lead=a.date_from_lead if date is None else date.from_lead,
        killed=m.killed, killed_bound=m.killed_bound, killed_sides=m.killed_sides,
        injured=m.injured, killed_vague=m.killed_vague, injured_vague=m.injured_vague,
        weapons=tuple(sorted(m.weapons)),
        claims=tuple(claims.values()),
        confidence=m.confidence,
        evidence=union(a.evidence, b.evidence),
        refers_back=m.refers_back,
    )


def _territory_by_actor(event: Event, types: dict[str, str]) -> Event:
    """A place taken in fighting is "Government regains territory" when state forces take it, else a
    non-state actor's overtaking (ACLED); decided once the incident's actors are all known."""
    if event.sub_event_type not in TERRITORY_BY_FORCE or not event.actors:
        return event
    state = any(types.get(k) == "StateForces" for k in event.actors)
    return replace(event, sub_event_type=TERRITORY_BY_FORCE[1] if state else TERRITORY_BY_FORCE[0])


def _last_told(merged: list[Event]) -> int | None:
    """The index of the incident "the strikes" points back to: the one told last in the text (an
    incident told again later is told last), passing over an act told only as what a response answered
    ("ضربت ... ردا على إطلاق صواريخ": the strikes are the response's)."""
    def answered(k: int) -> bool:
        return any(q.response is ResponseLink.LATER and set(q.evidence) & set(merged[k].evidence)
                   for q in merged[:k])

    told = [k for k in range(len(merged)) if not answered(k)]
    return max(told, key=lambda k: (max(s.start for s in merged[k].evidence), k), default=None)


def resolve(extraction: Extraction) -> Extraction:
    """Merge repeated records of one incident, link responses, renumber events ``e1, e2, ...``.

    The stage after :meth:`kg_builder.extract.Extractor.extract` (which runs it itself unless called
    with ``resolve=False``): an extraction in, a new one out."""
    entity_types = {e.key: e.type for e in extraction.entities}
    members = {e.key: e.member_of for e in extraction.entities if e.member_of}
    merged: list[Event] = []
    lead_retold = False
    for ev in extraction.events:
        told = _last_told(merged) if ev.refers_back else None
        # "the shelling of the group" is not the group's own attack -- but in a battle the dead of
        # both sides are counted, and an attacker's dead are no sign of another incident
        if (ev.refers_back and told is not None and _family(merged[told]) == _family(ev) and not ev.background
                and (not _swapped(merged[told], ev) or merged[told].event_type == ev.event_type == "Battles")):
            merged[told] = merge(merged[told], ev, entity_types, members)
            continue
        for k, prev in enumerate(merged):
            if same_incident(prev, ev, entity_types, members):
                merged[k] = merge(prev, ev, entity_types, members)
                lead_retold = lead_retold or k == 0
                break
        else:
            if merged and not lead_retold and _retells_lead(merged[0], ev, members):
                # news tells its story in the lead, then again with the details ("وذكر المرصد أن ...")
                merged[0] = merge(merged[0], ev, entity_types, members)
                lead_retold = True
            else:
                merged.append(ev)
    # an event told only as "the attack", with nothing else, that nothing took in: not an event
    merged = [e for e in merged if e.actors or e.targets or e.locations]

    renamed = {id(e): f"e{i}" for i, e in enumerate(merged, start=1)}
    out: list[Event] = []
    for i, ev in enumerate(merged):
        responds_to = None
        if ev.response is ResponseLink.LATER:
            # "قصفت إسرائيل ... ردا على إطلاق صواريخ": the answered event is told after it
            answered = next((p for p in merged[i + 1:] if set(p.evidence) & set(ev.evidence)), None)
            if answered is not None:
                out.append(replace(ev, key=renamed[id(ev)], responds_to=renamed[id(answered)]))
                continue
        if ev.response is not None:
            earlier = merged[:i]
            answered = next((p for p in reversed(earlier)
                             if set(p.actors) & set(ev.targets) or set(p.targets) & set(ev.actors)), None)
            if answered is None:
                # "ردت قوات التحالف على مصادر النيران": the fire answered is the latest at the same place
                answered = next((p for p in reversed(earlier) if set(p.locations) & set(ev.locations)), None)
            if answered is None:
                # "وردت فصائل المعارضة بقصف ...": with nothing in common, the attack told just before it
                answered = next((p for p in reversed(earlier) if _family(p) == "violent" and not p.background), None)
            responds_to = renamed[id(answered)] if answered is not None else None
        out.append(replace(ev, key=renamed[id(ev)], responds_to=responds_to))
    # a country, a broad area or a river says little once a place in it is named ("Syria" beside
    # "al-Bukamal", "east of the Euphrates" beside "Hajin")
    types = {e.key: e.type for e in extraction.entities}
    out = [_territory_by_actor(e, types) for e in out]
    out = [replace(e, locations=tuple(k for k in e.locations if types.get(k) not in VAGUE_PLACES))
           if any(types.get(k) not in VAGUE_PLACES for k in e.locations) else e for e in out]
    # one statement per holder and place, with all the sentences that say it
    controls: dict[tuple[str, str], Control] = {}
    for c in extraction.controls:
        old = controls.get((c.controller, c.place))
        controls[(c.controller, c.place)] = c if old is None else replace(
            old, since=old.since or c.since, evidence=tuple(dict.fromkeys(old.evidence + c.evidence)))
    used = {k for e in out for k in e.actors + e.targets + e.locations + tuple(c.claimant for c in e.claims)}
    used |= {k for c in controls.values() for k in (c.controller, c.place)}
    entities = tuple(e for e in extraction.entities if e.key in used or e.in_gazetteer)
    return replace(extraction, events=tuple(out), entities=entities, controls=tuple(controls.values()))
