"""The ``kgb_events`` component: event candidates with their roles, one sentence at a time.

For each trigger (``triggers_<lang>.tsv``) in a sentence it decides:

* **whether** it is an incident: not under a threat/plan/denial/effort cue just before it, not in
  a habitual sentence ("from time to time"), not an imperfect verb (يقصف: habitual or a state), not
  a masdar standing for a verb (لطرد، إلى طرد);
* **the actor**: after a source cue (مصدره X، من قبل X); the accused (اتهم X Y بـ)؛ the antecedent of
  a relative pronoun (الميليشيات التي استهدفت) or of a subject pronoun (أعلنت قسد أنها طردت); the
  subject after the verb (Arabic VSO: قصفت الميليشيات) or before it (SVO); the subject of the verb a
  verb is joined to by و; after a noun trigger, its genitive or ل-phrase (قصف للميليشيات) or an
  adjective of origin (الضربة الإسرائيلية); a light verb (شن، نفذ) lends its subject to the noun;
  coordinated names and fighters backing the attacker act with it;
* **the target**: after على/ضد/استهدف/لطرد, or the object after the verb; with تعرض X لـ the
  subject; facilities attacked (bases, fields) are targets and locations, towns only locations;
  the victims of the toll; who held a place taken;
* **where, when, how many, with what**: places, the nearest date, casualty cues with a number
  (by side, so that the sides of a toll add up), weapon words, all in the sentence; the source
  that reports the sentence (قال المرصد، بحسب X).

A sentence may also add to the incident told just before it: who did it (تبنى، المسؤولة عن)، the
other side's dead, a toll. Two triggers of one incident in one sentence are merged here (:func:`_absorb`),
by the merge policy of :mod:`kg_builder.merge`; tellings in different sentences are merged by
:mod:`kg_builder.resolve`, by the same policy.
"""

from __future__ import annotations

from bisect import bisect_left

from spacy.language import Language
from spacy.tokens import Doc

from kg_builder.merge import Telling, When, merge_tellings
from kg_builder.model import (ALL_SIDES, ARMED_ACTOR_TYPES, BROAD_PLACE_TYPES, DATE_PRECISION_RANK, EVENT_TYPE_OF,
                              TERRITORY_BY_FORCE, TERRITORY_TYPES, UNNAMED_SIDE, VIOLENT_EVENT_TYPES, ResponseLink,
                              lowest_toll)
from kg_builder.nlp.components import token_forms
from kg_builder.nlp.lexicon import Lexicon, TriggerMatch, load_lexicon, normalised_words, word_set
from kg_builder.nlp.lexicon import verb_with_object as _verb_with_object
from kg_builder.nlp.mentions import ControlCandidate, EntityMention, EventCandidate

CLAUSE_PUNCT = {"،", ",", "؛", ";", ":", "(", ")", "-", "–", "—"}
# Words in code are compared with normalised tokens (``match_key``: على -> علي، حتى -> حتي، أخرى ->
# اخري): they are written normalised, and normalised_words() makes sure of it at import.
# prepositions that make the next name an object, not a subject (a particle like إن does not)
PREPOSITIONS = normalised_words(
    "في", "علي", "من", "الي", "عن", "مع", "ضد", "بين", "قرب", "منذ", "حتي", "بعد", "قبل",
    "خلال", "عند", "لدي", "نحو", "باتجاه",
    # nouns used as prepositions of cause and time ("جراء قصف"، "إثر هجوم"، "عقب غارة")
    "جراء", "اثر", "بسبب", "نتيجه", "عقب", "اثناء",
    "in", "on", "at", "of", "by", "to", "from", "with",
    "near", "against", "into", "toward", "towards")
# "to" before the figure a toll rose to ("ارتفعت حصيلة القتلى إلى 27")
TO = normalised_words("الي", "to")
# "on", "over" after a verb of holding ("تسيطر X على Y")
OVER = normalised_words("علي", "of", "over")
# English words after which a trigger that can be a verb or a noun is the noun
EN_NOUN_CONTEXT = normalised_words("the", "a", "an", "this", "that", "these", "those", "its", "their", "his",
                                   "her", "new", "several", "many", "more", "further", "deadly", "fresh",
                                   "latest", "two", "three")
# how many sentences after an incident one may still add to it (its toll, who did it)
NEXT_SENTENCES = 2
# how far after a light verb (شن، نفذ) its noun may stand
LIGHT_VERB_REACH = 16
# adverbs that may stand between a verb and its object
FILLERS = normalised_words("كذلك", "ايضا", "مجددا", "مره", "اخري", "خلالها", "خلاله", "حينها", "بعدها", "اثرها",
                           "again", "also")
# words that open a new clause: what follows them is not a role of a trigger before them
CLAUSE_WORDS = normalised_words("بينما", "فيما", "حين", "بعدما", "عندما", "حيث", "while", "whereas", "when")
# "أعلنت قسد أنها طردت قوات النظام": the pronoun is the subject (the name before it); the name after
# the verb is its object
SUBJECT_PRONOUNS = normalised_words("انها", "انه", "انهم", "انهما", "بانها", "بانه", "بانهم", "وانها", "وانه")
DUMMY_PRONOUNS = normalised_words("انه", "بانه", "وانه")
# "إن/أن" opening a reported clause: a name before it is not the subject of a verb after it
COMPLEMENTIZERS = normalised_words("ان", "بان", "وان", "that")
RELATIVE_PRONOUNS = normalised_words("التي", "الذي", "الذين", "اللذين", "اللتين", "اللذان", "which", "who", "that")
FACILITY_TYPES = {"OilField", "GasField", "MilitaryBase", "Facility", "BorderCrossing"}
# pronouns of possession on a word for forces ("مقاتلوها": its fighters)
POSSESSIVE_SUFFIXES = ("هما", "ها", "هم", "ه")
QUOTES_AND_BRACKETS = {'"', "“", "”", "«", "»", "'", "(", ")", "[", "]"}
# places a text may put inside a governorate
TIED_TO_GOVERNORATE = FACILITY_TYPES | {"Settlement"}
WEAPON_PRECEDENCE = (  # first hit decides the sub-event of a "generic" trigger (ACLED precedence)
    ({"chemical"}, "Chemical weapon"),
    ({"suicide_bomb"}, "Suicide bomb"),
    ({"aircraft", "drone"}, "Air/drone strike"),
    # a car bomb with no suicide attacker said is set off from afar (ACLED: remote explosive)
    ({"ied", "landmine", "car_bomb"}, "Remote explosive/landmine/IED"),
    ({"grenade"}, "Grenade"),
    ({"artillery", "rocket", "missile", "mortar"}, "Shelling/artillery/missile attack"),
    # gunfire only: a fight at close range (an attack when the targets are civilians, see sub_event_type)
    ({"small_arms"}, "Armed clash"),
)
GROUND_FIRE = {"artillery", "mortar"}
# strategic developments done to people who need not be named ("اعتقلت قسد 12 شخصا في الرقة")
ACTED_ON_PEOPLE = {"Arrests"}
# acts whose masdar names who was taken right after it ("اعتقال قيادي"، "اختطاف عشرات المدنيين")
TAKES_PEOPLE = {"Arrests", "Abduction/forced disappearance"}


class EventFinder:
    def __init__(self, lang: str):
        self.lang = lang
        self.lex: Lexicon = load_lexicon(lang)
        self.stop = word_set(f"stopwords_{lang}.txt")
        # words for people that name no side of a toll ("5 أشخاص"), compared by stem
        self.generic_victims = frozenset(_stem(w) for w in word_set(f"generic_victims_{lang}.txt"))
        # words for one person: "قتل مدني" counts one
        self.singular_people = word_set(f"singular_people_{lang}.txt")
        # words for positions, sites, units and vehicles between a cue and the name that owns them
        self.position_words = word_set(f"position_words_{lang}.txt") | word_set("position_words_en.txt")

    # ------------------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        variants, norms = token_forms(doc)
        ents = _Sorted([m for m in (doc._.entities or []) if m.origin != "nisba"])
        nisbas = _Sorted([m for m in (doc._.entities or []) if m.origin == "nisba"])
        quantities = _Sorted(doc._.quantities or [])
        dates = _Sorted(doc._.dates or [])
        events: list[EventCandidate] = []
        controls: list[ControlCandidate] = []
        last_claimants: list[EntityMention] = []
        # the incident told last goes on in the next sentences that add to it (counted without the
        # empty lines between paragraphs)
        told_at, position = None, 0
        for s_index, sent in enumerate(doc.sents):
            s, e = sent.start, sent.end
            if any(t.is_alpha for t in sent):
                position += 1
            ctx = _Sentence(self, doc, variants, norms, s, e, ents.within(s, e), nisbas.within(s, e),
                            quantities.within(s, e), dates)
            claimants = ctx.claimants()
            if not claimants and ctx.starts_with_cue("continue"):
                claimants = last_claimants
            last_claimants = claimants or ([] if ctx.has_cue("report") else last_claimants)
            found = ctx.events(s_index)
            controls.extend(ctx.controls())
            for ev in found:
                ev.claimants = list(claimants)
            if events and position - told_at <= NEXT_SENTENCES:
                found = _add_to_last_incident(ctx, events, found)
                if not found and ctx.toll()[0] is not None:
                    told_at = position
            elif events and not found:
                # a toll told far from its incident names the town or site it happened at ("قتل 15
                # مسلحا خلال اليوم الأول لعملية هجين"): it is that incident's
                told = ctx.incident_at_named_place(events)
                if told is not None:
                    _add_toll(ctx, told)
            if found:
                told_at = position
            events.extend(found)
        # an incident told without a date of its own is, in news, the story's incident: it takes the
        # date of the lead (the first day named in the first paragraph) -- background never does, nor
        # one told "days ago" (قبل أيام): that says it is not the story's day
        lead = _lead_date(doc)
        if lead is not None:
            for ev in events:
                if (ev.date is None or ev.date.precision not in ("day", "relative")) and not ev.background:
                    ev.date, ev.date_from_lead = lead, True
        # a town the article places in a governorate ("بلدة هجين بريف دير الزور") is there in every
        # sentence: the governorate is a place of each event at the town
        enclosing = _enclosing_governorates(doc, ents)
        for ev in events:
            for m in list(ev.locations):
                outer = enclosing.get(m.key or m.name)
                if outer is not None and all((outer.key or outer.name) != (x.key or x.name) for x in ev.locations):
                    ev.locations.append(outer)
        doc._.events = events
        doc._.controls = controls
        return doc


class _Sorted(list):
    """Records with a ``start`` token index, sorted, so a sentence takes its own in O(log n)."""

    def __init__(self, items):
        super().__init__(sorted(items, key=lambda x: x.start))
        self._starts = [x.start for x in self]

    def within(self, start: int, end: int) -> "_Sorted":
        """The records that start in [start, end)."""
        part = _Sorted.__new__(_Sorted)
        lo, hi = bisect_left(self._starts, start), bisect_left(self._starts, end)
        list.__init__(part, self[lo:hi])
        part._starts = self._starts[lo:hi]
        return part


def _stem(word: str) -> str:
    """A crude stem for comparing the nouns of tolls: "جهاديا"، "جهاديين"، "الجهاديون" -> "جهاد"."""
    word = word[2:] if word.startswith("ال") else word
    for ending in ("ا", "ين", "ون", "ان", "ي", "ه"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
    return word


def _enclosing_governorates(doc: Doc, ents: list[EntityMention]) -> dict[str, EntityMention]:
    """Town or site (key or name) -> the governorate the text puts it in: the governorate named right
    after it with a preposition ("السوسة بريف دير الزور"، "الطابية، في محافظة دير الزور")."""
    out: dict[str, EntityMention] = {}
    places = [m for m in ents if m.kind == "place"]
    for inner, outer in zip(places, places[1:]):
        if inner.type in TIED_TO_GOVERNORATE and outer.type == "Governorate":
            between = [t._.norm_key or t.text for t in doc[inner.end:outer.start]]
            if all(w in (",", "،", "في", "ضمن") for w in between) and (outer.preposition or "في" in between):
                out.setdefault(inner.key or inner.name, outer)
    return out


def _lead_date(doc: Doc):
    """The first day-precision date of the first paragraph, if it names one."""
    first_break = next((t.i for t in doc if "\n" in t.text), len(doc))
    for d in doc._.dates or []:
        if d.start < first_break and d.precision == "day" and d.value:
            return d
    return None


def _identity(m: EntityMention):
    """Who a mention names, as the merge policy compares roles: the entity key it will have."""
    return m.key or (m.kind, m.name)


def _telling(c: EventCandidate) -> Telling:
    """What the merge policy reads of a candidate."""
    return Telling(
        sub_event_type=c.sub_event_type, weak_type=c.weak_type,
        actors=tuple(map(_identity, c.actors)), targets=tuple(map(_identity, c.targets)),
        locations=tuple(map(_identity, c.locations)), claimants=tuple(map(_identity, c.claimants)),
        armed_targets=any(t.kind == "actor" and t.type in ARMED_ACTOR_TYPES for t in c.targets),
        weapons=frozenset(c.weapons), refers_back=c.refers_back,
        sentences=frozenset({(c.sentence_start_char, c.sentence_end_char)}),
        killed=c.killed, killed_bound=c.killed_bound, killed_sides=tuple(sorted(c.killed_sides.items())),
        injured=c.injured, killed_vague=c.killed_vague, injured_vague=c.injured_vague,
        date=None if c.date is None else When(c.date.value, c.date.precision, c.date_from_lead),
        confidence=c.confidence)


def _absorb(into: EventCandidate, other: EventCandidate) -> None:
    """Fold a second telling of an incident in the same sentence into the first, by the merge policy
    of :mod:`kg_builder.merge` (the one :func:`kg_builder.resolve.merge` follows across sentences)."""
    a, b = _telling(into), _telling(other)
    merged = merge_tellings(a, b)
    mentions = {}
    for m in (into.actors + into.targets + into.locations + into.claimants
              + other.actors + other.targets + other.locations + other.claimants):
        mentions.setdefault(_identity(m), m)
    into.actors = [mentions[k] for k in merged.actors]
    into.targets = [mentions[k] for k in merged.targets]
    into.locations = [mentions[k] for k in merged.locations]
    into.claimants = [mentions[k] for k in merged.claimants]
    into.sub_event_type, into.weak_type = merged.sub_event_type, merged.weak_type
    into.weapons = set(merged.weapons)
    into.killed, into.killed_bound, into.killed_sides = merged.killed, merged.killed_bound, dict(merged.killed_sides)
    into.injured, into.killed_vague, into.injured_vague = merged.injured, merged.killed_vague, merged.injured_vague
    if merged.date is not a.date:       # the second telling's date
        into.date, into.date_from_lead = other.date, other.date_from_lead
    into.refers_back = merged.refers_back
    into.confidence = merged.confidence
    into.roleless = into.roleless and other.roleless


def _add_sides(prev: EventCandidate, sides: dict[str, int]) -> int | None:
    """The toll of ``prev`` with the dead of other sides told next ("and 8 of the attackers"), or
    None when the new figures are not all of named sides it has not counted (then they are another
    estimate of the same dead, and the lowest stands)."""
    if not sides or not prev.killed_sides or {ALL_SIDES, UNNAMED_SIDE} & set(prev.killed_sides):
        return None
    if UNNAMED_SIDE in sides or ALL_SIDES in sides or set(sides) & set(prev.killed_sides):
        return None
    prev.killed_sides = {**prev.killed_sides, **sides}
    return sum(prev.killed_sides.values())


def _add_to_last_incident(ctx: "_Sentence", events: list[EventCandidate],
                          found: list[EventCandidate]) -> list[EventCandidate]:
    """What a sentence adds to the incident the sentence before it told, and the events it keeps:

    * who did it: "وتبنى التنظيم الهجوم"، "إسرائيل المسؤولة عن تلك الضربات" (then it tells no new
      incident), "واتهمت دمشق التحالف بتنفيذها";
    * the other side's dead: "وأضاف أن 8 من مسلحي التنظيم قتلوا خلال الكمين" adds to the toll;
    * the toll of a sentence with no trigger of its own ("وأسفر ذلك عن مقتل 5").
    """
    last = events[-1].sentence_index
    # the incident told, not a supporter's act told alongside it ("بدعم من غارات التحالف")
    prev = next((ev for ev in reversed(events) if not ev.alongside and ev.sentence_index == last), events[-1])
    held = ctx.held_responsible()
    if held is not None and all(ev.refers_back or ev.roleless or not (ev.targets or ev.locations) for ev in found):
        _attribute(prev, held)
        if ctx.toll()[0] is not None:
            _add_toll(ctx, prev)    # "وتبنى التنظيم التفجيرين، فيما ارتفعت الحصيلة إلى 14 قتيلا"
        return []
    if found and all(ev.refers_back for ev in found):
        for ev in found:
            if ALL_SIDES in ev.killed_sides and ev.killed is not None:
                # "وارتفعت حصيلة القتلى جراء الغارات إلى 12": the incident's toll now, over any figure
                # told before (as in _add_toll); the merge of the two tellings then keeps it
                prev.killed, prev.killed_bound, prev.killed_sides = ev.killed, False, {ALL_SIDES: ev.killed}
                continue
            total = _add_sides(prev, ev.killed_sides)
            if total is not None:
                prev.killed = ev.killed = total     # the merge of the two tellings then keeps the sum
        return found
    if not found:
        _add_toll(ctx, prev)
        accused = ctx.accused(ctx.e)
        if accused is not None:
            _attribute(prev, accused)
    return found


def _add_toll(ctx: "_Sentence", prev: EventCandidate) -> None:
    """Add the dead and wounded a sentence with no trigger of its own tells to the incident ``prev``."""
    killed, injured, _, _ = ctx.toll()
    sides = ctx.killed_sides(ctx.s, ctx.e)
    total = _add_sides(prev, sides)
    if ALL_SIDES in sides:
        # "ارتفعت الحصيلة إلى 14": the toll of the incident now, over any figure told before
        prev.killed, prev.killed_bound, prev.killed_sides = sides[ALL_SIDES], False, {ALL_SIDES: sides[ALL_SIDES]}
    elif total is not None:
        prev.killed = total
    elif prev.killed is None and killed is not None:
        # the incident's first toll: whose dead it counts, so that another side's told next adds up
        prev.killed, prev.killed_bound = killed, ctx.killed_bound(ctx.s, ctx.e)
        prev.killed_sides = dict(sides)
    else:
        prev.killed, prev.killed_bound = lowest_toll(prev.killed, prev.killed_bound, killed,
                                                     ctx.killed_bound(ctx.s, ctx.e))
    prev.injured = _min(prev.injured, injured)


def _attribute(event: EventCandidate, who: EntityMention) -> None:
    """Give an incident told with no attacker the one a later sentence names (never its target)."""
    if not event.actors and all(who.name != t.name for t in event.targets):
        event.actors = [who]
        # now part of a story that says who did it: no longer the low confidence of a bare "shelling"
        event.confidence = max(event.confidence, _confidence(event))


# the confidence of a violent event whose telling says neither who did it nor to whom
LOW_CONFIDENCE = 0.3


def _confidence(ev: EventCandidate) -> float:
    """How sure an event is, by how much of who did what to whom, where and when its telling says.

    "Shelling in the area" (a violent event with neither an attacker nor a target, and no incident
    told before it refers to) is kept only as part of a story: alone it has :data:`LOW_CONFIDENCE`,
    below any event that says more; merged with a telling that names the attacker or the target
    (:func:`kg_builder.resolve.merge`), or given its attacker by a later sentence, it takes theirs."""
    if (EVENT_TYPE_OF[ev.sub_event_type] in VIOLENT_EVENT_TYPES and not (ev.actors or ev.targets)
            and not ev.refers_back):
        return LOW_CONFIDENCE
    return round(min(0.95, 0.35 + 0.15 * bool(ev.actors) + 0.15 * bool(ev.targets)
                     + 0.1 * bool(ev.locations) + 0.1 * bool(ev.date and ev.date.value)
                     + 0.1 * ev.by_verb), 2)


def _min(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


class _Sentence:
    """Role finding inside one sentence (token range ``[s, e)``)."""

    def __init__(self, finder: EventFinder, doc, variants, norms, s, e, ents, nisbas, quantities, dates):
        self.f, self.doc, self.variants, self.norms = finder, doc, variants, norms
        self.s, self.e = s, e
        self.all_ents = [m for m in ents if m.end <= e]
        # sources (monitors, outlets) report events; they are never a party to them
        self.ents = [m for m in self.all_ents if m.type != "Source"]
        self.nisbas = nisbas
        self.quantities = quantities
        self.all_dates = dates                  # the document's, for dates said earlier in a paragraph
        self.dates = dates.within(s, e)
        self.lang = finder.lang
        self._cues: dict[str, dict[int, int]] = {}
        self._memo: dict[str, object] = {}
        self._clauses: dict[int, tuple[int, int]] = {}
        self._killed_sides: dict[tuple[int, int], dict[str, int]] = {}
        self._killed_bound: dict[tuple[int, int], bool] = {}
        self.nisba_at: dict[int, list[EntityMention]] = {}
        for m in self.nisbas:
            self.nisba_at.setdefault(m.start, []).append(m)
        self.by_start: dict[int, list[EntityMention]] = {}
        for m in self.all_ents:
            self.by_start.setdefault(m.start, []).append(m)
        self.inside = set()
        for m in self.ents:
            if m.origin != "coref":
                self.inside.update(range(m.start, m.end))

    # -- cue helpers ---------------------------------------------------------------------------
    def _cue_positions(self, group: str) -> dict[int, int]:
        """Where the cues of a group start in this sentence (token -> length), found once."""
        found = self._cues.get(group)
        if found is None:
            table = self.f.lex.cues.get(group)
            found = {}
            if table is not None:
                for i in range(self.s, self.e):
                    hit = table.match(self.variants, self.norms, i)
                    if hit:
                        found[i] = hit[0]
            self._cues[group] = found
        return found

    def cue_at(self, group: str, i: int) -> int:
        return self._cue_positions(group).get(i, 0)

    def has_cue(self, group: str, start: int | None = None, end: int | None = None) -> bool:
        start = self.s if start is None else start
        end = self.e if end is None else end
        return any(start <= i < end for i in self._cue_positions(group))

    def starts_with_cue(self, group: str) -> bool:
        for i in range(self.s, min(self.s + 3, self.e)):
            if self.cue_at(group, i):
                return True
        return False

    def clause_word(self, i: int) -> bool:
        return any(v in CLAUSE_WORDS for v in self.variants[i])

    def clause_break(self, i: int) -> bool:
        return self.doc[i].text in CLAUSE_PUNCT or any(v in CLAUSE_WORDS for v in self.variants[i])

    def clause_bounds(self, i: int) -> tuple[int, int]:
        """The clause around token i: between punctuation or clause-opening conjunctions (بينما، فيما)."""
        cached = self._clauses.get(i)
        if cached is None:
            cached = self._clauses[i] = self._clause_bounds(i)
        return cached

    def _clause_bounds(self, i: int) -> tuple[int, int]:
        a = i
        while a > self.s and not self.clause_break(a - 1):
            a -= 1
        b = i + 1
        while b < self.e and not self.clause_break(b):
            b += 1
        return a, b

    def mention_starting(self, start: int, end: int, kinds=("actor", "place"), skip_positions=True,
                         include_sources=False):
        """The first mention starting in [start, end), allowing position words before it."""
        i = start
        limit = end
        while i < min(limit, self.e):
            for m in self.by_start.get(i, ()):
                if m.kind in kinds and (include_sources or m.type != "Source"):
                    return m
            # an adjective of origin stands for its country after a position word ("مواقع إيرانية")
            # or a weapon ("الصواريخ الإسرائيلية")
            if i > self.s and (self.variants[i - 1][-1:] and (self.variants[i - 1][-1] in self.f.position_words
                                                              or self.norms[i - 1] in self.f.position_words)
                               or self.weapon_at(i - 1)):
                for m in self.nisba_at.get(i, ()):
                    if m.kind in kinds:
                        return m
            norm = self.norms[i]
            if self.lang == "ar" and _verb_with_object(norm):
                return None     # "على قوات تدعمها الولايات المتحدة": what follows the verb is its subject
            # the accusative ending does not hide a position word ("موقعا"، "مقرا ثابتا")
            if skip_positions and self.is_position(i):
                limit += 1  # position words do not count against the distance
            elif skip_positions and norm in ("في", "in") and i > self.s and self.cue_at("member", i - 1):
                limit += 1  # "قياديا سابقا في فصائل المعارضة": a member in a group is the group's
            elif self.doc[i].text in CLAUSE_PUNCT or norm in self.f.stop:
                if norm not in ("من",) or self.lang != "ar":
                    return None
            i += 1
        return None

    def is_position(self, i: int) -> bool:
        """Is token i a word for positions, sites or units ("مواقع"، "بدورية"، "مقرا")?"""
        norm = self.norms[i]
        bare = norm[:-1] if self.lang == "ar" and norm.endswith("ا") and len(norm) > 3 else norm
        return norm in self.f.position_words or bare in self.f.position_words or any(
            v in self.f.position_words for v in self.variants[i])

    def coordinated(self, end: int, start: int) -> bool:
        """Is the name at ``start`` joined by "و" (or "and", ",") to the one ending at ``end``?"""
        between = range(end, start + 1)
        return any(self.norms[k].startswith("و") and len(self.variants[k]) > 1 or self.norms[k] in ("and", "و")
                   for k in between if k < self.e)

    def prepositional(self, m: EntityMention) -> bool:
        """The mention's first word carries a preposition (بـ، لـ، كـ) or follows one."""
        if m.start > self.s and self.norms[m.start - 1] in PREPOSITIONS:
            return True
        if m.preposition is not None:
            return m.preposition
        tok_norm = self.norms[m.start]
        variants = self.variants[m.start]
        if self.lang == "ar" and len(variants) > 1 and tok_norm[:1] in ("ب", "ل", "ك") and not tok_norm.startswith("ال"):
            return True
        if self.lang == "ar" and tok_norm.startswith(("وب", "ول", "فب", "فل")) and len(variants) > 1:
            return True
        return m.start > self.s and self.norms[m.start - 1] in PREPOSITIONS

    # -- the parts of an event -------------------------------------------------------------------
    def triggers(self) -> list[tuple[int, int, TriggerMatch]]:
        out, i = [], self.s
        last_light = None
        while i < self.e:
            n, matches = self.f.lex.triggers.match_all(self.variants, self.norms, i)
            # a word of a name or of a date is no trigger ("فجر الأحد" is dawn, not "blew up")
            inside = i in self.inside or any(d.start <= i < d.end for d in self.dates) or self.cue_at("not_trigger", i)
            if matches and not inside:
                # after a light verb ("شنت الولايات المتحدة ضربة") the next trigger is its noun
                after_light = last_light is not None and i - last_light <= LIGHT_VERB_REACH
                match = self.reading(i, matches, nominal_context=after_light)
                if self.lang == "ar" and match.trigger.pos == "verb" \
                        and self.f.lex.casualties.match(self.variants, self.norms, i):
                    # "وإصابة 20 آخرين" is the wounded (إصابة), not "أصابه" (hit him): a toll, not an act
                    i += n
                    continue
                if match.trigger.pos == "verb" and self.verb_behind_a_clitic(i):
                    # a verb never takes the article or a preposition: "لطرد مسلحي التنظيم" is the
                    # masdar of a purpose ("to expel"), not an act
                    i += n
                    continue
                if match.trigger.light and match.trigger.pos == "verb":
                    last_light = i
                elif match.trigger.pos == "noun":
                    last_light = None
                out.append((i, i + n, match))
                i += n
            else:
                i += 1
        return out

    def verb_behind_a_clitic(self, i: int) -> bool:
        """Is a verb trigger at token i a masdar: matched only once an article or a preposition was
        peeled off (لطرد -> طرد), or standing after a preposition (إلى طرد)?  "و"/"ف" may stand
        before a verb (وبدأت، فقصفت); ال، ب، ل may not."""
        if self.lang != "ar":
            return False
        if i > self.s and self.norms[i - 1] in PREPOSITIONS:
            return True     # "تسعى إلى طرد الجهاديين": after a preposition it is the masdar
        norm = self.norms[i]
        bare = norm[1:] if norm[:1] in ("و", "ف") else norm
        table = self.f.lex.triggers.by_first
        matched = next((v for v in self.variants[i] if v in table), norm)
        return matched not in (norm, bare)

    def prefixed_like_a_noun(self, i: int) -> bool:
        """Arabic: the word carries the article or a preposition (القصف، لقصف، بقصف، وللقصف)."""
        return self.lang == "ar" and len(self.variants[i]) > 1 and self.norms[i].startswith(
            ("ال", "ب", "ل", "لل", "وال", "بال", "وب", "ول", "فب", "فل", "فال"))

    def reading(self, i: int, matches: list[TriggerMatch], nominal_context: bool = False) -> TriggerMatch:
        """Verb or noun, when a word can be both (قصف): behind an article or a preposition it is the
        noun (القصف، لقصف، بقصف); otherwise the verb, a perfect reading before an imperfect one."""
        if self.lang == "ar":
            # and after a preposition ("بعد يومين من قصف مدفعي")
            nominal = self.prefixed_like_a_noun(i) or (i > self.s and self.norms[i - 1] in PREPOSITIONS)
        else:
            # English: a noun after a determiner, a number, a preposition or an adjective of origin
            # ("the attack", "two strikes", "in strikes", "Russian strikes"), a verb otherwise
            prev = self.norms[i - 1] if i > self.s else ""
            nominal = (prev in EN_NOUN_CONTEXT or prev.isdigit() or prev in PREPOSITIONS
                       or bool(self.nisba_at.get(i - 1)) or any(m.end == i for m in self.ents))
        nominal = nominal or nominal_context

        def rank(m: TriggerMatch):
            is_noun = m.trigger.pos == "noun"
            return (is_noun != nominal, m.imperfect)
        return min(matches, key=rank)

    def claimants(self) -> list[EntityMention]:
        out = []
        for i in range(self.s, self.e):
            n = self.cue_at("report", i)
            if not n:
                continue
            after = self.mention_starting(i + n, i + n + 4, kinds=("actor",), skip_positions=False,
                                         include_sources=True)
            if after is None:
                # SVO reporting: "المرصد ذكر" (the name right before the verb; "مقتل 4 مدنيين، وفق ما
                # أفادت" -- the victims are no source)
                before = [m for m in self.all_ents if m.kind == "actor" and i - 4 <= m.end <= i
                          and m.type != "Civilians" and self.only_particles(m.end, i)]
                after = before[-1] if before else None
            if after is not None and after not in out:
                out.append(after)
        return out

    def only_particles(self, a: int, b: int) -> bool:
        """Do tokens [a, b) hold nothing but particles, punctuation or a bracketed aside ("المرصد قد
        ذكر"، "the Observatory [SOHR] said")?"""
        words = [t for t in self.doc[a:b] if t.is_alpha]
        bracketed = b > a and self.doc[a].text in ("(", "[") and self.doc[b - 1].text in (")", "]")
        return bracketed or all(self.cue_at("report_particle", t.i) for t in words)

    def _once(self, name: str, compute):
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]

    def victims(self) -> list[EntityMention]:
        """Who the toll is counted among: "مقتل 10 عناصر من X"، "إصابة جنديين أمريكيين" -> X, the Americans."""
        return self._once("victims", self._victims)

    def _victims(self) -> list[EntityMention]:
        out = []
        quantities = self.quantities
        for i in range(self.s, self.e):
            hit = self.f.lex.casualties.match(self.variants, self.norms, i)
            if not hit:
                continue
            n = hit[0]
            # a passive toll names its victims before the cue: "10 civilians were killed", "21 عنصرا ... قتلوا"
            for q in (q for q in quantities if i - 6 <= q.start < i):
                pool = [m for m in self.ents + self.nisbas if m.kind == "actor" and q.end <= m.start <= q.end + 1
                        and m.end <= i]
                if pool:
                    out.append(min(pool, key=lambda m: m.start))
            if not any(i + n <= q.start <= i + n + 2 for q in quantities):
                # one named by a singular noun ("قتل مدني")
                out += [m for m in self.by_start.get(i + n, ()) if m.kind == "actor" and m.type != "Source"]
                # people counted by no number, told by origin: "مقتل مسلحين إيرانيين وعراقيين"
                at = i + n + 1
                for m in self.nisbas:
                    if m.start == at and m.kind == "actor":
                        out.append(m)
                        at = m.end
                continue
            # the first count after the cue, and the counts that break it down in the same clause
            # ("مقتل 54 شخصا، بينهم 28 مدنيا بالإضافة إلى عناصر من مقاتلي التنظيم")
            _, clause_end = self.clause_bounds(i + n)
            stop = min(self.e, max(clause_end, i + n + 4) + 12)
            for q in (q for q in quantities if i + n <= q.start < stop):
                # the noun counted may carry the number itself, or stand before "one" or "two" (Arabic
                # puts only those after the noun: "مدنيان اثنان"); a quote may open the name after it
                reach = q.end + 2 + (q.end + 2 < self.e and self.doc[q.end + 2].text in QUOTES_AND_BRACKETS)
                pool = [m for m in self.ents + self.nisbas if m.kind == "actor"
                        and (q.start <= m.start <= reach or (m.end == q.start and q.value in (1, 2)))]
                if pool:
                    out.append(min(pool, key=lambda m: m.start))
            # and the people counted without a number: "بالإضافة إلى عناصر من مقاتلي التنظيم"
            out += [m for m in self.ents if m.kind == "actor" and i + n < m.start < stop and m.start - 1 > self.s
                    and self.norms[m.start - 1] == "من" and self.is_position(m.start - 2)]
        unique: list[EntityMention] = []
        for m in out:
            if all(m is not u for u in unique):
                unique.append(m)
        return unique

    def toll(self):
        """(killed, injured, killed vague, injured vague) of the whole sentence (see :meth:`casualties`)."""
        return self._once("casualties", lambda: self.casualties(self.s, self.e))

    def casualties(self, start: int, end: int):
        """(killed, injured, killed vague, injured vague) said in tokens [start, end).

        A cue with a number: after it ("مقتل 5"), right before it ("5 قتلى"), or the subject of a
        passive verb further back in its clause ("21 على الأقل من المقاتلين ... قتلوا"). Figures for
        different sides add up (the toll counts all sides: "مقتل 21 من قوات النظام و8 من مسلحي التنظيم");
        two figures for the same side are two estimates, and the lowest stands. "No casualties"
        (دون أن يوقع ضحايا) is a toll of 0."""
        figures: dict[str, dict[str, int]] = {"killed": {}, "injured": {}}
        bounds: dict[str, dict[str, int]] = {"killed": {}, "injured": {}}   # "أكثر من 20": used when no count
        vague = {"killed": False, "injured": False}
        quantities = self.quantities
        i = start
        while i < end:
            hit = self.f.lex.casualties.match(self.variants, self.norms, i)
            if not hit:
                i += 1
                continue
            n, group = hit
            loser = None
            if group in ("killed_implied", "killed_lost"):
                # the figure right after the verb, or after the source that counted ("وثق المرصد 6 مقاتلين")
                # or the side that lost them ("خسرت الهيئة 5 من مقاتليها")
                wanted = ("Source",) if group == "killed_implied" else ARMED_ACTOR_TYPES
                named = next((m for m in self.all_ents if m.start == i + n and m.type in wanted), None)
                at = named.end if named is not None else i + n
                loser = named if group == "killed_lost" else None
                q = next((q for q in quantities if q.start == at), None)
                # the figure counts the dead only when no cue of its own follows it ("أوقعت 9 جرحى"),
                # and it counts people, not strikes or shells ("وثق المرصد 15 غارة")
                if q is None or q.end >= end or any(self.f.lex.casualties.match(self.variants, self.norms, k)
                                                    for k in range(q.end, min(end, q.end + 2))) \
                        or self.f.lex.triggers.match_all(self.variants, self.norms, q.end)[1] \
                        or self.weapon_at(q.end, any_phrase=True):
                    i += n
                    continue
                group = "killed"
            total = group == "killed_total"      # "حصيلة القتلى إلى 27": all sides, it stands alone
            group = "killed" if total else group
            if group == "none":
                for g in ("killed", "injured"):
                    figures[g].setdefault("", 0)
                i += n
                continue
            a, b = self.clause_bounds(i)
            if i + n < end and self.cue_at("others", i + n) and not any(q.start == i + n + 1 for q in quantities):
                # "قتل سبعة عناصر وأصيب آخرون": others, of no number, not the seven again
                vague[group] = True
                i += n
                continue
            one = i + n < end and (set(self.variants[i + n]) | {self.norms[i + n]}) & self.f.singular_people
            if one and not any(q.start <= i + n < q.end for q in quantities):
                # "قتل مدني وأصيب اثنان": one person, not a figure told before the cue
                side = self.side_after(i + n)
                figures[group][side] = min(figures[group].get(side, 1), 1)
                i += n
                continue
            near = [q for q in quantities if i + n <= q.start <= i + n + 3 or (i - 3 <= q.end - 1 < i)
                    or (q.start <= i < q.end) or (max(a, i - 12) <= q.start < i and not self.in_date(q))]
            if total:
                # "ارتفعت حصيلة القتلى إثر الغارات ... إلى 27": the toll's figure follows "إلى", however far
                to = [q for q in quantities if i + n < q.start < min(b, i + n + 16)
                      and self.norms[q.start - 1] in TO]
                near = to[:1] or near
            if near:
                q = min(near, key=lambda q: abs(q.start - i))
                # "مقتل 12 عنصرا من قوات النظام و7 من مسلحي التنظيم": a list of figures after one cue
                listed = [q] + [r for r in quantities if q.end <= r.start <= q.end + 6 and r is not q
                                and (self.norms[r.start].startswith("و") or self.norms[r.start - 1] in ("و", "and"))]
                for r in listed:
                    if r.value is not None:
                        side = ALL_SIDES if total else (loser.key or loser.name) if loser else self.side_after(r.end)
                        into = bounds[group] if r.more_than else figures[group]
                        old = into.get(side)
                        into[side] = r.value if old is None else min(old, r.value)
                    elif r.vague:
                        vague[group] = True
            i += n

        # a bound ("more than 20") stands only where the sentence gives no count
        self._killed_bound[(start, end)] = bool(bounds["killed"]) and not figures["killed"]
        for group in figures:
            if not figures[group]:
                figures[group] = bounds[group]
        self._killed_sides[(start, end)] = dict(figures["killed"])

        def total(by_side: dict[str, int]) -> int | None:
            if not by_side:
                return None
            if ALL_SIDES in by_side:
                return by_side[ALL_SIDES]
            named = {k: v for k, v in by_side.items() if k}
            overall = by_side.get(UNNAMED_SIDE)
            if overall is not None and named and overall >= sum(named.values()):
                # "مقتل 27 ... بينهم 11 إيرانيا": the unnamed figure is the whole, the named one a part
                return overall
            # an unnamed figure below the named sides is most likely one of them told again
            return sum(named.values()) if len(named) > 1 else min(by_side.values())

        return total(figures["killed"]), total(figures["injured"]), vague["killed"], vague["injured"]

    def killed_sides(self, start: int, end: int) -> dict[str, int]:
        """The killed figures said in tokens [start, end), by side (see :meth:`casualties`)."""
        if (start, end) not in self._killed_sides:
            self.casualties(start, end)
        return self._killed_sides[(start, end)]

    def killed_bound(self, start: int, end: int) -> bool:
        """Is the killed figure of tokens [start, end) only a bound ("أكثر من 20")?"""
        if (start, end) not in self._killed_bound:
            self.casualties(start, end)
        return self._killed_bound[(start, end)]

    def side_after(self, j: int) -> str:
        """Whose dead a number counts: the actor named right after it ("8 من مسلحي التنظيم"، "21 عنصرا
        على الأقل من قوات النظام"), within the clause and before another number."""
        for k in range(j, min(self.e, j + 6)):
            if k > j and (self.doc[k].text in CLAUSE_PUNCT or any(q.start == k for q in self.quantities)):
                break
            for m in [*self.by_start.get(k, ()), *self.nisba_at.get(k, ())]:
                if m.kind == "actor":
                    return m.key or m.name
        # no name: the noun counted says the side ("18 جهاديا"، "14 مدنيا"), unless it is any person
        if self.lang == "ar" and j < self.e and self.doc[j].is_alpha:
            stem = _stem(self.norms[j])
            if stem and stem not in self.f.generic_victims and not self.f.lex.casualties.match(self.variants, self.norms, j):
                return "~" + stem
        # nor that: who the sentence says suffered the losses ("الأكراد تكبدوا خسائر ... 37 قتيلا")
        sufferer = next((m for k, m in self._once("sufferers", self._sufferers) if k < j), None)
        return (sufferer.key or sufferer.name) if sufferer is not None else ""

    def _sufferers(self) -> list[tuple[int, EntityMention]]:
        """(position of "تكبد", the actor right before it) in the sentence."""
        out = []
        for k in range(self.s, self.e):
            if self.cue_at("suffered", k):
                before = [m for m in self.ents if m.kind == "actor" and k - 3 <= m.start and m.end <= k]
                if before:
                    out.append((k, before[-1]))
        return out

    def in_date(self, q) -> bool:
        return any(d.start <= q.start < d.end for d in self.dates)

    def weapon_at(self, i: int, any_phrase: bool = False):
        """The weapon phrase at token i as (length, weapon); a phrase of the "none" group ("الدفاعات
        الجوية": air defences, not aircraft) only when ``any_phrase`` (so that a scan skips it whole)."""
        hit = self.f.lex.weapons.match(self.variants, self.norms, i)
        if hit is not None and hit[1] == "none" and not any_phrase:
            return None
        return hit

    def weapons(self, start: int, end: int, skip=(), supporter_from: int | None = None) -> set[str]:
        """The weapons named in tokens [start, end); those of a supporter ("مدعومة بغطاء جوي روسي")
        are left out -- unless the event is the supporter's own act, whose trigger is at supporter_from."""
        out, i = set(), start
        skipped = {k for m in skip for k in range(m.start, m.end)}
        while i < end:
            hit = self.weapon_at(i, any_phrase=True) if i not in skipped else None
            if hit:
                # "مدعومة بغطاء جوي روسي"، "بدعم من الطيران": a supporter's weapon, not the attack's
                supported = (supporter_from is None or i < supporter_from) and any(
                    self.cue_at("support", k) for k in range(max(self.s, i - 3), i + 1))
                if hit[1] != "none" and not supported:
                    out.add(hit[1])
                i += hit[0]
            else:
                i += 1
        return out

    # -- events -----------------------------------------------------------------------------------
    def events(self, s_index: int) -> list[EventCandidate]:
        trigs = self._once("triggers", self.triggers)
        self.violent_elsewhere = any(
            EVENT_TYPE_OF[t.trigger.sub_event_type] in VIOLENT_EVENT_TYPES and not t.trigger.light
            and t.trigger.sub_event_type not in TERRITORY_BY_FORCE
            for _, _, t in trigs)
        used = set()
        out = []
        for k, (t0, t1, match) in enumerate(trigs):
            if k in used:
                continue
            trig = match.trigger
            verb_pos, verb_match = (t0, match) if trig.pos == "verb" else (None, None)
            # a light verb (شن، نفذ، تعرض) or the verb a noun trigger is the instrument of (ردت ... برشقات)
            head_k = k
            if trig.respond and self.cue_at("in_response_to", t0):
                continue    # "العملية رد على إطلاق صواريخ": "a response to", the answered act follows
            if trig.light or trig.respond or trig.pos == "verb":
                # a light verb reaches further (its subject, a date and a count may come first:
                # "شنت طائرات حربية روسية، صباح الأربعاء، أكثر من 20 غارة"), never past a new clause;
                # so does a launching verb that names no weapon ("أطلقت قسد ... عملية عسكرية")
                light = trig.light or trig.launches
                reach = LIGHT_VERB_REACH if light else 6
                nxt = next(((j, tr) for j, tr in enumerate(trigs) if j > k and tr[0] - t1 <= reach
                            and tr[2].trigger.pos == "noun" and not tr[2].trigger.light
                            and not any(self.clause_word(x) for x in range(t1, tr[0]))), None)
                if nxt is not None:
                    j, (n0, n1, nmatch) = nxt
                    if light or trig.respond or self.norms[n0][:1] in ("ب", "ل"):
                        used.add(j)
                        head_k = j
                elif trig.light and not trig.respond:
                    continue
                elif trig.respond and not self.weapons(*self.clause_bounds(t0)):
                    # "ردت القوات برشقات صاروخية" tells an act; a bare "رد" is a reply, a statement, or
                    # another verb altogether ("تصريحات وردت السبت": that came on Saturday)
                    continue
            _, _, head_match = trigs[head_k]
            head = head_match.trigger
            if verb_match is not None and verb_match.imperfect and not self.past_progressive(t0):
                continue
            if self.is_irrealis(t0) or (t0 > self.s and self.cue_at("not_event_before", t0 - 1)):
                continue
            if trig.pos == "verb" and self.is_relative(t0 - 1) and not any(
                    m.end in (t0 - 1, t0 - 2) for m in self.ents):
                # "الضربات المكثفة والتي استهدفت": the verb tells the event its antecedent noun told
                continue
            if head.needs_weapon and not (self._once("weapons", lambda: self.weapons(self.s, self.e)) or head_k != k):
                continue   # أطلق alone: launched what? (a campaign, a balloon, a statement)
            # where the next event's clause begins, this one's places end
            here = self.clause_bounds(t0)[0]
            self.next_trigger = next((tr[0] for tr in trigs[max(head_k, k) + 1:]
                                      if self.clause_bounds(tr[0])[0] > here), self.e)
            ev = self.build(s_index, trigs[head_k], verb_pos, trig)
            if ev is not None:
                out.append(ev)
                used.add(k)
        if all(getattr(ev, "roleless", False) for ev in out):
            return []
        return [g for g in self.join(out) if not getattr(g, "roleless", False)]

    def is_irrealis(self, t0: int) -> bool:
        """A threat, plan or denial just before the trigger, or a habit said in its clause."""
        a, b = self.clause_bounds(t0)
        window = range(max(self.s, t0 - 5, a - 3), t0)
        # a habit said at the head of the sentence ("ونادرا ما يشتبك ...") governs all its clauses
        return any(self.cue_at("irrealis", i) for i in window) or self.has_cue("habitual", a, b) \
            or self.has_cue("habitual", self.s, min(self.e, self.s + 3))

    def build(self, s_index, head_trig, verb_pos, verb_trig) -> EventCandidate | None:
        t0, t1, match = head_trig
        trig = match.trigger
        undergo = verb_trig.undergo
        anchor = verb_pos if verb_pos is not None else t0
        a, b = self.clause_bounds(anchor)
        self.trigger_type = trig.sub_event_type
        actor = self.find_actor(verb_pos, t0, t1, a)
        targets = self.find_targets(anchor, verb_pos, t1, actor)
        if undergo:
            subject = self.subject(verb_pos, a, kinds=("actor", "place")) if verb_pos is not None else None
            if subject is not None:
                targets = [subject] + [m for m in targets if m is not subject]
                if actor is subject:
                    actor = self.cue_actor(t1)
        actors = [actor] if actor is not None else []
        # "شنت الولايات المتحدة وبريطانيا وفرنسا ضربات": coordinated attackers act together, and so do
        # those backing them on the ground ("قوات النظام مدعمة بالمسلحين الموالين لها")
        if actors and self.lang == "ar":
            backed = next((k for k in range(actors[-1].end, min(self.e, actors[-1].end + 2)) if self.cue_at("support", k)), None)
            if backed is not None:
                ally = self.mention_starting(backed + self.cue_at("support", backed), backed + 3, kinds=("actor",),
                                             skip_positions=False)
                if ally is None and self.norms[backed][:1] == "ب":
                    ally = next((m for m in self.ents if m.kind == "actor" and m.start == backed + 1), None)
                if ally is not None and ally not in targets and ally.type not in ("ForeignForces",):
                    actors.append(ally)
        while actors and len(actors) < 4:
            nxt = self.mention_starting(actors[-1].end, actors[-1].end + 2, kinds=("actor",), skip_positions=False)
            if nxt is None or nxt in targets or nxt in actors or nxt.start >= t0 > actors[-1].start \
                    or not self.coordinated(actors[-1].end, nxt.start) or self.prepositional(nxt):
                break
            actors.append(nxt)
        for victim in self.victims():
            if all(victim.key != t.key or victim.name != t.name for t in targets):
                targets.append(victim)
        if trig.sub_event_type in TERRITORY_TYPES:
            # "استولت الميليشيات على الحقل، الذي كان تحت سيطرة النظام": who held the place taken lost it
            held = {id(t) for t in targets}
            places_here = {m.name for m in targets + self.ents if m.kind == "place"}
            for c in self._once("controls", self.controls):
                if c.controller is not actor and id(c.controller) not in held and c.place.name in places_here:
                    targets.append(c.controller)
                    held.add(id(c.controller))
            # "villages held by Islamic State have been captured by the SDF"
            for i in self._cue_positions("held_by"):
                holder = self.mention_starting(i + self.cue_at("held_by", i), i + self.cue_at("held_by", i) + 2,
                                               kinds=("actor",), skip_positions=False)
                if holder is not None and holder is not actor and id(holder) not in held:
                    targets.append(holder)
                    held.add(id(holder))
        if actor is not None:
            targets = [m for m in targets if m.name != actor.name and (m.key is None or m.key != actor.key)]
        locations = self.find_locations(anchor, t1, actors)
        # places only as locations unless they are facilities attacked
        targets = [m for m in targets if m.kind == "actor" or m.type in FACILITY_TYPES]
        if EVENT_TYPE_OF[trig.sub_event_type] in ("Explosions/Remote violence", "Violence against civilians"):
            # a strike at a named site hits the site: "استهدفت الضربة تجمعا في مصنع للثلج"
            targets += [m for m in locations if m.type in FACILITY_TYPES and m.start > t0 and m not in targets
                        and self.clause_bounds(m.start)[0] == self.clause_bounds(anchor)[0]]
        # the weapons of this event are those named in its clause (and the trigger's own): another
        # clause of the sentence may tell a different attack ("in response to the chemical attack")
        ca, cb = self.clause_bounds(anchor)
        cb = max(cb, self.clause_bounds(t0)[1])
        # "... ردا على هجوم كيماوي": what follows the cue is the other event's, not this one's
        # and "... المدعومين بالغارات الجوية للتحالف": the supporter's weapons are not this event's
        answered_from = next((i for i in range(t1, cb) if self.cue_at("in_response_to", i)
                              or self.cue_at("support", i)), cb)
        # a weapon that is part of another party's name ("بدعم من طائرات التحالف") is that party's,
        # and one in a place's name ("قاعدة حميميم الجوية") is no weapon at all
        others = [m for m in self.ents if (m.kind == "actor" and m not in actors) or m.kind == "place"]
        # the supporter's own act ("مدعوما بقصف مدفعي تركي") keeps its weapons
        own = t0 if any(self.cue_at("support", k) for k in range(max(self.s, t0 - 4), t0)) else None
        weapons = self.weapons(min(ca, t0), answered_from, skip=others, supporter_from=own)
        if trig.weapon:
            weapons.add(trig.weapon)
        ground_fire = self.has_cue("ground_fire", min(ca, t0), answered_from)
        sub = self.sub_event_type(trig, weapons, actors, targets, ground_fire)
        killed, injured, kv, iv = self.toll()
        killed_sides = self.killed_sides(self.s, self.e)
        killed_bound = self.killed_bound(self.s, self.e)
        date = self.nearest_date(t0)
        definite = self.norms[t0].startswith("ال") or any(v.startswith("ال") for v in self.variants[t0][1:2])
        if trig.pos == "verb" and not actors:
            # "(بعض) الصواريخ استهدفت مواقع": the missiles told before, so the incident told before
            definite = self.definite_weapon_before(t0)
        ev = EventCandidate(
            sub_event_type=sub, trigger_start=t0, trigger_end=t1,
            sentence_start_char=self.doc[self.s].idx,
            sentence_end_char=self.doc[self.e - 1].idx + len(self.doc[self.e - 1].text),
            sentence_index=s_index, actors=actors, targets=targets, locations=locations,
            killed=killed, injured=injured, killed_vague=kv, injured_vague=iv, weapons=weapons,
            killed_sides=dict(killed_sides), killed_bound=killed_bound,
            date=date,
            response=(ResponseLink.EARLIER if (verb_trig.respond or self.has_cue("respond", a, t1))
                      and not self.answered(t0) else None),
            # "واتهمت أنقرة الوحدات الكردية بتنفيذ التفجير": the blast told before, now blamed on someone
            refers_back=definite and (not actors or (actor is not None and actor is self.accused(t0)
                                                     and len(actors) == 1)),
            weak_type=trig.weak and not weapons,
            background=self.has_cue("background"),
        )
        if not (actors or targets or locations) and not ev.refers_back:
            # nothing of its own: it may still tell how another trigger of the sentence was done
            # ("هجوم الجيش على الجيب، ... شمل ضربات جوية"); join() keeps it only inside such a group
            ev.roleless = True
        sentence_places = [m for m in self.ents if m.kind == "place"]
        if EVENT_TYPE_OF[sub] not in VIOLENT_EVENT_TYPES and not targets and not (
                sub in ACTED_ON_PEOPLE and actors and (locations or sentence_places)):
            # a strategic development (a takeover, an arrest) is only specific with what it acted on
            return None
        ev.by_verb = verb_pos is not None
        ev.confidence = _confidence(ev)
        return ev

    def find_locations(self, anchor: int, t1: int, actors) -> list[EntityMention]:
        """The places of the event's own stretch of the sentence: from the start of its clause to
        the clause of the next trigger (see :meth:`join`, which widens it when the sentence tells
        one incident)."""
        start = self.clause_bounds(anchor)[0]
        end = max(self.next_trigger, t1)
        return self.places(actors, start, end)

    def definite_weapon_before(self, verb_pos: int) -> bool:
        """Is the subject right before the verb a definite weapon ("الصواريخ استهدفت"، "بعض الصواريخ")?"""
        for k in range(max(self.s, verb_pos - 3), verb_pos):
            hit = self.weapon_at(k, any_phrase=True)
            if hit and k + hit[0] == verb_pos:
                return self.norms[k].startswith("ال")
        return False

    def places(self, actors, start: int | None = None, end: int | None = None) -> list[EntityMention]:
        """The places in tokens [start, end) of the sentence that may be where an event happened: not
        a capital that speaks ("أكدت بغداد"), not the country of a source ("وسائل إعلام سورية")."""
        source_ends = self._once("source_ends", lambda: {m.end for m in self.all_ents if m.type == "Source"})
        start = self.s if start is None else start
        end = self.e if end is None else end
        taken = {id(a) for a in actors}
        return [m for m in self.ents if m.kind == "place" and start <= m.start < end and id(m) not in taken
                and not self.speaking_capital(m) and not (m.type == "Country" and m.start in source_ends)
                and not self.dateline(m)]

    def dateline(self, m: EntityMention) -> bool:
        """"دمشق - قالت وكالة ..."، "BEIRUT (Reuters) -": the city a paragraph opens with, before a dash or
        an agency in brackets, is where the report was filed, not where anything happened."""
        opens = m.start == 0 or "\n" in self.doc[m.start - 1].text
        return opens and m.end < len(self.doc) and self.doc[m.end].text in ("-", "–", "—", "(", ":")

    def speaking_capital(self, m: EntityMention) -> bool:
        """"أكدت بغداد"، "اتهمت دمشق التحالف": a capital that speaks or accuses is its government,
        not where the incident happened."""
        if m.type != "Settlement":
            return False
        k = m.start - 1
        while k > self.s and self.doc[k].text in ('"', "“", "”", "«", "»"):
            k -= 1
        if k < self.s:
            return False
        return any(self.cue_at(group, k) for group in ("report", "accuse", "statement"))

    def controls(self) -> list[ControlCandidate]:
        """Who holds which place: "تحت سيطرة X" after a place; "الحقل الذي تسيطر عليه X"; "تسيطر X على Y"."""
        out = []
        places = [m for m in self.ents if m.kind == "place"]
        start_char = self.doc[self.s].idx
        end_char = self.doc[self.e - 1].idx + len(self.doc[self.e - 1].text)

        def add(controller, place, i):
            if controller is not None and place is not None and controller.kind == "actor":
                date = self.nearest_date(i)
                out.append(ControlCandidate(controller, place, start_char, end_char,
                                            since=date if date is not None and self.cue_at("control_verb", i)
                                            and not self.imperfect_control(i) else None))

        for i in range(self.s, self.e):
            n = self.cue_at("control_noun", i)
            if n:
                controller = self.mention_starting(i + n, i + n + 2, kinds=("actor",), skip_positions=False)
                before = [m for m in places if i - 8 <= m.end <= i]
                add(controller, before[-1] if before else None, i)
                continue
            n = self.cue_at("control_verb", i)
            if not n:
                continue
            j = i + n
            prep = self.norms[j] if j < self.e else ""
            if prep in OVER:
                place = self.mention_starting(j + 1, j + 3, kinds=("place",))
                controller = self.subject(i, self.clause_bounds(i)[0])
                add(controller, place, i)
            elif prep in ("عليه", "عليها", "عليهما") and self.is_relative(i - 1):
                # "الحقل الذي تسيطر عليه ميليشيا حزب الله": the place before the pronoun, the holder after
                before = [m for m in places if i - 4 <= m.end <= i - 1]
                controller = self.mention_starting(j + 1, j + 3, kinds=("actor",), skip_positions=False)
                add(controller, before[-1] if before else None, i)
            elif self.lang != "ar":
                place = self.mention_starting(j, j + 3, kinds=("place",))
                controller = self.subject(i, self.clause_bounds(i)[0])
                add(controller, place, i)
        return out

    def imperfect_control(self, i: int) -> bool:
        return self.norms[i][:1] in ("ت", "ي")

    def past_progressive(self, t0: int) -> bool:
        """"وكان مسلحون أكراد يشنون هجمات": كان before an imperfect verb tells a past, ongoing act."""
        return any(v in ("كان", "كانت", "كانوا") for i in range(max(self.s, t0 - 10), t0) for v in self.variants[i])

    def answered(self, t0: int) -> bool:
        """Is this trigger the event another one answers ("... ردا على إطلاق صواريخ")?"""
        return any(self.cue_at("in_response_to", i) for i in range(max(self.s, t0 - 4), t0))

    def join(self, events: list[EventCandidate]) -> list[EventCandidate]:
        """One sentence, one incident -- unless its events share nothing (different attackers at
        different places: "قصفت روسيا كفرنبل، فيما هاجم داعش الشولا"). A sentence left with one
        incident gives it all its places."""
        groups: list[EventCandidate] = []
        for ev in events:
            # "اشتباكات بين X وY بالتزامن مع غارات للتحالف": another party's act alongside, told apart
            alongside = any(self.cue_at("support", i) for i in range(max(self.s, ev.trigger_start - 4), ev.trigger_start))
            ev.alongside = alongside and bool(groups)
            for g in ([] if alongside else groups):
                # two attackers at two places, or one act told as what came before or after the other
                # ("قصف الجيش الإسرائيلي بلدات ... بعد إطلاق حزب الله صواريخ"): two incidents
                other_attacker = bool(g.actors and ev.actors and not {m.key or m.name for m in g.actors + g.targets}
                                      & {m.key or m.name for m in ev.actors})
                apart = other_attacker and (
                    (g.locations and ev.locations and not {m.name for m in g.locations} & {m.name for m in ev.locations})
                    or (ev.trigger_start > self.s and self.cue_at("sequence", ev.trigger_start - 1)))
                # "يأتي الهجوم بعد يومين من قصف ...": a time of its own before a trigger tells another
                # incident, and the places after that time are the other incident's
                own_time = next((d for d in self.dates if d.end == ev.trigger_start and d.start >= g.trigger_end), None)
                if own_time is not None:
                    g.locations = [m for m in g.locations if m.start < own_time.start]
                    apart = True
                same_family = ((EVENT_TYPE_OF[g.sub_event_type] in VIOLENT_EVENT_TYPES)
                               == (EVENT_TYPE_OF[ev.sub_event_type] in VIOLENT_EVENT_TYPES))
                if not apart and same_family and (g.response is None) == (ev.response is None) \
                        and self.answered(g.trigger_start) == self.answered(ev.trigger_start):
                    _absorb(g, ev)
                    break
            else:
                if groups and not ev.actors and any(self.cue_at("result", k) for k in
                                                    range(max(self.s, ev.trigger_start - 3), ev.trigger_start)):
                    # "شنت القوات عملية إنزال ... أسفرت عن اعتقال قيادي": a result is the doer's, there
                    ev.actors = list(groups[-1].actors)
                    ev.locations = ev.locations or list(groups[-1].locations)
                groups.append(ev)
        if len(groups) == 1:
            groups[0].locations = self.places(groups[0].actors)
        # "X did A ردا على B": A answers B, told later in the same sentence
        answered = [g for g in groups if self.answered(g.trigger_start)]
        for g in groups:
            if answered and g not in answered and g.trigger_start < answered[0].trigger_start:
                g.response = ResponseLink.LATER
        return groups

    def cue_actor(self, t1: int) -> EntityMention | None:
        """The name after "مصدره"، "من قبل"، "by" in the trigger's clause, after the trigger."""
        _, clause_end = self.clause_bounds(t1 - 1)
        for i in range(t1 - 1, clause_end):
            n = self.cue_at("actor_after", i)
            if n:
                m = self.mention_starting(i + n, i + n + 3, kinds=("actor",)) or self.possessor(i + n)
                if m is not None:
                    return m
        return None

    def possessor(self, i: int) -> EntityMention | None:
        """Whose forces "مقاتلوها"، "طائراتها" at token i are: the name the pronoun stands for."""
        if self.lang != "ar" or i >= self.e:
            return None
        norm = self.norms[i]
        stem = next((norm[:-len(p)] for p in POSSESSIVE_SUFFIXES if norm.endswith(p) and len(norm) - len(p) >= 3), None)
        if stem is None:
            return None
        forces = (stem,) + ((stem[:-1] + "ي",) if stem.endswith("و") else ())   # "مقاتلو" -> "مقاتلي" too
        if not any(f in self.f.lex.entity_heads.by_first or self.f.lex.weapons.by_first.get(f) for f in forces):
            return None
        # the sentence's topic, its first name ("أعلنت الهيئة مقتل خمسة من قوات النظام في عملية نفذها
        # مقاتلوها": the commission's fighters, not the regime's)
        topic = [m for m in self.ents if m.kind == "actor" and m.end <= i and not self.prepositional(m)]
        return topic[0] if topic else None

    def is_relative(self, i: int) -> bool:
        return i >= self.s and any(v in RELATIVE_PRONOUNS for v in self.variants[i])

    def subject(self, verb_pos: int, clause_start: int, kinds=("actor",)) -> EntityMention | None:
        """Who does what the verb says: the antecedent of a relative pronoun right before it
        (الميليشيات التي استهدفت), the name after the verb (VSO), else the nearest name before it."""
        if self.is_relative(verb_pos - 1):
            before = [m for m in self.ents if m.kind in kinds and verb_pos - 5 <= m.end <= verb_pos - 1]
            return before[-1] if before else None
        # "قال متحدث باسم قوات الأمن ...، إنها قتلت اثنين واعتقلت خمسة": the pronoun before the verb (or
        # before the verb it is joined to) is its subject, and names who it stands for
        pronoun = self.subject_pronoun(verb_pos)
        if pronoun is not None and self.norms[pronoun] in DUMMY_PRONOUNS and self.lang == "ar":
            # "ذكرت الوكالة أنه سقطت قذائف": أنه may be a dummy; a subject right after the verb wins
            first = self.skip_fillers(verb_pos + 1)
            after = self.mention_starting(first, first + 1, kinds=kinds, skip_positions=False)
            if after is not None and not self.prepositional(after):
                return after
        if pronoun is not None:
            antecedent = self.antecedent(pronoun, kinds)
            if antecedent is not None:
                return antecedent
        pronoun_subject = pronoun is not None
        if self.lang == "ar" and not pronoun_subject:
            # VSO: the subject comes right after the verb (past a date or an adverb), not after its object
            first = self.skip_fillers(verb_pos + 1)
            after = self.mention_starting(first, first + 1, kinds=kinds, skip_positions=False)
            if after is not None and not self.prepositional(after):
                return after
            # "شنت طائرات حربية روسية": the aircraft's adjective of origin names the attacker
            hit = self.weapon_at(first)
            if hit:
                owner = [m for m in self.nisbas if first + hit[0] <= m.start <= first + hit[0] + 1]
                if owner:
                    return owner[0]
            # "وشن التنظيم هجوما ...، واقتاد 100 عائلة": a verb joined by و with no subject of its own
            # shares the subject of the verb before it
            if self.norms[verb_pos][:1] in ("و", "ف") and not self.is_relative(verb_pos - 1):
                earlier = [t for t, _, m in self._once("triggers", self.triggers)
                           if t < verb_pos and m.trigger.pos == "verb" and self.norms[t][:1] not in ("و", "ف")]
                if earlier:
                    shared = self.subject(earlier[-1], self.clause_bounds(earlier[-1])[0], kinds)
                    if shared is not None:
                        return shared
        # SVO: walk back from the verb over at most 12 tokens; a relative clause in between
        # ("الحقل الذي تسيطر عليه ميليشيا حزب الله؛ تعرض") sends us to the pronoun's antecedent
        start = max(self.s, verb_pos - 12)
        # "قال الجيش السوري إن صواريخ أصابت": who speaks is not the subject of the clause reported after "إن"
        opener = next((i for i in range(verb_pos - 1, start - 1, -1) if self.norms[i] in COMPLEMENTIZERS), None)
        start = start if opener is None else opener + 1
        # "قالت الوزارة إن طائراتها استهدفت": its aircraft, the ministry's
        owner = self.possessor(verb_pos - 1) if verb_pos - 1 >= start and "actor" in kinds else None
        if owner is not None:
            return owner
        relative = next((i for i in range(verb_pos - 1, start - 1, -1) if self.is_relative(i)), None)
        limit = relative if relative is not None else verb_pos
        # an adjective of origin after a weapon is the subject's owner ("الصواريخ الإسرائيلية استهدفت")
        armed = [m for m in self.nisbas if m.start > self.s
                 and self.weapon_at(m.start - 1)]
        before = sorted((m for m in self.ents + armed if m.kind in kinds and start <= m.start and m.end <= limit
                         and not self.prepositional(m) and not self.in_closed_where_clause(m, verb_pos)),
                        key=lambda m: m.start)
        return before[-1] if before else None

    def subject_pronoun(self, verb_pos: int) -> int | None:
        """The position of "أنها/إنه" standing as the subject of the verb at verb_pos: right before it,
        or before the first verb of a chain joined by و in the same clause."""
        if self.lang != "ar" or verb_pos <= self.s:
            return None
        if self.norms[verb_pos - 1] in SUBJECT_PRONOUNS:
            return verb_pos - 1
        if self.norms[verb_pos][:1] in ("و", "ف"):
            a = self.clause_bounds(verb_pos)[0]
            for k in range(verb_pos - 1, max(a, verb_pos - 10) - 1, -1):
                if self.norms[k] in SUBJECT_PRONOUNS:
                    return k
        return None

    def antecedent(self, pronoun: int, kinds=("actor",)) -> EntityMention | None:
        """Who "أنها" stands for: the nearest name before it in the sentence that is not inside a
        relative clause ("قوات الأمن التي شكلتها قسد، إنها" -> the security forces)."""
        before = [m for m in self.ents if m.kind in kinds and self.s <= m.start and m.end <= pronoun
                  and not self.prepositional(m)]
        for m in reversed(before):
            inside_relative = any(self.is_relative(k) for k in range(max(self.s, m.start - 4), m.start))
            if not inside_relative:
                return m
        return None

    def in_closed_where_clause(self, m: EntityMention, verb_pos: int) -> bool:
        """"... في معضمية الشام حيث يتواجد حزب الله، كما استهدفت": a name inside a "where" clause that
        a comma closed before the verb is not the verb's subject."""
        opened = any(self.norms[k] in ("حيث", "where") for k in range(max(self.s, m.start - 4), m.start))
        return opened and any(self.doc[k].text in CLAUSE_PUNCT for k in range(m.end, verb_pos))

    def between(self, t1: int) -> tuple[EntityMention, EntityMention] | None:
        """The two sides of a clash: "اشتباكات بين X وY"، "clashes between X and Y" (a verb, a date
        or an adjective may come between: "اشتباكات متقطعة اندلعت، الثلاثاء، بين")."""
        for i in range(t1, min(self.e, t1 + 8)):
            if i > t1 and self.clause_word(i):
                return None
            if self.norms[i] in ("بين", "between"):
                first = self.mention_starting(i + 1, i + 2, kinds=("actor",), skip_positions=False)
                if first is not None:
                    second = self.mention_starting(first.end, first.end + 2, kinds=("actor",), skip_positions=False)
                    if second is None or not self.coordinated(first.end, second.start):
                        # "بين تحالف عربي كردي تدعمه الولايات المتحدة وقوات النظام": a clause describing
                        # the first side may stand before the "و" of the second
                        second = next((m for m in self.ents if m.kind == "actor" and first.end < m.start <= first.end + 6
                                       and self.norms[m.start][:1] == "و" and self.variants[m.start][1:]), None)
                    if second is not None and self.coordinated(first.end, second.start):
                        return self.other_side(first, second)
                return None
        return None

    def incident_at_named_place(self, events: list[EventCandidate]) -> EventCandidate | None:
        """The one incident told before at a town or site this sentence names, if only one was."""
        here = {(m.key, m.name) for m in self.ents if m.kind == "place" and m.type not in BROAD_PLACE_TYPES}
        if not here:
            return None
        keys = {k for k, _ in here if k}
        names = {n for _, n in here}
        at = [ev for ev in events if not ev.background and not ev.alongside and any(
            (m.key in keys) if m.key else (m.name in names) for m in ev.locations)]
        return at[0] if len(at) == 1 else None

    def held_responsible(self) -> EntityMention | None:
        """Who the sentence says did it: "X المسؤولة عن ..."، "X يقف وراء ..." (the name before the
        cue) or "تبنى X الهجوم"، "أعلن X مسؤوليته" (the name after the verb)."""
        for i in range(self.s, self.e):
            n = self.cue_at("responsible_before", i)
            if n:
                before = [m for m in self.ents if m.kind == "actor" and i - 3 <= m.end <= i]
                if before:
                    return before[-1]
            n = self.cue_at("responsible_after", i)
            if n:
                m = self.mention_starting(i + n, i + n + 2, kinds=("actor",), skip_positions=False)
                if m is not None:
                    return m
        return None

    def other_side(self, first: EntityMention, second: EntityMention) -> tuple[EntityMention, EntityMention]:
        """"بين قوات النظام والمسلحين الموالين لها من جهة، وقسد من جهة أخرى": the names before "من
        جهة" are one side; the other side is the name after it."""
        k = second.end
        if k + 1 < self.e and self.norms[k] == "من" and self.norms[k + 1] in ("جهه", "ناحيه"):
            other = next((m for m in self.ents if m.kind == "actor" and k + 2 <= m.start <= k + 5), None)
            if other is not None:
                return first, other
        return first, second

    def accused(self, t0: int) -> EntityMention | None:
        """Who an accusation before the trigger names: "اتهم الحشد التحالفَ بشن غارة" -> the coalition
        (Arabic VSO: the accuser comes first); "HRW accused government forces of dropping" -> the forces."""
        for i in range(max(self.s, t0 - 15), t0):
            n = self.cue_at("accuse", i)
            if n:
                # the accuser may be a capital standing for its government ("اتهمت دمشق التحالف")
                end = min(t0, self.clause_bounds(i)[1])
                named = [m for m in self.ents if (m.kind == "actor" or m.type in ("Settlement", "Country"))
                         and i + n <= m.start and m.end <= end]
                if self.lang == "ar":
                    if any(m.kind == "actor" and i - 3 <= m.end <= i for m in self.ents):
                        # SVO ("إسرائيل تتهم إيران بقصف"): the accuser came first, the accused follows
                        return named[0] if named and named[0].kind == "actor" else None
                    return named[1] if len(named) > 1 and named[1].kind == "actor" else None
                named = [m for m in named if m.kind == "actor"]
                return named[0] if named else None
        return None

    def find_actor(self, verb_pos, t0, t1, clause_start) -> EntityMention | None:
        m = self.cue_actor(t1)
        if m is not None:
            return m
        m = self.accused(t0)
        if m is not None:
            return m
        sides = self.between(t1)
        if sides is not None:
            return sides[0]
        if verb_pos is not None:
            m = self.subject(verb_pos, clause_start)
            if m is not None:
                return m
        if self.lang != "ar":
            # English: the attacker stands before a noun trigger ("Russian air strikes", "coalition
            # strikes"), never after it ("strikes on Iranian depots")
            before = [m for m in self.ents + self.nisbas if m.kind == "actor" and t0 - 3 <= m.start and m.end <= t0
                      and m.type != "Civilians"]
            return before[-1] if before else None
        if verb_pos == t0:
            return None     # a verb's attacker is its subject; what follows it is its object
        # noun trigger: genitive or ل-phrase right after it, or an adjective of origin
        for n in self.nisbas:
            # "الضربة الجوية الإسرائيلية": only adjectives between; not "الهجمات استهدفت قواعد إيرانية"
            # (a verb and a position word: the bases are Iranian, the attack is not)
            if t1 <= n.start <= t1 + 2 and not any(
                    self.f.lex.triggers.match(self.variants, self.norms, k) or self.is_position(k)
                    for k in range(t1, n.start)):
                return n
        m = self.mention_starting(t1, t1 + 3, kinds=("actor",), skip_positions=False)
        if m is not None and any(self.is_position(k) for k in range(t1, m.start)):
            m = None    # "عبوة ناسفة بدورية لقوات X": X owns the patrol hit, it did not plant the bomb
        if m is not None and not self.f.lex.casualties.match(self.variants, self.norms, t1) \
                and not any(self.f.lex.triggers.match(self.variants, self.norms, k) for k in range(t1, m.start)) \
                and (not self.prepositional(m) or self.norms[m.start][:1] == "ل"):
            # only adjectives between ("قصف عنيف للميليشيات"), never a verb ("الضربة استهدفت مستودعات لحزب الله")
            return m
        return None

    def find_targets(self, anchor, verb_pos, t1, actor) -> list[EntityMention]:
        sides = self.between(t1)
        if sides is not None and sides[0] is actor:
            return [sides[1]]
        out: list[EntityMention] = []
        if self.trigger_type == "Armed clash":
            # the other side of a clash: "معارك عنيفة مع قسد"، "clashes with the SDF"
            for i in range(t1, min(self.e, t1 + 4)):
                n = self.cue_at("partner_after", i)
                if n:
                    m = self.mention_starting(i + n, i + n + 2, kinds=("actor",), skip_positions=False)
                    if m is not None and m is not actor:
                        out.append(m)
                    break
        start = min(anchor, t1)
        # the target may follow a comma after the trigger ("قصفت، فجر اليوم، مواقع...") but not a new clause
        for i in range(start, min(self.e, t1 + 12)):
            if i > t1 and any(v in CLAUSE_WORDS for v in self.variants[i]):
                break
            n = self.cue_at("target_after", i)
            if n:
                # attacking a place someone holds attacks them: "على جيب يسيطر عليه تنظيم داعش"
                for k in range(i + n, min(self.e, i + n + 5)):
                    c = self.cue_at("control_verb", k)
                    if c and k + c < self.e and self.norms[k + c] in ("عليه", "عليها"):
                        holder = self.mention_starting(k + c + 1, k + c + 3, kinds=("actor",), skip_positions=False)
                        if holder is not None and holder is not actor and holder not in out:
                            out.append(holder)
                        break
                m = self.mention_starting(i + n, i + n + 3)
                if m is not None and m is not actor and m not in out:
                    out.append(m)
                    # "على مواقع تمركز الميليشيات الإيرانية وقوات النظام وحزب الله": coordinated targets
                    while len(out) < 6:
                        nxt = self.mention_starting(m.end, m.end + 3)
                        if nxt is None or nxt is actor or nxt in out or not self.coordinated(m.end, nxt.start):
                            break
                        out.append(nxt)
                        m = nxt
        if verb_pos is None and not out and self.trigger_type in TAKES_PEOPLE:
            # "اعتقال قيادي في تنظيم داعش": the masdar's object, who was taken
            m = self.mention_starting(t1, t1 + 3, kinds=("actor",))
            if m is not None and m is not actor and (not self.prepositional(m) or self.norms[m.start - 1] in ("في", "in")):
                out.append(m)
        if not out and self.trigger_type in TAKES_PEOPLE:
            # "اعتقلت الأسايش 12 شخصا بينهم قيادي في تنظيم داعش": the group of a member among those taken
            for k in range(t1, min(self.e - 2, t1 + 20)):
                if any(v in CLAUSE_WORDS for v in self.variants[k]):
                    break
                if self.cue_at("member", k) and self.norms[k + 1] in ("في", "in"):
                    m = next((m for m in self.by_start.get(k + 2, ()) if m.kind == "actor"), None)
                    if m is not None and m is not actor:
                        out.append(m)
                        break
        if verb_pos is not None and not out:
            after_subject = actor.end if actor is not None and actor.start > verb_pos else verb_pos + 1
            if actor is not None and actor.start > verb_pos:
                after_subject = self.past_apposition(after_subject)
            after_subject = self.skip_fillers(after_subject)
            m = self.mention_starting(after_subject, after_subject + 3)
            # "قصفت مواقع لحزب الله": after a position word, the ل-phrase owns what was hit
            owner = m is not None and m.start > after_subject and self.norms[m.start][:1] == "ل" \
                and self.is_position(m.start - 1)
            # "اغتال مسلحون قياديا في فصائل المعارضة": the member's group
            member = m is not None and m.start - 2 >= after_subject and self.norms[m.start - 1] in ("في", "in") \
                and self.cue_at("member", m.start - 2)
            if m is not None and m is not actor and (not self.prepositional(m) or owner or member):
                out.append(m)
        return out

    def past_apposition(self, i: int) -> int:
        """Past another name of the subject quoted or bracketed right after it ("قوات الأمن الداخلي
        "الأسايش""، "قوات سوريا الديمقراطية (قسد)"): the object comes after it."""
        k = i
        while k < self.e and self.doc[k].text in QUOTES_AND_BRACKETS:
            k += 1
        named = next((m for m in self.by_start.get(k, ()) if m.kind == "actor"), None) if k > i else None
        if named is None:
            return i
        k = named.end
        while k < self.e and self.doc[k].text in QUOTES_AND_BRACKETS:
            k += 1
        return k

    def skip_fillers(self, i: int) -> int:
        """Past what may stand between a verb and its object: a date, a comma, an adverb like كذلك."""
        dates = [(d.start, d.end) for d in self.dates]
        while i < self.e:
            inside_date = next((end for start, end in dates if start <= i < end), None)
            if inside_date is not None:
                i = inside_date
            elif self.doc[i].text in (",", "،") or self.norms[i] in FILLERS or (
                    self.norms[i] in ("في", "on", "in") and any(start == i + 1 for start, _ in dates)):
                i += 1
            else:
                break
        return i

    def sub_event_type(self, trig, weapons, actors, targets, ground_fire: bool = False) -> str:
        sub = trig.sub_event_type
        if trig.generic or sub in ("Shelling/artillery/missile attack", "Armed clash"):
            for needed, chosen in WEAPON_PRECEDENCE:
                if weapons & needed:
                    sub = chosen
                    break
        if trig.air_if_foreign and sub == "Shelling/artillery/missile attack" and not weapons & GROUND_FIRE \
                and not ground_fire and actors and actors[0].type == "ForeignForces":
            # "strikes" by a foreign army with no artillery or mortar named and no launcher said
            # (Grad, surface-to-surface, cruise): air strikes -- their "صواريخ" are air-launched
            sub = "Air/drone strike"
        if sub in TERRITORY_BY_FORCE:
            if not (weapons or self.violent_elsewhere or trig.by_force):
                # taking a place with no fighting said (ACLED): a non-violent transfer
                sub = "Non-violent transfer of territory"
            elif actors and actors[0].type == "StateForces":
                sub = "Government regains territory"
        if sub == "Armed clash" and targets and all(t.type == "Civilians" for t in targets):
            # armed men against civilians with no armed opponent (ACLED); a shelling or a strike that
            # kills civilians stays remote violence
            sub = "Attack"
        return sub

    def nearest_date(self, t0):
        """The date of the event: the nearest in its sentence that is not the date of the report
        ("صرح المرصد السبت أن الغارات التي وقعت فجر الخميس": Thursday); else the latest date said
        earlier in the same paragraph."""
        in_sentence = [d for d in self.dates if d.precision
                       and not (d.start > self.s and self.norms[d.start - 1] in ("منذ", "since"))]
        # the report's own date only when the sentence gives no other (news often reports the same day)
        dates = [d for d in in_sentence if not self.is_report_date(d, t0)] or in_sentence
        if dates:
            # a day before a month before a year ("مطلع العام" beside "ليل الاثنين"), then the nearest
            return min(dates, key=lambda d: (DATE_PRECISION_RANK.get(d.precision, 9), abs(d.start - t0)))
        paragraph_start = self.s
        while paragraph_start > 0 and "\n" not in self.doc[paragraph_start - 1].text:
            paragraph_start -= 1
        earlier = [d for d in self.all_dates.within(paragraph_start, self.s) if d.precision == "day" and d.value]
        return earlier[-1] if earlier else None

    def is_report_date(self, d, t0) -> bool:
        """A date right after a reporting verb and its subject, before the reported clause."""
        if d.start > t0:
            return False
        for i in range(max(self.s, d.start - 8), d.start):
            if self.cue_at("report", i):
                return any(self.norms[k] in ("ان", "انه", "انها", "that") for k in range(d.end, min(t0 + 1, d.end + 3)))
        return False


@Language.factory("kgb_events")
def make_events(nlp: Language, name: str):
    """Event candidates as ``doc._.events`` (a list of :class:`EventCandidate`)."""
    return EventFinder(nlp.lang)
