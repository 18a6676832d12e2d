"""Nothing lost, nothing let in (issue 10): hostile files, names, line ends, sizes and folders.

Every test drives the real reader or the real ``kgb ingest`` (``kg_builder.cli.main`` in this process, or
the ``kgb`` executable when the old behaviour was a hang) into a real store in ``tmp_path``.

``HOSTILE_FILES`` (name -> ``make(folder)``) is the catalogue of bad inputs; ``bench/faults.py`` imports it
to count the bad inputs tried and the good articles lost.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import stat
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from test_faults import KGB, run_ingest, stderr_lines, stored_articles

from kg_builder.ingest import IngestError, read_articles

SENTENCE = "قصفت قوات النظام بلدة اللطامنة بريف حماة."
LONE_SURROGATE = "\ud800"
NUL = "\x00"
#: The default --max-chars, and the bounds it gives (see the ingest module docstring).
MAX_CHARS = 3_000_000
SUBPROCESS_TIMEOUT_S = 120


# --- writing inputs -------------------------------------------------------------------------------------


def write_jsonl(path: Path, lines: list[dict | str | bytes], end: bytes = b"\n") -> Path:
    """Records as JSON Lines (``ensure_ascii``: a lone surrogate is written as the escape ``\\ud800``);
    a str or bytes item is written as it is."""
    def encoded(line: dict | str | bytes) -> bytes:
        if isinstance(line, bytes):
            return line
        return (line if isinstance(line, str) else json.dumps(line)).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(encoded(line) + end for line in lines))
    return path


def write_txt(path: Path, text: str = SENTENCE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def good_neighbour(folder: Path, name: str) -> str:
    """A good article next to a bad input: the run must go on to it. Returns its id."""
    write_txt(folder / f"{name}.txt")
    return name


def record(article_id: str, **fields: str) -> dict:
    return {"id": article_id, "text": SENTENCE, **fields}


def text_id(text: str) -> str:
    """The id the reader gives a JSONL line with neither id nor url (documented in kg_builder.ingest)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (and no time) to write."""
    with path.open("wb") as f:
        f.truncate(size)
    return path


def make_deep_folder(folder: Path, name: str, levels: int = 20) -> Path:
    """Folders nested deeper than a path can name (PATH_MAX, 4096 bytes on Linux), made relative to an
    open folder; a file at the bottom. Listing the deepest folders fails with ENAMETOOLONG, as root too."""
    top = folder / name
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("lost.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, SENTENCE.encode("utf-8"))
        os.close(out)
    finally:
        os.close(fd)
    return top


# --- the catalogue of hostile inputs ----------------------------------------------------------------------
#
# make(folder) writes one kind of bad input (and, for a whole-file problem, a good neighbour) into
# ``folder``, under names no other kind uses, so all kinds can share one folder; it returns the ids of the
# good articles that must be stored when ``folder`` itself is ingested (ids of files found in a folder are
# their paths under it, without the suffix).

#: JSONL fields a bad character is put in ("extra-*": a key the reader keeps in Article.metadata).
JSONL_FIELDS = ("id", "text", "title", "url", "source", "lang", "published", "extra-value", "extra-key")
#: Where a NUL is harmless: these fields are cleaned (text, title) or parsed and dropped if bad (lang,
#: published), so the article is kept; anywhere else it is refused.
NUL_KEPT_FIELDS = {"text", "title", "lang", "published"}


def bad_value_in(field: str, bad: str) -> Callable[[Path], set[str]]:
    """A JSONL file whose middle line holds ``bad`` in ``field``, between two good lines."""
    kind = "surrogate" if bad == LONE_SURROGATE else "nul"

    def make(folder: Path) -> set[str]:
        name = f"{kind}-in-{field}"
        bad_record = record(f"{name}-bad")
        if field == "extra-key":
            bad_record[f"section{bad}"] = "x"
        elif field == "extra-value":
            bad_record["section"] = f"x{bad}"
        else:
            start = {"lang": "ar", "published": "2020-01-02", "url": "https://example.org/a"}.get(field, "x")
            bad_record[field] = bad_record.get(field, start) + bad
        write_jsonl(folder / f"{name}.jsonl", [record(f"{name}-before"), bad_record, record(f"{name}-after")])
        kept = {f"{name}-bad"} if bad == NUL and field in NUL_KEPT_FIELDS else set()
        return {f"{name}-before", f"{name}-after"} | kept

    return make


def _non_utf8_file_name(folder: Path) -> set[str]:
    write_txt(folder / os.fsdecode(b"name-\xff\xfe.txt"))   # the id would hold lone surrogates
    return {good_neighbour(folder, "name-neighbour")}


def _newline_in_file_name(folder: Path) -> set[str]:
    write_txt(folder / "line\nbreak.txt")
    return {good_neighbour(folder, "newline-neighbour")}


def _cr_only_line_ends(folder: Path) -> set[str]:
    ids = ["cr-1", "cr-2", "cr-3"]
    write_jsonl(folder / "cr-only.jsonl", [record(i) for i in ids], end=b"\r")
    return set(ids)


def _mixed_line_ends(folder: Path) -> set[str]:
    lines = [json.dumps(record(i)).encode() for i in ("mixed-1", "mixed-2", "mixed-3", "mixed-4")]
    (folder / "mixed-ends.jsonl").write_bytes(lines[0] + b"\r\n" + lines[1] + b"\r" + lines[2] + b"\n\r\n"
                                               + lines[3])
    return {"mixed-1", "mixed-2", "mixed-3", "mixed-4"}


def _nul_bytes_on_the_first_line(folder: Path) -> set[str]:
    write_jsonl(folder / "nul-first.jsonl", [b"\x00\x00\x00{garbage", record("nul-first-2"), record("nul-first-3")])
    return {"nul-first-2", "nul-first-3"}


def _nul_bytes_in_a_middle_line(folder: Path) -> set[str]:
    write_jsonl(folder / "nul-middle.jsonl",
                [record("nul-middle-1"), b'{"id": "nul-middle-2", "text": "\x00\x00"}', record("nul-middle-3")])
    return {"nul-middle-1", "nul-middle-3"}


def _utf16_jsonl(folder: Path) -> set[str]:
    (folder / "utf16.jsonl").write_bytes(json.dumps(record("utf16")).encode("utf-16"))
    return {good_neighbour(folder, "utf16-neighbour")}


def _only_bare_crs(folder: Path) -> set[str]:
    (folder / "only-crs.jsonl").write_bytes(b"\r\r\r \r")
    return {good_neighbour(folder, "only-crs-neighbour")}


def _fifo(suffix: str) -> Callable[[Path], set[str]]:
    def make(folder: Path) -> set[str]:
        os.mkfifo(folder / f"fifo{suffix}")
        return {good_neighbour(folder, f"fifo{suffix.replace('.', '-')}-neighbour")}
    return make


def _socket(folder: Path) -> set[str]:
    os.mknod(folder / "socket.html", 0o600 | stat.S_IFSOCK)
    return {good_neighbour(folder, "socket-neighbour")}


def _link_to(target: str, name: str) -> Callable[[Path], set[str]]:
    def make(folder: Path) -> set[str]:
        (folder / name).symlink_to(target)
        return {good_neighbour(folder, f"{Path(name).stem}-neighbour")}
    return make


def _link_to_a_hidden_fifo(folder: Path) -> set[str]:
    os.mkfifo(folder / ".hidden-fifo")
    (folder / "via-link.txt").symlink_to(".hidden-fifo")
    return {good_neighbour(folder, "via-link-neighbour")}


def _over_size(suffix: str) -> Callable[[Path], set[str]]:
    def make(folder: Path) -> set[str]:
        sparse_file(folder / f"huge{suffix}", 200 * 1024 * 1024)
        return {good_neighbour(folder, f"huge{suffix.replace('.', '-')}-neighbour")}
    return make


def _over_long_jsonl_line(folder: Path) -> set[str]:
    """A line longer than any article of the default --max-chars can be written in JSON."""
    with (folder / "long-line.jsonl").open("wb") as f:
        f.write(json.dumps(record("long-line-1")).encode() + b"\n")
        f.write(b'{"id": "long-line-2", "text": "')
        for _ in range(40):
            f.write(b"a" * (1 << 20))
        f.write(b'"}\n' + json.dumps(record("long-line-3")).encode() + b"\n")
    return {"long-line-1", "long-line-3"}


def _same_stem_in_two_subfolders(folder: Path) -> set[str]:
    write_txt(folder / "stems" / "2019" / "report.txt", SENTENCE + " 2019")
    write_txt(folder / "stems" / "2020" / "report.txt", SENTENCE + " 2020")
    return {"stems/2019/report", "stems/2020/report"}


def _id_less_lines_in_two_files(folder: Path) -> set[str]:
    texts = [f"{SENTENCE} ({n})" for n in range(4)]
    write_jsonl(folder / "idless" / "a" / "feed.jsonl",
                [{"url": "https://example.org/idless-a", "text": texts[0]}, {"text": texts[1]}])
    write_jsonl(folder / "idless" / "b" / "feed.jsonl",
                [{"url": " https://example.org/idless-b ", "text": texts[2]}, {"text": texts[3]}])
    return {"https://example.org/idless-a", text_id(texts[1]), "https://example.org/idless-b", text_id(texts[3])}


def _symlink_loop(folder: Path) -> set[str]:
    (folder / "loop").symlink_to("loop")
    return {good_neighbour(folder, "loop-neighbour")}


def _dangling_link(folder: Path) -> set[str]:
    (folder / "gone.txt").symlink_to("nowhere.txt")
    return {good_neighbour(folder, "gone-neighbour")}


def _link_to_a_folder(folder: Path) -> set[str]:
    write_txt(folder / "real-folder" / "inside.txt")
    (folder / "linked-folder").symlink_to("real-folder")
    return {"real-folder/inside"}      # read once, where it is; the link is named, not followed


def _folder_too_deep_to_list(folder: Path) -> set[str]:
    make_deep_folder(folder, "deep")
    return {good_neighbour(folder, "deep-neighbour")}


def _unreadable_folder(folder: Path) -> set[str]:
    write_txt(folder / "locked" / "inside.txt")
    (folder / "locked").chmod(0)
    # root reads it anyway (chmod does not stop root): then its article must be stored too
    return {good_neighbour(folder, "locked-neighbour")} | ({"locked/inside"} if os.geteuid() == 0 else set())


HOSTILE_FILES: dict[str, Callable[[Path], set[str]]] = {
    **{f"surrogate-in-{f}": bad_value_in(f, LONE_SURROGATE) for f in JSONL_FIELDS},
    **{f"nul-in-{f}": bad_value_in(f, NUL) for f in JSONL_FIELDS},
    "non-utf8-file-name": _non_utf8_file_name,
    "newline-in-file-name": _newline_in_file_name,
    "cr-only-line-ends": _cr_only_line_ends,
    "mixed-line-ends": _mixed_line_ends,
    "nul-bytes-on-the-first-jsonl-line": _nul_bytes_on_the_first_line,
    "nul-bytes-in-a-middle-jsonl-line": _nul_bytes_in_a_middle_line,
    "utf16-jsonl": _utf16_jsonl,
    "jsonl-of-bare-crs": _only_bare_crs,
    "fifo-txt": _fifo(".txt"),
    "fifo-jsonl": _fifo(".jsonl"),
    "socket": _socket,
    "link-to-dev-zero": _link_to("/dev/zero", "zero.txt"),
    "link-to-dev-null-jsonl": _link_to("/dev/null", "null.jsonl"),
    "link-to-a-hidden-fifo": _link_to_a_hidden_fifo,
    "over-size-txt": _over_size(".txt"),
    "over-size-html": _over_size(".html"),
    "over-long-jsonl-line": _over_long_jsonl_line,
    "same-stem-in-two-subfolders": _same_stem_in_two_subfolders,
    "id-less-jsonl-lines-in-two-files": _id_less_lines_in_two_files,
    "symlink-loop": _symlink_loop,
    "dangling-link": _dangling_link,
    "link-to-a-folder": _link_to_a_folder,
    "folder-too-deep-to-list": _folder_too_deep_to_list,
    "unreadable-folder": _unreadable_folder,
}


def test_every_hostile_file_together_loses_no_good_article_and_lets_no_bad_one_in(tmp_path, capsys):
    folder = tmp_path / "news"
    folder.mkdir()
    expected = set().union(*(make(folder) for make in HOSTILE_FILES.values()))
    started = time.monotonic()
    code, out, err = run_ingest(capsys, folder, "--store", tmp_path / "store")
    elapsed = time.monotonic() - started
    assert code == 1, err
    assert "Traceback" not in err
    assert all(line.startswith("kgb: ") for line in stderr_lines(err)), err
    assert set(stored_articles(tmp_path / "store")) == expected
    assert len(HOSTILE_FILES) >= 20
    assert elapsed < 60, elapsed


# --- 1. one bad character loses nothing else --------------------------------------------------------------


def test_a_lone_surrogate_in_any_jsonl_field_skips_that_line_and_keeps_the_others(tmp_path, capsys):
    bad_lines = []
    for field in JSONL_FIELDS:
        bad = record(f"bad-{field}")
        if field == "extra-key":
            bad["\ud800"] = "x"
        elif field == "extra-value":
            bad["section"] = "\ud800"
        else:
            bad[field] = "\ud800"
        bad_lines.append(bad)
    path = write_jsonl(tmp_path / "news.jsonl", [record("first"), *bad_lines, record("last")])
    code, _, err = run_ingest(capsys, path, "--store", tmp_path / "store")
    assert code == 1, err
    lines = stderr_lines(err)
    labels = ["'id'", "'text'", "'title'", "'url'", "'source'", "'lang'", "'published'", "'section'",
              "the field name '\\ud800'"]
    assert lines == [f"kgb: {path}:{n}: {label} holds a character that cannot be stored (lone surrogate U+D800); "
                     "skipped" for n, label in enumerate(labels, start=2)]
    assert set(stored_articles(tmp_path / "store")) == {"first", "last"}


def test_a_nul_is_refused_where_it_would_be_stored_as_is_and_cleaned_from_text_and_title(tmp_path, capsys):
    path = write_jsonl(tmp_path / "nul.jsonl", [
        record("ok"),
        record("id\x00"),
        record("url", url="https://example.org/\x00"),
        record("source", source="wire\x00"),
        record("extra", section="x\x00"),
        {**record("key"), "sec\x00tion": "x"},
        record("title", title="عنوان\x00الخبر"),
        {"id": "text", "text": SENTENCE + "\x00"},
    ])
    code, _, err = run_ingest(capsys, path, "--store", tmp_path / "store")
    assert code == 1, err
    lines = stderr_lines(err)
    assert [line.split(": ", 2)[1:] for line in lines] == [
        [f"{path}:{n}", f"{label} holds a character that cannot be stored (NUL U+0000); skipped"]
        for n, label in [(2, "'id'"), (3, "'url'"), (4, "'source'"), (5, "'section'"),
                         (6, "the field name 'sec\\x00tion'")]]
    stored = stored_articles(tmp_path / "store")
    assert set(stored) == {"ok", "title", "text"}
    assert stored["text"] == SENTENCE


def test_a_file_name_that_is_not_utf8_is_one_line_and_the_run_goes_on(tmp_path, capsys):
    folder = tmp_path / "news"
    bad = write_txt(folder / os.fsdecode(b"caf\xe9.txt"))
    write_txt(folder / "good.txt")
    code, out, err = run_ingest(capsys, folder, "--store", tmp_path / "store")
    assert code == 1, err
    # the name is shown with the byte that is not UTF-8 escaped, so the line prints anywhere
    shown = str(bad).encode("utf-8", "backslashreplace").decode()
    assert shown.endswith("caf\\udce9.txt")
    assert stderr_lines(err) == [f"kgb: {shown}: the file name (the article id) holds a character that cannot be "
                                 "stored (lone surrogate U+DCE9); skipped"]
    assert set(stored_articles(tmp_path / "store")) == {"good"}


def test_a_lone_surrogate_on_stdin_is_one_line_and_the_other_lines_are_stored(tmp_path, capsys, monkeypatch):
    data = b"".join(json.dumps(r).encode() + b"\n" for r in
                    [record("s1"), {"id": "s2", "text": "\ud800"}, record("s3")])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, _, err = run_ingest(capsys, "-", "--store", tmp_path / "store")
    assert code == 1, err
    assert stderr_lines(err) == ["kgb: <stdin>:2: 'text' holds a character that cannot be stored "
                                 "(lone surrogate U+D800); skipped"]
    assert set(stored_articles(tmp_path / "store")) == {"s1", "s3"}


# --- 2. two articles, two ids -----------------------------------------------------------------------------


def test_the_same_file_name_in_two_subfolders_gives_two_articles(tmp_path, capsys):
    news = tmp_path / "news"
    write_txt(news / "2019" / "report.txt", SENTENCE + " 2019")
    write_txt(news / "2020" / "report.txt", SENTENCE + " 2020")
    write_txt(news / "top.txt")
    direct = write_txt(tmp_path / "elsewhere" / "seed-omar-field.txt")
    code, out, err = run_ingest(capsys, news, direct, "--store", tmp_path / "store")
    assert code == 0, err
    stored = stored_articles(tmp_path / "store")
    # under a folder: the path below it; named directly: the stem (gold sets depend on that)
    assert set(stored) == {"2019/report", "2020/report", "top", "seed-omar-field"}
    assert stored["2019/report"].endswith("2019") and stored["2020/report"].endswith("2020")


def test_jsonl_lines_without_an_id_get_one_from_their_url_or_text_stable_across_files_and_runs(tmp_path, capsys):
    texts = [f"{SENTENCE} ({n})" for n in range(4)]
    one = write_jsonl(tmp_path / "one" / "feed.jsonl", [{"url": "https://example.org/1", "text": texts[0]},
                                                        {"text": texts[1]}])
    two = write_jsonl(tmp_path / "two" / "feed.jsonl", [{"url": "https://example.org/2 ", "text": texts[2]},
                                                        {"text": texts[3]}])
    expected = {"https://example.org/1", text_id(texts[1]), "https://example.org/2", text_id(texts[3])}
    code, out, err = run_ingest(capsys, one, two, "--store", tmp_path / "store")
    assert code == 0, err
    assert set(stored_articles(tmp_path / "store")) == expected
    # the same lines in another order, from another file: the same ids, so nothing new is stored
    both = write_jsonl(tmp_path / "both.jsonl", [{"text": texts[3]},
                                                 {"url": "https://example.org/1", "text": texts[0]}])
    code, out, err = run_ingest(capsys, both, "--store", tmp_path / "store")
    assert code == 0, err
    assert out.startswith("ingest: 0 articles stored, 0 events, 2 unchanged (skipped)"), out


def test_a_changed_article_is_counted_as_updated_and_a_new_one_as_new(tmp_path, capsys):
    news = tmp_path / "news"
    article = write_txt(news / "a.txt")
    code, out, err = run_ingest(capsys, news, "--store", tmp_path / "store")
    assert code == 0 and out.startswith("ingest: 1 articles stored, "), (out, err)
    write_txt(article, "قصفت قوات النظام بلدة كفرنبودة بريف حماة.")
    write_txt(news / "b.txt")
    code, out, err = run_ingest(capsys, news, "--store", tmp_path / "store")
    assert code == 0, err
    assert out.startswith("ingest: 2 articles stored (1 new, 1 updated), "), out
    assert stored_articles(tmp_path / "store")["a"] == "قصفت قوات النظام بلدة كفرنبودة بريف حماة."


# --- 3. every JSONL record stored or named ----------------------------------------------------------------


def test_a_bare_cr_ends_a_jsonl_record_and_lines_are_counted_right(tmp_path, capsys):
    lines = [json.dumps(record(i)).encode() for i in ("r1", "r2", "r3")]
    path = tmp_path / "cr.jsonl"
    # line 1 \r line 2 \r\n line 3 (bad) \r line 4 \n line 5 (blank) \r line 6
    path.write_bytes(lines[0] + b"\r" + lines[1] + b"\r\n" + b'{"id": "broken' + b"\r" + lines[2] + b"\n\r"
                     + json.dumps(record("r6")).encode())
    code, _, err = run_ingest(capsys, path, "--store", tmp_path / "store")
    assert code == 1, err
    [line] = stderr_lines(err)
    assert line.startswith(f"kgb: {path}:3: malformed JSON"), line
    assert set(stored_articles(tmp_path / "store")) == {"r1", "r2", "r3", "r6"}


def test_nul_bytes_on_an_early_jsonl_line_skip_only_that_line(tmp_path, capsys):
    path = write_jsonl(tmp_path / "nul.jsonl", [record("n1"), b"\x00\x01\x02 binary \x00", record("n3")])
    code, _, err = run_ingest(capsys, path, "--store", tmp_path / "store")
    assert code == 1, err
    assert stderr_lines(err) == [f"kgb: {path}:2: binary data (NUL bytes) in the line"]
    assert set(stored_articles(tmp_path / "store")) == {"n1", "n3"}


def test_a_utf16_jsonl_file_without_a_bom_is_one_whole_file_error(tmp_path):
    path = tmp_path / "utf16.jsonl"
    path.write_bytes("".join(json.dumps(record(f"u{i}")) + "\n" for i in range(3)).encode("utf-16-le"))
    errors: list[IngestError] = []
    assert list(read_articles([path], on_error=errors.append)) == []
    assert [str(e) for e in errors] == [f"{path}: UTF-16 file; JSON Lines must be UTF-8"]


# --- 4. no hangs, no unbounded reads ----------------------------------------------------------------------


def _limit_memory() -> None:
    # in the child: an unbounded read dies of MemoryError at 2 GB instead of eating the machine
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_a_fifo_socket_or_device_named_on_the_command_line_is_refused_without_being_opened(tmp_path):
    os.mkfifo(tmp_path / "fifo.txt")
    os.mknod(tmp_path / "socket.jsonl", 0o600 | stat.S_IFSOCK)
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    good = write_txt(tmp_path / "good.txt")
    try:
        result = subprocess.run(
            [KGB, "ingest", tmp_path / "fifo.txt", tmp_path / "socket.jsonl", tmp_path / "zero.txt", good,
             "--store", tmp_path / "store", "--quiet"],
            capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail("kgb ingest hung on a FIFO")
    assert result.returncode == 1, result.stderr
    assert stderr_lines(result.stderr) == [
        f"kgb: {tmp_path / 'fifo.txt'}: not a regular file (a FIFO); skipped",
        f"kgb: {tmp_path / 'socket.jsonl'}: not a regular file (a socket); skipped",
        f"kgb: {tmp_path / 'zero.txt'}: not a regular file (a character device); skipped",
    ]
    assert set(stored_articles(tmp_path / "store")) == {"good"}


def test_fifos_sockets_and_devices_in_a_folder_are_named_and_skipped(tmp_path, capsys):
    news = tmp_path / "news"
    news.mkdir()
    os.mkfifo(news / "fifo.jsonl")
    os.mknod(news / "socket.html", 0o600 | stat.S_IFSOCK)
    (news / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(news / "not-an-article.md")       # other suffixes are ignored, whatever they are
    write_txt(news / "good.txt")
    code, _, err = run_ingest(capsys, news, "--store", tmp_path / "store")
    assert code == 1, err
    assert stderr_lines(err) == [
        f"kgb: {news / 'fifo.jsonl'}: not a regular file (a FIFO); skipped",
        f"kgb: {news / 'socket.html'}: not a regular file (a socket); skipped",
        f"kgb: {news / 'zero.txt'}: not a regular file (a character device); skipped",
    ]
    assert set(stored_articles(tmp_path / "store")) == {"good"}


def test_a_200_mb_txt_file_is_refused_unread(tmp_path):
    big = sparse_file(tmp_path / "big.txt", 200 * 1024 * 1024)
    good = write_txt(tmp_path / "good.txt")
    errors: list[IngestError] = []
    tracemalloc.start()
    started = time.monotonic()
    try:
        articles = list(read_articles([big, good], on_error=errors.append, max_chars=MAX_CHARS))
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [a.id for a in articles] == ["good"]
    assert [str(e) for e in errors] == [
        f"{big}: too long: 209,715,200 bytes, more than an article of 3,000,000 characters can take "
        "(4 bytes a character at most); not read (raise the limit with --max-chars)"]
    assert peak < 10 * 1024 * 1024, peak      # not read: the proof (reading it took 4 minutes and 1.1 GB)
    assert elapsed < 10.0, elapsed           # a bound for a hang only; speed lives in bench/faults.py


def test_an_over_long_jsonl_line_is_skipped_without_being_read_whole(tmp_path):
    path = tmp_path / "long.jsonl"
    with path.open("wb") as f:
        f.write(json.dumps(record("before")).encode() + b"\n")
        f.write(b'{"id": "long", "text": "' + b"a" * (16 * 1024 * 1024) + b'"}\r')
        f.write(json.dumps(record("after")).encode() + b"\n")
    errors: list[IngestError] = []
    tracemalloc.start()
    try:
        articles = list(read_articles([path], on_error=errors.append, max_chars=1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [a.id for a in articles] == ["before", "after"]
    assert [(e.line, e.level) for e in errors] == [(2, "error")]
    assert "line too long" in errors[0].message and "--max-chars" in errors[0].message
    assert peak < 4 * 1024 * 1024, peak      # the 16 MB line was never held whole


def test_a_jsonl_line_of_an_article_that_fits_is_never_refused_for_its_length(tmp_path):
    # 1000 astral characters, each written as a \\ud83d\\ude00 pair: 12 bytes a character in JSON
    text = "\U0001F600" * 1000
    path = write_jsonl(tmp_path / "escaped.jsonl", [{"id": "emoji", "title": "t" * 100_000, "text": text}])
    errors: list[IngestError] = []
    articles = list(read_articles([path], on_error=errors.append, max_chars=1000))
    assert errors == [] and [a.text for a in articles] == [text]
    # and one character more is refused: by its length once decoded
    path = write_jsonl(tmp_path / "over.jsonl", [{"id": "emoji", "text": text + "!"}])
    assert list(read_articles([path], on_error=errors.append, max_chars=1000)) == []
    assert [e.line for e in errors] == [1] and "too long: 1,001 characters" in errors[0].message


# --- 5. every folder read or named ------------------------------------------------------------------------


def test_a_symlink_loop_in_a_folder_is_named_and_the_run_exits_1(tmp_path, capsys):
    news = tmp_path / "news"
    write_txt(news / "good.txt")
    (news / "loop").symlink_to("loop")
    code, _, err = run_ingest(capsys, news, "--store", tmp_path / "store")
    assert code == 1, err
    assert stderr_lines(err) == [f"kgb: {news / 'loop'}: cannot follow the link: Too many levels of symbolic "
                                 "links; skipped"]
    assert set(stored_articles(tmp_path / "store")) == {"good"}


def test_a_folder_that_cannot_be_listed_is_named_and_the_rest_is_read(tmp_path, capsys):
    # works as root too: no permission stops root, but a path longer than PATH_MAX cannot be listed
    news = tmp_path / "news"
    news.mkdir()
    make_deep_folder(news, "deep")
    write_txt(news / "good.txt")
    code, _, err = run_ingest(capsys, news, "--store", tmp_path / "store")
    assert code == 1, err
    [line] = stderr_lines(err)
    assert line.startswith(f"kgb: {news / 'deep'}/d") and line.endswith(": cannot read folder: File name too long; "
                                                                        "skipped"), line[-200:]
    assert set(stored_articles(tmp_path / "store")) == {"good"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder (see the too-deep folder test)")
def test_an_unreadable_subfolder_is_named_and_the_run_exits_1(tmp_path, capsys):
    news = tmp_path / "news"
    write_txt(news / "good.txt")
    write_txt(news / "secret" / "hidden-from-us.txt")
    (news / "secret").chmod(0)
    try:
        code, _, err = run_ingest(capsys, news, "--store", tmp_path / "store")
    finally:
        (news / "secret").chmod(0o755)
    assert code == 1, err
    assert stderr_lines(err) == [f"kgb: {news / 'secret'}: cannot read folder: Permission denied; skipped"]
    assert set(stored_articles(tmp_path / "store")) == {"good"}


def test_a_link_to_a_folder_is_named_and_not_followed(tmp_path, capsys):
    news = tmp_path / "news"
    write_txt(news / "2020" / "report.txt")
    (news / "latest").symlink_to("2020")
    (news / "elsewhere").symlink_to(tmp_path)          # a way back up: followed, it would never end
    code, _, err = run_ingest(capsys, news, "--store", tmp_path / "store")
    assert code == 0, err
    assert stderr_lines(err) == [
        f"kgb: {news / 'elsewhere'}: a link to a folder; not followed (name the folder itself to read it)",
        f"kgb: {news / 'latest'}: a link to a folder; not followed (name the folder itself to read it)",
    ]
    assert set(stored_articles(tmp_path / "store")) == {"2020/report"}
