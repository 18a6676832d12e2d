"""The spaCy components one by one, and the extractor on sentences written for these tests.

(The seed article is tested end to end in test_seed.py; no sentence of the development corpus is
copied here: rules must hold for sentences they were not written from.)
"""

from __future__ import annotations

import pytest

from kg_builder.extract import Extractor
from kg_builder.model import Article
from kg_builder.nlp import build_pipeline


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("ar")


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


def run(extractor, text, published="2019-03-14"):
    [x] = extractor.extract([Article(id="t", text=text, lang="ar", published=published)])
    return x


def names(x, keys):
    return [x.entity(k).label_en or x.entity(k).label_ar for k in keys]


def test_pipeline_is_blank_arabic_plus_our_components(nlp):
    assert nlp.lang == "ar"
    assert nlp.pipe_names == ["kgb_normaliser", "kgb_sentences", "kgb_entities", "kgb_numbers",
                              "kgb_dates", "kgb_events"]


def test_conjunction_glued_to_a_quote_is_split(nlp):
    doc = nlp.make_doc("هاجمت داعش و”قسد” ردت")
    assert "قسد" in [t.text for t in doc]


def test_tokens_carry_normalised_forms_and_clitic_variants(nlp):
    doc = nlp("وبالحقلِ للتحالف")
    assert doc[0]._.norm_key == "وبالحقل"
    assert "الحقل" in doc[0]._.variants
    assert "التحالف" in doc[1]._.variants


def test_sentences_split_at_line_breaks_and_full_stops(nlp):
    doc = nlp("قصفت الطائرات القرية. ثم انسحبت\nوفي اليوم التالي عادت")
    assert len(list(doc.sents)) == 3


def test_gazetteer_names_are_found_through_clitics(nlp):
    doc = nlp("وصلت تعزيزات للتحالف الدولي بريف دير الزور")
    found = {(m.key, m.text) for m in doc._.entities}
    keys = {k for k, _ in found}
    assert any(k and "coalition" in k for k in keys)
    assert any(t == "بريف دير الزور" for _, t in found)


def test_unknown_names_are_found_by_head_nouns_and_learned(nlp):
    doc = nlp("دخلت قوات الحرس المحلي بلدة المزيرعة. ثم غادرت المزيرعة مساء")
    texts = [m.text for m in doc._.entities]
    assert "قوات الحرس المحلي" in texts
    assert texts.count("المزيرعة") == 2          # named after بلدة, then learned
    origins = {m.text: m.origin for m in doc._.entities}
    assert origins["قوات الحرس المحلي"] == "pattern"


def test_definite_description_points_back(nlp):
    doc = nlp("سقطت قذائف على حقل العمر. واندلعت النيران في الحقل")
    field = [m for m in doc._.entities if m.text == "الحقل"]
    assert field and field[0].origin == "coref"
    first = [m for m in doc._.entities if m.text == "حقل العمر"][0]
    assert field[0].key == first.key


def test_vso_shelling_with_target_location_weapon_and_toll(extractor):
    x = run(extractor, "قصفت قوات النظام بالمدفعية الثقيلة بلدة كفرنبودة في ريف حماة أمس، ما أدى إلى مقتل ثلاثة مدنيين.")
    [e] = x.events
    assert e.sub_event_type == "Shelling/artillery/missile attack"
    assert any("regime" in (n or "").lower() or "government" in (n or "").lower() for n in names(x, e.actors))
    assert any("حماة" in (x.entity(k).label_ar or "") or "Hama" in (x.entity(k).label_en or "") for k in e.locations)
    assert "artillery" in e.weapons
    assert e.killed == 3
    assert e.date == "2019-03-13" and e.date_precision == "day"


def test_svo_relative_clause_and_source_cue(extractor):
    x = run(extractor, "قال المرصد السوري إن الميليشيات الإيرانية التي تتمركز قرب البوكمال استهدفت بالصواريخ "
                       "قاعدة التنف، دون ورود أنباء عن خسائر.")
    [e] = x.events
    assert "Iran" in " ".join(names(x, e.actors))
    assert any(x.entity(k).type == "MilitaryBase" for k in e.targets)
    assert "rocket" in e.weapons
    assert [c.claimant for c in e.claims] and "observatory" in e.claims[0].claimant.lower() or \
        "sohr" in e.claims[0].claimant.lower()


def test_undergo_construction_makes_the_subject_the_target(extractor):
    x = run(extractor, "تعرضت قاعدة حميميم لهجوم بطائرات مسيرة من قبل فصائل المعارضة.")
    [e] = x.events
    assert e.sub_event_type == "Air/drone strike"
    assert any(x.entity(k).type == "MilitaryBase" for k in e.targets)
    assert e.actors and "opposition" in " ".join(names(x, e.actors)).lower() or "المعارضة" in " ".join(names(x, e.actors))


def test_threats_denials_and_habits_are_not_events(extractor):
    assert not run(extractor, "هدد الجيش التركي بقصف مواقع قسد في منبج.").events
    assert not run(extractor, "وتتعرض مواقع قوات النظام لهجمات بين الحين والآخر في البادية.").events
    assert not run(extractor, "ويقصف الطيران الروسي مناطق إدلب باستمرار.").events


def test_repeated_mentions_of_one_incident_merge_and_keep_all_claims(extractor):
    x = run(extractor, "قصفت طائرات التحالف الدولي مواقع تنظيم داعش في بلدة هجين، ما أدى لمقتل 7 عناصر.\n"
                       "وقالت وكالة سانا إن غارات التحالف على هجين أسفرت عن مقتل 9 أشخاص.")
    [e] = x.events
    assert e.sub_event_type == "Air/drone strike"
    assert len(e.evidence) == 2
    assert e.killed == 7                       # the lowest figure of the two tellings


def test_response_is_linked_to_the_event_it_answers(extractor):
    x = run(extractor, "قصفت الميليشيات الإيرانية حقل العمر بالصواريخ.\n"
                       "وردت القوات الأمريكية بقصف مدفعي على مواقع الميليشيات الإيرانية.")
    assert len(x.events) == 2
    first, second = x.events
    assert second.responds_to == first.key


def test_evidence_points_at_the_original_text(extractor):
    text = "قصفت  القوات الروسية  بلدة  اللطامنة.\n\nوقُتل اثنان."
    x = run(extractor, text)
    for e in x.events:
        for ev in e.evidence:
            assert text[ev.start:ev.end] == ev.text


# zero-width and direction marks pasted from web pages and word processors, inside a word
INVISIBLE_MARKS = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\u202b", "\u2067", "\u2060",
                   "\ufeff", "\u00ad"]


@pytest.mark.parametrize("mark", INVISIBLE_MARKS, ids=[f"U+{ord(m):04X}" for m in INVISIBLE_MARKS])
def test_an_invisible_mark_inside_a_name_leaves_it_recognised(extractor, mark):
    plain = "قصفت قوات النظام بالمدفعية بلدة كفرنبل بريف إدلب الجنوبي."
    marked = plain.replace("النظام", "النظ" + mark + "ام").replace("كفرنبل", "كفر" + mark + "نبل")
    want, got = run(extractor, plain), run(extractor, marked)
    assert {e.key for e in got.entities} == {e.key for e in want.entities}
    assert [(e.sub_event_type, e.actors, e.locations) for e in got.events] == \
        [(e.sub_event_type, e.actors, e.locations) for e in want.events]
    for entity in got.entities:                      # spans still point into the text as written
        for span in entity.mentions:
            assert marked[span.start:span.end] == span.text
    town = next(e for e in got.entities if e.kind == "place" and not e.in_gazetteer)
    assert mark in town.mentions[0].text


def test_a_vowelled_word_is_still_a_word(extractor):
    plain = run(extractor, "قصفت قوات النظام بلدة كفرنبل.")
    vowelled = run(extractor, "قَصَفَتْ قوات النظام بلدةَ كَفْرنَبْل.")
    assert {e.key for e in vowelled.entities} == {e.key for e in plain.entities}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_lexicon_key_names_a_gazetteer_entry(lang):
    from kg_builder.gazetteer import load_gazetteer
    from kg_builder.nlp.lexicon import _rows
    from kg_builder.resources import nlp_data_dir

    path = nlp_data_dir() / f"nisba_{lang}.tsv"
    if not path.exists():
        pytest.skip(f"no nisba_{lang}.tsv")
    gazetteer = load_gazetteer()
    missing = [key for _, key in _rows(path) if gazetteer.get(key) is None]
    assert not missing


def test_two_incidents_in_one_sentence_stay_apart_but_two_tellings_merge(extractor):
    apart = run(extractor, "قصفت القوات الروسية بلدة كفرنبل في إدلب، فيما هاجم تنظيم داعش قرية الشولا قرب دير الزور.")
    assert len(apart.events) == 2
    one = run(extractor, "شنت طائرات التحالف الدولي غارة استهدفت مواقع تنظيم داعش في بلدة الشعفة.")
    assert len(one.events) == 1


def test_in_response_to_points_from_the_response_to_what_it_answers(extractor):
    x = run(extractor, "قصف الجيش التركي مواقع قسد في منبج ردا على سقوط قذائف أطلقتها قسد على بلدة كركميش.")
    by_actor = {x.entity(e.actors[0]).label_en if e.actors else None: e for e in x.events}
    assert len(x.events) == 2
    response = next(e for e in x.events if e.responds_to)
    answered = next(e for e in x.events if e.key == response.responds_to)
    assert "Turk" in (x.entity(response.actors[0]).label_en or "")
    assert answered.actors and "SDF" in (x.entity(answered.actors[0]).label_en or "") or answered.locations
    assert by_actor


def test_tolls_of_two_sides_add_up_and_no_casualties_is_zero(extractor):
    both = run(extractor, "اندلعت اشتباكات عنيفة بين قوات النظام وتنظيم داعش في بادية السويداء أسفرت عن مقتل "
                          "12 عنصرا من قوات النظام و7 من مسلحي تنظيم داعش.")
    assert [e.killed for e in both.events] == [19]
    none = run(extractor, "سقطت قذائف أطلقتها قوات النظام على بلدة معرة النعمان دون وقوع إصابات.")
    assert [(e.killed, e.injured) for e in none.events] == [(0, 0)]


def test_villages_listed_after_a_plural_head_are_places(nlp):
    doc = nlp("سيطرت قوات النظام على 3 قرى هي الطيبة والمسعودية والرحبة، وقصفت قرى أخرى")
    places = [m.text for m in doc._.entities if m.kind == "place"]
    assert places[:3] == ["الطيبة", "والمسعودية", "والرحبة"]
    assert "أخرى" not in " ".join(places)


def test_typical_wire_sentences(extractor):
    """Sentences in the style of monitors and agencies, written for this test."""
    x = run(extractor, "وشنت طائرات حربية روسية، صباح الأربعاء، أكثر من 20 غارة على مناطق في ريف إدلب الجنوبي، "
                       "ما أسفر عن مقتل مدنيين اثنين بينهم طفل.")
    [e] = x.events
    assert e.sub_event_type == "Air/drone strike" and e.killed == 2
    assert [x.entity(k).key for k in e.actors] == ["actor/russian-forces"]
    x = run(extractor, "اعتقلت قوات سوريا الديمقراطية 12 شخصا في مدينة الرقة بتهمة الانتماء لتنظيم داعش.")
    assert [e.sub_event_type for e in x.events] == ["Arrests"]
    x = run(extractor, "وأعلنت فصائل المعارضة سيطرتها على قرية تل تمر بعد معارك عنيفة مع قسد، وفقا للمرصد السوري.")
    [e] = x.events
    assert e.event_type == "Battles" and [x.entity(k).key for k in e.targets] == ["actor/sdf"]
    # the faction announces its own takeover and the monitor reports it: two claimants
    assert {c.claimant for c in e.claims} == {"actor/opposition-factions", "actor/syrian-observatory-for-human-rights"}


def test_a_toll_that_rose_to_n_stands_over_partial_figures(extractor):
    x = run(extractor, "أسفرت الغارات الإسرائيلية على مواقع في ريف دمشق عن مقتل 11 إيرانيا، ما يرفع حصيلة القتلى إلى 27.")
    assert [e.killed for e in x.events] == [27]


def test_the_accused_is_the_attacker_not_the_accuser(extractor):
    x = run(extractor, "اتهم الحشد الشعبي التحالف الدولي بشن غارة على مواقعه قرب البوكمال.")
    [e] = x.events
    assert [x.entity(k).key for k in e.actors] == ["actor/international-coalition"]
    assert "actor/popular-mobilization-forces" in [c.claimant for c in e.claims]


def test_what_follows_a_verb_is_its_object_not_its_attacker(extractor):
    x = run(extractor, "قال مصدر إن الضربة استهدفت مستودعات لحزب الله قرب مطار دمشق الدولي.")
    assert all("actor/hezbollah" not in e.actors for e in x.events)
    assert any("actor/hezbollah" in e.targets for e in x.events)


def test_a_toll_that_rose_to_a_figure_stands_over_its_breakdown(extractor):
    x = run(extractor, "ارتفعت حصيلة القتلى جراء الغارات الروسية على بلدة معرة النعمان يوم الاثنين إلى 19 قتيلا "
                       "على الأقل، بينهم 6 من عناصر هيئة تحرير الشام.")
    [e] = x.events
    assert e.killed == 19


def test_fighters_named_by_their_patron_are_an_actor_of_their_own(nlp):
    doc = nlp("قتل 9 مقاتلين موالين لإيران في قصف على مواقع القوات المدعومة من تركيا والميليشيات المتحالفة معها.")
    found = [m.text for m in doc._.entities if m.origin == "affiliation"]
    assert "مقاتلين موالين لإيران" in found
    assert "القوات المدعومة من تركيا" in found
    assert "الميليشيات المتحالفة معها" in found      # the mention is the name, without "and"


def test_a_bare_reply_is_not_an_event_but_a_reply_with_fire_is(extractor):
    assert not run(extractor, "ونقلت الوكالة تصريحات وردت الأحد عن الجيش في محافظة إدلب.").events
    x = run(extractor, "وردت القوات التركية بالمدفعية على مصادر النيران في ريف حلب.")
    assert len(x.events) == 1


def test_coordinated_attackers_act_together_and_keep_their_own_names(extractor):
    x = run(extractor, "شنت الولايات المتحدة وبريطانيا وفرنسا ضربات صاروخية على مواقع للنظام في ريف حمص.")
    [e] = x.events
    assert {"US forces", "British forces", "French forces"} <= set(names(x, e.actors))
    # the mention is the name, without the "and" glued to it
    assert [m.text for m in x.entity("actor/british-forces").mentions] == ["بريطانيا"]


def test_an_accusation_in_the_next_sentence_names_the_attacker(extractor):
    x = run(extractor, "وفي 3 آذار الماضي، قتل 9 مقاتلين موالين للنظام في ضربات جوية قرب مدينة الميادين.\n"
                       "واتهمت دمشق التحالف الدولي بتنفيذها، وهو ما نفاه التحالف.")
    [e] = x.events
    assert names(x, e.actors) == ["International Coalition"]
    assert e.killed == 9


def test_a_quote_closed_before_a_full_stop_is_split_off(nlp):
    doc = nlp.make_doc('وقال إن الغارات دمرت "مستودعات في ريف دمشق". وأضاف')
    assert [t.text for t in doc][-4:] == ["دمشق", '"', ".", "وأضاف"]


def test_the_launch_a_strike_answers_is_an_event_with_its_launcher(extractor):
    x = run(extractor, 'قصفت القوات الأردنية مواقع قرب الحدود، مؤكدة أن العملية رد على إطلاق قذائف "عراقية" على بلدة الرمثا.')
    assert len(x.events) == 2
    answered = next(e for e in x.events if e.responds_to is None)
    assert names(x, answered.actors) == ["Iraqi forces"]


def test_a_foreign_armys_missiles_are_air_strikes_unless_a_launcher_is_named(extractor):
    [air] = run(extractor, "استهدفت الصواريخ الإسرائيلية مستودعات أسلحة قرب مطار دمشق الدولي.").events
    assert air.sub_event_type == "Air/drone strike"
    [ground] = run(extractor, "قصفت القوات التركية بصواريخ غراد مواقع قسد في ريف منبج.").events
    assert ground.sub_event_type == "Shelling/artillery/missile attack"


def test_air_defences_and_air_bases_are_no_aircraft(extractor):
    [e] = run(extractor, "قالت وكالة سانا إن الدفاعات الجوية تصدت لهجوم صاروخي على قاعدة حماة الجوية.").events
    assert e.sub_event_type == "Shelling/artillery/missile attack"
    assert "aircraft" not in e.weapons
    assert not e.actors          # the defences repelled it; who fired is not said


def test_a_name_in_a_closed_where_clause_is_not_the_next_verbs_subject(extractor):
    x = run(extractor, "طالت الغارات مواقع في بلدة الكسوة حيث تتمركز ميليشيا حزب الله، كما استهدفت مخازن قرب درعا.")
    assert all("Hezbollah" not in names(x, e.actors) for e in x.events)


def test_the_other_sides_dead_told_next_add_to_the_toll(extractor):
    x = run(extractor, "قتل 14 عنصرا من قوات النظام في هجوم شنه تنظيم داعش على مواقعهم في بادية تدمر.\n"
                       "وقال المرصد السوري إن 14 عنصرا على الأقل من قوات النظام والمسلحين الموالين لها قتلوا في هجوم "
                       "شنه التنظيم فجر الأحد قرب حقل الشاعر.\n"
                       "وأضاف أن 6 من مسلحي التنظيم قتلوا خلال الاشتباكات.")
    [e] = x.events                      # the lead and its retelling are one incident
    assert e.killed == 20


def test_two_estimates_of_the_same_dead_keep_the_lowest(extractor):
    x = run(extractor, "قتل 9 عناصر من قوات النظام في هجوم لتنظيم داعش على حاجز قرب السخنة.\n"
                       "وقالت مصادر محلية إن 12 عنصرا من قوات النظام قتلوا في هجوم التنظيم على الحاجز.")
    [e] = x.events
    assert e.killed == 9


def test_an_incident_of_days_ago_is_not_merged_into_the_storys(extractor):
    x = run(extractor, "سيطر تنظيم داعش اليوم الخميس على أجزاء من بلدة السخنة بعد هجوم على قوات النظام.\n"
                       "وقبل أيام قتل 30 عنصرا من قوات النظام في هجمات للتنظيم على حواجز قرب تدمر.",
            published="2019-03-14")
    assert len(x.events) == 2
    earlier = next(e for e in x.events if e.killed == 30)
    assert earlier.date is None or earlier.date_precision == "relative"


def test_a_trend_is_not_an_incident(extractor):
    assert not run(extractor, "وكثف التنظيم في الفترة الأخيرة من هجماته ضد قوات النظام في البادية.").events


def test_dawn_is_a_time_not_an_explosion(extractor):
    [e] = run(extractor, "هاجم مسلحو تنظيم داعش فجر الأحد حاجزا لقوات النظام قرب السخنة.").events
    assert e.sub_event_type == "Armed clash"


def test_who_is_held_responsible_next_is_the_attacker(extractor):
    x = run(extractor, "استهدفت ضربات جوية مواقع عسكرية قرب مدينة الميادين، ما أدى إلى مقتل 7 عناصر.\n"
                       "وقال مسؤول عراقي إن بغداد تعتقد أن إسرائيل المسؤولة عن الضربات.")
    [e] = x.events
    assert names(x, e.actors) == ["Israeli army"]
    y = run(extractor, "انفجرت عبوة ناسفة بدورية لقوات سوريا الديمقراطية في بلدة الشحيل.\n"
                       "وتبنى تنظيم داعش الهجوم في بيان.")
    [f] = y.events
    assert names(y, f.actors) == ["Islamic State"] or "ISIS" in " ".join(names(y, f.actors))


def test_hedged_owner_of_positions_is_the_target(extractor):
    [e] = run(extractor, "قصفت الطائرات الإسرائيلية مواقع يعتقد أنها تابعة لحزب الله قرب القصير.").events
    assert e.targets


def test_a_habit_at_the_head_of_a_sentence_governs_all_its_clauses(extractor):
    assert not run(extractor, "ونادرا ما تشتبك القوات التركية مع قسد، وظلت بعيدة عن مناطقها شرقي الفرات "
                              "حيث سيطرت على عدة قرى.").events


def test_an_accuser_before_the_verb_leaves_the_accused_after_it(extractor):
    x = run(extractor, "تركيا تتهم قسد بقصف بلدة أقجة قلعة الحدودية بقذائف الهاون.")
    [e] = x.events
    assert names(x, e.actors) == ["Syrian Democratic Forces"]


def test_a_verb_with_its_object_pronoun_ends_a_name(nlp):
    doc = nlp("هاجم التنظيم قوات تدعمها الولايات المتحدة قرب هجين.")
    assert all("تدعمها" not in m.text for m in doc._.entities)


def test_a_repeated_strike_keeps_its_attacker(extractor):
    [e] = run(extractor, "وكرر الطيران الروسي غاراته، الجمعة، على بلدة كفرنبل جنوب إدلب.").events
    assert e.actors and e.sub_event_type == "Air/drone strike"


def test_a_takeover_named_as_a_reference_point_is_no_event(extractor):
    assert not run(extractor, "هو الهجوم الأعنف منذ سيطرة قوات النظام على المدينة في تشرين الثاني.").events


def test_unnamed_sides_told_by_their_nouns_add_up(extractor):
    [e] = run(extractor, "أسفر هجوم لتنظيم داعش على حاجز قرب تدمر عن مقتل 12 جنديا و7 مسلحين.").events
    assert e.killed == 19
    x = run(extractor, "تدور معارك عنيفة في مدينة الميادين أوقعت 20 قتيلا من قوات النظام.\n"
                       "وأدت المعارك إلى مصرع 9 جهاديين.")
    assert [e.killed for e in x.events] == [29]


def test_a_coalition_members_strike_told_as_the_coalitions_is_one_incident(extractor):
    x = run(extractor, "قال التحالف الدولي إنه نفذ ضربة جوية قرب بلدة هجين يوم الأحد.\n"
                       "وقتل 11 شخصا جراء غارة جوية أمريكية على بلدة هجين، وفقا لمصادر محلية.")
    [e] = x.events
    assert e.killed == 11
    assert {"actor/international-coalition", "actor/us-forces"} <= set(e.actors)


def test_a_strike_at_a_named_site_hits_the_site(extractor):
    x = run(extractor, "استهدفت غارة جوية تجمعا في مصنع للإسمنت قرب بلدة الشعفة.")
    [e] = x.events
    assert any(x.entity(k).type == "Facility" for k in e.targets)


def test_the_subject_of_a_verb_inside_a_target_phrase_is_not_the_target(extractor):
    x = run(extractor, "هاجم مسلحو داعش دورية لقوات تدعمها الولايات المتحدة قرب الشدادي.")
    assert all("actor/us-forces" not in e.targets for e in x.events)


def test_two_letter_verbs_keep_their_conjunction_and_a_joined_verb_shares_the_subject(extractor):
    x = run(extractor, "قال المرصد إن تنظيم داعش هاجم قرية قرب الشدادي.\n"
                       "وشن التنظيم هجوما على مخيم للنازحين في المنطقة، واقتاد 40 شخصا إلى جهة مجهولة.")
    assert all(names(x, e.actors) and "Syrian Democratic Forces" not in names(x, e.actors) for e in x.events)
    abduction = [e for e in x.events if e.sub_event_type == "Abduction/forced disappearance"]
    assert abduction and names(x, abduction[0].actors)


def test_causing_losses_counts_the_dead_unless_the_number_says_wounded(extractor):
    [e] = run(extractor, "وكرر الطيران الروسي غاراته على بلدة كفرنبل موقعا 6 مدنيين.").events
    assert e.killed == 6
    [f] = run(extractor, "قصفت قوات النظام بلدة كفرنبل موقعة 9 جرحى.").events
    assert f.killed is None and f.injured == 9


def test_a_pronoun_subject_makes_the_name_after_the_verb_its_object(extractor):
    x = run(extractor, "أعلنت قوات سوريا الديمقراطية، الأحد، أنها طردت مسلحي تنظيم داعش من قرية الباغوز.")
    [e] = x.events
    assert names(x, e.actors) == ["Syrian Democratic Forces"]
    assert e.sub_event_type == "Non-state actor overtakes territory"     # expelling is fighting


def test_a_masdar_after_a_preposition_or_an_effort_is_no_act(extractor):
    assert not run(extractor, "وتسعى قوات سوريا الديمقراطية منذ أشهر إلى طرد الجهاديين من الضفة الشرقية.").events
    assert not run(extractor, "وتحاول القوات التركية طرد المقاتلين الأكراد من منبج.").events


def test_an_adverb_between_a_light_verb_and_its_subject(extractor):
    x = run(extractor, "اندلعت مواجهات عنيفة، تمكنت خلالها قوات النظام من السيطرة على قرية الجنينة.")
    assert any(names(x, e.actors) for e in x.events)


def test_a_pronoun_subject_stands_for_the_name_before_it_outside_relative_clauses(extractor):
    x = run(extractor, "وقال متحدث باسم قوات الأمن الداخلي في منبج التي شكلها مجلس منبج العسكري، إنها قتلت "
                       "ثلاثة من أعضاء الخلية واعتقلت أربعة آخرين.")
    [e] = x.events
    assert e.sub_event_type == "Arrests"
    assert x.entity(e.actors[0]).label_ar.startswith("قوات الأمن")
    assert e.killed == 3


def test_who_held_a_place_taken_is_a_target(extractor):
    x = run(extractor, "واستولت فصائل المعارضة على بلدة كفرنبودة، التي كانت تحت سيطرة قوات النظام، بعد معارك عنيفة.")
    [e] = x.events
    assert "actor/syrian-government-forces" in e.targets


def test_people_counted_without_a_number_are_victims(extractor):
    [e] = run(extractor, "وقتل 30 شخصا، بينهم 12 مدنيا بالإضافة إلى عناصر من مقاتلي هيئة تحرير الشام، جراء غارات "
                         "روسية على بلدة معرة النعمان.").events
    assert "actor/hts" in e.targets


def test_both_sides_of_a_clash_after_a_describing_clause_and_the_taker_among_them(extractor):
    x = run(extractor, "اندلعت مواجهات عنيفة بين تحالف عربي كردي تدعمه الولايات المتحدة وقوات النظام السوري، "
                       "الذي نجح في السيطرة على قرية الطابية.")
    [e] = x.events
    assert {"actor/sdf", "actor/syrian-government-forces"} <= set(e.actors + e.targets)
    assert e.sub_event_type == "Government regains territory"


def test_fighters_backing_the_attacker_attack_with_it(extractor):
    x = run(extractor, "قال المرصد إن قوات النظام مدعمة بالمسلحين الموالين لها شنت هجوما على قرية الطابية.")
    [e] = x.events
    assert len(e.actors) == 2


def test_a_guessed_type_gives_way_to_the_one_the_text_says(extractor):
    [e] = run(extractor, "اندلعت اشتباكات عنيفة بين قوات النظام وقسد قرب الطابية، ترافقت مع استهدافات متبادلة.").events
    assert e.sub_event_type == "Armed clash"


def test_a_dummy_pronoun_leaves_the_subject_after_the_verb(extractor):
    x = run(extractor, "وذكرت وكالة سانا أنه استهدفت الفصائل المسلحة حي الميدان في حلب بالقذائف.")
    [e] = x.events
    assert x.entity(e.actors[0]).type == "Rebels"


def test_sides_told_with_from_one_side_and_the_other(extractor):
    x = run(extractor, 'اندلعت اشتباكات بين قوات النظام والمسلحين الموالين لها من جهة، وقوات سوريا الديمقراطية من جهة أخرى قرب الطابية.')
    [e] = x.events
    assert "actor/sdf" in e.targets and "actor/syrian-government-forces" in e.actors


def test_a_clash_told_twice_with_the_sides_swapped_is_one_incident(extractor):
    x = run(extractor, "اندلعت الأحد اشتباكات عنيفة بين قوات سوريا الديمقراطية وقوات النظام قرب قرية الطابية.\n"
                       "وقال المرصد إن اشتباكات عنيفة دارت بين قوات النظام وقوات سوريا الديمقراطية.")
    assert len(x.events) == 1


def test_more_than_a_figure_gives_way_to_an_exact_one(extractor):
    x = run(extractor, "قتل أكثر من 20 عنصرا في الغارات الإسرائيلية على مواقع قرب مطار التيفور.\n"
                       "وقال المرصد إن الغارات الإسرائيلية أسفرت عن مقتل 26 مقاتلا على الأقل.")
    [e] = x.events
    assert e.killed == 26
    [f] = run(extractor, "قتل أكثر من 20 عنصرا في الغارات الإسرائيلية على مواقع قرب مطار التيفور.").events
    assert f.killed == 20


def test_a_capital_that_speaks_is_not_where_it_happened(extractor):
    x = run(extractor, "وأكدت بغداد أن غارة جوية استهدفت موقعا للحشد الشعبي قرب البوكمال.")
    [e] = x.events
    assert all("baghdad" not in k for k in e.locations) and e.locations


def test_a_campaign_launched_to_expel_a_group_targets_it(extractor):
    x = run(extractor, "بدأت قوات سوريا الديمقراطية، المدعومة من الولايات المتحدة، ما سمته المرحلة الأخيرة من حملة "
                       "عسكرية لطرد تنظيم داعش من ريف دير الزور.")
    [e] = x.events
    assert e.actors == ("actor/sdf",) and "actor/isis" in e.targets


def test_the_forces_and_the_group_point_back_to_the_name_their_noun_opened(nlp):
    doc = nlp("هاجمت قوات سوريا الديمقراطية مواقع لتنظيم داعش قرب الميادين بدعم من طيران التحالف.\n"
              "وتقدمت القوات نحو البلدة بينما انسحب التنظيم منها.")
    corefs = {m.text: m.key for m in doc._.entities if m.origin == "coref"}
    assert corefs.get("القوات") == "actor/sdf"
    assert corefs.get("التنظيم") == "actor/isis"


def test_a_launching_verb_lends_its_subject_to_the_operation_it_launched(extractor):
    x = run(extractor, "وأطلقت قوات سوريا الديمقراطية، في الرابع من الشهر الماضي، عملية عسكرية تهدف لاجتثاث "
                       "مسلحي داعش من بلدة الشعفة.")
    [e] = x.events
    assert e.actors == ("actor/sdf",)
    # "أصابه" is a hit, not a launch: it lends no subject to the attack after it
    x = run(extractor, "أعلن التحالف الدولي إصابة ثلاثة من جنوده في هجوم على قاعدة التنف.")
    [f] = x.events
    assert "actor/international-coalition" not in f.actors


def test_a_group_that_is_active_somewhere_commits_no_act(extractor):
    assert not run(extractor, "وينشط التنظيم في البادية على شكل خلايا تعمد إلى تنفيذ التفجيرات والاغتيالات.").events


def test_a_toll_told_far_from_its_incident_names_its_town(extractor):
    x = run(extractor, "شنت قوات سوريا الديمقراطية هجوما على مسلحي داعش في بلدة الشعفة يوم الاثنين.\n"
                       "وقال التحالف إنه يدعم هذه القوات.\n"
                       "ويقدر أن التنظيم لا يزال يملك آلاف المقاتلين.\n"
                       "وأضاف أن الطقس السيء يعيق التقدم.\n"
                       "وقال قائد ميداني إن 12 مسلحا على الأقل قتلوا في اليوم الأول لمعركة الشعفة.")
    [e] = x.events
    assert e.killed == 12


def test_shelling_summed_up_after_a_battle_leaves_it_a_battle(extractor):
    x = run(extractor, "شنت قوات سوريا الديمقراطية هجوما بريا على مسلحي داعش في بلدة الشعفة يوم الاثنين.\n"
                       "ووصف المرصد القصف الجوي والمدفعي على مواقع التنظيم بأنه الأعنف منذ أشهر.")
    [e] = x.events
    assert e.sub_event_type == "Armed clash"


def test_the_strikes_point_back_to_the_response_not_to_what_it_answered(extractor):
    x = run(extractor, "قصفت إسرائيل مواقع في ريف القنيطرة، ردا على إطلاق قذائف من سوريا على الجولان، ليل الأحد.\n"
                       "وقال المرصد إن الضربات أسفرت عن مقتل 7 عناصر من قوات النظام.")
    strike = next(e for e in x.events if "actor/israeli-forces" in e.actors)
    assert strike.killed == 7
    assert all(e.killed is None for e in x.events if e is not strike)


def test_a_broad_area_is_a_place_only_when_no_town_in_it_is_named(extractor):
    x = run(extractor, "هاجم مسلحو داعش مواقع قوات سوريا الديمقراطية في بلدة الشعفة شرق الفرات.")
    [e] = x.events
    assert [x.entity(k).type for k in e.locations] == ["Settlement"]
    [f] = run(extractor, "هاجم مسلحو داعش مواقع قوات سوريا الديمقراطية شرق الفرات.").events
    assert f.locations == ("place/east-of-the-euphrates",)


def test_people_counted_by_origin_without_a_number_are_victims(extractor):
    x = run(extractor, "قصفت طائرات مجهولة مستودعا قرب البوكمال، ما أدى إلى مقتل مسلحين عراقيين وإيرانيين.")
    [e] = x.events
    assert {x.entity(k).type for k in e.targets} >= {"ForeignForces"}
    assert len(e.targets) >= 2


def test_who_reports_is_not_the_subject_of_the_clause_after_inna(extractor):
    [e] = run(extractor, "وقال الجيش السوري، الأحد، إن صواريخ أصابت مواقع عسكرية قرب مطار الضمير.").events
    assert "actor/syrian-government-forces" not in e.actors


def test_the_country_of_a_source_is_no_place_of_the_event(extractor):
    x = run(extractor, "أفادت وسائل إعلام سورية بقصف صاروخي على بلدة خان أرنبة.")
    [e] = x.events
    assert all(x.entity(k).type != "Country" for k in e.locations)


def test_two_towns_of_one_governorate_are_two_incidents(extractor):
    x = run(extractor, "قصفت قوات النظام بلدة كفرنبل في ريف إدلب.\n"
                       "وفي سياق آخر، قصفت طائرات مجهولة بلدة سراقب في ريف إدلب.")
    assert len(x.events) == 2


def test_the_strikes_that_hit_something_tell_the_incident_told_last(extractor):
    x = run(extractor, "قصفت قوات النظام بلدة كفرنبل صباح الأحد.\n"
                       "وقال الجيش إن صواريخ مجهولة أصابت قاعدة عسكرية قرب مدينة حماة ليل السبت.\n"
                       "وأكد المرصد أن الضربات استهدفت مستودعا للذخيرة وأسفرت عن مقتل 4 عناصر.")
    assert len(x.events) == 2
    assert [e.killed for e in x.events] == [None, 4]


def test_an_act_attributed_to_someone_is_theirs(extractor):
    x = run(extractor, "قصفت إسرائيل مواقع قرب دمشق، ردا على إطلاق صواريخ ليلا على مواقعها في الجولان نسبته إلى إيران.")
    answered = next(e for e in x.events if "actor/israeli-forces" not in e.actors)
    assert x.entity(answered.actors[0]).type == "ForeignForces"


def test_an_attack_on_an_armed_group_stays_a_battle_whatever_blasts_went_with_it(extractor):
    [e] = run(extractor, "شن مسلحو داعش هجوما عنيفا على محاور التماس بينهم وبين قوات سوريا الديمقراطية قرب "
                         "بلدة الشعفة، وسط تفجيرات ضخمة رافقت الهجوم.").events
    assert e.sub_event_type == "Armed clash"
    assert "actor/sdf" in e.targets


def test_the_shelling_of_the_attacker_is_not_its_attack(extractor):
    x = run(extractor, "شن مسلحو داعش هجوما على مواقع قوات سوريا الديمقراطية قرب بلدة الشعفة.\n"
                       "ووصف المرصد القصف الجوي على مواقع التنظيم بأنه الأعنف منذ أشهر.")
    attack = next(e for e in x.events if "actor/isis" in e.actors)
    assert "actor/isis" not in attack.targets


def test_losses_of_two_sides_told_in_two_sentences_add_up(extractor):
    x = run(extractor, "ودارت مواجهات عنيفة بين التنظيم والمقاتلين الأكراد قرب بلدة الشعفة.\n"
                       "وقال المرصد إن الأكراد تكبدوا خسائر بشرية إذ سقط 12 قتيلا منذ الأحد.\n"
                       "أما التنظيم فقتل منه 20 مسلحا في المعارك.")
    [e] = x.events
    assert e.killed == 32


def test_hostages_taken_from_a_camp_are_an_abduction(extractor):
    x = run(extractor, "قال ناشطون إن مسلحي داعش هاجموا مخيما للنازحين وأخذوا منه خمسين عائلة رهائن.")
    [e] = x.events
    assert e.sub_event_type == "Abduction/forced disappearance"
    assert any(x.entity(k).type == "Facility" for k in e.targets)


def test_fighting_armed_men_and_abducting_civilians_are_two_incidents(extractor):
    x = run(extractor, "اختطف تنظيم داعش عشرات المدنيين من قرية الباغوز.\n"
                       "ودارت مواجهات بين التنظيم والمقاتلين الأكراد.")
    assert {e.sub_event_type for e in x.events} == {"Abduction/forced disappearance", "Armed clash"}


def test_a_cell_plotting_attacks_commits_none_and_the_cell_is_the_one_raided(extractor):
    x = run(extractor, "أعلنت قوات الأمن في مدينة منبج، الأحد، أنها كشفت خلية نائمة لتنظيم داعش كانت تدبر لسلسلة "
                       "من الهجمات في المدينة.\n"
                       "وقال متحدث باسم قوات الأمن إنها قتلت اثنين من أعضاء الخلية واعتقلت ثلاثة آخرين.")
    [e] = x.events
    assert e.sub_event_type == "Arrests"
    assert [x.entity(k).label_ar for k in e.targets] == ["خلية نائمة"]


def test_a_monitor_documenting_fighters_counts_the_dead_not_the_strikes(extractor):
    [e] = run(extractor, "اندلعت اشتباكات بين قوات النظام وقسد قرب بلدة الطابية، ووثق المرصد 6 مقاتلين على الأقل "
                         "بالإضافة لإصابة 20 آخرين.").events
    assert (e.killed, e.injured) == (6, 20)
    [f] = run(extractor, "قصفت طائرات حربية بلدة كفرنبل، ووثق المرصد 15 غارة على البلدة.").events
    assert f.killed is None


def test_the_missiles_told_again_are_the_strike_told_before(extractor):
    x = run(extractor, "شنت إسرائيل فجر الخميس غارات جوية على مواقع إيرانية في سوريا.\n"
                       "وقال مصدر عسكري إن بعض الصواريخ استهدفت مواقع في ريف دمشق قرب بلدة الكسوة.")
    [e] = x.events
    assert e.actors == ("actor/israeli-forces",)
    assert len(e.locations) >= 2
    # missiles with no article are not the ones told before: another incident
    y = run(extractor, "شنت إسرائيل فجر الخميس غارات جوية على مواقع إيرانية في سوريا.\n"
                       "وفي سياق منفصل، قال مصدر محلي إن صواريخ مجهولة استهدفت مواقع في بلدة الكسوة.")
    assert len(y.events) == 2


def test_a_town_the_text_puts_in_a_governorate_is_there_in_every_sentence(extractor):
    x = run(extractor, "قصفت طائرات التحالف بلدة الشعفة صباح الأحد.\n"
                       "وتقع بلدة الشعفة بريف دير الزور الشرقي قرب الحدود العراقية.")
    [e] = x.events
    assert any(x.entity(k).type == "Governorate" for k in e.locations)


def test_others_wounded_are_not_the_dead_counted_again(extractor):
    [e] = run(extractor, "قتل سبعة عناصر من قوات النظام وأصيب آخرون جراء هجوم شنه مسلحون مجهولون على حاجز "
                         "عسكري قرب بلدة المزيريب.").events
    assert (e.killed, e.injured) == (7, None)


def test_the_gunmen_are_the_unknown_gunmen_and_their_gunfire_a_clash(extractor):
    x = run(extractor, "قتل خمسة عناصر من قوات النظام جراء هجوم شنه مسلحون مجهولون على حاجز في ريف درعا.\n"
                       "وأوضح المرصد أن المسلحين استهدفوا الحاجز بالأسلحة الرشاشة قبل أن ينسحبوا.")
    [e] = x.events
    assert e.actors == ("actor/unidentified-armed-group",)
    assert e.sub_event_type == "Armed clash"


def test_a_name_ends_before_a_time_word_or_a_preposition_with_the_article(nlp):
    doc = nlp("سيطرت القوات على قرية الحويز الشهر الماضي، واستهدفت بلدة المزيريب بالأسلحة الرشاشة.")
    names = {m.text for m in doc._.entities if m.kind == "place"}
    assert {"الحويز", "المزيريب"} <= names


def test_an_earlier_act_told_after_its_own_time_is_another_incident(extractor):
    x = run(extractor, "استهدفت طائرة مسيرة تركية مساء الخميس سيارة قرب مدينة القامشلي.\n"
                       "ويأتي الهجوم بعد يومين من قصف مدفعي تركي طال قرى في ريف تل تمر.")
    assert len(x.events) == 2
    drone = next(e for e in x.events if e.sub_event_type == "Air/drone strike")
    assert all("تمر" not in (x.entity(k).label_ar or "") for k in drone.locations)


def test_a_response_with_nothing_in_common_answers_the_attack_told_before_it(extractor):
    x = run(extractor, "شنت طائرات حربية روسية غارات على بلدة البارة في جبل الزاوية، ما أسفر عن مقتل 4 مدنيين.\n"
                       "وردت فصائل المعارضة بقصف مواقع قوات النظام في بلدة كفرنبل بقذائف المدفعية.")
    strike, response = x.events
    assert response.responds_to == strike.key
    assert any(x.entity(k).type == "Region" for k in strike.locations)   # جبل الزاوية


def test_the_dead_a_side_lost_are_its_dead(extractor):
    [e] = run(extractor, "سيطرت هيئة تحرير الشام على قرية الحويز بعد معارك مع قوات النظام قتل فيها 11 عنصرا من "
                         "قوات النظام، في حين خسرت الهيئة 5 من مقاتليها.").events
    assert e.killed == 16
    assert "actor/hts" not in e.targets      # who lost the five is the attacker, not a victim named


def test_the_victims_before_according_to_are_no_source(extractor):
    [e] = run(extractor, "قصفت طائرات روسية بلدة البارة، ما أسفر عن مقتل 4 مدنيين، وفق ما أفادت مصادر محلية.").events
    assert [x for x in (c.claimant for c in e.claims)] == ["actor/local-sources"]


def test_an_assassination_is_an_attack_on_the_members_group(extractor):
    x = run(extractor, "اغتال مسلحون مجهولون، مساء الاثنين، قياديا سابقا في فصائل المعارضة في بلدة طفس.")
    [e] = x.events
    assert e.sub_event_type == "Attack"
    assert e.actors == ("actor/unidentified-armed-group",)
    assert [x.entity(k).type for k in e.targets] == ["Rebels"]


def test_a_bomb_under_a_vehicle_of_an_army_targets_the_army(extractor):
    x = run(extractor, "انفجرت عبوة ناسفة بسيارة عسكرية تابعة للقوات التركية على طريق الباب، ما أدى إلى إصابة "
                       "ثلاثة جنود أتراك.")
    [e] = x.events
    assert e.sub_event_type == "Remote explosive/landmine/IED"
    assert "actor/turkish-forces" in e.targets and e.injured == 3


def test_a_raid_that_led_to_an_arrest_lends_it_its_doer_and_place(extractor):
    x = run(extractor, "شنت القوات الأمريكية عملية إنزال جوي في بلدة الشحيل، فجر الجمعة، أسفرت عن اعتقال قيادي في "
                       "تنظيم داعش.")
    kinds = {e.sub_event_type: e for e in x.events}
    assert set(kinds) == {"Armed clash", "Arrests"}                 # a landing is no air strike
    arrest = kinds["Arrests"]
    assert arrest.actors == ("actor/us-forces",) and arrest.targets == ("actor/isis",) and arrest.locations


def test_similar_attacks_are_no_incident(extractor):
    assert not run(extractor, "وتتهم واشنطن فصائل موالية لإيران بالوقوف وراء هجمات مماثلة تستهدف مصالحها.").events


def test_a_name_that_begins_with_a_clitic_letter_keeps_it(extractor):
    x = run(extractor, "قتل خمسة عناصر من فصائل موالية لإيران في غارة على البوكمال.")
    assert any((e.label_ar or "").startswith("فصائل") for e in x.entities)
    y = run(extractor, "هاجمت كتائب الفاروق بلدة كفرنبل.")
    assert any((e.label_ar or "") == "كتائب الفاروق" for e in y.entities)


def test_reconnaissance_planes_overhead_make_no_air_strike(extractor):
    [e] = run(extractor, "قصفت قوات النظام بالمدفعية الثقيلة قرى في جبل الأكراد بريف اللاذقية.\n"
                         "وقال المرصد إن القصف تزامن مع تحليق لطائرات استطلاع روسية في أجواء المنطقة.").events
    assert e.sub_event_type == "Shelling/artillery/missile attack"
    assert "place/jabal-al-akrad" in e.locations


def test_one_person_named_by_a_singular_noun_is_one(extractor):
    [e] = run(extractor, "قتل مدني وأصيب اثنان آخران بانفجار لغم أرضي في بادية مدينة الميادين.").events
    assert (e.killed, e.injured) == (1, 2)


def test_wounded_is_no_verb_of_hitting(extractor):
    x = run(extractor, "انفجرت سيارة مفخخة في مدينة الباب، ما أسفر عن مقتل 8 أشخاص بينهم 3 أطفال وإصابة 20 آخرين.")
    [e] = x.events
    assert not e.actors


def test_a_blast_blamed_on_someone_is_the_blast_told_before(extractor):
    x = run(extractor, "انفجرت سيارة مفخخة في مدينة الباب، ما أسفر عن مقتل 8 أشخاص.\n"
                       "واتهمت وزارة الدفاع التركية وحدات حماية الشعب الكردية بتنفيذ التفجير.")
    [e] = x.events
    assert e.actors == ("actor/ypg",)


def test_a_quoted_second_name_of_the_subject_is_not_its_object(extractor):
    x = run(extractor, 'اعتقلت قوات الأمن الداخلي "الأسايش"، يوم الأربعاء، 12 شخصا بينهم قيادي في تنظيم داعش '
                       'في مخيم الهول.')
    [e] = x.events
    assert e.targets == ("actor/isis",)


def test_its_fighters_and_its_aircraft_are_the_topics(extractor):
    x = run(extractor, "أعلنت هيئة تحرير الشام مقتل خمسة من عناصر قوات النظام في عملية تسلل نفذها مقاتلوها على "
                       "محور كبانة.")
    [e] = x.events
    assert e.actors == ("actor/hts",)
    y = run(extractor, "قالت وزارة الدفاع الروسية إن طائراتها استهدفت مقرا لجبهة النصرة في محافظة إدلب.")
    [f] = y.events
    assert y.entity(f.actors[0]).type == "ForeignForces"


def test_a_district_is_a_place_and_a_dateline_is_not(extractor):
    x = run(extractor, "دمشق - قالت وكالة سانا إن ثلاثة مدنيين قتلوا جراء سقوط قذائف على أحياء سكنية في قضاء "
                       "الطارمية.")
    [e] = x.events
    labels = [x.entity(k).label_ar for k in e.locations]
    assert "الطارمية" in labels and "دمشق" not in labels


def test_a_toll_that_rose_later_is_the_incidents_toll(extractor):
    x = run(extractor, "قتل 11 شخصا في تفجيرين انتحاريين استهدفا سوقا شعبيا في مدينة القامشلي، وفق المرصد.\n"
                       "وتبنى تنظيم داعش التفجيرين، فيما ارتفعت الحصيلة لاحقا إلى 14 قتيلا.")
    [e] = x.events
    assert e.killed == 14 and e.actors == ("actor/isis",)


def test_an_attack_that_began_at_dawn_and_its_own_dead(extractor):
    x = run(extractor, "قتل 15 عنصرا من قوات النظام في هجوم شنه تنظيم داعش على مواقعهم في بادية السخنة، وفق المرصد.\n"
                       "وأوضح المرصد أن الهجوم بدأ فجرا واستمرت الاشتباكات لساعات، وقتل خلالها 6 من مسلحي التنظيم.")
    [e] = x.events
    assert e.sub_event_type == "Armed clash" and e.killed == 21
    assert e.actors == ("actor/isis",) and "actor/isis" not in e.targets


def test_shelling_because_of_which_people_died_is_a_noun_with_its_owner(extractor):
    x = run(extractor, "قتل مدنيان اثنان جراء قصف صاروخي لقوات النظام على بلدة كنصفرة في جبل الزاوية.")
    [e] = x.events
    assert e.actors == ("actor/syrian-government-forces",) and e.killed == 2
    assert "actor/civilians" in e.targets


def test_an_act_told_as_what_came_before_is_another_incident(extractor):
    x = run(extractor, "قصف الجيش الإسرائيلي بلدة عيتا الشعب في جنوب لبنان، بعد إطلاق حزب الله صواريخ موجهة على "
                       "موقع عسكري إسرائيلي قرب الحدود.")
    assert sorted(e.actors for e in x.events) == [("actor/hezbollah",), ("actor/israeli-forces",)]


def test_a_supporters_shelling_keeps_its_weapon_and_a_quoted_group_is_counted(extractor):
    x = run(extractor, 'قتل أحد عشر عنصرا من "الجيش الوطني السوري" في اشتباكات مع قوات سوريا الديمقراطية قرب '
                       'قرية تل طويل.\n'
                       'وقالت مصادر ميدانية إن "الجيش الوطني" شن هجوما بالأسلحة الثقيلة، مدعوما بقصف مدفعي تركي.')
    clash = next(e for e in x.events if e.sub_event_type == "Armed clash")
    assert clash.killed == 11 and "actor/sdf" in clash.actors + clash.targets
    assert len(set(clash.actors + clash.targets)) == 2
    support = next(e for e in x.events if e is not clash)
    assert support.sub_event_type == "Shelling/artillery/missile attack" and support.actors == ("actor/turkish-forces",)


def test_a_driver_killed_is_one_and_trucks_are_no_toll(extractor):
    [e] = run(extractor, "استهدفت طائرة مسيرة مجهولة شاحنات قرب البوكمال، ما أدى إلى احتراق ثلاث شاحنات ومقتل سائق.").events
    assert e.killed == 1


def test_storming_sniping_and_executions_are_acts(extractor):
    [e] = run(extractor, "اقتحمت قوات النظام بلدة الكرك الشرقي في ريف درعا بعد اشتباكات مع مسلحين محليين.").events
    assert e.sub_event_type == "Armed clash"
    [f] = run(extractor, "أعدم تنظيم داعش خمسة مدنيين في بلدة الشعفة بتهمة التعامل مع قسد.").events
    assert f.sub_event_type == "Attack" and f.actors == ("actor/isis",)
    [g] = run(extractor, "قتل مدني برصاص قناص لقوات النظام في بلدة كفرنبل.").events
    assert g.killed == 1
