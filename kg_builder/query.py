"""Saved SPARQL questions, their parameters, and result tables.

A saved question is a ``.rq`` file in ``queries/`` that starts with a header of ``#`` comments::

    # title: Attacks on a place
    # description: Events whose location or target is the place, or a place located in it
    #   (a continuation line starts with "#" and two spaces or more).
    # param: ?place iri default=<https://w3id.org/kg-builder/id/place/al-omar-field> the place
    # param: ?since date the first day (no default: the parameter is required)
    SELECT ?place ?event ... WHERE { ... }

A ``param:`` line is ``?name kind [default=VALUE] description``. ``kind`` says how a value given on the
command line becomes an RDF term: ``iri`` (``<...>``, a full IRI, a prefixed name like ``place:al-omar-field``
or an entity key like ``place/al-omar-field``), ``string``, ``lang-string`` (``text@ar``), ``date``
(``2018-06-19``, or ``2018-06``, ``2018``), ``integer`` or ``decimal``. A default with spaces is quoted:
``default="حقل العمر@ar"``. Values are bound to the variables as terms (Oxigraph substitutions), never
pasted into the SPARQL text, so no value can change what the query does. Oxigraph binds only variables
the query SELECTs, so a saved SELECT lists its parameters among its columns.

    >>> q = parse_saved_query(next(p for p in (queries_dir()).glob("attacks-on-place.rq")))
    >>> q.params[0].name, q.params[0].kind
    ('place', 'iri')
    >>> bind_params(q, {})["place"].value
    'https://w3id.org/kg-builder/id/place/al-omar-field'
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, Triple

from kg_builder.rdf import (
    PREFIXES, XSD, boolean_literal, date_literal, decimal_text_literal, entity_iri, integer_literal, iri_term,
    string_literal, typed_literal,
)
from kg_builder.resources import queries_dir
from kg_builder.store import KGStore

Term = Union[NamedNode, BlankNode, Literal, Triple]

PARAM_KINDS: tuple[str, ...] = ("iri", "string", "date", "integer", "decimal", "lang-string")


class QueryParamError(ValueError):
    """A parameter value or name that cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class QueryParam:
    """One parameter of a saved question: the variable ``?name`` and how to read its value."""

    name: str
    default: str | None
    description: str
    kind: str = "string"


@dataclass(frozen=True)
class SavedQuery:
    """A ``.rq`` file with its header read."""

    name: str                       # the file stem: what ``kgb query NAME`` takes
    path: Path
    title: str
    description: str
    params: tuple[QueryParam, ...]
    text: str                       # the whole file, header included (comments are SPARQL comments)


_HEADER_LINE = re.compile(r"^#\s?(?P<key>[a-z-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(?P<value>\S.*)$")


def parse_saved_query(path: str | Path) -> SavedQuery:
    """Read a saved question and its header (see the module doc for the format).

    A header line ``# key: value`` may continue on lines ``#   more``; the header ends at the first line
    that is not a comment. Unknown keys are ignored (room for ``# author:`` and the like).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[QueryParam] = []
    last_key: str | None = None
    raw_params: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER_LINE.match(stripped)
        continuation = _CONTINUATION.match(line.rstrip())
        if match and not continuation:
            last_key = match["key"]
            if last_key == "param":
                raw_params.append(match["value"].strip())
            else:
                fields[last_key] = match["value"].strip()
        elif continuation and last_key:
            if last_key == "param":
                raw_params[-1] += " " + continuation["value"].strip()
            else:
                fields[last_key] = (fields.get(last_key, "") + " " + continuation["value"].strip()).strip()
    for raw in raw_params:
        params.append(_parse_param(raw, path))
    names = [p.name for p in params]
    if len(names) != len(set(names)):
        raise QueryParamError(f"{path}: a parameter is declared twice")
    return SavedQuery(name=path.stem, path=path, title=fields.get("title", path.stem),
                      description=fields.get("description", ""), params=tuple(params), text=text)


_PARAM_LINE = re.compile(
    r'^[?$](?P<name>\w+)\s+(?P<kind>\S+)'
    r'(?:\s+default=(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>\S+)))?'
    r'\s*(?P<description>.*)$'
)


def _parse_param(raw: str, path: Path) -> QueryParam:
    match = _PARAM_LINE.match(raw)
    if not match:
        raise QueryParamError(f"{path}: a param line is '?name kind [default=VALUE] description', got {raw!r}")
    name, kind = match["name"], match["kind"]
    if kind not in PARAM_KINDS:
        raise QueryParamError(f"{path}: ?{name} has unknown kind {kind!r} (one of {', '.join(PARAM_KINDS)})")
    if match["quoted"] is not None:
        default = re.sub(r"\\(.)", r"\1", match["quoted"])
    else:
        default = match["bare"]
    return QueryParam(name=name, default=default, description=match["description"].strip(), kind=kind)


def list_saved_queries(directory: str | Path | None = None) -> list[SavedQuery]:
    """The saved questions of a folder (default: the ones shipped in ``queries/``), sorted by name."""
    folder = Path(directory) if directory is not None else queries_dir()
    return [parse_saved_query(p) for p in sorted(folder.glob("*.rq"))]


# --- values -> terms ----------------------------------------------------------------------------------

_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>\S*)$")


def _iri_value(value: str) -> NamedNode:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    elif "://" in value or value.startswith("urn:"):
        pass
    else:
        prefixed = _PREFIXED.match(value)
        if prefixed and prefixed["prefix"] in PREFIXES:
            value = PREFIXES[prefixed["prefix"]] + prefixed["local"]
        elif re.match(r"^(actor|place|event|article|weapon)/\S", value):
            value = entity_iri(value)  # an entity key, as the extractor and gazetteer write them
        else:
            raise QueryParamError(f"not an IRI: {value!r} (give <https://...>, a prefixed name like "
                                  f"place:al-omar-field, or a key like place/al-omar-field)")
    try:
        return iri_term(value)
    except ValueError:
        raise QueryParamError(f"not a valid IRI: {value!r}") from None


def term_of_kind(kind: str, value: str) -> Term:
    """Turn a command-line string into an RDF term of the given kind.

    >>> term_of_kind("iri", "place:al-omar-field").value
    'https://w3id.org/kg-builder/id/place/al-omar-field'
    >>> term_of_kind("lang-string", "حقل العمر@ar").language
    'ar'
    >>> term_of_kind("integer", "7").value
    '7'
    """
    if kind == "iri":
        return _iri_value(value)
    if kind == "string":
        return string_literal(value)
    if kind == "lang-string":
        text, at, lang = value.rpartition("@")
        if not at or not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", lang):
            raise QueryParamError(f"a language-tagged string is text@lang (e.g. حقل العمر@ar), got {value!r}")
        return string_literal(text, lang)
    if kind == "date":
        term = date_literal(value.strip())
        if term.datatype.value.endswith("#string"):
            raise QueryParamError(f"not a date (YYYY-MM-DD, YYYY-MM or YYYY): {value!r}")
        return term
    if kind == "integer":
        if not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            raise QueryParamError(f"not an integer: {value!r}")
        return integer_literal(int(value))
    if kind == "decimal":
        try:
            return decimal_text_literal(value.strip())
        except ValueError as err:
            raise QueryParamError(str(err)) from None
    raise QueryParamError(f"unknown parameter kind {kind!r} (one of {', '.join(PARAM_KINDS)})")


_TYPED = re.compile(r'^"(?P<text>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^<(?P<datatype>[^>]+)>)?$', re.S)


def _guess_term(value: str) -> Term:
    """A value for a free SPARQL text (no declared kinds): written like a SPARQL term.

    ``<iri>`` or ``prefix:name`` -> IRI; ``"text"@ar`` / ``"2018"^^<...>`` -> that literal; a whole number
    -> integer; anything else -> a plain string.
    """
    stripped = value.strip()
    if stripped.startswith("<") and stripped.endswith(">"):
        return _iri_value(stripped)
    typed = _TYPED.match(stripped)
    if typed:
        text = re.sub(r"\\(.)", r"\1", typed["text"])
        if typed["lang"]:
            return string_literal(text, typed["lang"])
        if typed["datatype"]:
            try:
                return typed_literal(text, typed["datatype"])
            except ValueError:
                raise QueryParamError(f"not a valid datatype IRI in {value!r}") from None
        return string_literal(text)
    prefixed = _PREFIXED.match(stripped)
    if prefixed and prefixed["prefix"] in PREFIXES:
        return _iri_value(stripped)
    if re.fullmatch(r"[+-]?\d+", stripped):
        return integer_literal(int(stripped))
    return string_literal(value)


def bind_params(saved_or_text: SavedQuery | str, values: dict[str, str]) -> dict[str, Term]:
    """Typed RDF terms for a query's parameters, from command-line strings.

    For a saved question: every declared parameter gets the given value or its default, read by its
    kind; an undeclared name, or a required parameter left out, is a ``QueryParamError``. For a free
    SPARQL text: each value is read like a SPARQL term (``<iri>``, ``"text"@ar``, ``42``, else a plain
    string) and must name a variable of the text.

    >>> bind_params("SELECT ?x WHERE { ?x ?p ?o }", {"x": "<https://example.org/a>"})["x"].value
    'https://example.org/a'
    """
    values = {name.lstrip("?$"): value for name, value in values.items()}
    if isinstance(saved_or_text, str):
        text = saved_or_text
        bound: dict[str, Term] = {}
        for name, value in values.items():
            if not re.search(r"[?$]" + re.escape(name) + r"\b", text):
                raise QueryParamError(f"the query has no variable ?{name}")
            bound[name] = _guess_term(value)
        return bound
    saved = saved_or_text
    declared = {p.name: p for p in saved.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        known = ", ".join(f"?{n}" for n in declared) or "none"
        raise QueryParamError(f"{saved.name}: unknown parameter ?{unknown[0]} (its parameters: {known})")
    bound = {}
    for param in saved.params:
        value = values.get(param.name, param.default)
        if value is None:
            raise QueryParamError(f"{saved.name}: parameter ?{param.name} is required ({param.description})")
        try:
            bound[param.name] = term_of_kind(param.kind, value)
        except QueryParamError as err:
            raise QueryParamError(f"{saved.name}: ?{param.name}: {err}") from None
    return bound


# --- running and formatting ---------------------------------------------------------------------------

@dataclass
class Table:
    """A query result as rows of terms (None for an unbound cell).

    SELECT: its variables. ASK: one column ``boolean`` with one row (and ``boolean`` set).
    CONSTRUCT/DESCRIBE: columns ``subject``, ``predicate``, ``object``, one row per distinct triple.
    """

    columns: list[str]
    rows: list[list[Term | None]]
    boolean: bool | None = None
    kind: str = field(default="select")   # "select", "ask" or "graph"


def run_query(store: KGStore, sparql: str, bindings: dict[str, Term] | None = None) -> Table:
    """Run a query on the store and read the whole result into a ``Table``."""
    result = store.query(sparql, bindings)
    if isinstance(result, QueryBoolean):
        value = bool(result)
        return Table(["boolean"], [[boolean_literal(value)]], boolean=value, kind="ask")
    if isinstance(result, QuerySolutions):
        variables = result.variables
        columns = [v.value for v in variables]
        rows = [[solution[v] for v in variables] for solution in result]
        return Table(columns, rows)
    # CONSTRUCT / DESCRIBE: the union default graph repeats a triple once per graph; a graph is a set.
    triples = list(dict.fromkeys(result))
    return Table(["subject", "predicate", "object"], [[t.subject, t.predicate, t.object] for t in triples],
                 kind="graph")


def _compact(iri: str) -> str:
    """``https://w3id.org/kg-builder/id/place/x`` -> ``place:x`` for the aligned table (longest prefix wins)."""
    best = None
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and (best is None or len(namespace) > len(PREFIXES[best])):
            local = iri[len(namespace):]
            if re.fullmatch(r"[\w.%-]*", local):
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else f"<{iri}>"


def _cell_text(term: Term | None, max_width: int) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        text = _compact(term.value)
    elif isinstance(term, BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, Literal):
        text = term.value
    else:
        text = str(term)
    text = " ".join(text.split())  # newlines and tabs would break the alignment
    if display_width(text) > max_width:
        cut = ""
        for ch in text:
            if display_width(cut + ch) > max_width - 1:
                break
            cut += ch
        text = cut + "…"
    return text


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: Arabic diacritics, joiners and direction marks take none;
    wide (CJK) characters take two.

    >>> display_width("حقل العمر"), display_width("مُحَمَّد"), display_width("\u200fab")
    (9, 4, 2)
    """
    width = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


_NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}


def _is_numeric_column(rows: list[list[Term | None]], index: int) -> bool:
    values = [row[index] for row in rows if row[index] is not None]
    return bool(values) and all(isinstance(t, Literal) and t.datatype.value in _NUMERIC for t in values)


def _json_term(term: Term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def format_table(table: Table, fmt: str = "table", *, max_width: int = 60) -> str:
    """The table as text: ``table`` (aligned columns for reading), ``csv``/``tsv`` (the W3C SPARQL 1.1
    CSV and TSV result formats: CSV has plain values, TSV terms in SPARQL syntax) or ``json`` (SPARQL 1.1
    JSON results). Every format ends with a newline.

    >>> from kg_builder.rdf import string_literal
    >>> print(format_table(Table(["name", "n"], [[string_literal("حزب الله", "ar"), integer_literal(3)]])), end="")
    name      n
    --------  -
    حزب الله  3
    """
    if fmt == "json":
        if table.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(table.boolean)}) + "\n"
        bindings = [{col: _json_term(term) for col, term in zip(table.columns, row) if term is not None}
                    for row in table.rows]
        return json.dumps({"head": {"vars": table.columns}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as the W3C CSV results format says
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(["" if t is None else (t.value if isinstance(t, (NamedNode, Literal)) else
                             f"_:{t.value}" if isinstance(t, BlankNode) else str(t)) for t in row])
        return buffer.getvalue()
    if fmt == "tsv":
        lines = ["\t".join(f"?{c}" for c in table.columns)]
        for row in table.rows:
            # str(term) is the N-Triples form; tabs and newlines inside literals are escaped by it.
            lines.append("\t".join("" if t is None else str(t) for t in row))
        return "\n".join(lines) + "\n"
    if fmt == "table":
        cells = [[_cell_text(t, max_width) for t in row] for row in table.rows]
        widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(table.columns)]
        right = [_is_numeric_column(table.rows, i) for i in range(len(table.columns))]
        lines = ["  ".join(_pad(c, w, r) for c, w, r in zip(table.columns, widths, right)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, right)).rstrip() for row in cells]
        if not table.rows:
            lines.append("(no results)")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r} (table, csv, tsv or json)")
