"""The Oxigraph store: atomic batch replacement, idempotence, hashes, ontology sync, locking, stats."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode

from kg_builder.model import Article, Entity, Extraction
from kg_builder.rdf import KGB, ONTOLOGY_GRAPH, article_iri, extraction_quads
from kg_builder.resources import ontology_dir
from kg_builder.store import KGStore, QueryError, StoreError, open_store

from test_rdf import GENERATED_AT, SEED_HASH, SEED_ID, seed_quads


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store")
    yield s
    s.close()


def n_quads(store: KGStore) -> list[str]:
    return sorted(str(q) for q in store.oxigraph)


def test_replace_twice_gives_an_identical_graph(store):
    store.replace_articles([(article_iri(SEED_ID), seed_quads())])
    first = n_quads(store)
    store.replace_articles([(article_iri(SEED_ID), seed_quads())])
    assert n_quads(store) == first
    assert len(first) == len(seed_quads())


def test_replacing_an_article_removes_what_it_no_longer_says(store):
    store.replace_articles([(article_iri(SEED_ID), seed_quads())])
    smaller = extraction_quads(Extraction(Article(id=SEED_ID, text="short")), content_hash="hash-2",
                               generated_at=GENERATED_AT)
    store.replace_articles([(article_iri(SEED_ID), smaller)])
    assert n_quads(store) == sorted(str(q) for q in smaller)
    assert store.article_hash(article_iri(SEED_ID)) == "hash-2"


def test_other_articles_are_left_alone(store):
    store.replace_articles([(article_iri("a"), seed_quads("a")), (article_iri("b"), seed_quads("b"))])
    before_b = sorted(str(q) for q in store.oxigraph.quads_for_pattern(None, None, None, NamedNode(article_iri("b"))))
    store.replace_articles([(article_iri("a"), seed_quads("a"))])
    after_b = sorted(str(q) for q in store.oxigraph.quads_for_pattern(None, None, None, NamedNode(article_iri("b"))))
    assert before_b == after_b
    assert store.stats()["articles"] == 2


def _batch_that_breaks(kind: str):
    good = (article_iri("new-1"), seed_quads("new-1"))
    if kind == "not a quad":
        return [good, (article_iri("new-2"), seed_quads("new-2")[:5] + ["<s> <p> <o> ."])]
    if kind == "invalid graph IRI":
        return [good, ("not an iri with spaces", seed_quads("new-2"))]
    if kind == "quad of another graph":
        return [good, (article_iri("new-2"), seed_quads("new-3"))]
    if kind == "iterator raises midway":
        def batch():
            yield good
            yield (article_iri(SEED_ID), seed_quads("new-2"))
            raise RuntimeError("extractor crashed")
        return batch()
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["not a quad", "invalid graph IRI", "quad of another graph", "iterator raises midway"])
def test_a_failing_batch_leaves_the_store_as_it_was(store, kind):
    store.replace_articles([(article_iri(SEED_ID), seed_quads())])
    before = n_quads(store)
    with pytest.raises((TypeError, ValueError, RuntimeError)):
        store.replace_articles(_batch_that_breaks(kind))
    assert n_quads(store) == before


def test_one_update_request_is_one_transaction(store):
    """The property replace_articles relies on: Oxigraph runs all operations of an update atomically."""
    with pytest.raises(Exception):
        store.oxigraph.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } } ; DROP GRAPH <urn:missing>")
    assert len(store.oxigraph) == 0


def test_article_hash(store):
    assert store.article_hash(article_iri(SEED_ID)) is None
    store.replace_articles([(article_iri(SEED_ID), seed_quads())])
    assert store.article_hash(article_iri(SEED_ID)) == SEED_HASH


def test_stats_count_articles_events_entities_and_types(store):
    store.replace_articles([(article_iri("a"), seed_quads("a")), (article_iri("b"), seed_quads("b"))])
    stats = store.stats()
    assert stats["articles"] == 2
    assert stats["events"] == 8
    assert stats["entities"] == 9 and stats["actors"] == 5 and stats["places"] == 4
    assert stats["events by sub-event type"] == {"Shelling/artillery/missile attack": 8}
    assert stats["events by type"] == {"Explosions/Remote violence": 8}


def test_empty_store_stats(store):
    assert store.stats() == {"articles": 0, "events": 0, "entities": 0, "actors": 0, "places": 0,
                             "events by type": {}, "events by sub-event type": {}}


def _turtle(path: Path, body: str) -> Path:
    path.write_text("@prefix kgb: <https://w3id.org/kg-builder/ontology#> .\n" + body, encoding="utf-8")
    return path


def test_sync_ontology_replaces_the_graph_only_when_files_change(store, tmp_path):
    a = _turtle(tmp_path / "a.ttl", 'kgb:Battles kgb:cameoCode "19" .\n')
    b = _turtle(tmp_path / "b.ttl", 'kgb:Riots kgb:ploverCategory "PROTEST" ; kgb:x [ kgb:y 1 ] .\n')
    assert store.sync_ontology([a, b]) is True
    graph = NamedNode(ONTOLOGY_GRAPH)
    count = len(list(store.oxigraph.quads_for_pattern(None, None, None, graph)))
    assert count == 5  # 4 triples + the hash
    assert store.sync_ontology([b, a]) is False
    _turtle(a, 'kgb:Battles kgb:cameoCode "190" .\n')
    assert store.sync_ontology([a, b]) is True
    codes = [q.object.value for q in store.oxigraph.quads_for_pattern(None, NamedNode(KGB + "cameoCode"), None, graph)]
    assert codes == ["190"]


def test_sync_ontology_reports_a_broken_file(store, tmp_path):
    bad = _turtle(tmp_path / "bad.ttl", "kgb:Battles kgb:cameoCode .\n")
    with pytest.raises(StoreError, match="bad.ttl"):
        store.sync_ontology([bad])
    assert len(store.oxigraph) == 0


def test_sync_ontology_loads_the_shipped_files_when_present(store):
    files = sorted(ontology_dir().glob("*.ttl"))
    if not files:
        pytest.skip("no ontology Turtle files yet")
    assert store.sync_ontology(files) is True
    assert store.sync_ontology(files) is False
    assert len(store.oxigraph) > 0


def test_query_binds_values_as_terms_never_as_text(store):
    store.replace_articles([(article_iri(SEED_ID), seed_quads())])
    before = n_quads(store)
    nasty = '"> } ; DROP ALL #'
    rows = list(store.query("SELECT ?x (COUNT(*) AS ?n) WHERE { ?s skos:prefLabel ?x } GROUP BY ?x",
                            {"x": Literal(nasty)}))
    assert [(r["x"].value, r["n"].value) for r in rows] == [(nasty, "0")] or rows == []
    rows = list(store.query('SELECT ?x ?s WHERE { ?s skos:prefLabel ?x }', {"x": Literal("حقل \"العمر\"", language="ar")}))
    assert rows == []
    assert n_quads(store) == before


def test_query_errors_are_query_errors(store):
    with pytest.raises(QueryError):
        store.query("SELEC nothing")
    with pytest.raises(QueryError, match="place"):
        store.query("SELECT ?s WHERE { ?s ?p ?place }", {"place": NamedNode("urn:x")})


def test_update_runs_with_our_prefixes(store):
    store.update("INSERT DATA { GRAPH <urn:g> { actor:x a kgb:Militia } }")
    assert bool(store.query("ASK { <https://w3id.org/kg-builder/id/actor/x> a kgb:Militia }"))


def test_dump_quads_and_triples(store, tmp_path):
    store.replace_articles([(article_iri(SEED_ID), seed_quads())])
    store.dump(tmp_path / "all.nq")
    assert len(list(pyoxigraph.parse(path=str(tmp_path / "all.nq")))) == len(seed_quads())
    store.dump(tmp_path / "all.ttl", "turtle")
    assert len(list(pyoxigraph.parse(path=str(tmp_path / "all.ttl")))) == len(seed_quads())
    store.dump(tmp_path / "one.nt", graph=article_iri(SEED_ID))
    assert len(list(pyoxigraph.parse(path=str(tmp_path / "one.nt")))) == len(seed_quads())
    with pytest.raises(StoreError, match="unknown RDF format"):
        store.dump(tmp_path / "x.docx")


def test_close_releases_the_directory(tmp_path):
    first = open_store(tmp_path / "s")
    first.replace_articles([(article_iri(SEED_ID), seed_quads())])
    list(first.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1"))
    first.close()
    first.close()
    with open_store(tmp_path / "s") as second:
        assert second.article_hash(article_iri(SEED_ID)) == SEED_HASH
    with pytest.raises(StoreError, match="closed"):
        first.stats()


def test_a_store_held_by_another_process_gives_a_one_line_store_error(tmp_path):
    holder = open_store(tmp_path / "s")
    try:
        script = textwrap.dedent(f"""
            from kg_builder.store import open_store, StoreError
            try:
                open_store({str(tmp_path / 's')!r})
            except StoreError as err:
                print("StoreError:", err)
            """)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    finally:
        holder.close()
    out = result.stdout.strip()
    assert out.startswith("StoreError:") and "in use by another" in out and "\n" not in out, result


def test_open_store_opens_urls_remotely_and_refuses_files(tmp_path):
    from kg_builder.remote_store import RemoteStore

    assert isinstance(open_store("https://example.org/sparql"), RemoteStore)   # nothing is fetched yet
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a store directory"):
        open_store(tmp_path / "file")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=80), label=st.text(min_size=1, max_size=20))
def test_any_text_survives_the_round_trip(store, text, label):
    ex = Extraction(Article(id="prop", text=text, title=label),
                    entities=(Entity("actor/x", "actor", "Militia", label_ar=label),))
    quads = extraction_quads(ex, generated_at=GENERATED_AT)
    store.replace_articles([(article_iri("prop"), quads)])
    assert sorted(str(q) for q in store.oxigraph) == sorted(str(q) for q in quads)
