"""Score an events export against a gold set: event F1, arguments, direction, tolls, dates, types.

The gold format and the metrics are those of the annotation guidelines (gold JSON Lines, one article a
line, each with its events; each role a list of entities, each entity a list of acceptable names):

* a system event matches a gold event of the same article when both are political violence (Battles,
  Explosions/Remote violence, Violence against civilians) or share the event type, and at least one of
  actor, target, location matches; a gold event's ``alternatives`` (other codings of one incident) count
  as its type too; pairs are taken greedily, best overlap first, one to one, a tie going to the pair whose
  dates agree, then to the earlier events;
* precision counts matched system events over system events, leaving out those matched to optional
  gold events; recall counts matched required gold events over required gold events;
* names match after normalisation (diacritics, hamza forms, ى/ي, ة/ه, leading clitics and the article)
  when equal, or when one contains the other and the shorter still has a content word;
* arguments: entity-level precision/recall per role on matched pairs (in Battles the two sides are
  scored together, direction not counted); direction: share of non-Battles pairs with gold actor and
  target whose system actor matches the gold actor and not the gold target; killed/injured exact and
  date within a day where the gold has them; sub-event type exact (or one of the alternatives);
  ``system_unmatched`` counts system events paired with no gold event.

>>> gold = [{"doc": "d", "events": [{"required": True, "event_type": "Battles",
...          "sub_event_type": "Armed clash", "actor": [["داعش"]], "target": [], "location": [],
...          "date": None, "killed": 3, "injured": None}]}]
>>> system = [{"doc": "d", "event_type": "Battles", "sub_event_type": "Armed clash",
...            "actors": [{"mentions": ["تنظيم داعش"]}], "targets": [], "locations": [], "killed": 3}]
>>> score(gold, system)[0]["event_f1"]
1.0
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter, defaultdict

_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# words that do not make a name on their own: "قوات" alone does not match "قوات النظام"
_GENERIC = {"قوات", "ميليشيا", "ميليشيات", "مليشيات", "عناصر", "مسلحين", "مسلحون", "تنظيم", "جيش", "forces",
            "militia", "militias", "group", "army", "the", "fighters", "مقاتلين", "مقاتلي", "قاعده", "base",
            "حقل", "field"}
VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians"}
ROLES = (("actor", "actors"), ("target", "targets"), ("location", "locations"))
_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال")


def name_key(name: str) -> tuple[str, ...]:
    """The words a name is compared by (the scorer's normalisation, not the extractor's)."""
    s = unicodedata.normalize("NFKC", name or "").lower()
    s = _DIACRITICS.sub("", s)
    s = re.sub("[إأآٱ]", "ا", s).replace("ى", "ي").replace("ة", "ه").replace("ؤ", "و").replace("ئ", "ي")
    s = re.sub(r"[^\w\s]", " ", s)
    words = []
    for w in s.split():
        for p in _PREFIXES:
            if w.startswith(p) and len(w) - len(p) >= 2:
                w = w[len(p):]
                break
        else:
            if w[:1] in ("و", "ب", "ل", "ف") and len(w) >= 5:
                w = w[1:]
        words.append(w)
    return tuple(words)


def _contains(big: tuple, small: tuple) -> bool:
    n = len(small)
    return any(big[i:i + n] == small for i in range(len(big) - n + 1))


def names_match(a: str, b: str) -> bool:
    """Equal after normalisation, or one inside the other with a content word left in the shorter.

    >>> names_match("بريف دير الزور", "دير الزور"), names_match("قوات", "قوات النظام")
    (True, False)
    """
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    small, big = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    return _contains(big, small) and any(w not in _GENERIC and len(w) >= 3 for w in small)


def _system_names(entity) -> list[str]:
    if isinstance(entity, str):
        return [entity]
    names = list(entity.get("mentions") or [])
    names += [entity[k] for k in ("label", "label_en", "label_ar", "name") if entity.get(k)]
    return names


def _entity_match(gold_names: list[str], entity) -> bool:
    return any(names_match(g, s) for g in gold_names for s in _system_names(entity))


def _role_counts(gold_entities, system_entities) -> tuple[int, int, int]:
    used, tp = set(), 0
    for g in gold_entities:
        for j, s in enumerate(system_entities):
            if j not in used and _entity_match(g, s):
                used.add(j)
                tp += 1
                break
    fp = sum(1 for j, s in enumerate(system_entities)
             if j not in used and not any(_entity_match(g, s) for g in gold_entities))
    return tp, fp, len(gold_entities) - tp


def _overlap(gold, system) -> int:
    return sum(1 for gr, sr in ROLES
               if any(_entity_match(g, s) for g in gold.get(gr, []) for s in system.get(sr, [])))


def _codings(gold) -> list[tuple]:
    """The gold event's (event_type, sub_event_type) and the other codings it accepts (``alternatives``)."""
    return [(gold.get("event_type"), gold.get("sub_event_type"))] + [
        (alt.get("event_type"), alt.get("sub_event_type")) for alt in gold.get("alternatives", [])]


def _compatible(gold, system) -> bool:
    st = system.get("event_type")
    return any(gt == st or (gt in VIOLENT and st in VIOLENT) for gt, _ in _codings(gold))


def _same_type(gold, system) -> bool:
    return any(sub == system.get("sub_event_type") for _, sub in _codings(gold))


def _day(value):
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _within_a_day(gold_date, system_date) -> bool:
    gday, sday = _day(gold_date), _day(system_date)
    return bool(gday and sday and abs((gday - sday).days) <= 1)


def _pairs(gold: list[dict], system: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one (gold, system) pairs of one article: compatible types and at least one shared role;
    greedy, best overlap first; ties go to a pair whose dates agree, then to the earlier events."""
    candidates = []
    for i, g in enumerate(gold):
        for j, s in enumerate(system):
            if _compatible(g, s) and (ov := _overlap(g, s)):
                candidates.append((ov + 0.5 * _same_type(g, s) + 0.1 * g.get("required", True)
                                   + 0.05 * _within_a_day(g.get("date"), s.get("date")), i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken_g, taken_s, pairs = set(), set(), []
    for _, i, j in candidates:
        if i not in taken_g and j not in taken_s:
            taken_g.add(i)
            taken_s.add(j)
            pairs.append((gold[i], system[j]))
    return pairs


def _f1(tp, fp, fn) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def score(gold_docs: list[dict], system_events: list[dict]) -> tuple[dict, dict[str, tuple[int, int, int]]]:
    """(metrics, per document (required, found, spurious)) for gold articles and exported events."""
    by_doc = defaultdict(list)
    for e in system_events:
        by_doc[str(e.get("doc"))].append(e)
    m: Counter = Counter()
    roles = {r: Counter() for r, _ in ROLES}
    per_doc = {}
    for gd in gold_docs:
        gold, system = gd["events"], by_doc.get(gd["doc"], [])
        pairs = _pairs(gold, system)
        required = sum(1 for g in gold if g.get("required", True))
        found = sum(1 for g, _ in pairs if g.get("required", True))
        m["gold_required"] += required
        m["matched_required"] += found
        m["sys_events"] += len(system)
        m["sys_on_optional"] += sum(1 for g, _ in pairs if not g.get("required", True))
        m["sys_unmatched"] += len(system) - len(pairs)
        per_doc[gd["doc"]] = (required, found, len(system) - len(pairs))
        for g, s in pairs:
            m["pairs"] += 1
            m["type_ok"] += _same_type(g, s)
            battle = g.get("event_type") == "Battles"   # two sides of a clash: who is actor is arbitrary
            for gr, sr in ROLES:
                if battle and gr == "target":
                    continue
                if battle and gr == "actor":
                    counts = _role_counts(g.get("actor", []) + g.get("target", []),
                                          s.get("actors", []) + s.get("targets", []))
                else:
                    counts = _role_counts(g.get(gr, []), s.get(sr, []))
                for key, value in zip(("tp", "fp", "fn"), counts):
                    roles[gr][key] += value
            if g.get("actor") and g.get("target") and not battle:
                m["dir_total"] += 1
                # the gold actor is among the system's actors (then the target cannot count as swapped)
                m["dir_ok"] += any(_entity_match(ge, se) for ge in g["actor"] for se in s.get("actors", []))
            for k in ("killed", "injured"):
                if g.get(k) is not None:
                    m[k + "_total"] += 1
                    m[k + "_ok"] += s.get(k) == g[k]
            if g.get("date"):
                m["date_total"] += 1
                m["date_ok"] += _within_a_day(g["date"], s.get("date"))
    counted = m["sys_events"] - m["sys_on_optional"]
    precision = (m["pairs"] - m["sys_on_optional"]) / counted if counted else 0.0
    recall = m["matched_required"] / m["gold_required"] if m["gold_required"] else 0.0
    out = {"docs": len(gold_docs), "gold_required": m["gold_required"], "system_events": m["sys_events"],
           "system_unmatched": m["sys_unmatched"],
           "event_precision": round(precision, 3), "event_recall": round(recall, 3),
           "event_f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
           "sub_event_type_acc": round(m["type_ok"] / m["pairs"], 3) if m["pairs"] else 0.0}
    for gr, c in roles.items():
        out[gr + "_f1"] = round(_f1(c["tp"], c["fp"], c["fn"]), 3)
    total = Counter()
    for c in roles.values():
        total.update(c)
    out["argument_f1_on_matched"] = round(_f1(total["tp"], total["fp"], total["fn"]), 3)
    out["direction_acc"] = round(m["dir_ok"] / m["dir_total"], 3) if m["dir_total"] else None
    for k in ("killed", "injured", "date"):
        out[k + "_acc"] = round(m[k + "_ok"] / m[k + "_total"], 3) if m[k + "_total"] else None
    return out, per_doc
