"""The extractor's quality on the development set, with no ``../shared`` beside the repo.

The dev articles and their gold events are copied into ``tests/data/dev`` (licences in its LICENSES.md)
and scored by ``kgb eval`` (kg_builder/evaluate.py, which test_eval.py keeps in exact agreement with the
reference scorer). A change that drops a figure below its floor fails here; the floors sit just under
the figures measured when they were set, so they catch a real loss, not noise:

==========================  =====  ========
figure                      floor  measured
==========================  =====  ========
Arabic (seed + dev-ar)
  event F1                  0.94   0.95
  argument F1 (matched)     0.75   0.759
  direction                 0.90   0.919
  killed                    0.70   0.70
English (dev-en)
  event F1                  0.80   0.842
==========================  =====  ========

Raise a floor when the extractor gets better for good. (The rules are never written from these
articles: they are for measuring.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg_builder.cli import main

DEV = Path(__file__).resolve().parent / "data" / "dev"
CORPUS, GOLD = DEV / "corpus", DEV / "gold"

FLOORS = {
    "ar": {"event_f1": 0.94, "argument_f1_on_matched": 0.75, "direction_acc": 0.90, "killed_acc": 0.70},
    "en": {"event_f1": 0.80},
}
SETS = {
    "ar": (["seed.jsonl", "dev-ar.jsonl"], ["seed-omar-field.txt", "dev-ar.jsonl"]),
    "en": (["dev-en.jsonl"], ["dev-en.jsonl"]),
}


def _eval(tmp_path: Path, capsys, lang: str) -> dict:
    gold_files, corpus_files = SETS[lang]
    gold = tmp_path / f"gold-{lang}.jsonl"
    gold.write_text("".join((GOLD / name).read_text(encoding="utf-8") for name in gold_files), encoding="utf-8")
    capsys.readouterr()
    assert main(["eval", str(gold), *(str(CORPUS / name) for name in corpus_files)]) == 0
    out = capsys.readouterr().out.splitlines()
    return json.loads(out[-1])


def test_the_dev_set_is_here_with_its_licences():
    for name in ("seed-omar-field.txt", "dev-ar.jsonl", "dev-en.jsonl"):
        assert (CORPUS / name).stat().st_size > 0, name
    for name in ("seed.jsonl", "dev-ar.jsonl", "dev-en.jsonl"):
        assert (GOLD / name).stat().st_size > 0, name
    licences = (DEV / "LICENSES.md").read_text(encoding="utf-8")
    assert "ANT Corpus" in licences and "Apache-2.0" in licences and "AICCSA 2017" in licences
    assert "FA-KES" in licences and "CC BY 4.0" in licences
    # every gold article is in the corpus copied beside it
    ids = {json.loads(line)["id"] for name in ("dev-ar.jsonl", "dev-en.jsonl")
           for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line.strip()}
    ids.add("seed-omar-field")
    for name in ("seed.jsonl", "dev-ar.jsonl", "dev-en.jsonl"):
        for line in (GOLD / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert json.loads(line)["doc"] in ids


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_dev_quality_stays_above_its_floors(tmp_path, capsys, lang):
    metrics = _eval(tmp_path, capsys, lang)
    below = {name: (metrics[name], floor) for name, floor in FLOORS[lang].items() if metrics[name] < floor}
    assert not below, f"{lang}: below the floor (measured, floor): {below}; all figures: {metrics}"
