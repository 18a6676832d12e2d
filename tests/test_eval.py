"""`kgb eval`: the guidelines' metrics on a gold set, in agreement with the reference scorer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg_builder.cli import main
from kg_builder.evaluate import names_match, score

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def test_names_match_through_clitics_and_articles_but_not_on_generic_words():
    assert names_match("للتحالف الدولي", "التحالف الدولي")
    assert names_match("بريف دير الزور الشرقي", "دير الزور")
    assert names_match("الميليشيات الأميركية", "الميليشيات الأميركيّة")
    assert not names_match("قوات", "قوات النظام")          # "forces" alone names nobody
    assert not names_match("حزب الله", "حقل العمر")


def gold_line(doc, *events):
    return {"doc": doc, "lang": "ar", "published": "2019-03-14", "events": list(events)}


def gold_event(required=True, **kw):
    base = {"required": required, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack", "actor": [], "target": [], "location": [],
            "date": None, "killed": None, "injured": None, "weapons": []}
    return {**base, **kw}


def test_precision_leaves_out_events_matched_to_optional_gold():
    gold = [gold_line("d", gold_event(actor=[["قوات النظام"]], location=[["حماة"]]),
                      gold_event(required=False, location=[["إدلب"]], event_type="Battles",
                                 sub_event_type="Armed clash"))]
    system = [
        {"doc": "d", "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
         "actors": [{"mentions": ["قوات النظام"]}], "locations": [{"label_ar": "حماة"}], "targets": []},
        {"doc": "d", "event_type": "Battles", "sub_event_type": "Armed clash", "actors": [], "targets": [],
         "locations": [{"mentions": ["إدلب"]}]},
        {"doc": "d", "event_type": "Battles", "sub_event_type": "Armed clash", "actors": [], "targets": [],
         "locations": [{"mentions": ["درعا"]}]},
    ]
    metrics, per_doc = score(gold, system)
    assert metrics["event_recall"] == 1.0
    assert metrics["event_precision"] == 0.5                 # the optional match counts on neither side
    assert metrics["sub_event_type_acc"] == 0.5
    assert per_doc["d"] == (1, 1, 1)


def test_eval_command_scores_an_analysts_own_gold(tmp_path, capsys):
    corpus = tmp_path / "news.jsonl"
    corpus.write_text(json.dumps({"id": "n1", "published": "2019-03-14", "lang": "ar",
                                  "text": "قصفت قوات النظام بالمدفعية بلدة اللطامنة بريف حماة أمس، ما أدى إلى مقتل ثلاثة مدنيين."},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(gold_line("n1", gold_event(actor=[["قوات النظام"]], location=[["اللطامنة"], ["حماة"]],
                                                          date="2019-03-13", killed=3)), ensure_ascii=False) + "\n",
                    encoding="utf-8")
    assert main(["eval", str(gold), str(corpus), "--per-doc"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "n1 required=1 found=1 spurious=0"
    metrics = json.loads(out[-1])
    assert metrics["event_f1"] == 1.0 and metrics["killed_acc"] == 1.0 and metrics["date_acc"] == 1.0


@pytest.mark.skipif(not (SHARED / "tools" / "score_events.py").exists(), reason="../shared is not beside the repo")
@pytest.mark.parametrize("gold_files, corpus_files", [
    (["seed.jsonl", "dev-ar.jsonl"], ["seed-omar-field.txt", "dev-ar.jsonl"]),
    (["dev-ar2.jsonl"], ["dev-ar2.jsonl"]),          # the set with alternative codings
    (["dev-en.jsonl"], ["dev-en.jsonl"]),
], ids=["seed+dev-ar", "dev-ar2", "dev-en"])
def test_agrees_with_the_reference_scorer_on_the_dev_set(tmp_path, capsys, gold_files, corpus_files):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join((SHARED / "gold" / name).read_text(encoding="utf-8") for name in gold_files),
                    encoding="utf-8")
    events = tmp_path / "events.jsonl"
    assert main(["eval", str(gold), *(str(SHARED / "corpus" / name) for name in corpus_files),
                 "--events", str(events), "--per-doc"]) == 0
    ours = capsys.readouterr().out.splitlines()
    reference = subprocess.run([sys.executable, str(SHARED / "tools" / "score_events.py"), str(gold), str(events),
                                "--per-doc"], capture_output=True, text=True, check=True)
    theirs = reference.stdout.splitlines()
    assert json.loads(ours[-1]) == json.loads(theirs[-1])
    assert ours[:-1] == theirs[:-1]                  # required/found/spurious, article by article


def test_an_alternative_coding_matches_and_counts_as_the_right_type():
    arrest = gold_event(event_type="Strategic developments", sub_event_type="Arrests", target=[["ثلاثة شبان"]],
                        location=[["درعا"]],
                        alternatives=[{"event_type": "Violence against civilians",
                                       "sub_event_type": "Abduction/forced disappearance"}])
    system = [{"doc": "d", "event_type": "Violence against civilians", "sub_event_type": "Abduction/forced disappearance",
               "actors": [], "targets": [], "locations": [{"mentions": ["مدينة درعا"]}]}]
    metrics, _ = score([gold_line("d", arrest)], system)
    assert metrics["event_f1"] == 1.0 and metrics["sub_event_type_acc"] == 1.0
    assert metrics["system_unmatched"] == 0


def test_equal_matches_go_to_the_pair_whose_dates_agree():
    gold = [gold_line("d", gold_event(location=[["بنش"]], date="2019-03-10", killed=2),
                      gold_event(location=[["بنش"]], date="2019-03-12", killed=5))]
    system = [{"doc": "d", "event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
               "actors": [], "targets": [], "locations": [{"mentions": ["بنش"]}], "date": day, "killed": killed}
              for day, killed in (("2019-03-12", 5), ("2019-03-10", 2))]
    metrics, _ = score(gold, system)
    assert metrics["killed_acc"] == 1.0 and metrics["date_acc"] == 1.0
