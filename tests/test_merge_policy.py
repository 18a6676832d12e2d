"""One merge policy: two tellings of one incident combine the same way whether they are two triggers
of one sentence (``kg_builder.nlp.events._absorb``, on candidates) or two sentences of an article
(``kg_builder.resolve.resolve``, on events) -- see :mod:`kg_builder.merge`.

The first tests merge small hand-made records both ways and ask for one answer; the next go through the
extractor with sentences written for these tests (none is copied from the development corpus).
"""

from __future__ import annotations

import pytest

from kg_builder.extract import Extractor
from kg_builder.model import Article, Entity, Extraction
from kg_builder.nlp.events import _absorb
from kg_builder.nlp.mentions import DateRef, EntityMention, EventCandidate
from kg_builder.resolve import resolve

# two sentences: a telling in each, or both tellings in the first
TEXT = "اشتبكت القوات مع المسلحين في البلدة. وقصفت المدفعية البلدة."
SENTENCES = [(0, TEXT.index(".") + 1), (TEXT.index(".") + 2, len(TEXT))]
ARTICLE = Article(id="merge-policy", text=TEXT, lang="ar", published="2018-05-12")

REGIME = ("actor/syrian-government-forces", "actor", "StateForces", "قوات النظام")
ISIS = ("actor/isis", "actor", "ArmedGroup", "داعش")
TOWN = ("place/test-town", "place", "Settlement", "البلدة")
MONITOR = ("actor/test-monitor", "actor", "Source", "المرصد")
LOCALS = ("actor/test-local-sources", "actor", "Source", "مصادر محلية")
ENTITIES = tuple(Entity(key=k, kind=kind, type=t, label_ar=name) for k, kind, t, name in
                 (REGIME, ISIS, TOWN, MONITOR, LOCALS))


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


def mention(who) -> EntityMention:
    key, kind, type_, name = who
    return EntityMention(start=0, end=1, start_char=0, end_char=1, text=name, kind=kind, type=type_, key=key,
                         name=name, origin="gazetteer")


def candidate(sentence: int, sub_event_type: str, actors=(), targets=(), locations=(), claimants=(),
              **fields) -> EventCandidate:
    start, end = SENTENCES[sentence]
    return EventCandidate(sub_event_type=sub_event_type, trigger_start=0, trigger_end=1, sentence_start_char=start,
                          sentence_end_char=end, sentence_index=sentence, actors=[mention(m) for m in actors],
                          targets=[mention(m) for m in targets], locations=[mention(m) for m in locations],
                          claimants=[mention(m) for m in claimants], **fields)


def within(first, second) -> dict:
    """Both tellings in one sentence: the candidates merged by the event finder."""
    a, b = first(0), second(0)
    _absorb(a, b)
    return {"type": a.sub_event_type, "killed": a.killed, "confidence": a.confidence,
            "date": (a.date.value, a.date.precision) if a.date else None}


def across(extractor, first, second) -> dict:
    """The tellings in two sentences: the events merged by resolve."""
    events = tuple(extractor.to_event(ARTICLE, None, n, c) for n, c in enumerate((first(0), second(1)), start=1))
    x = resolve(Extraction(article=ARTICLE, entities=ENTITIES, events=events))
    [e] = x.events     # one incident
    return {"type": e.sub_event_type, "killed": e.killed, "confidence": e.confidence,
            "date": (e.date, e.date_precision) if e.date_precision else None}


def one_answer(extractor, first, second, field: str):
    """The one value of ``field`` the two tellings merge to, within a sentence and across sentences."""
    here, there = within(first, second), across(extractor, first, second)
    assert here[field] == there[field], f"{field}: within a sentence {here}; across sentences {there}"
    return here[field]


# -- hand-made records -----------------------------------------------------------------------------
def test_a_breakdown_by_side_counts_all_sides_from_either_source(extractor):
    # one source: "21 soldiers killed"; another: "21 soldiers and 8 attackers killed" -> 29 (all sides)
    first = lambda s: candidate(s, "Armed clash", actors=[ISIS], targets=[REGIME], locations=[TOWN],
                                claimants=[MONITOR], killed=21, killed_sides={"actor/syrian-government-forces": 21})
    second = lambda s: candidate(s, "Armed clash", actors=[ISIS], targets=[REGIME], locations=[TOWN],
                                 claimants=[LOCALS], killed=29,
                                 killed_sides={"actor/syrian-government-forces": 21, "actor/isis": 8})
    assert one_answer(extractor, first, second, "killed") == 29
    # and told the other way round
    assert one_answer(extractor, second, first, "killed") == 29


def test_two_estimates_from_two_sources_give_the_lowest(extractor):
    first = lambda s: candidate(s, "Armed clash", actors=[ISIS], targets=[REGIME], locations=[TOWN],
                                claimants=[MONITOR], killed=9)
    second = lambda s: candidate(s, "Armed clash", actors=[ISIS], targets=[REGIME], locations=[TOWN],
                                 claimants=[LOCALS], killed=7)
    assert one_answer(extractor, first, second, "killed") == 7


def test_a_clash_stays_a_clash_whatever_shelling_went_with_it(extractor):
    clash = lambda s: candidate(s, "Armed clash", actors=[REGIME], targets=[ISIS], locations=[TOWN])
    shelling = lambda s: candidate(s, "Shelling/artillery/missile attack", locations=[TOWN], weapons={"artillery"})
    assert one_answer(extractor, clash, shelling, "type") == "Armed clash"


def test_a_shelling_by_the_clash_s_own_attacker_is_a_shelling(extractor):
    clash = lambda s: candidate(s, "Armed clash", actors=[REGIME], targets=[ISIS], locations=[TOWN])
    shelling = lambda s: candidate(s, "Shelling/artillery/missile attack", actors=[REGIME], locations=[TOWN],
                                   weapons={"artillery"})
    assert one_answer(extractor, clash, shelling, "type") == "Shelling/artillery/missile attack"


def test_a_guessed_type_gives_way_to_the_one_a_telling_says(extractor):
    # "استهدفت قوات النظام مواقع داعش" (with what? shelling is a guess) ... "واشتبكت معهم"
    guessed = lambda s: candidate(s, "Shelling/artillery/missile attack", actors=[REGIME], targets=[ISIS],
                                  locations=[TOWN], weak_type=True)
    said = lambda s: candidate(s, "Armed clash", actors=[REGIME], locations=[TOWN])
    assert one_answer(extractor, guessed, said, "type") == "Armed clash"
    # a guess never overrides what was said
    assert one_answer(extractor, said, guessed, "type") == "Armed clash"


def test_a_date_of_its_own_wins_over_the_lead_s(extractor):
    # the day only assumed from the lead gives way to the month the telling itself says
    lead_day = lambda s: candidate(s, "Armed clash", actors=[REGIME], targets=[ISIS], locations=[TOWN],
                                   date=DateRef(0, 1, "2018-05-10", "day"), date_from_lead=True)
    own_month = lambda s: candidate(s, "Armed clash", actors=[REGIME], targets=[ISIS], locations=[TOWN],
                                    date=DateRef(0, 1, "2018-05", "month"))
    assert one_answer(extractor, lead_day, own_month, "date") == ("2018-05", "month")


def test_the_more_precise_date_wins_then_the_first_told(extractor):
    month = lambda s: candidate(s, "Armed clash", actors=[REGIME], targets=[ISIS], locations=[TOWN],
                                date=DateRef(0, 1, "2018-05", "month"))
    day = lambda s: candidate(s, "Armed clash", actors=[REGIME], targets=[ISIS], locations=[TOWN],
                              date=DateRef(0, 1, "2018-05-10", "day"))
    assert one_answer(extractor, month, day, "date") == ("2018-05-10", "day")
    assert one_answer(extractor, day, month, "date") == ("2018-05-10", "day")


def test_confidence_is_the_highest_of_the_two(extractor):
    low = lambda s: candidate(s, "Armed clash", actors=[REGIME], targets=[ISIS], locations=[TOWN], confidence=0.6)
    high = lambda s: candidate(s, "Armed clash", actors=[REGIME], locations=[TOWN], confidence=0.8)
    assert one_answer(extractor, low, high, "confidence") == 0.8


# -- through the extractor -------------------------------------------------------------------------
def extract(extractor, text, lang="ar"):
    [x] = extractor.extract([Article(id="t", text=text, lang=lang, published="2018-05-12")])
    return x


@pytest.mark.parametrize("lang, one_sentence, two_sentences", [
    ("ar", "اشتبكت قوات النظام مع مسلحي داعش في بلدة الصالحية، بينما سقطت قذائف مدفعية على الصالحية.",
           "اشتبكت قوات النظام مع مسلحي داعش في بلدة الصالحية. وسقطت قذائف مدفعية على الصالحية."),
    ("ar", "دارت اشتباكات عنيفة بين قوات النظام ومسلحي داعش في بلدة الصالحية، ترافقت مع قصف مدفعي على البلدة.",
           "دارت اشتباكات عنيفة بين قوات النظام ومسلحي داعش في بلدة الصالحية. وشهدت الصالحية قصفا مدفعيا عنيفا."),
    ("en", "Government forces clashed with Islamic State fighters in the town of Salhiyeh, while heavy artillery "
           "shelling hit Salhiyeh.",
           "Government forces clashed with Islamic State fighters in the town of Salhiyeh. Heavy artillery shelling "
           "hit Salhiyeh."),
], ids=["ar-while", "ar-accompanied", "en"])
def test_a_clash_with_shelling_told_in_one_sentence_or_two_is_a_clash(extractor, lang, one_sentence, two_sentences):
    [here] = extract(extractor, one_sentence, lang).events
    [there] = extract(extractor, two_sentences, lang).events
    assert here.sub_event_type == there.sub_event_type == "Armed clash"
    assert "artillery" in here.weapons and "artillery" in there.weapons


def test_a_guessed_type_told_in_one_sentence_or_two_gives_way(extractor):
    [here] = extract(extractor, "استهدفت قوات النظام مواقع مسلحي داعش في بلدة الصالحية، واشتبكت معهم لساعات.").events
    [there] = extract(extractor, "استهدفت قوات النظام مواقع مسلحي داعش في بلدة الصالحية. "
                                 "واشتبكت قوات النظام مع مسلحي داعش في الصالحية لساعات.").events
    assert here.sub_event_type == there.sub_event_type == "Armed clash"
    assert not here.weak_type and not there.weak_type


def test_tolls_of_two_sources_in_one_article(extractor):
    [lowest] = extract(extractor, "قال المرصد السوري إن 7 عناصر من قوات النظام قتلوا في هجوم شنه داعش على بلدة "
                                  "الصالحية. وقالت مصادر محلية إن 9 عناصر من قوات النظام قتلوا في هجوم داعش على "
                                  "الصالحية.").events
    assert lowest.killed == 7
    assert {c.killed for c in lowest.claims} == {7, 9}     # each source keeps its own figure
    [summed] = extract(extractor, "قتل 21 عنصرا من قوات النظام في هجوم شنه داعش على بلدة الصالحية. وأكد المرصد "
                                  "السوري مقتل 21 عنصرا من قوات النظام و8 من مسلحي داعش في هجوم الصالحية.").events
    [at_once] = extract(extractor, "قتل 21 عنصرا من قوات النظام و8 من مسلحي داعش في هجوم شنه داعش على بلدة "
                                   "الصالحية.").events
    assert summed.killed == at_once.killed == 29
    [english] = extract(extractor, "At least 7 soldiers were killed when Islamic State fighters attacked the town of "
                                   "Salhiyeh, the Observatory said. Local sources said 9 soldiers were killed in the "
                                   "Islamic State attack on Salhiyeh.", "en").events
    assert english.killed == 7


# -- responses: a typed link, resolved by its own stage ----------------------------------------------
RESPONSES = ("أطلق مسلحو داعش قذائف على بلدة الصالحية.\n"
             "وردت قوات النظام بقصف مدفعي على مواقع داعش في البادية.\n"
             "وقصفت الطائرات الإسرائيلية مواقع في ريف القنيطرة، ردا على إطلاق قذائف من سوريا على الجولان.")


def test_resolve_is_a_stage_of_its_own(extractor):
    from kg_builder.model import ResponseLink

    [raw] = extractor.extract([Article(id="r", text=RESPONSES, lang="ar")], resolve=False)
    # before resolve: what the text says, typed; no event key yet, and no placeholder string
    assert {e.response for e in raw.events} == {None, ResponseLink.EARLIER, ResponseLink.LATER}
    assert all(e.responds_to is None for e in raw.events)
    assert [e.key for e in raw.events] == [f"c{n}" for n in range(1, len(raw.events) + 1)]
    resolved = resolve(raw)
    [whole] = extractor.extract([Article(id="r", text=RESPONSES, lang="ar")])
    assert resolved == whole                            # extract() is extract(resolve=False), then resolve()
    keys = {e.key for e in resolved.events}
    answering = [e for e in resolved.events if e.response is not None]
    assert len(answering) == 2 and all(e.responds_to in keys and e.responds_to != e.key for e in answering)
    later = next(e for e in answering if e.response is ResponseLink.LATER)
    order = [e.key for e in resolved.events]
    assert order.index(later.responds_to) > order.index(later.key)     # the event answered is told after it
