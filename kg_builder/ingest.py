"""Read news articles from files into :class:`~kg_builder.model.Article` records (the first stage).

What can be read:

* ``.txt``   one article of plain text.
* ``.html`` / ``.htm``  a saved web page; trafilatura (offline) finds the main text, the title,
  the date and the URL.
* ``.jsonl`` one article a line: ``{"id", "url", "title", "published", "lang", "source", "text"}``;
  other keys are kept, as strings, in ``Article.metadata``. A line ends at ``\\n``, ``\\r\\n`` or a
  bare ``\\r`` (valid JSON escapes a CR inside a string, so a raw one always ends a record). The file
  is read a chunk at a time, never whole.
* a folder: every ``.txt``/``.html``/``.htm``/``.jsonl`` file under it, recursively, in sorted
  order (hidden files and folders are skipped; other suffixes are ignored). A link to a file is read;
  a link to a folder is named (a warning) and not followed, so a link back up cannot loop and no
  article is read twice under two names. A folder that cannot be listed is named (an error).
* ``"-"``: JSON Lines on standard input.

Article ids, stable across runs (an article read again under its id replaces the stored one):

* a file named on the command line: its stem (``reports/omar.txt`` -> ``omar``);
* a file found in a folder: its path under that folder, without the suffix, with ``/``
  (``news/`` given: ``news/2019/report.txt`` -> ``2019/report``, ``news/omar.txt`` -> ``omar``);
* a JSONL line: its ``id``; else its ``url``; else ``sha256:`` and the first 16 hex digits of the
  SHA-256 of its cleaned text (the same text gives the same id, whatever file or line it is on).

An id read twice in one run is an error for the second article.

Only regular files are opened: a FIFO (it would block), a socket or a device (``/dev/zero`` never
ends), even behind a link, is refused after a ``stat``. With ``max_chars`` (``kgb ingest
--max-chars``) sizes are checked before anything is read: a .txt/.html file over ``4 * max_chars``
bytes (a character takes at most 4 bytes, so its text cannot fit; for HTML the markup counts too) and
a JSONL line over ``12 * max_chars`` bytes and 1 MiB for the other fields (``\\ud83d\\ude00``, 12
bytes, is the longest a character can be written in JSON) are refused unread; the cleaned text is
then checked in characters.

Every value must be storable: a lone surrogate (a JSON escape such as ``"\\ud800"``, or a file name
that is not UTF-8) in any field, key or value, or a NUL in a field kept as it is (id, url, source,
metadata), skips the article with the field named; it could not be encoded for the store. Text and
title are cleaned instead (controls removed), ``lang`` and ``published`` parsed (dropped if bad).

Every text goes through :func:`clean_text` (scraping junk such as a trailing "Join Whatsapp"
line is dropped), so evidence offsets computed later point into the cleaned ``Article.text``.
A title is kept in ``Article.title`` and never prepended to the text.

Bad input never stops a run: each problem becomes an :class:`IngestError` handed to ``on_error``
and reading goes on with the next line or file. Example::

    >>> problems = []
    >>> for article in read_articles(["examples/"], on_error=problems.append):  # doctest: +SKIP
    ...     print(article.id, article.lang, len(article.text))
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from kg_builder.model import Article

__all__ = [
    "IngestError",
    "read_articles",
    "clean_text",
    "detect_lang",
    "article_id_safe",
    "SUPPORTED_SUFFIXES",
]

log = logging.getLogger(__name__)

#: The file suffixes read (compared lower-case); anything else in a folder is ignored.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".html", ".htm", ".jsonl")

#: The path that means "JSON Lines on standard input", and how its origin is written.
STDIN_PATH = "-"
STDIN_ORIGIN = "<stdin>"

#: The JSONL keys that map to Article fields; any other key goes to Article.metadata.
JSONL_FIELDS: tuple[str, ...] = ("id", "url", "title", "published", "lang", "source", "text")

#: Only lines at most this long can be junk: a rule can never eat a real paragraph.
MAX_JUNK_LINE_LENGTH = 200

#: The legacy Arabic code pages tried when a file is not UTF-8, most common first.
LEGACY_ARABIC_ENCODINGS: tuple[str, ...] = ("windows-1256", "iso-8859-6")

#: A legacy decoding is accepted only if at least this share of the letters are Arabic.
MIN_ARABIC_SHARE = 0.6

#: The most bytes one character takes in a file (UTF-8; UTF-16 and the legacy code pages take no more):
#: a .txt/.html file over this many bytes per allowed character cannot hold an article that fits.
MAX_FILE_BYTES_PER_CHAR = 4

#: The most bytes one character of ``text`` takes on a JSONL line: ``\ud83d\ude00``, an escaped pair.
MAX_JSON_BYTES_PER_CHAR = 12

#: What a JSONL line may hold besides its text (id, title, url, metadata...), in bytes.
MAX_JSONL_OTHER_FIELDS_BYTES = 1 << 20

#: How much of a JSONL file or stream is taken at a time: a line is never read whole past its bound.
READ_CHUNK_SIZE = 1 << 16


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class IngestError(Exception):
    """A problem with one input (a file, or one line of a JSONL file).

    ``level`` is ``"error"`` when the article was skipped, ``"warning"`` when it was kept but
    something was dropped or guessed (a bad date, a legacy encoding). ``str(err)`` is one line::

        >>> str(IngestError("news.jsonl", 7, "malformed JSON: Expecting value"))
        'news.jsonl:7: malformed JSON: Expecting value'
        >>> str(IngestError("a.txt", None, "empty file"))
        'a.txt: empty file'
    """

    def __init__(self, origin: str, line: int | None, message: str, level: str = "error") -> None:
        if level not in ("error", "warning"):
            raise ValueError(f"level must be 'error' or 'warning', not {level!r}")
        self.origin = str(origin)
        self.line = line
        self.message = message
        self.level = level
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.origin if self.line is None else f"{self.origin}:{self.line}"
        # One line, whatever a file name or a parser message contains.
        line = " ".join(f"{where}: {self.message}".split())
        # A file name that is not UTF-8 comes with lone surrogates (surrogateescape): written as
        # \udcff escapes, so the line can be printed or logged on any stream.
        return line.encode("utf-8", "backslashreplace").decode("utf-8")

    def __repr__(self) -> str:
        return f"IngestError({self.origin!r}, {self.line!r}, {self.message!r}, level={self.level!r})"


class _Skip(Exception):
    """Raised inside a reader to skip the current article; carries the message for IngestError."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# Cleaning and language
# ---------------------------------------------------------------------------------------------

# C0 controls except TAB and LF, DEL, and C1 controls. Format characters such as RLM (U+200F),
# LRM (U+200E), ZWNJ (U+200C) are NOT controls and are kept: the normaliser deals with them.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Every way a line can end, including the Unicode line/paragraph separators.
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_BLANK_RUN = re.compile(r"\n{3,}")


@lru_cache(maxsize=1)
def _junk_patterns() -> tuple[re.Pattern[str], ...]:
    """The junk-line rules of ``kg_builder/data/junk_lines.txt``, compiled once."""
    rules_text = (files("kg_builder") / "data" / "junk_lines.txt").read_text(encoding="utf-8")
    groups: dict[str, str] = {}
    patterns: list[re.Pattern[str]] = []
    for raw in rules_text.splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        # {name} -> a defined group (str.format would choke on regex braces such as {0,80}).
        expanded = re.sub(r"\{([a-z_]+)\}", lambda m: groups[m.group(1)], rule)
        if expanded.startswith("@define "):
            _, name, body = expanded.split(None, 2)
            groups[name] = body
        else:
            patterns.append(re.compile(expanded, re.IGNORECASE))
    return tuple(patterns)


def _decoration_stripped(line: str) -> str:
    """The line without the bullets, arrows, punctuation and emoji that often frame junk.

    >>> _decoration_stripped("📲 » Join Whatsapp! «")
    'Join Whatsapp'
    """
    start, end = 0, len(line)
    while start < end and not _is_word_char(line[start]):
        start += 1
    while end > start and not _is_word_char(line[end - 1]):
        end -= 1
    return line[start:end]


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def _is_junk_line(line: str) -> bool:
    line = line.strip()
    if not line or len(line) > MAX_JUNK_LINE_LENGTH:
        return False
    # Try the bare words ("Join Whatsapp") and the line as is ("© 2024 Reuters").
    candidates = {line, _decoration_stripped(line)} - {""}
    return any(p.fullmatch(c) for p in _junk_patterns() for c in candidates)


def clean_text(text: str) -> str:
    """The article text without scraping junk, with tidy line ends and blank lines.

    * line endings become ``\\n``; control characters (other than ``\\n`` and ``\\t``) are removed
      (RLM/LRM/ZWNJ are kept);
    * short lines matching a rule of ``kg_builder/data/junk_lines.txt`` are dropped
      ("Join Whatsapp", "Share", "تابعونا على تلغرام", "اقرأ أيضا: ...", cookie notices...);
    * trailing spaces go, runs of 3+ line breaks become one blank line, the ends are trimmed.

    >>> clean_text("قصف مدفعي على الحقل.\\r\\n\\r\\n\\r\\n\\r\\nJoin Whatsapp\\r\\n")
    'قصف مدفعي على الحقل.'
    >>> clean_text("Share prices fell.\\nShare")
    'Share prices fell.'
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROL_CHARS.sub("", text)
    kept = [line.rstrip() for line in text.split("\n") if not _is_junk_line(line)]
    text = "\n".join(kept)
    return _BLANK_RUN.sub("\n\n", text).strip()


def _clean_title(title: str | None) -> str | None:
    """A title on one line, without controls; None if nothing is left."""
    if title is None:
        return None
    title = " ".join(_CONTROL_CHARS.sub(" ", _LINE_BREAKS.sub(" ", title)).split())
    return title or None


def _is_arabic_letter(ch: str) -> bool:
    # Arabic, Arabic Supplement, Arabic Extended-A, and the two presentation-form blocks.
    cp = ord(ch)
    return ch.isalpha() and (
        0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF
        or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF
    )


def _is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and ord(ch) < 0x0250  # Basic Latin ... Latin Extended-B


def _letter_counts(text: str) -> tuple[int, int, int]:
    """(Arabic letters, Latin letters, all letters) in the text."""
    arabic = latin = total = 0
    for ch in text:
        if ch.isalpha():
            total += 1
            if _is_arabic_letter(ch):
                arabic += 1
            elif _is_latin_letter(ch):
                latin += 1
    return arabic, latin, total


# Frequent short words, enough to tell these languages apart on a paragraph of news.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is was that for on with said by were at from as it has have "
                    "are be this which after".split()),
    "fr": frozenset("le la les des et est dans une du pour que qui sur par au aux pas avec ont été "
                    "il elle ce ces selon".split()),
    "de": frozenset("der die das und ist nicht mit von den dem ein eine zu auf für wurde sich des "
                    "im bei nach auch".split()),
    "es": frozenset("el los las y es en del que por con una para se fue al sus su lo como según "
                    "fueron".split()),
}
_WORD = re.compile(r"[^\W\d_]+")


def detect_lang(text: str) -> str | None:
    """The language of a text, told cheaply from its script and, for Latin script, stopwords.

    Returns ``"ar"`` when most letters are Arabic; ``"en"``, ``"fr"``, ``"de"`` or ``"es"`` when
    most letters are Latin and that language's common words stand out; otherwise ``None``
    (too short, mixed, or another language). Persian and Urdu come out as ``"ar"``: telling them
    apart is left to a real language identifier.

    >>> detect_lang("قتل 32 مدنيا في غارات للتحالف الدولي")
    'ar'
    >>> detect_lang("At least 10 civilians were killed in the strikes on the town")
    'en'
    >>> detect_lang("Join Whatsapp") is None
    True
    """
    arabic, latin, total = _letter_counts(text)
    if total == 0:
        return None
    if arabic >= 2 and arabic / total >= MIN_ARABIC_SHARE:
        return "ar"
    if latin / total < MIN_ARABIC_SHARE:
        return None
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 4:
        return None
    hits = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    ranked = sorted(hits.items(), key=lambda kv: kv[1], reverse=True)
    (best, best_hits), (_, runner_up_hits) = ranked[0], ranked[1]
    # At least two stopwords, and clearly ahead: "la" or "en" alone must not decide.
    if best_hits >= 2 and best_hits >= 1.5 * runner_up_hits and best_hits / len(words) >= 0.08:
        return best
    return None


# ---------------------------------------------------------------------------------------------
# Ids, dates, languages
# ---------------------------------------------------------------------------------------------


def article_id_safe(raw: str) -> str:
    """An article id as given, without surrounding whitespace; ValueError if empty or odd.

    Ids are NOT otherwise changed: the RDF stage percent-encodes them into IRIs.

    >>> article_id_safe("  ar_001_ant_france24 ")
    'ar_001_ant_france24'
    >>> article_id_safe("مقال 7")
    'مقال 7'
    """
    article_id = raw.strip()
    if not article_id:
        raise ValueError("empty id")
    if _CONTROL_CHARS.search(article_id) or "\n" in article_id or "\t" in article_id:
        raise ValueError(f"id {article_id!r} contains control characters")
    return article_id


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?")


def _iso_day(value: str) -> str | None:
    """``"YYYY-MM-DD"`` from an ISO date or date-time string, or None if it is not one.

    >>> _iso_day("2018-06-19T08:15:00+03:00"), _iso_day("19/06/2018"), _iso_day("2018-02-30")
    ('2018-06-19', None, None)
    """
    m = _ISO_DATE.fullmatch(value.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:  # 2018-02-30 and friends
        return None


_LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")


def _lang_code(value: str) -> str | None:
    """A lower-case language code (``"ar"``, ``"en"``, ``"ar-sy"``) or None if it is not one."""
    code = value.strip().lower().replace("_", "-")
    return code if _LANG_CODE.fullmatch(code) else None


# ---------------------------------------------------------------------------------------------
# Decoding bytes
# ---------------------------------------------------------------------------------------------


def _looks_arabic(text: str) -> bool:
    arabic, _, total = _letter_counts(text)
    return arabic >= 2 and arabic / total >= MIN_ARABIC_SHARE


def _legacy_arabic(data: bytes) -> tuple[str, str] | None:
    """Decode bytes with an Arabic code page if the result is mostly Arabic letters.

    windows-1256 defines almost every byte, so it is accepted only when the letters come out
    Arabic; ISO-8859-6 leaves many bytes undefined and fails loudly on windows-1256 text.
    When both pass, the one whose text has more of the commonest Arabic letters wins.
    """
    best: tuple[int, str, str] | None = None
    for encoding in LEGACY_ARABIC_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _looks_arabic(text):
            continue
        score = sum(text.count(ch) for ch in "الميونهرتب")
        if best is None or score > best[0]:
            best = (score, text, encoding)
    return None if best is None else (best[1], best[2])


_CHARSET_DECLARATION = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _decode_document(data: bytes, *, declared_charset_ok: bool = False) -> tuple[str, str]:
    """(text, encoding) of a whole file; raises _Skip with a clear message if it cannot.

    Tries, in order: a BOM (UTF-8, UTF-16), the ``charset=`` an HTML page declares (when
    ``declared_charset_ok``), UTF-8, then the legacy Arabic code pages.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise _Skip(f"starts with a UTF-8 BOM but is not UTF-8 (byte {e.start})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _Skip("starts with a UTF-16 BOM but is not UTF-16") from None
    if b"\x00" in data:
        raise _Skip("binary file (contains NUL bytes), not text")
    if declared_charset_ok:
        m = _CHARSET_DECLARATION.search(data[:4096])
        if m:
            try:
                encoding = codecs.lookup(m[1].decode("ascii")).name
                return data.decode(encoding), encoding
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration is common; fall back to guessing
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    legacy = _legacy_arabic(data)
    if legacy:
        return legacy
    raise _Skip(
        f"not UTF-8 (bad byte at offset {first_bad}) and not Arabic windows-1256/ISO-8859-6 "
        "text either; re-save the file as UTF-8"
    )


# ---------------------------------------------------------------------------------------------
# Files: only regular ones are opened, and never read past the size limit
# ---------------------------------------------------------------------------------------------

_FILE_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"),
)


def _file_kind(mode: int) -> str:
    """What a path that is not a regular file is, for a message: ``"a FIFO"``, ``"a socket"``..."""
    return next((name for is_kind, name in _FILE_KINDS if is_kind(mode)), "not a file")


def _regular_file_size(path: Path) -> int:
    """The size of a regular file (a link is followed); _Skip for anything else.

    Only ``stat`` is called: opening a FIFO blocks until a writer comes, and a device such as
    ``/dev/zero`` never ends, so neither may be opened.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _Skip("no such file or folder") from None
    except OSError as e:
        raise _Skip(f"cannot read: {e.strerror or e}; skipped") from None
    if not stat.S_ISREG(info.st_mode):
        raise _Skip(f"not a regular file ({_file_kind(info.st_mode)}); skipped")
    return info.st_size


def _file_too_long(size: str, max_chars: int) -> _Skip:
    return _Skip(f"too long: {size} bytes, more than an article of {max_chars:,} characters can take "
                 f"({MAX_FILE_BYTES_PER_CHAR} bytes a character at most); not read "
                 "(raise the limit with --max-chars)")


def _read_bytes(path: Path, size: int, max_chars: int | None) -> bytes:
    """The bytes of a file that :func:`_regular_file_size` found regular and ``size`` bytes long.

    A file too big to hold an article of ``max_chars`` characters is refused before it is opened;
    the read itself is bounded too, in case the file grew since.
    """
    max_bytes = None if max_chars is None else MAX_FILE_BYTES_PER_CHAR * max_chars
    if max_bytes is not None and size > max_bytes:
        raise _file_too_long(f"{size:,}", max_chars)
    try:
        with path.open("rb") as handle:
            if max_bytes is None:
                data = handle.read()
            else:
                # as big as stat said, and a byte more to see whether it grew since: still bounded
                data = handle.read(size + 1)
                if len(data) > size:
                    data += handle.read(max_bytes + 1 - len(data))
    except OSError as e:
        raise _Skip(f"cannot read: {e.strerror or e}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise _file_too_long(f"over {max_bytes:,}", max_chars)
    if not data.strip():
        raise _Skip("empty file")
    return data


def _looks_utf16(head: bytes) -> bool:
    """A UTF-16 BOM, or two ASCII characters each with a NUL byte beside it (``{"`` in UTF-16)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if len(head) < 4 or any(b >= 0x80 for b in head[:4]):
        return False
    zeros = [b == 0 for b in head[:4]]
    return zeros in ([False, True, False, True], [True, False, True, False])


_LINE_ENDS = {bytes: re.compile(rb"\r\n?|\n"), str: re.compile(r"\r\n?|\n")}


def _split_lines(read: Callable[[int], bytes | str], max_length: int | None) -> Iterator[bytes | str | None]:
    """The lines of a stream, without their ends (``\\n``, ``\\r\\n`` or a bare ``\\r``).

    The stream is taken ``READ_CHUNK_SIZE`` at a time through ``read``; a line longer than
    ``max_length`` comes out as ``None``: it is passed over to its end, never held whole.
    """
    chunk = read(READ_CHUNK_SIZE)
    if not chunk:
        return
    line_end = _LINE_ENDS[type(chunk)]
    cr, lf = ("\r", "\n") if isinstance(chunk, str) else (b"\r", b"\n")
    nothing = chunk[:0]
    parts: list = []          # the current line so far
    length = 0
    too_long = False
    after_cr = False          # the last chunk ended with \r: a \n first in this one belongs to it
    while chunk:
        if after_cr and chunk.startswith(lf):
            chunk = chunk[1:]
        start = 0
        for end in line_end.finditer(chunk):
            piece = chunk[start:end.start()]
            if too_long or (max_length is not None and length + len(piece) > max_length):
                yield None
            else:
                yield nothing.join(parts) + piece
            parts, length, too_long = [], 0, False
            start = end.end()
        after_cr = chunk.endswith(cr)
        rest = chunk[start:]
        if rest and not too_long:
            if max_length is not None and length + len(rest) > max_length:
                parts, length, too_long = [], 0, True
            else:
                parts.append(rest)
                length += len(rest)
        chunk = read(READ_CHUNK_SIZE)
    if too_long:
        yield None
    elif parts:
        yield nothing.join(parts)


# ---------------------------------------------------------------------------------------------
# Readers: each yields drafts (the fields an Article will get) or raises _Skip
# ---------------------------------------------------------------------------------------------

#: How a draft's id is named in a message when it comes from the file's path.
_FILE_ID_LABEL = "the file name (the article id)"


@dataclass
class _Draft:
    """What a reader found for one article, as given (before cleaning and checks)."""

    origin: str            # "path" or "path:line"
    line: int | None
    file: str              # the path alone, for errors
    id: str | None         # None: a JSONL line without one (an id is derived from its url or text)
    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None   # as given; parsed (or dropped with a warning) when finished
    lang: str | None = None        # as given; likewise
    source: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    id_label: str = "'id'"         # how messages name the id


def _read_txt(path: Path, article_id: str, size: int, max_chars: int | None) -> _Draft:
    text, encoding = _decode_document(_read_bytes(path, size, max_chars))
    draft = _Draft(origin=str(path), line=None, file=str(path), id=article_id, text=text,
                   id_label=_FILE_ID_LABEL)
    if encoding in LEGACY_ARABIC_ENCODINGS:
        draft.warnings.append(f"not UTF-8; decoded as {encoding}")
    return draft


def _read_html(path: Path, article_id: str, size: int, max_chars: int | None) -> _Draft:
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    page, encoding = _decode_document(_read_bytes(path, size, max_chars), declared_charset_ok=True)
    try:
        # No url argument: nothing is fetched, the page is read as it is on disk.
        doc = trafilatura.bare_extraction(page, with_metadata=True, include_comments=False,
                                          include_tables=True)
    except Exception as e:  # a third-party parser on arbitrary input: report, never crash the run
        raise _Skip(f"HTML could not be parsed: {type(e).__name__}: {e}") from None
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        raise _Skip("no main text found in the HTML page")
    title = _clean_title(getattr(doc, "title", None))
    # trafilatura repeats the <h1> headline as the first line of the text; the title lives in
    # Article.title, so drop that first line rather than extract events from it twice.
    first, _, rest = body.lstrip().partition("\n")
    if title and _clean_title(first) == title and rest.strip():
        body = rest
    draft = _Draft(
        origin=str(path), line=None, file=str(path), id=article_id, text=body, title=title,
        url=getattr(doc, "url", None) or None,
        source=getattr(doc, "sitename", None) or getattr(doc, "hostname", None) or None,
        id_label=_FILE_ID_LABEL,
    )
    page_date = getattr(doc, "date", None)
    if page_date:
        draft.published = _iso_day(str(page_date))  # a page date trafilatura cannot tell is no date
    if encoding in LEGACY_ARABIC_ENCODINGS:
        draft.warnings.append(f"not UTF-8; decoded as {encoding}")
    return draft


def _decode_json_line(raw: bytes, first_line: bool) -> tuple[str, str | None]:
    """(line text, warning or None). JSON Lines are UTF-8; a legacy Arabic line is decoded with a warning."""
    if first_line and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    if b"\x00" in raw:
        raise _Skip("binary data (NUL bytes) in the line")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        first_bad = e.start
    legacy = _legacy_arabic(raw)
    if legacy:
        return legacy[0], f"line is not UTF-8; decoded as {legacy[1]}"
    raise _Skip(f"not UTF-8 (bad byte at column {first_bad + 1}); JSON Lines must be UTF-8")


def _line_text(raw: bytes | str, first_line: bool) -> tuple[str, str | None]:
    """(text, warning or None) of a JSONL line read as bytes (a file, stdin) or as text (a text stream)."""
    if isinstance(raw, bytes):
        return _decode_json_line(raw, first_line)
    return (raw.lstrip("\ufeff") if first_line else raw), None


def _optional_string(record: dict[str, Any], key: str, draft_warnings: list[str]) -> str | None:
    """record[key] if it is a non-empty string; None (and a warning if it was something else)."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        draft_warnings.append(f"'{key}' is a {type(value).__name__}, not a string; dropped")
        return None
    return value.strip() or None


def _draft_from_json(line_text: str, *, file: str, line: int) -> _Draft:
    """One JSONL line -> a draft; raises _Skip for a line that cannot give an article."""
    try:
        record = json.loads(line_text)
    except (ValueError, RecursionError) as e:
        raise _Skip(f"malformed JSON: {e}") from None
    if not isinstance(record, dict):
        raise _Skip(f"a JSON {type(record).__name__}, not an object")

    text = record.get("text")
    if text is None:
        raise _Skip("no 'text' field")
    if not isinstance(text, str):
        raise _Skip(f"'text' is a {type(text).__name__}, not a string")

    raw_id = record.get("id")
    if raw_id is None:
        article_id = None  # derived from the url or the text once they are checked
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        article_id = str(raw_id)  # an integer id is common and unambiguous
    else:
        raise _Skip(f"'id' is a {type(raw_id).__name__}, not a string")

    draft = _Draft(origin=f"{file}:{line}", line=line, file=file, id=article_id, text=text)
    for key in ("title", "url", "source", "lang", "published"):
        setattr(draft, key, _optional_string(record, key, draft.warnings))
    for key, value in record.items():
        if key in JSONL_FIELDS or value is None:
            continue
        draft.metadata[str(key)] = value if isinstance(value, str) else json.dumps(
            value, ensure_ascii=False, sort_keys=True)
    return draft


# ---------------------------------------------------------------------------------------------
# Checks every draft goes through
# ---------------------------------------------------------------------------------------------

# No str holding one of these can be encoded (UTF-8, the store, the content hash): "\ud800" comes
# from a JSON escape, "\udcff" from a file name that is not UTF-8 (Python's surrogateescape).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable_char(value: str, *, nul_ok: bool) -> str | None:
    """Why ``value`` cannot be stored as it is (``"lone surrogate U+D800"``, ``"NUL U+0000"``), or None."""
    surrogate = _SURROGATE.search(value)
    if surrogate:
        return f"lone surrogate U+{ord(surrogate.group()):04X}"
    if not nul_ok and "\x00" in value:
        return "NUL U+0000"
    return None


def _draft_strings(draft: _Draft) -> Iterator[tuple[str, str | None, bool]]:
    """(how a message names it, value, whether a NUL may be in it) for every string of a draft."""
    # kept as they are: a NUL would reach the store and every export
    yield draft.id_label, draft.id, False
    yield "'url'", draft.url, False
    yield "'source'", draft.source, False
    for key, value in draft.metadata.items():
        yield f"the field name {key!r}", key, False
        yield repr(key), value, False
    # cleaned (controls removed) or parsed (dropped if not a code or a date): a NUL does no harm
    yield "'text'", draft.text, True
    yield "'title'", draft.title, True
    yield "'lang'", draft.lang, True
    yield "'published'", draft.published, True


def _unstorable_field(draft: _Draft) -> str | None:
    """The message that skips a draft with a value no store can hold, or None if all can be stored."""
    for label, value, nul_ok in _draft_strings(draft):
        why = None if value is None else _unstorable_char(value, nul_ok=nul_ok)
        if why:
            return f"{label} holds a character that cannot be stored ({why}); skipped"
    return None


def _derived_id(url: str | None, text: str) -> str:
    """The id of a JSONL line that has none: its url, else a digest of its text (the same wherever
    and whenever it is read, unlike a line number)."""
    if url:
        return url
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _id_under(file: Path, root: Path) -> str:
    """The id of a file found in the folder ``root``: its path below it, without the suffix, with ``/``.

    >>> _id_under(Path("news/2019/report.txt"), Path("news"))
    '2019/report'
    """
    return file.relative_to(root).with_suffix("").as_posix()


# ---------------------------------------------------------------------------------------------
# The public reader
# ---------------------------------------------------------------------------------------------


def read_articles(
    paths: Iterable[str | Path],
    *,
    lang: str | None = None,
    published: str | None = None,
    on_error: Callable[[IngestError], None] | None = None,
    stdin: TextIO | BinaryIO | None = None,
    max_chars: int | None = None,
) -> Iterator[Article]:
    """Read articles from files, folders and ``"-"`` (JSON Lines on stdin), one at a time.

    * ``lang`` (e.g. ``"ar"``) overrides the language of every article. Without it the language
      is the JSONL ``lang`` field, else :func:`detect_lang` of the text.
    * ``published`` (``"YYYY-MM-DD"``) fills the date of articles that carry none: .txt files,
      HTML pages without a date, JSONL lines without (or with an unusable) ``published``.
      A date the input gives always wins.
    * ``on_error`` receives every problem as an :class:`IngestError`; reading then goes on.
      Without it, an error-level problem is raised and a warning is logged.
    * ``stdin`` is read for ``"-"`` (default: ``sys.stdin``, read as UTF-8 bytes).
    * ``max_chars``: the longest article text (characters, once cleaned); files and JSONL lines that
      cannot hold an article that fits are refused before they are read (see the module docstring).
      None: no limit.

    Problems that skip an article (``level="error"``): missing file, unsupported suffix, a FIFO,
    socket or device, a folder or link that cannot be read, empty file or empty text, binary data,
    undecodable bytes, malformed JSON, a line that is not an object, a missing or non-string
    ``text``, a bad id, a value that cannot be stored, an article or a line too long, an id already
    read in this run. Problems that keep it (``level="warning"``): a non-ISO ``published``
    (dropped), a bad ``lang`` (dropped), a non-string title/url/source (dropped), a legacy Arabic
    encoding, a link to a folder (not followed).

    Bad arguments (``lang``/``published``/``max_chars`` themselves) raise ValueError at once.

    >>> for a in read_articles(["examples/seed-omar-field.txt"], published="2023-08-01"):  # doctest: +SKIP
    ...     print(a.id, a.lang, a.published)
    seed-omar-field ar 2023-08-01
    """
    if isinstance(paths, (str, Path)):  # read_articles("a.txt") would otherwise iterate letters
        paths = [paths]
    forced_lang = None
    if lang is not None:
        forced_lang = _lang_code(lang)
        if forced_lang is None:
            raise ValueError(f"lang {lang!r} is not a language code such as 'ar' or 'en'")
    default_published = None
    if published is not None:
        default_published = _iso_day(published)
        if default_published is None:
            raise ValueError(f"published {published!r} is not an ISO date YYYY-MM-DD")
    if max_chars is not None and max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    return _ArticleReader(forced_lang, default_published, on_error, stdin, max_chars).read(paths)


class _ArticleReader:
    """The state of one run: the options, and the ids already given out (to refuse duplicates)."""

    def __init__(self, lang: str | None, published: str | None,
                 on_error: Callable[[IngestError], None] | None, stdin: TextIO | BinaryIO | None,
                 max_chars: int | None) -> None:
        self.lang = lang
        self.published = published
        self.on_error = on_error
        self.stdin = stdin
        self.max_chars = max_chars
        self.max_line_length = (None if max_chars is None
                                else MAX_JSON_BYTES_PER_CHAR * max_chars + MAX_JSONL_OTHER_FIELDS_BYTES)
        self.seen_ids: dict[str, str] = {}  # id -> origin of the article that has it

    def report(self, error: IngestError) -> None:
        if self.on_error is not None:
            self.on_error(error)
        elif error.level == "error":
            raise error
        else:
            log.warning("%s", error)

    def read(self, paths: Iterable[str | Path]) -> Iterator[Article]:
        for given in paths:
            if str(given) == STDIN_PATH:
                yield from self._read_stdin()
                continue
            path = Path(given)
            if path.is_dir():
                for file in self._files_under(path):
                    yield from self._read_file(file, _id_under(file, path))
            else:
                yield from self._read_file(path, path.stem)

    # --- folders ---------------------------------------------------------------------------------

    def _files_under(self, folder: Path) -> Iterator[Path]:
        """The files with a supported suffix under a folder, recursively, in sorted order.

        Hidden entries are skipped; a folder that cannot be listed, a link that leads nowhere and a
        link to a folder (not followed) are reported.
        """
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as e:
            self.report(IngestError(str(folder), None, f"cannot read folder: {e.strerror or e}; skipped"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                if self._link_passed_over(path):
                    continue
            elif entry.is_dir(follow_symlinks=False):
                yield from self._files_under(path)
                continue
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path  # a FIFO or a device too: _read_file names it without opening it

    def _link_passed_over(self, link: Path) -> bool:
        """Whether a link met in a folder is passed over (and reported): it leads nowhere, or to a folder."""
        try:
            mode = os.stat(link).st_mode
        except FileNotFoundError:
            self.report(IngestError(str(link), None, "a link to nothing; skipped"))
            return True
        except OSError as e:  # a loop (a -> a) gives ELOOP
            self.report(IngestError(str(link), None, f"cannot follow the link: {e.strerror or e}; skipped"))
            return True
        if stat.S_ISDIR(mode):
            # Not followed: a link back up would never end, and a second path would read the same
            # articles again under other ids.
            self.report(IngestError(str(link), None, "a link to a folder; not followed "
                                    "(name the folder itself to read it)", level="warning"))
            return True
        return False

    # --- files -----------------------------------------------------------------------------------

    def _read_file(self, path: Path, article_id: str) -> Iterator[Article]:
        try:
            size = _regular_file_size(path)
        except _Skip as skip:
            self.report(IngestError(str(path), None, skip.message))
            return
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            self.report(IngestError(str(path), None, f"unsupported file type {path.suffix or '(none)'!r}; "
                                    f"expected one of {', '.join(SUPPORTED_SUFFIXES)}"))
            return
        if suffix == ".jsonl":
            yield from self._read_jsonl(path)
            return
        reader = _read_txt if suffix == ".txt" else _read_html
        try:
            draft = reader(path, article_id, size, self.max_chars)
        except _Skip as skip:
            self.report(IngestError(str(path), None, skip.message))
            return
        article = self._finish(draft)
        if article is not None:
            yield article

    def _read_jsonl(self, path: Path) -> Iterator[Article]:
        try:
            handle = path.open("rb")
        except OSError as e:
            self.report(IngestError(str(path), None, f"cannot read: {e.strerror or e}"))
            return
        with handle:
            if _looks_utf16(handle.read(4)):
                self.report(IngestError(str(path), None, "UTF-16 file; JSON Lines must be UTF-8"))
                return
            handle.seek(0)
            yield from self._read_json_lines(handle, file=str(path), whole_file=True)

    def _read_stdin(self) -> Iterator[Article]:
        # Bytes by default, so a stray non-UTF-8 line is one reported error, not a crash.
        stream = self.stdin if self.stdin is not None else sys.stdin.buffer
        yield from self._read_json_lines(stream, file=STDIN_ORIGIN, whole_file=False)

    def _read_json_lines(self, stream: BinaryIO | TextIO, *, file: str, whole_file: bool) -> Iterator[Article]:
        """The articles of a JSONL stream, line by line; ``whole_file``: an empty one is an error."""
        # read1 returns what is there (a pipe need not fill a whole chunk before a line is read)
        read = getattr(stream, "read1", None) or stream.read
        lines = _split_lines(read, self.max_line_length)
        line_no = 0
        any_content = False
        while True:
            try:
                raw = next(lines)
            except StopIteration:
                break
            except (UnicodeDecodeError, OSError) as e:  # a stream that cannot be read on
                self.report(IngestError(file, line_no + 1, f"cannot read further: {e}"))
                return
            line_no += 1
            if raw is None:
                any_content = True
                self.report(IngestError(file, line_no, self._line_too_long()))
                continue
            try:
                text, warning = _line_text(raw, first_line=line_no == 1)
                if not text.strip():
                    continue  # blank lines (often the last one) are not articles
                any_content = True
                draft = _draft_from_json(text, file=file, line=line_no)
            except _Skip as skip:
                any_content = True
                self.report(IngestError(file, line_no, skip.message))
                continue
            if warning:
                draft.warnings.append(warning)
            article = self._finish(draft)
            if article is not None:
                yield article
        if whole_file and not any_content:
            self.report(IngestError(file, None, "empty file"))

    def _line_too_long(self) -> str:
        return (f"line too long: over {self.max_line_length:,} bytes, more than an article of "
                f"{self.max_chars:,} characters can take; skipped unread (raise the limit with --max-chars)")

    # --- every draft -----------------------------------------------------------------------------

    def _finish(self, draft: _Draft) -> Article | None:
        """Check and clean a draft; the Article, or None after reporting why it is skipped."""
        def problem(message: str, level: str = "error") -> None:
            self.report(IngestError(draft.file, draft.line, message, level=level))

        for warning in draft.warnings:
            problem(warning, "warning")
        unstorable = _unstorable_field(draft)
        if unstorable:
            problem(unstorable)
            return None
        lang = self._parsed_lang(draft.lang, problem)
        published = self._parsed_date(draft.published, problem)
        text = clean_text(draft.text)
        if not text:
            named = f" {draft.id.strip()!r}" if draft.id and draft.id.strip() else ""
            problem(f"article{named} has no text"
                    + (" left after removing junk lines" if draft.text.strip() else ""))
            return None
        try:
            article_id = article_id_safe(draft.id if draft.id is not None else _derived_id(draft.url, text))
        except ValueError as e:
            problem(f"bad id: {e}")
            return None
        if self.max_chars is not None and len(text) > self.max_chars:
            problem(f"article {article_id!r} is too long: {len(text):,} characters (the limit is "
                    f"{self.max_chars:,}; split it, or raise the limit with --max-chars)")
            return None
        first_origin = self.seen_ids.get(article_id)
        if first_origin is not None:
            problem(f"duplicate id {article_id!r} (first read from {first_origin}); skipped")
            return None
        self.seen_ids[article_id] = draft.origin
        return Article(
            id=article_id,
            text=text,
            lang=self.lang or lang or detect_lang(text),
            title=_clean_title(draft.title),
            url=draft.url,
            published=published or self.published,
            source=draft.source,
            origin=draft.origin,
            metadata=draft.metadata,
        )

    @staticmethod
    def _parsed_lang(given: str | None, problem: Callable[[str, str], None]) -> str | None:
        code = None if given is None else _lang_code(given)
        if given is not None and code is None:
            problem(f"'lang' {given!r} is not a language code; dropped", "warning")
        return code

    @staticmethod
    def _parsed_date(given: str | None, problem: Callable[[str, str], None]) -> str | None:
        day = None if given is None else _iso_day(given)
        if given is not None and day is None:
            problem(f"'published' {given!r} is not an ISO date; dropped", "warning")
        return day
