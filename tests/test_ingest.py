"""Tests of kg_builder.ingest on real files (tmp_path), with the real trafilatura."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg_builder.ingest import (
    IngestError,
    article_id_safe,
    clean_text,
    detect_lang,
    read_articles,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = EXAMPLES / "seed-omar-field.txt"

ARABIC_BODY = (
    "قتل 32 مدنيا خلال 24 ساعة في غارات للتحالف الدولي على دير الزور شرقي سوريا، "
    "وفق ما أفاد المرصد السوري لحقوق الإنسان."
)
ENGLISH_BODY = "At least 10 civilians were killed in the strikes on the town of Raqqa on Sunday said the monitor."
#: The id of a JSONL line without id or url: a digest of its text (the same in any file, on any line).
ENGLISH_BODY_ID = "sha256:" + hashlib.sha256(ENGLISH_BODY.encode("utf-8")).hexdigest()[:16]


def read_all(paths, **options):
    """(articles, errors) of a run that collects errors instead of raising."""
    errors: list[IngestError] = []
    articles = list(read_articles(paths, on_error=errors.append, **options))
    return articles, errors


def jsonl(path: Path, *records, raw_lines: dict[int, str] | None = None) -> Path:
    """Write records as JSON Lines; raw_lines puts a literal line at a given 1-based position."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    for position, raw in sorted((raw_lines or {}).items()):
        lines.insert(position - 1, raw)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- IngestError -------------------------------------------------------------------------------


def test_error_is_one_line_with_path_and_line():
    err = IngestError("corpus/a.jsonl", 12, "malformed JSON:\nExpecting value")
    assert str(err) == "corpus/a.jsonl:12: malformed JSON: Expecting value"
    assert (err.origin, err.line, err.level) == ("corpus/a.jsonl", 12, "error")
    assert str(IngestError("a.txt", None, "empty file", level="warning")) == "a.txt: empty file"


# --- .txt ---------------------------------------------------------------------------------------


def test_seed_article_keeps_body_and_drops_trailing_join_whatsapp(tmp_path):
    (article,), errors = read_all([SEED])
    assert errors == []
    assert article.id == "seed-omar-field"
    assert article.origin == str(SEED)
    assert article.lang == "ar"
    assert "Join Whatsapp" not in article.text
    assert article.text.startswith("أشارت مصادر اعلامية")
    assert article.text.endswith("دون ورود معلومات عن خسائر.")
    # Every real paragraph of the file is still there, unchanged.
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]
    assert paragraphs[-1] == "Join Whatsapp"
    for paragraph in paragraphs[:-1]:
        assert paragraph in article.text


def test_txt_with_bom_and_crlf(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + ARABIC_BODY.encode("utf-8") + b"\r\n\r\nShare\r\n")
    (article,), errors = read_all([path])
    assert errors == []
    assert article.text == ARABIC_BODY  # no BOM, no \r, no "Share"


@pytest.mark.parametrize("encoding", ["windows-1256", "iso-8859-6"])
def test_legacy_arabic_encodings_are_decoded_with_a_warning(tmp_path, encoding):
    body = ARABIC_BODY  # its letters and comma exist in both code pages
    path = tmp_path / "legacy.txt"
    path.write_bytes(body.encode(encoding))
    (article,), errors = read_all([path])
    assert article.text == body
    assert [e.level for e in errors] == ["warning"]
    assert "windows-1256" in errors[0].message or "iso-8859-6" in errors[0].message


def test_windows_1256_seed_article_is_decoded_exactly(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "seed-1256.txt"
    path.write_bytes(text.encode("windows-1256"))
    (article,), _ = read_all([path])
    (expected,), _ = read_all([SEED])
    assert article.text == expected.text


def test_undecodable_bytes_are_a_clear_error(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Déjà vu in the café, naïve façade.".encode("latin-1"))
    articles, (error,) = read_all([path])
    assert articles == []
    assert error.origin == str(path) and error.line is None
    assert "not UTF-8" in error.message and "UTF-8" in str(error)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    articles, (error,) = read_all([path])
    assert articles == [] and "binary" in error.message


@pytest.mark.parametrize("content", [b"", b"  \n\n\t \n"])
def test_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    articles, (error,) = read_all([path])
    assert articles == [] and error.message == "empty file"


def test_file_of_only_junk_has_no_text(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_text("Share\nJoin Whatsapp\nتابعونا على تلغرام\n", encoding="utf-8")
    articles, (error,) = read_all([path])
    assert articles == [] and "no text" in error.message


def test_control_characters_are_stripped_but_bidi_marks_kept(tmp_path):
    path = tmp_path / "controls.txt"
    path.write_text("قصف\x07 على\u200f الحقل\x1b\u200c.\x00\tنهاية\x0b", encoding="utf-8")
    # A NUL byte makes the file binary; without it the controls are simply removed.
    articles, (error,) = read_all([path])
    assert "binary" in error.message
    path.write_text("قصف\x07 على\u200f الحقل\x1b\u200c.\tنهاية\x7f", encoding="utf-8")
    (article,), errors = read_all([path])
    assert errors == []
    assert article.text == "قصف على\u200f الحقل\u200c.\tنهاية"


def test_missing_file_and_unsupported_suffix_are_reported_and_the_run_goes_on(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    good = tmp_path / "good.txt"
    good.write_text(ARABIC_BODY, encoding="utf-8")
    articles, errors = read_all([tmp_path / "missing.txt", tmp_path / "notes.docx", good])
    assert [a.id for a in articles] == ["good"]
    assert ["no such file" in e.message for e in errors] == [True, False]
    assert "unsupported" in errors[1].message


def test_without_on_error_an_error_is_raised(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        list(read_articles([tmp_path / "missing.txt"]))


def test_a_single_path_string_is_not_iterated_letter_by_letter():
    (article,) = list(read_articles(str(SEED)))
    assert article.id == "seed-omar-field"


# --- .html -------------------------------------------------------------------------------------

HTML_PAGE = """<!DOCTYPE html>
<html lang="ar"><head><meta charset="{charset}">
<title>غارات على دير الزور</title>
<meta property="og:url" content="https://example.org/news/1">
<meta property="article:published_time" content="2018-10-19T10:00:00Z">
</head><body>
<nav><a href="/">الرئيسية</a> <a href="/syria">سوريا</a></nav>
<article><h1>غارات على دير الزور</h1>
<p>{body}</p>
<p>وقال المرصد إن الغارات استهدفت منازل في بلدة هجين بريف دير الزور الشرقي.</p>
<p>تابعونا على تلغرام</p>
</article>
<footer>جميع الحقوق محفوظة © 2018</footer>
</body></html>
"""


def test_html_main_text_title_date_and_url(tmp_path):
    path = tmp_path / "skynews-1.html"
    path.write_text(HTML_PAGE.format(charset="utf-8", body=ARABIC_BODY), encoding="utf-8")
    (article,), errors = read_all([path], published="2020-01-01")
    assert errors == []
    assert article.id == "skynews-1"
    assert article.title == "غارات على دير الزور"
    assert article.url == "https://example.org/news/1"
    assert article.published == "2018-10-19"  # the page's own date wins over the flag
    assert article.lang == "ar"
    assert article.text.startswith(ARABIC_BODY)  # the title is not prepended
    assert "هجين" in article.text
    assert "الرئيسية" not in article.text and "تلغرام" not in article.text


def test_html_in_windows_1256_as_declared(tmp_path):
    path = tmp_path / "old.htm"
    body = ARABIC_BODY
    path.write_bytes(HTML_PAGE.format(charset="windows-1256", body=body).encode("windows-1256"))
    (article,), errors = read_all([path])
    assert errors == []  # the page said its charset: nothing was guessed
    assert body in article.text


def test_html_without_text_is_reported(tmp_path):
    path = tmp_path / "blank.html"
    path.write_text("<html><head><title>x</title></head><body></body></html>", encoding="utf-8")
    articles, (error,) = read_all([path])
    assert articles == [] and error.origin == str(path)


# --- .jsonl ------------------------------------------------------------------------------------


def test_jsonl_fields_metadata_and_origin(tmp_path):
    path = jsonl(
        tmp_path / "news.jsonl",
        {"id": "a1", "url": "https://x.org/1", "title": " عنوان \n الخبر ", "published": "2018-06-19",
         "lang": "AR", "source": "skynews", "text": ARABIC_BODY,
         "section": "middle-east", "tags": ["syria", "دير الزور"], "score": 3, "empty": None},
        {"text": ENGLISH_BODY},
    )
    (first, second), errors = read_all([path])
    assert errors == []
    assert first.id == "a1" and first.origin == f"{path}:1"
    assert (first.url, first.title, first.published, first.lang, first.source) == (
        "https://x.org/1", "عنوان الخبر", "2018-06-19", "ar", "skynews")
    assert first.metadata == {"section": "middle-east", "tags": '["syria", "دير الزور"]', "score": "3"}
    assert second.id == ENGLISH_BODY_ID  # no id, no url: a digest of the text
    assert second.lang == "en" and second.origin == f"{path}:2"


def test_malformed_line_in_the_middle_is_one_error_and_the_rest_is_read(tmp_path):
    path = jsonl(
        tmp_path / "feed.jsonl",
        {"id": "a", "text": ARABIC_BODY},
        {"id": "c", "text": ENGLISH_BODY},
        raw_lines={2: '{"id": "b", "text": "unterminated'},
    )
    articles, errors = read_all([path])
    assert [a.id for a in articles] == ["a", "c"]
    assert len(errors) == 1
    assert (errors[0].origin, errors[0].line) == (str(path), 2)
    assert str(errors[0]).startswith(f"{path}:2: malformed JSON")
    assert articles[1].origin == f"{path}:3"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('["a", "list"]', "not an object"),
        ('"just a string"', "not an object"),
        ('{"id": "x"}', "no 'text'"),
        ('{"id": "x", "text": 42}', "'text' is a int"),
        ('{"id": "x", "text": ["a"]}', "'text' is a list"),
        ('{"id": {"a": 1}, "text": "نص"}', "'id' is a dict"),
        ('{"id": "   ", "text": "نص"}', "empty id"),
        ('{"id": "x", "text": "   "}', "no text"),
    ],
)
def test_bad_records_are_skipped_with_an_error(tmp_path, line, expected):
    path = jsonl(tmp_path / "bad.jsonl", {"id": "ok", "text": ARABIC_BODY}, raw_lines={1: line})
    articles, errors = read_all([path])
    assert [a.id for a in articles] == ["ok"]
    assert [(e.line, e.level) for e in errors] == [(1, "error")]
    assert expected in errors[0].message


def test_bad_published_date_keeps_the_article_with_a_warning(tmp_path):
    path = jsonl(tmp_path / "dates.jsonl",
                 {"id": "d1", "text": ARABIC_BODY, "published": "19/06/2018"},
                 {"id": "d2", "text": ARABIC_BODY, "published": "2018-06-19T08:15:00+03:00"})
    (d1, d2), errors = read_all([path])
    assert d1.published is None and d2.published == "2018-06-19"
    assert [(e.line, e.level) for e in errors] == [(1, "warning")]
    assert "19/06/2018" in errors[0].message


def test_warnings_do_not_raise_without_on_error(tmp_path, caplog):
    path = jsonl(tmp_path / "w.jsonl", {"id": "w", "text": ARABIC_BODY, "published": "soon"})
    (article,) = list(read_articles([path]))
    assert article.published is None
    assert "not an ISO date" in caplog.text


def test_published_flag_fills_only_articles_without_a_date(tmp_path):
    txt = tmp_path / "plain.txt"
    txt.write_text(ARABIC_BODY, encoding="utf-8")
    path = jsonl(tmp_path / "p.jsonl",
                 {"id": "dated", "text": ARABIC_BODY, "published": "2018-06-19"},
                 {"id": "undated", "text": ARABIC_BODY},
                 {"id": "bad-date", "text": ARABIC_BODY, "published": "yesterday"})
    articles, _ = read_all([txt, path], published="2023-08-01")
    assert {a.id: a.published for a in articles} == {
        "plain": "2023-08-01", "dated": "2018-06-19", "undated": "2023-08-01", "bad-date": "2023-08-01"}


def test_lang_flag_overrides_the_file_and_detection(tmp_path):
    path = jsonl(tmp_path / "l.jsonl", {"id": "l1", "text": ENGLISH_BODY, "lang": "en"}, {"id": "l2", "text": ENGLISH_BODY})
    articles, _ = read_all([path], lang="ar")
    assert [a.lang for a in articles] == ["ar", "ar"]


@pytest.mark.parametrize("options", [{"lang": "Arabic!"}, {"published": "August 2023"}])
def test_bad_arguments_raise_at_once(options):
    with pytest.raises(ValueError):
        read_articles([SEED], **options)


def test_duplicate_ids_later_one_is_reported_and_skipped(tmp_path):
    first = jsonl(tmp_path / "a.jsonl", {"id": "x1", "text": ARABIC_BODY}, {"id": "x1", "text": ENGLISH_BODY})
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x1.txt").write_text(ENGLISH_BODY, encoding="utf-8")
    articles, errors = read_all([first, tmp_path / "sub"])
    assert [(a.id, a.text) for a in articles] == [("x1", ARABIC_BODY)]
    assert [(e.origin, e.line) for e in errors] == [(str(first), 2), (str(tmp_path / "sub" / "x1.txt"), None)]
    assert all("duplicate id 'x1'" in e.message and f"{first}:1" in e.message for e in errors)


def test_jsonl_bom_blank_lines_and_a_legacy_line(tmp_path):
    path = tmp_path / "mixed.jsonl"
    line1 = json.dumps({"id": "u", "text": ARABIC_BODY}, ensure_ascii=False).encode("utf-8")
    body = ARABIC_BODY
    line3 = json.dumps({"id": "w", "text": body}, ensure_ascii=False).encode("windows-1256")
    path.write_bytes(b"\xef\xbb\xbf" + line1 + b"\r\n\r\n" + line3 + b"\n\n")
    articles, errors = read_all([path])
    assert [(a.id, a.text) for a in articles] == [("u", ARABIC_BODY), ("w", body)]
    assert [(e.line, e.level) for e in errors] == [(3, "warning")]


def test_binary_jsonl_is_refused(tmp_path):
    path = tmp_path / "blob.jsonl"
    path.write_bytes(b"\x00\x01\x02" * 100)
    articles, (error,) = read_all([path])
    # one line (no line end in it), named by its number: the other lines of a file would be read
    assert articles == [] and "binary" in error.message and error.line == 1


# --- folders and stdin -------------------------------------------------------------------------


def test_folder_is_read_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.txt").write_text(ARABIC_BODY, encoding="utf-8")
    (tmp_path / "b" / "deep" / "c.TXT").write_text(ENGLISH_BODY, encoding="utf-8")
    (tmp_path / "b" / "page.html").write_text(HTML_PAGE.format(charset="utf-8", body=ARABIC_BODY), encoding="utf-8")
    jsonl(tmp_path / "b" / "feed.jsonl", {"id": "j1", "text": ENGLISH_BODY})
    (tmp_path / "b" / "notes.md").write_text("# not an article", encoding="utf-8")
    (tmp_path / ".git" / "hidden.txt").write_text(ENGLISH_BODY, encoding="utf-8")
    articles, errors = read_all([tmp_path])
    assert errors == []
    # a file's id is its path under the folder given, without the suffix
    assert [a.id for a in articles] == ["a", "b/deep/c", "j1", "b/page"]


def test_examples_folder_reads_cleanly():
    articles, errors = read_all([EXAMPLES])
    assert errors == []
    assert len(articles) == 7
    assert [a.lang for a in articles].count("ar") == 5 and [a.lang for a in articles].count("en") == 2
    # The bundled JSONL texts are clean already: ingest must not change a character of them.
    for file in EXAMPLES.glob("*.jsonl"):
        for line in file.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert clean_text(record["text"]) == record["text"].strip()


def test_stdin_dash_reads_json_lines(tmp_path):
    stream = io.StringIO(
        json.dumps({"id": "s1", "text": ARABIC_BODY}, ensure_ascii=False) + "\n"
        + "not json\n"
        + json.dumps({"text": ENGLISH_BODY}) + "\n"
    )
    articles, errors = read_all(["-"], stdin=stream)
    assert [(a.id, a.origin) for a in articles] == [("s1", "<stdin>:1"), (ENGLISH_BODY_ID, "<stdin>:3")]
    assert [(e.origin, e.line) for e in errors] == [("<stdin>", 2)]


# --- clean_text, detect_lang, ids --------------------------------------------------------------


@pytest.mark.parametrize(
    "junk",
    [
        "Join Whatsapp", "Join our Telegram channel", "Share", "Share on Facebook", "Follow us on X",
        "اشترك في قناتنا على يوتيوب", "تابعونا على تلغرام", "شارك", "اقرأ أيضاً: مقتل 5 في غارة على إدلب",
        "Read also: Syrian army retakes Palmyra", "Click here to subscribe", "» اضغط هنا «",
        "We use cookies to improve your experience. By continuing you agree to our cookie policy.",
        "© 2024 Reuters", "جميع الحقوق محفوظة © 2018", "Facebook | Twitter | WhatsApp", "Advertisement",
    ],
)
def test_junk_lines_are_dropped(junk):
    assert clean_text(f"{ARABIC_BODY}\n{junk}\n\n{ENGLISH_BODY}") == f"{ARABIC_BODY}\n\n{ENGLISH_BODY}"


@pytest.mark.parametrize(
    "sentence",
    [
        "اشترك في الهجوم مقاتلون من حزب الله.",   # "took part in the attack"
        "انضم إلى مجموعة مسلحة في ريف حلب.",     # "joined an armed group"
        "وتابع المتحدث إن القوات داهمت المنزلين.",
        "قرأ أيضا بيانا للجيش.",
        "Share prices fell after the attack.",
        "Join the army they said.",
        "Follow-up strikes hit the same village.",
        "Advertisements for recruits appeared in Raqqa.",
        "Join Whatsapp " + "and more words " * 20,  # too long to be junk
    ],
)
def test_real_sentences_are_kept(sentence):
    assert clean_text(sentence) == sentence.strip()


def test_clean_text_collapses_blank_lines_and_trailing_spaces():
    assert clean_text("\n\n a  \r\n\r\n\r\n\r\nb\t \u2029c\n\n\n") == "a\n\nb\nc"


def test_detect_lang():
    assert detect_lang(ARABIC_BODY) == "ar"
    assert detect_lang(ENGLISH_BODY) == "en"
    assert detect_lang("Au moins dix civils ont été tués dans les frappes sur la ville selon l'observatoire") == "fr"
    assert detect_lang("Mindestens zehn Zivilisten wurden bei den Angriffen auf die Stadt getötet") == "de"
    assert detect_lang("Al menos diez civiles murieron en los ataques contra la ciudad según el observatorio") == "es"
    assert detect_lang("") is None and detect_lang("12345 !!") is None and detect_lang("Join Whatsapp") is None
    assert detect_lang("Привет как дела сегодня в городе") is None


def test_article_id_safe_keeps_ids_as_they_are():
    assert article_id_safe("  ar_001/ant?x#1 ") == "ar_001/ant?x#1"
    assert article_id_safe("مقال ٧") == "مقال ٧"
    for bad in ["", "   ", "a\nb", "a\x00b"]:
        with pytest.raises(ValueError):
            article_id_safe(bad)


# --- never crash -------------------------------------------------------------------------------

ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),  # Arabic
        st.sampled_from("\x00\x07\x1b\x7f\x85\r\n\t\u200c\u200e\u200f\u2028\ufeff"),
    ),
    max_size=300,
)


@given(ANY_TEXT)
def test_clean_text_and_detect_lang_never_crash(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned  # cleaning twice changes nothing
    assert "\r" not in cleaned and "\x00" not in cleaned
    assert detect_lang(text) in (None, "ar", "en", "fr", "de", "es")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ANY_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_any_text_file_reads_back_or_reports(tmp_path, text, encoding):
    path = tmp_path / "random.txt"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates
        data = text.encode(encoding, errors="replace")
    path.write_bytes(data)
    errors: list[IngestError] = []
    articles = list(read_articles([path], on_error=errors.append))
    assert len(articles) + sum(e.level == "error" for e in errors) == 1
    for article in articles:
        assert article.text == clean_text(article.text)
        assert article.id == "random"
