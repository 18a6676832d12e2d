"""The ``kgb`` command line: ingest, query, stats, export.

    kgb ingest examples/ --store ./kg-store
    kgb query who-attacked-whom --format table
    kgb query queries/attacks-on-place.rq --param place=https://w3id.org/kg-builder/id/place/al-omar-field
    kgb query -e "SELECT (COUNT(*) AS ?n) WHERE { ?e a ?t }"
    kgb stats
    kgb serve --port 7878                  # SPARQL endpoint at /query, a query page at /
    kgb export events --store ./kg-store -o events.jsonl
    kgb export gexf --view actors --label-lang ar -o actors.gexf

Every command takes ``--store`` (default ``./kg-store``). Only ``ingest`` creates a store: the others
say "no store at DIR" rather than make an empty one. ``export -o FILE`` writes FILE whole or not at all
(an earlier export there stays until the new one is complete). Errors are one line on stderr; the exit
code is 0 on success, 1 when some input failed, 2 on a usage or store error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_STORE = "kg-store"


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default=DEFAULT_STORE,
                   help="store directory (default: ./kg-store), or the http(s) URL of a SPARQL 1.1 server")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgb", description="Conflict news in, a knowledge graph of events out.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read articles (.txt, .html, .jsonl, folders, - for stdin) into the store")
    p.add_argument("paths", nargs="+", help="files or folders; - reads JSON Lines from stdin")
    _add_store(p)
    p.add_argument("--lang", choices=["ar", "en"], help="language of every article (default: detected)")
    p.add_argument("--published", help="publication date (YYYY-MM-DD) for articles that carry none")
    p.add_argument("--strict", action="store_true", help="stop at the first bad input")
    p.add_argument("--batch-size", type=int, default=32, help="articles per store transaction")
    p.add_argument("--max-chars", type=int, default=None,
                   help="refuse articles longer than this many characters (default: 3,000,000)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--snapshot", metavar="DIR", help="publish read-only snapshots of the store into DIR "
                   "(DIR/current) while ingesting, for analysts to query or serve")
    p.add_argument("--snapshot-every", type=float, default=10.0, metavar="SECONDS",
                   help="at most one snapshot per SECONDS (0: after every batch); one more at the end")

    p = sub.add_parser("query", help="run a saved question (name or .rq file) or a SPARQL text")
    p.add_argument("query", nargs="?", help="a saved query name (see --list) or a .rq file")
    p.add_argument("-e", "--expression", help="SPARQL query text")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a parameter (as an RDF term, never pasted into the text)")
    p.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    p.add_argument("--list", action="store_true", help="list the saved questions with their parameters")
    p.add_argument("--timeout-s", type=float, default=60.0,
                   help="time limit in seconds; the query is stopped past it (default: 60; 0: none)")
    p.add_argument("--no-federated", action="store_true",
                   help="refuse a query with SERVICE (a call to another server), as kgb serve does by default")
    _add_store(p)

    p = sub.add_parser("serve", help="a SPARQL 1.1 endpoint (/query, /sparql) and a query page (/) over the store")
    _add_store(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7878)
    p.add_argument("--timeout-s", type=float, default=30.0, help="per-query time limit; the query is stopped")
    p.add_argument("--writable", action="store_true", help="accept SPARQL Update at /update (default: read-only)")
    p.add_argument("--cors", metavar="ORIGIN", help="send CORS headers for this origin and accept its requests "
                   "(default: none; requests from pages of other origins are refused)")
    p.add_argument("--max-request-bytes", type=int, default=1_000_000)
    p.add_argument("--allow-federated", action="store_true",
                   help="run queries with SERVICE (and updates with LOAD), which make this server call other "
                        "hosts (default: refused with 400)")
    p.add_argument("--read-timeout-s", type=float, default=10.0,
                   help="a client must send its whole request within this many seconds, else it is dropped")
    p.add_argument("--max-connections", type=int, default=64,
                   help="requests answered at once (a thread each); as many more wait, beyond that 503")

    p = sub.add_parser("eval", help="score the extractor on your own gold set (guidelines' metrics)")
    p.add_argument("gold", help="gold events, JSON Lines (one article a line, as in the annotation guidelines)")
    p.add_argument("corpus", nargs="+", help="the articles the gold is about (files or folders)")
    p.add_argument("--per-doc", action="store_true", help="also print required/found/spurious per article")
    p.add_argument("--events", help="also write the exported events to this file")

    p = sub.add_parser("stats", help="articles, entities and events by type in the store")
    _add_store(p)

    p = sub.add_parser("export", help="export events (JSON Lines) or the graph for Gephi (gexf, graphml, csv)")
    p.add_argument("what", choices=["events", "gexf", "graphml", "csv"],
                   help="events: one event a line; gexf/graphml/csv: a network for Gephi and other tools")
    p.add_argument("-o", "--output", required=True, help="output file (- for stdout; csv writes NAME-nodes/edges.csv)")
    p.add_argument("--view", choices=["actors", "actor-place", "events"], default="actors",
                   help="actors: who attacked whom; actor-place: bipartite; events: event nodes and their parts")
    p.add_argument("--label-lang", choices=["en", "ar"], default="en", help="language of node labels")
    p.add_argument("--since", help="only events on or after this date (YYYY[-MM[-DD]])")
    p.add_argument("--until", help="only events on or before this date")
    p.add_argument("--place", help="only events at this place (IRI) or at a place inside it")
    p.add_argument("--actor", help="only events where this actor (IRI) is actor or target")
    p.add_argument("--event-type", help="only events of this ACLED event or sub-event type")
    _add_store(p)
    return parser


def _fail(message: str, code: int = 2) -> int:
    print(f"kgb: {message}", file=sys.stderr)
    return code


def cmd_ingest(args) -> int:
    from kg_builder.pipeline import StrictStop, ingest
    from kg_builder.store import open_store

    store = open_store(args.store)
    try:
        report = ingest(args.paths, store, lang=args.lang, published=args.published, strict=args.strict,
                        batch_size=args.batch_size, progress=False if args.quiet else None,
                        on_error=lambda err: print(f"kgb: {err}", file=sys.stderr),
                        snapshot_dir=args.snapshot, snapshot_interval_s=args.snapshot_every,
                        **({"max_chars": args.max_chars} if args.max_chars else {}))
    except StrictStop as stop:
        return _fail(f"stopped (--strict): {stop}", 1)
    finally:
        store.close()
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"ingest: {report.summary()} -> {args.store}")
    return 1 if report.failed else 0


def _saved_query_text(name: str):
    from kg_builder.query import list_saved_queries, parse_saved_query

    path = Path(name)
    if path.suffix == ".rq" and path.exists():
        return parse_saved_query(path)
    for q in list_saved_queries():
        if q.name == name or q.name == path.stem:
            return q
    raise LookupError(f"no saved query named {name!r} (kgb query --list shows them)")


def cmd_query(args) -> int:
    from kg_builder.query import (
        bind_params, format_table, list_saved_queries, remote_call_keyword, run_query_with_time_limit,
    )

    if args.list:
        for q in list_saved_queries():
            params = ", ".join(f"{p.name}={p.default}" if p.default else p.name for p in q.params)
            print(f"{q.name:28} {q.title}" + (f"  [{params}]" if params else ""))
        return 0
    values = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            return _fail(f"--param wants NAME=VALUE, got {item!r}")
        values[name.lstrip("?$")] = value
    if args.expression:
        target = args.expression
    elif args.query:
        target = _saved_query_text(args.query)
    else:
        return _fail("give a saved query name, a .rq file, or -e SPARQL")
    bindings = bind_params(target, values)
    text = target if isinstance(target, str) else target.text
    if args.no_federated and remote_call_keyword(text):
        return _fail("the query has SERVICE (a call to another server), refused by --no-federated")
    if args.timeout_s < 0:
        return _fail("--timeout-s cannot be negative (0: no time limit)")
    table = run_query_with_time_limit(args.store, text, bindings, timeout_s=args.timeout_s)
    sys.stdout.write(format_table(table, args.format))
    if not format_table(table, args.format).endswith("\n"):
        sys.stdout.write("\n")
    return 0


def cmd_stats(args) -> int:
    from kg_builder.store import open_store

    store = open_store(args.store, create=False)
    try:
        stats = store.stats()
    finally:
        store.close()
    for key, value in stats.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in sorted(value.items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"  {v:6}  {k}")
        else:
            print(f"{key}: {value}")
    return 0


def cmd_export(args) -> int:
    from kg_builder.export import export_events, write_events
    from kg_builder.store import open_store

    if args.what != "events":
        return _export_graph(args)
    store = open_store(args.store, create=False)
    try:
        if args.output == "-":
            n = export_events(store, sys.stdout)
        else:
            n = write_events(store, args.output)  # whole or not at all: an earlier file stays until then
    finally:
        store.close()
    print(f"export: {n} events -> {args.output}", file=sys.stderr)
    return 0


def _export_graph(args) -> int:
    from kg_builder.graph_export import GraphFilter, csv_paths, export_graph
    from kg_builder.store import open_store

    filters = GraphFilter(since=args.since, until=args.until, place=args.place, actor=args.actor,
                          event_type=args.event_type)
    if args.output == "-" and args.what == "csv":
        return _fail("csv writes two files: give -o NAME.csv")
    store = open_store(args.store, create=False)
    try:
        target = sys.stdout.buffer if args.output == "-" else args.output
        nodes, edges = export_graph(store, target, args.what, view=args.view, filters=filters,
                                    label_lang=args.label_lang)
    finally:
        store.close()
    where = " + ".join(str(p) for p in csv_paths(args.output)) if args.what == "csv" else args.output
    print(f"export: {args.view} view, {nodes} nodes, {edges} edges -> {where}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    from kg_builder.serve import serve

    if args.store.startswith(("http://", "https://")):
        return _fail("kgb serve serves a store directory; a SPARQL server at a URL is already an endpoint")

    serve(args.store, host=args.host, port=args.port, timeout_s=args.timeout_s, writable=args.writable,
          cors=args.cors, max_request_bytes=args.max_request_bytes, allow_federated=args.allow_federated,
          read_timeout_s=args.read_timeout_s, max_connections=args.max_connections)
    return 0


def cmd_eval(args) -> int:
    """Ingest the corpus into a temporary store, export its events and score them against the gold."""
    import io
    import json
    import tempfile

    from kg_builder.evaluate import score
    from kg_builder.export import export_events
    from kg_builder.files import atomic_output
    from kg_builder.pipeline import ingest
    from kg_builder.store import open_store

    gold = []
    with open(args.gold, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                try:
                    gold.append(json.loads(line))
                except json.JSONDecodeError as err:
                    return _fail(f"{args.gold}:{number}: malformed JSON: {err.msg}")
    with tempfile.TemporaryDirectory(prefix="kgb-eval-") as tmp:
        store = open_store(Path(tmp) / "store")
        try:
            ingest(args.corpus, store, progress=False, on_error=lambda err: print(f"kgb: {err}", file=sys.stderr))
            buffer = io.StringIO()
            export_events(store, buffer)
        finally:
            store.close()
    if args.events:
        with atomic_output(args.events, "w", encoding="utf-8") as out:
            out.write(buffer.getvalue())
    events = [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    metrics, per_doc = score(gold, events)
    if args.per_doc:
        for doc, (required, found, spurious) in sorted(per_doc.items()):
            print(f"{doc} required={required} found={found} spurious={spurious}")
    print(json.dumps(metrics, ensure_ascii=False))
    return 0


COMMANDS = {"eval": cmd_eval, "serve": cmd_serve, "ingest": cmd_ingest, "query": cmd_query, "stats": cmd_stats, "export": cmd_export}


#: Commands that use a store but never make one (``serve --writable`` too): only ``ingest`` creates a
#: store; these say "no store at DIR" instead.
READERS = ("stats", "query", "export", "serve")


def _needs_a_store(args) -> bool:
    return args.command in READERS and not getattr(args, "list", False)  # query --list reads no store


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kg_builder.store import StoreError, require_store

    try:
        if _needs_a_store(args):
            require_store(args.store)  # before anything is opened, whatever the command opens it with
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        # the reader went away (`kgb query ... | head`): not an error worth a line
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (StoreError, LookupError, ValueError, OSError) as err:
        return _fail(str(err))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
