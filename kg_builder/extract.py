"""Extract: articles in, :class:`~kg_builder.model.Extraction` records out (one per article).

>>> from kg_builder.model import Article
>>> extractor = Extractor()                                            # doctest: +SKIP
>>> [x] = extractor.extract([Article(id="a1", text="قصفت الميليشيات الإيرانية حقل العمر", lang="ar")])  # doctest: +SKIP
>>> x.events[0].sub_event_type                                         # doctest: +SKIP
'Shelling/artillery/missile attack'

The spaCy pipeline (:mod:`kg_builder.nlp`) finds mentions and event candidates on the Doc; this module
turns them into the stage records, one candidate one event, each entity under a stable key. Merging
repeated mentions of one incident and linking responses is the next stage, :func:`kg_builder.resolve.resolve`:
``extract`` runs it on each extraction unless asked not to (``resolve=False``), so that a caller may run
it as a stage of its own::

    for x in extractor.extract(articles, resolve=False):   # doctest: +SKIP
        x = resolve(x)                                       # one event per incident, responses linked
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from kg_builder.gazetteer import load_gazetteer
from kg_builder.model import Article, Claim, Control, Entity, Event, Extraction, Span
from kg_builder.nlp import SUPPORTED_LANGUAGES, build_pipeline
from kg_builder.nlp.mentions import EntityMention, EventCandidate
from kg_builder.normalise import match_key
from kg_builder.resolve import resolve as resolve_extraction


def minted_key(kind: str, name: str) -> str:
    """The key of an entity no gazetteer lists: the same normalised name gives the same key everywhere.

    >>> minted_key("actor", "قوات الامن الداخلي")
    'actor/new-c4882f67b24b'
    """
    return f"{kind}/new-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:12]}"


def _display_label(text: str, name: str) -> str:
    """The mention as written, without the clitics the normalised name dropped (بريف -> ريف)."""
    words = text.split()
    first = name.split()[0] if name else ""
    if words and first:
        for k in range(0, 4):
            if match_key(words[0][k:]) == first:
                words[0] = words[0][k:]
                break
    return " ".join(words).strip("\"“”«»'‘’")


class Extractor:
    """Runs the extraction pipeline over a stream of articles, in batches per language."""

    def __init__(self, gazetteer_dir: str | None = None, batch_size: int = 16):
        self.gazetteer_dir = gazetteer_dir
        self.gazetteer = load_gazetteer(None if gazetteer_dir is None else Path(gazetteer_dir))
        self.batch_size = batch_size

    def extract(self, articles: Iterable[Article],
                on_error: Callable[[Article, Exception], None] | None = None,
                resolve: bool = True) -> Iterator[Extraction]:
        """One :class:`Extraction` per article, in input order; streaming, batch by batch.

        With ``resolve`` (the default) each extraction has been through :func:`kg_builder.resolve.resolve`
        (one event per incident, responses linked, events ``e1, e2, ...``); without, its events are the
        pipeline's candidates one for one (``c1, c2, ...``, responses not yet linked), for a caller that
        runs resolve as a stage of its own.

        An article the pipeline fails on is reported to ``on_error`` and left out (without
        ``on_error`` the exception propagates); the rest of its batch goes on."""
        finish = resolve_extraction if resolve else (lambda x: x)
        it = iter(articles)
        while batch := list(islice(it, self.batch_size)):
            results: dict[int, Extraction] = {}
            for lang in {a.lang for a in batch}:
                items = [(i, a) for i, a in enumerate(batch) if a.lang == lang]
                if lang not in SUPPORTED_LANGUAGES:
                    note = (f"language {lang!r} is not extracted: kept as an article with no events" if lang else
                            "the language could not be told: kept as an article with no events (use --lang)")
                    for i, a in items:
                        results[i] = Extraction(article=a, notes=(note,))
                    continue
                nlp = build_pipeline(lang, self.gazetteer_dir)
                try:
                    for (i, a), doc in zip(items, nlp.pipe(self._docs(nlp, items))):
                        results[i] = finish(self.to_extraction(a, doc))
                except Exception:
                    if on_error is None:
                        raise
                    for i, a in items:   # find the culprit: one article at a time
                        if i in results:
                            continue
                        try:
                            [doc] = list(nlp.pipe(self._docs(nlp, [(i, a)])))
                            results[i] = finish(self.to_extraction(a, doc))
                        except Exception as err:  # noqa: BLE001 - reported, the batch goes on
                            on_error(a, err)
            for i in range(len(batch)):
                if i in results:
                    yield results[i]

    @staticmethod
    def _docs(nlp, items):
        for _, a in items:
            doc = nlp.make_doc(a.text)
            doc._.published = a.published
            yield doc

    # -- Doc -> records ----------------------------------------------------------------------------
    def entity_key(self, m: EntityMention) -> str:
        return m.key or minted_key(m.kind, m.name)

    def to_extraction(self, article: Article, doc) -> Extraction:
        mentions: dict[str, list[EntityMention]] = {}
        for m in doc._.entities or []:
            if m.name or m.key:
                mentions.setdefault(self.entity_key(m), []).append(m)
        entities = []
        for key, ms in mentions.items():
            entry = self.gazetteer.get(key)
            first = ms[0]
            spans = tuple(sorted({Span(m.text, m.start_char, m.end_char) for m in ms}, key=lambda s: s.start))
            if entry is not None:
                entities.append(Entity(key=key, kind=entry.kind, type=entry.type, label_ar=entry.label_ar,
                                       label_en=entry.label_en, lat=entry.lat, lon=entry.lon,
                                       in_gazetteer=True, mentions=spans, member_of=entry.member_of))
            else:
                label = _display_label(first.text, first.name)
                lang_is_ar = article.lang == "ar"
                entities.append(Entity(key=key, kind=first.kind, type=first.type,
                                       label_ar=label if lang_is_ar else None,
                                       label_en=None if lang_is_ar else label, mentions=spans))
        events = [self.to_event(article, doc, n, c) for n, c in enumerate(doc._.events or [], start=1)]
        controls = [self.to_control(article, c) for c in doc._.controls or []]
        return Extraction(article=article, entities=tuple(entities), events=tuple(events), controls=tuple(controls))

    def to_control(self, article: Article, c) -> Control:
        raw = article.text[c.sentence_start_char:c.sentence_end_char]
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        since = c.since.value if c.since is not None and c.since.value and not c.since.value.startswith("--") else None
        return Control(controller=self.entity_key(c.controller), place=self.entity_key(c.place), since=since,
                       evidence=(Span(text, c.sentence_start_char + lead, c.sentence_start_char + lead + len(text)),))

    def to_event(self, article: Article, doc, n: int, c: EventCandidate) -> Event:
        def keys(ms):
            return tuple(dict.fromkeys(self.entity_key(m) for m in ms))

        # evidence offsets exclude surrounding whitespace so the span text equals the original text
        # (article.text is the Doc's text; Doc.text would rebuild it from the tokens on every call)
        raw = article.text[c.sentence_start_char:c.sentence_end_char]
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        sentence = Span(text, c.sentence_start_char + lead, c.sentence_start_char + lead + len(text))
        claims = tuple(Claim(claimant=self.entity_key(m), killed=c.killed, injured=c.injured, evidence=(sentence,))
                       for m in c.claimants)
        date = c.date.value if c.date else None
        precision = c.date.precision if c.date else None
        return Event(
            key=f"c{n}", sub_event_type=c.sub_event_type, actors=keys(c.actors), targets=keys(c.targets),
            locations=keys(c.locations), date=date, date_precision=precision, date_from_lead=c.date_from_lead,
            killed=c.killed, killed_sides=tuple(sorted(c.killed_sides.items())), killed_bound=c.killed_bound,
            injured=c.injured, killed_vague=c.killed_vague, injured_vague=c.injured_vague,
            weapons=tuple(sorted(c.weapons)), claims=claims,
            response=c.response,        # resolve() finds the event answered and sets responds_to
            confidence=c.confidence, evidence=(sentence,), refers_back=c.refers_back, background=c.background,
            weak_type=c.weak_type,
        )

