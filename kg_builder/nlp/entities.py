"""The ``kgb_entities`` component: actors and places, known or not.

Four passes over the tokens, each leaving :class:`EntityMention` records on ``doc._.entities``:

1. gazetteer names (every Arabic and English label of ``ontology/gazetteer-*.ttl``), longest first,
   the first word of a name allowed to carry clitics (للتحالف الدولي -> التحالف الدولي);
2. head-noun patterns for names no gazetteer lists (قوات X، ميليشيا X، بلدة X، حقل X ...), from
   ``entity_heads_<lang>.tsv``; a head followed by a gazetteer name takes that name's identity
   (ميليشيا حزب الله -> Hezbollah) unless the head names a facility (مطار دمشق is not Damascus);
3. names learned in the article: once "بلدة الهري" was seen, a bare "الهري" is that town too;
4. definite descriptions (الحقل، القاعدة، التنظيم) resolved to the latest entity of a fitting class.

Adjectives of origin right after a word (الضربة الإسرائيلية) are kept as ``origin="nisba"`` mentions;
only the event component uses them, as the actor of the trigger they follow.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kg_builder.gazetteer import load_gazetteer
from kg_builder.normalise import match_key
from kg_builder.nlp.components import make_entity_mention, token_forms
from kg_builder.nlp.lexicon import PhraseTable, _rows, inflect, load_lexicon, normalised_words, word_set
from kg_builder.nlp.mentions import EntityMention
from kg_builder.nlp.lexicon import verb_with_object as _verb_with_object
from kg_builder.resources import nlp_data_dir

# Classes of places that are sites in their own right: a head of this kind followed by a town's
# name is a new facility ("مطار دمشق الدولي"), not the town.
FACILITY_TYPES = {"OilField", "GasField", "MilitaryBase", "Facility", "BorderCrossing"}
# punctuation that may stand inside a name without ending it: quotes, hyphens, tatweel
GLUE = {'"', "“", "”", "«", "»", "'", "‘", "’", "-", "–", "ـ"}


@cache
def gazetteer_names(gazetteer_dir: str | None) -> PhraseTable:
    """Every label of every gazetteer entry, as word tuples -> (kind, type, key)."""
    table = PhraseTable()
    gaz = load_gazetteer(Path(gazetteer_dir) if gazetteer_dir else None)
    for entry in gaz:
        labels = {entry.label_ar, entry.label_en, *entry.alt_labels_ar, *entry.alt_labels_en}
        for label in filter(None, labels):
            words = tuple(match_key(label).split())
            if words and not (len(words) == 1 and len(words[0]) < 2):
                table.add(words, (entry.kind, entry.type, entry.key))
        for label in filter(None, {entry.label_en, *entry.alt_labels_en}):
            # scraped English loses the apostrophe of a possessive: "the coalitions strikes", "Syrias
            # Raqqa", "Daeshs capital" -- the name with a bare "s" is the name
            words = tuple(match_key(label).split())
            if words and words[-1].isalpha() and len(words[-1]) >= 3 and not words[-1].endswith("s"):
                table.add(words[:-1] + (words[-1] + "s",), (entry.kind, entry.type, entry.key))
    return table


@cache
def acronym_keys(gazetteer_dir: str | None) -> frozenset[str]:
    """One-word names the gazetteer only writes in capitals ("IS", "US", "SDF"): in lower case they
    are common words ("is", "us") and name nothing."""
    gaz = load_gazetteer(Path(gazetteer_dir) if gazetteer_dir else None)
    caps, other = set(), set()
    for entry in gaz:
        for label in filter(None, {entry.label_en, *entry.alt_labels_en}):
            words = label.split()
            if len(words) == 1:
                (caps if label.isupper() else other).add(match_key(label))
    return frozenset(caps - other)


@cache
def _affiliation_words(lang: str) -> dict[str, frozenset[str]]:
    """``affiliation_<lang>.tsv``: the fighters words and the affiliation words, by group."""
    path = nlp_data_dir() / f"affiliation_{lang}.tsv"
    groups: dict[str, set[str]] = {}
    if path.exists():
        for group, form in _rows(path):
            groups.setdefault(group, set()).add(match_key(form))
    return {g: frozenset(forms) for g, forms in groups.items()}


# what may follow an affiliation word to name the patron: a pronoun, or a preposition and a name
PATRON_PRONOUNS = normalised_words("له", "لها", "لهم", "لهما", "معه", "معها", "معهم", "منه", "منها", "منهم")
PATRON_PREPOSITIONS = normalised_words("من", "مع", "قبل")
# "4 قرى هي شقرا والحصان": the pronoun after a head, before the names
NAMING_PRONOUNS = normalised_words("هي", "وهي", "هما")
# a coref row whose classes are this word points back to the last name opened by the same noun
SAME_HEAD = "same-head"


@cache
def _coref_table(lang: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    path = nlp_data_dir() / f"coref_{lang}.tsv"
    if not path.exists():
        return {}
    return {match_key(form): (kind, tuple(types.split(","))) for form, kind, types in _rows(path)}


@cache
def _nisba_table(lang: str) -> dict[str, str]:
    path = nlp_data_dir() / f"nisba_{lang}.tsv"
    if not path.exists():
        return {}
    table = {}
    for adjective, key in _rows(path):
        base = match_key(adjective)
        for form in inflect(base, "noun", lang) | {"ال" + f for f in inflect(base, "noun", lang)}:
            table[form] = key
    return table


class EntityFinder:
    """Finds entity mentions in a Doc; one instance per pipeline, reused across documents."""

    def __init__(self, lang: str, gazetteer_dir: str | None):
        self.lang = lang
        self.names = gazetteer_names(gazetteer_dir)
        self.acronyms = acronym_keys(gazetteer_dir)
        self.gazetteer = load_gazetteer(Path(gazetteer_dir) if gazetteer_dir else None)
        self.lexicon = load_lexicon(lang)
        self.stopwords = word_set(f"stopwords_{lang}.txt")
        self.coref = _coref_table(lang)
        self._heads: dict[str | None, frozenset[str]] = {}
        self.nisba = _nisba_table(lang)
        self.affiliation = _affiliation_words(lang)

    def __call__(self, doc: Doc) -> Doc:
        all_variants, all_norms = token_forms(doc)
        # Names are matched over the words only: quotes and hyphens inside a name (حقل “زملة المهر”,
        # al-Bab, US-led) are skipped, so ``keep`` maps word positions back to token indices.
        self._keep = keep = [i for i, t in enumerate(doc) if t.text not in GLUE]
        variants = [all_variants[i] for i in keep]
        norms = [all_norms[i] if all_norms[i] or "\n" not in doc[i].text else "\n" for i in keep]
        self._doc = doc
        mentions: list[EntityMention] = []
        learned = PhraseTable()
        covered = [False] * len(doc)

        p = 0
        while p < len(keep):
            found = self._at(doc, variants, norms, p, learned)
            if found:
                for m in found:
                    mentions.append(m)
                end = max(m.end for m in found)
                for k in range(keep[p], end):
                    covered[k] = True
                while p < len(keep) and keep[p] < end:
                    p += 1
            else:
                p += 1

        # second pass: names learned from patterns anywhere in the article (a town named before
        # its "بلدة X" introduction is still that town)
        if learned.by_first:
            for p in range(len(keep)):
                if covered[keep[p]]:
                    continue
                hit = learned.match(variants, norms, p)
                if hit:
                    n, (kind, type_, name) = hit
                    start, end = keep[p], keep[p + n - 1] + 1
                    if not any(covered[start:end]):
                        mentions.append(make_entity_mention(doc, start, end, kind, type_, None, "learned", name))
                        for k in range(start, end):
                            covered[k] = True
        mentions.extend(self._listed_places(doc, variants, norms, mentions, covered))
        variants, norms = all_variants, all_norms

        mentions.sort(key=lambda m: (m.start, -m.end))
        mentions.extend(self._corefs(doc, norms, variants, mentions, covered))
        mentions.extend(self._nisbas(doc, variants, covered))
        mentions.sort(key=lambda m: (m.start, -m.end))
        doc._.entities = mentions
        return doc

    # -- pass 1 and 2: gazetteer names and head-noun patterns --------------------------------------
    def _mention(self, p0: int, p1: int, kind, type_, key, origin, name=None) -> EntityMention:
        """A mention over word positions [p0, p1) (see ``keep`` in __call__)."""
        start, end = self._keep[p0], self._keep[p1 - 1] + 1
        token = self._doc[start]
        first = self._matched_form(token) if name is None else None
        if first is not None:
            # the name as its first word was matched: "فصائل"، "لواء"، "كتائب" keep a first letter that
            # only looks like a clitic
            name = " ".join([first] + [t._.norm_key for t in self._doc[start + 1:end] if t._.norm_key])
        mention = make_entity_mention(self._doc, start, end, kind, type_, key, origin, name)
        mention.preposition = self._preposition(token)
        if self._conjunction(token) and mention.text[:1] in ("و", "ف"):
            # "وبريطانيا" names Britain: the mention is the name, without the "and" glued to it
            cut = 1
            while cut < len(mention.text) and unicodedata.combining(mention.text[cut]):
                cut += 1
            mention.text, mention.start_char = mention.text[cut:], mention.start_char + cut
        return mention

    def _matched_form(self, token) -> str | None:
        """The form of the word a name or head was matched with: the first of its variants (the
        order :meth:`PhraseTable.match` tries them in) that opens an entry."""
        tables = (self.names.by_first, self.lexicon.entity_heads.by_first, self.affiliation.get("fighters", ()))
        return next((v for v in token._.variants if any(v in t for t in tables)), None)

    def _conjunction(self, token) -> bool:
        """Does the word carry و/ف "and" that is not part of the name (وبريطانيا, not وادي)?"""
        norm = token._.norm_key
        if self.lang != "ar" or norm[:1] not in ("و", "ف") or len(norm) <= 3:
            return False
        matched = self._matched_form(token)
        return matched is not None and len(matched) < len(norm)

    def _preposition(self, token) -> bool:
        """Was a preposition peeled off the word to match a name (بالتحالف -> التحالف), or is the
        letter the name's own (وبريطانيا -> بريطانيا)?"""
        norm = token._.norm_key
        bare = norm[1:] if self._conjunction(token) else norm
        if self.lang != "ar" or bare[:1] not in ("ب", "ل", "ك"):
            return False
        matched = self._matched_form(token)
        return matched is not None and not matched.startswith(bare[:1])

    def _at(self, doc, variants, norms, i, learned) -> list[EntityMention]:
        hit = self.names.match(variants, norms, i)
        if hit is not None and hit[0] == 1 and norms[i] in self.acronyms and not self._doc[self._keep[i]].text.isupper():
            hit = None      # "it is under attack": "is" is not IS
        affiliated = self._affiliated(variants, norms, i)
        if affiliated is not None and (hit is None or affiliated.end > self._keep[i + hit[0] - 1] + 1):
            # a gazetteer name as long ("الفصائل المدعومة من تركيا": the SNA) says who they are
            return [affiliated]
        if hit:
            n, (kind, type_, key) = hit
            return [self._mention(i, i + n, kind, type_, key, "gazetteer")]
        head = self.lexicon.entity_heads.match(variants, norms, i)
        if not head:
            return []
        n, (kind, type_, max_words, keep_head) = head
        if kind == "skip":
            return []
        if self.lang == "ar" and n == 1 and norms[i] not in self.lexicon.entity_heads.by_first \
                and any(v.startswith("ال") for v in variants[i]) and not variants[i][0].startswith(("ب", "ل", "ك")):
            # a definite head ("الحقل النفطي") is a description, never the head of a name: in Arabic the
            # head of a name in construct ("حقل العمر") has no article; coreference handles descriptions
            return []
        j = i + n
        if not keep_head and j < len(norms) and norms[j] in NAMING_PRONOUNS:
            j += 1      # "4 قرى هي شقرا والحصان": the names come after the pronoun
        inner = self.names.match(variants, norms, j) if j < len(norms) else None
        if inner:
            m, (ikind, itype, ikey) = inner
            inner_mention = self._mention(j, j + m, ikind, itype, ikey, "gazetteer")
            if ikind == kind and not (kind == "place" and type_ in FACILITY_TYPES and itype not in FACILITY_TYPES):
                # "ميليشيا حزب الله", "بريف دير الزور": the head is a descriptor of the known name
                whole = self._mention(i, j + m, ikind, itype, ikey, "gazetteer")
                return [whole]
            if kind == "place" and type_ in FACILITY_TYPES:
                # "مطار دمشق الدولي": a new facility, and the town it is named after
                end = self._name_end(variants, norms, j + m, max(0, max_words - m))
                facility = self._mention(i, end, kind, type_, None, "pattern")
                return [facility, inner_mention]
            return [inner_mention] if kind == ikind else []
        end = self._name_end(variants, norms, j, max_words)
        if end == j:
            return []
        if keep_head:
            mention = self._mention(i, end, kind, type_, None, "pattern")
        else:
            name = " ".join(norms[j:end])
            if end - j == 1 and self._adjective(norms[j], variants[j]):
                return []   # "منطقة صحراوية"، "مدينة سورية": an adjective, not a name
            mention = self._mention(j, end, kind, type_, None, "pattern", name)
            learned.add(tuple(norms[j:end]), (kind, type_, name))
        return [mention]

    def _affiliated(self, variants, norms, i) -> EntityMention | None:
        """"مسلحا مواليا للنظام"، "الميليشيات المتحالفة معها": armed men named by whom they serve are
        an actor of their own (not the patron: the regime is not who was killed)."""
        fighters, affiliation = self.affiliation.get("fighters"), self.affiliation.get("affiliation")
        if not fighters or not affiliation or i + 1 >= len(norms):
            return None
        if not (set(variants[i]) | {norms[i]}) & fighters or not (set(variants[i + 1]) | {norms[i + 1]}) & affiliation:
            return None
        def mention(end: int) -> EntityMention:
            return self._mention(i, end, "actor", "Militia", None, "affiliation")

        j = i + 2
        if j < len(norms) and norms[j] in PATRON_PRONOUNS:
            return mention(j + 1)
        if j < len(norms) and norms[j] in PATRON_PREPOSITIONS:
            j += 1
            if j < len(norms) and norms[j] == "قبل":     # "المدعومة من قبل تركيا"
                j += 1
        patron = self.names.match(variants, norms, j) if j < len(norms) else None
        if patron is None or patron[1][0] != "actor":
            return None
        return mention(j + patron[0])

    def _adjective(self, norm: str, variants) -> bool:
        """An adjective of origin or a nisba/participle form standing after a head noun."""
        if any(v in self.nisba for v in variants):
            return True
        return self.lang == "ar" and not norm.startswith("ال") and norm.endswith(("يه", "ي"))

    def _is_name_word(self, tok, norm: str) -> bool:
        if not norm or not tok.is_alpha or norm in self.stopwords or any(v in self.stopwords for v in tok._.variants[1:]):
            return False    # "قرى بمناطق ...": a preposition on a common word names nothing
        if self.lang == "ar" and _verb_with_object(norm):
            return False    # "قوات تدعمها واشنطن": a verb with its object pronoun, not a word of the name
        if self.lang == "ar" and norm[0] == "و" and len(norm) > 3 and norm[1:] not in self.stopwords:
            # "وهجين": a coordinated next item, not part of this name ("ووادي" is rare enough)
            return False
        if self.lang == "ar" and norm.startswith(("بال", "كال")) and len(norm) > 4:
            # "بلدة المزيريب بالأسلحة الرشاشة": a preposition with the article opens a new phrase
            return False
        return True

    def _name_end(self, variants, norms, j, max_words) -> int:
        """Where a name that starts at word position j ends (exclusive), at most max_words long."""
        end = j
        while end < len(norms) and end - j < max_words:
            tok = self._doc[self._keep[end]]
            if norms[end] == "\n" or not self._is_name_word(tok, norms[end]):
                break
            if (self.lexicon.triggers.match(variants, norms, end) or self._is_cue(variants, norms, end)
                    or self.lexicon.casualties.match(variants, norms, end)
                    or self.lexicon.entity_heads.match(variants, norms, end)
                    or self.names.match(variants, norms, end)):
                break
            end += 1
        return end

    def _listed_places(self, doc, variants, norms, mentions, covered) -> list[EntityMention]:
        """Villages listed after a known one: "شقرا والحصان والجيعة والجنينة" -- each "وX" after a
        town is a town too, while it is one plain word that names nothing else."""
        if self.lang != "ar":
            return []
        position = {k: p for p, k in enumerate(self._keep)}
        out = []
        for m in [m for m in mentions if m.kind == "place" and m.type == "Settlement"]:
            p = position.get(m.end - 1, -1) + 1
            while p < len(norms):
                word, k = norms[p], self._keep[p]
                stem = word[1:] if word.startswith("و") else None
                if (not stem or len(stem) < 3 or covered[k] or stem in self.stopwords
                        or not self._is_list_item(doc[k]) or self.lexicon.triggers.match(variants, norms, p)
                        or self._is_cue(variants, norms, p) or self.lexicon.entity_heads.match(variants, norms, p)):
                    break
                nxt = norms[p + 1] if p + 1 < len(norms) else ""
                if nxt and not nxt.startswith("و") and nxt != "\n" and doc[self._keep[p + 1]].is_alpha:
                    break       # "وقرى أخرى": a phrase goes on, not a list of names
                mention = make_entity_mention(doc, k, k + 1, "place", "Settlement", None, "list", stem)
                out.append(mention)
                covered[k] = True
                p += 1
        return out

    @staticmethod
    def _is_list_item(tok) -> bool:
        return tok.is_alpha and len(tok.text) >= 4

    def _is_cue(self, variants, norms, i) -> bool:
        return any(table.match(variants, norms, i) for table in self.lexicon.cues.values())

    # -- pass 3: definite descriptions --------------------------------------------------------------
    def _corefs(self, doc, norms, variants, mentions, covered) -> list[EntityMention]:
        if not self.coref:
            return []
        out = []
        for i, tok in enumerate(doc):
            if covered[i]:
                continue
            form = next((v for v in variants[i] if v in self.coref), None)
            if form is None:
                continue
            kind, types = self.coref[form]
            # "the group" is never "the fighters loyal to X" (a description, not a group)
            earlier = [m for m in reversed(mentions) if m.start < i and m.kind == kind and m.origin != "affiliation"]
            if types == (SAME_HEAD,):
                antecedent = self._same_head(form[len("ال"):], earlier, variants)
            else:
                antecedent = self._of_class(types, earlier)
            if antecedent is None:
                continue
            type_, key, name = antecedent
            out.append(make_entity_mention(doc, i, i + 1, kind, type_, key, "coref", name))
        return out

    def _of_class(self, types: tuple[str, ...], earlier: list[EntityMention]) -> tuple[str, str | None, str] | None:
        """(type, key, name) of the last entity named of one of ``types`` ("الحقل": the last field)."""
        for m in earlier:
            if m.type in types:
                return m.type, m.key, m.name
            # a site named inside a larger one evokes it: "قاعدة حقل العمر" makes "الحقل" the field
            parent = self._parent(m.key)
            if parent is not None and parent.type in types:
                return parent.type, parent.key, match_key(parent.label_ar or parent.label_en or "")
        return None

    def _same_head(self, head: str, earlier: list[EntityMention], variants) -> tuple[str, str | None, str] | None:
        """(type, key, name) of what "القوات" repeats: the last name the same noun opened ("قوات
        سوريا الديمقراطية"), else the last actor that goes by such a name ("التنظيم" after "داعش",
        known as "تنظيم داعش")."""
        # a sound plural in either case: "المسلحين" repeats "مسلحون مجهولون"
        heads = {head} | ({head[:-2] + "ون", head[:-2] + "ين"} if head.endswith(("ون", "ين")) else set())
        m = next((m for m in earlier if m.end - m.start > 1 and heads & set(variants[m.start])), None)
        m = m or next((m for m in earlier if heads & self._label_heads(m.key)), None)
        return (m.type, m.key, m.name) if m is not None else None

    def _label_heads(self, key: str | None) -> frozenset[str]:
        """The first words of an entry's names in the pipeline's language ("تنظيم" for ISIS)."""
        if key not in self._heads:
            entry = self.gazetteer.get(key) if key else None
            labels = entry.labels(self.lang) if entry is not None else ()
            self._heads[key] = frozenset(match_key(label).split()[0] for label in labels if match_key(label))
        return self._heads[key]

    def _parent(self, key: str | None):
        entry = self.gazetteer.get(key) if key else None
        return self.gazetteer.get(entry.located_in) if entry is not None and entry.located_in else None

    # -- adjectives of origin -------------------------------------------------------------------
    def _nisbas(self, doc, variants, covered) -> list[EntityMention]:
        out = []
        for i in range(len(doc)):
            if covered[i]:
                continue
            key = next((self.nisba[v] for v in variants[i] if v in self.nisba), None)
            entry = self.gazetteer.get(key) if key else None
            if entry is not None:
                out.append(make_entity_mention(doc, i, i + 1, entry.kind, entry.type, entry.key, "nisba"))
        return out


@Language.factory("kgb_entities", default_config={"gazetteer_dir": None})
def make_entities(nlp: Language, name: str, gazetteer_dir: str | None):
    """Actors and places as ``doc._.entities`` (a list of :class:`EntityMention`)."""
    return EntityFinder(nlp.lang, gazetteer_dir)
