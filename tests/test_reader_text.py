"""The plain-text and Markdown readers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codelint.document import Document, validate_document
from codelint.errors import ReadError
from codelint.limits import Limits
from codelint.readers import read, read_bytes, sniff
from codelint.readers.text import (
    decode_bytes,
    heading_clause,
    leading_clause,
    read_markdown,
    read_text,
    strip_inline,
)

FIXTURES = Path(__file__).parent / "fixtures" / "text"


def text_doc(source: str | bytes) -> Document:
    data = source.encode("utf-8") if isinstance(source, str) else source
    doc = read_text("code.txt", data, Limits()).finalise()
    assert validate_document(doc) == []
    return doc


def md_doc(source: str | bytes) -> Document:
    data = source.encode("utf-8") if isinstance(source, str) else source
    doc = read_markdown("code.md", data, Limits()).finalise()
    assert validate_document(doc) == []
    return doc


def rows(doc: Document) -> list[tuple[str, int | None, str | None, str]]:
    return [(b.kind, b.level, b.clause, b.text) for b in doc.blocks]


# --- clause numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("4.2 The Council will", "4.2"),
        ("4.2. The Council will", "4.2"),
        ("12.3.1 Officers", "12.3.1"),
        ("4. Thresholds", "4"),
        ("4) Thresholds", "4"),
        ("12(b) Where", "12(b)"),
        ("4.2(a) Where", "4.2(a)"),
        ("(a) the supplier", "(a)"),
        ("(iv) the supplier", "(iv)"),
        ("b) the supplier", "(b)"),
        ("4.2 applies to all waivers", None),  # a wrapped sentence, not a clause
        ("10.30 am meeting", None),
        ("10 working days", None),
        ("2024. The year", None),
        ("£25,000 or more", None),
        ("4.2", None),
    ],
)
def test_leading_clause(text: str, clause: str | None) -> None:
    assert leading_clause(text) == clause


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("4. Thresholds", "4"),
        ("1 Aim and purpose", "1"),
        ("4.2 Quotes", "4.2"),
        ("Section 4 - Thresholds", "4"),
        ("PART 2: RULES", "2"),
        ("Appendix B", "B"),
        ("Thresholds", None),
        ("2024", None),
    ],
)
def test_heading_clause(text: str, clause: str | None) -> None:
    assert heading_clause(text) == clause


# --- plain text: structure ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cpr_text() -> Document:
    return text_doc((FIXTURES / "cpr.txt").read_bytes())


def test_text_fixture_blocks(cpr_text: Document) -> None:
    assert rows(cpr_text) == [
        ("heading", 1, None, "CONTRACT PROCEDURE RULES"),
        (
            "paragraph",
            None,
            None,
            "These rules explain how the Council buys goods, works and services, and who may"
            " approve each purchase.",
        ),
        ("heading", 1, "1", "1 Scope"),
        (
            "paragraph",
            None,
            "1.1",
            "1.1 These rules apply to every contract the Council awards, whatever its value.",
        ),
        ("paragraph", None, "1.2", "1.2 They do not apply to contracts of employment."),
        ("heading", 1, "2", "2. PROCUREMENT THRESHOLDS"),
        ("paragraph", None, "2.1", "2.1 Below £25,000 the officer must obtain:"),
        ("list-item", 0, "(a)", "(a) one written quote; and"),
        ("list-item", 0, "(b)", "(b) a purchase order."),
        ("paragraph", None, "2.2", "2.2 Officers should consider local suppliers, including:"),
        ("list-item", 0, None, "small businesses,"),
        ("list-item", 0, None, "voluntary and community organisations"),
        ("list-item", 1, None, "social enterprises, and"),
        ("list-item", 1, None, "charities."),
        ("heading", 1, "3", "Section 3 - Waivers"),
        (
            "paragraph",
            None,
            None,
            "A waiver of these rules needs the approval of the Chief Finance Officer, which must"
            " be recorded. The threshold in paragraph 4.2 applies to all waivers.",
        ),
        ("heading", 1, "4", "4. Records"),
        (
            "paragraph",
            None,
            "4.1",
            "4.1 Every contract over £5,000 is published on the Council's website.",
        ),
    ]


def test_text_fixture_sections_and_pages(cpr_text: Document) -> None:
    assert cpr_text.format == "text"
    assert cpr_text.title == "CONTRACT PROCEDURE RULES"
    assert cpr_text.pages == 2
    by_text = {b.text[:6]: b for b in cpr_text.blocks}
    assert by_text["1.1 Th"].section == ("1 Scope",)
    assert by_text["(a) on"].section == ("2. PROCUREMENT THRESHOLDS",)
    assert by_text["4.1 Ev"].section == ("4. Records",)
    assert by_text["1 Scop"].section == ()
    assert [b.page for b in cpr_text.blocks][-3:] == [1, 2, 2]


def test_paragraphs_and_wrapping() -> None:
    doc = text_doc(
        "First paragraph runs\nover three\nlines.\n\n\n  Second paragraph, a well-\n"
        "known case of hyphenation.\r\n\r\nThird\rparagraph.\n"
    )
    assert [b.text for b in doc.blocks] == [
        "First paragraph runs over three lines.",
        "Second paragraph, a well-known case of hyphenation.",
        "Third paragraph.",
    ]
    assert {b.kind for b in doc.blocks} == {"paragraph"}
    assert doc.pages is None and all(b.page is None for b in doc.blocks)


@pytest.mark.parametrize("bullet", ["•", "-", "*", "o", "▪", "–"])
def test_bullets(bullet: str) -> None:
    doc = text_doc(
        f"The officer must:\n{bullet} ask for quotes\n  that are written\n{bullet} keep them"
    )
    assert rows(doc) == [
        ("paragraph", None, None, "The officer must:"),
        ("list-item", 0, None, "ask for quotes that are written"),
        ("list-item", 0, None, "keep them"),
    ]


def test_bullet_levels_follow_indentation() -> None:
    doc = text_doc("• one\n    ◦ two\n        ▪ three\n    ◦ two again\n• one again\n\nAfter.")
    assert [(b.kind, b.level) for b in doc.blocks] == [
        ("list-item", 0),
        ("list-item", 1),
        ("list-item", 2),
        ("list-item", 1),
        ("list-item", 0),
        ("paragraph", None),
    ]


def test_clause_lines_start_blocks() -> None:
    doc = text_doc(
        "3.1 The first clause wraps\nonto a second line.\n3.2 The second clause.\n"
        "3.3. A third, with a stop.\n4) A bracketed number.\n"
    )
    assert [(b.clause, b.text) for b in doc.blocks] == [
        ("3.1", "3.1 The first clause wraps onto a second line."),
        ("3.2", "3.2 The second clause."),
        ("3.3", "3.3. A third, with a stop."),
        ("4", "4) A bracketed number."),
    ]


@pytest.mark.parametrize(
    ("source", "level"),
    [
        ("4. PROCUREMENT THRESHOLDS\n\nBody.", 1),
        ("4.2 Quotations\n\nBody.", 2),
        ("Section 4 - Thresholds\n\nBody.", 1),
        ("PART 2 – CONTRACT RULES\n\nBody.", 1),
        ("THRESHOLDS\nThe Council sets these.", 1),  # capitals may open a paragraph
        ("Appendix A\n\nBody.", 1),
    ],
)
def test_headings(source: str, level: int) -> None:
    doc = text_doc(source)
    assert doc.blocks[0].kind == "heading" and doc.blocks[0].level == level
    assert doc.blocks[1].section == (doc.blocks[0].text,)


@pytest.mark.parametrize(
    "source",
    [
        "4. Procurement thresholds\nfollow in this section.",  # not followed by a blank line
        "4.2 Officers must obtain three quotes\n\nBody.",  # a clause, not a title
        "4. The Council sets thresholds.\n\nBody.",  # ends with a full stop
        "Thresholds and other matters\n\nBody.",  # neither capitals nor numbered
        # a paragraph in capitals
        "NOTICE TO ALL OFFICERS: READ\nTHESE RULES BEFORE BUYING\n\nBody.",
        "The officer must:\n\nBody.",
    ],
)
def test_not_headings(source: str) -> None:
    assert text_doc(source).blocks[0].kind != "heading"


def test_underlined_heading() -> None:
    doc = text_doc("CONTRACT RULES\n==============\n\nScope\n-----\n\nBody text.")
    assert rows(doc) == [
        ("heading", 1, None, "CONTRACT RULES"),
        ("heading", 2, None, "Scope"),
        ("paragraph", None, None, "Body text."),
    ]
    assert doc.blocks[2].section == ("CONTRACT RULES", "Scope")


def test_numbered_heading_levels_make_sections() -> None:
    doc = text_doc(
        "4 Thresholds\n\n4.1 Goods\n\nText one.\n\n4.2 Works\n\nText two.\n\n5 Waivers\n\nX."
    )
    assert [(b.kind, b.level, b.section) for b in doc.blocks] == [
        ("heading", 1, ()),
        ("heading", 2, ("4 Thresholds",)),
        ("paragraph", None, ("4 Thresholds", "4.1 Goods")),
        ("heading", 2, ("4 Thresholds",)),
        ("paragraph", None, ("4 Thresholds", "4.2 Works")),
        ("heading", 1, ()),
        ("paragraph", None, ("5 Waivers",)),
    ]


def test_form_feeds_are_pages() -> None:
    doc = text_doc("Page one text.\fPage two text\ncontinues.\n\n2.1 Clause.\f\fPage four.\f")
    assert doc.pages == 4
    assert [(b.page, b.text) for b in doc.blocks] == [
        (1, "Page one text."),
        (2, "Page two text continues."),
        (2, "2.1 Clause."),
        (4, "Page four."),
    ]


def test_whitespace_only_text_has_no_blocks() -> None:
    assert text_doc(" \n\t\n\f\n").blocks == []
    with pytest.raises(ReadError):
        read_bytes("blank.txt", b"\n\n  \n")


# --- plain text: encodings ------------------------------------------------------------------

SAMPLE = "Café rules – “best value” for £25,000.\n\n4.1 Officers’ duties."


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"),
        b"\xff\xfe" + SAMPLE.encode("utf-16-le"),
        b"\xfe\xff" + SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("utf-16-le"),
        SAMPLE.encode("utf-16-be"),
        ("\ufeff" + SAMPLE).encode("utf-32"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf32-bom"],
)
def test_unicode_encodings(data: bytes) -> None:
    doc = text_doc(data)
    assert [b.text for b in doc.blocks] == [
        "Café rules – “best value” for £25,000.",
        "4.1 Officers’ duties.",
    ]
    assert doc.notes == []
    assert doc.blocks[1].clause == "4.1"


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_legacy_encodings_with_a_note(codec: str) -> None:
    source = (
        "Café rules for £25,000 – “quoted”." if codec == "cp1252" else "Café rules for £25,000."
    )
    doc = text_doc(source.encode(codec))
    assert doc.blocks[0].text == source
    assert any("Windows-1252" in note for note in doc.notes)


def test_undefined_cp1252_bytes_do_not_fail() -> None:
    text, note = decode_bytes(b"Bad \x81\x8d\x8f\x90\x9d bytes \xe9")
    assert text.startswith("Bad ") and text.endswith("bytes é") and note


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("latin1.txt", "Café £5 costs.".encode("latin-1")),
        ("utf16.txt", "\ufeffCafé £5 costs.".encode("utf-16-le")),
        ("utf16-nobom.txt", "Café £5 costs.".encode("utf-16-le")),
        ("utf16be-nobom.txt", "Café £5 costs.".encode("utf-16-be")),
    ],
)
def test_files_read_through_the_dispatcher(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert sniff(str(path), data) == "text"
    doc = read(str(path))
    assert doc.format == "text" and doc.blocks[0].text == "Café £5 costs."


def test_five_megabyte_paragraph_reads_fast() -> None:
    sentence = "The Council will secure best value when it buys goods, works and services. "
    text = (sentence * (5 * 1024 * 1024 // len(sentence) + 1))[: 5 * 1024 * 1024].strip()
    wrapped = "\n".join(text[i : i + 72] for i in range(0, len(text), 72))
    for source in (text, wrapped):
        start = time.perf_counter()
        doc = read_text("big.txt", source.encode(), Limits())
        assert time.perf_counter() - start < 2.0
        assert len(doc.blocks) == 1 and len(doc.blocks[0].text) >= len(text) - 10
        start = time.perf_counter()
        doc = read_markdown("big.md", source.encode(), Limits())
        assert time.perf_counter() - start < 2.0
        assert len(doc.blocks) == 1


# --- Markdown -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cpr_md() -> Document:
    return md_doc((FIXTURES / "cpr.md").read_bytes())


def test_markdown_front_matter_and_title(cpr_md: Document) -> None:
    assert cpr_md.format == "markdown"
    assert cpr_md.title == "Contract Procedure Rules"
    assert "updated" not in cpr_md.text and "procurement\n" not in cpr_md.text
    assert cpr_md.blocks[0].kind == "heading" and cpr_md.blocks[0].level == 1
    assert cpr_md.blocks[1].text == (
        "These rules are made under section 135 of the Local Government Act 1972 and apply to"
        " every officer who buys on the Council's behalf."
    )


def test_markdown_headings_and_clauses(cpr_md: Document) -> None:
    heads = [(b.level, b.clause, b.text, b.section) for b in cpr_md.blocks if b.kind == "heading"]
    assert heads == [
        (1, None, "Contract Procedure Rules", ()),
        (2, "1", "1. Scope", ("Contract Procedure Rules",)),
        (2, "2", "2. Thresholds", ("Contract Procedure Rules",)),
        (2, None, "Setext two", ("Contract Procedure Rules",)),
    ]
    clauses = [(b.clause, b.text) for b in cpr_md.blocks if b.text.startswith("1.")][1:]
    assert clauses == [
        ("1.1", "1.1 The rules apply to all contracts, whatever their value."),
        ("1.2", "1.2 They do not apply to employment contracts."),
    ]


def test_markdown_table(cpr_md: Document) -> None:
    cells = [(b.cell, b.text) for b in cpr_md.blocks if b.kind == "table-cell"]
    assert cells == [
        ((1, 1, 1), "Value"),
        ((1, 1, 2), "Procedure"),
        ((1, 2, 1), "Up to £25,000"),
        ((1, 2, 2), "One written quote"),
        ((1, 3, 1), "£25,000 to £100,000"),
        ((1, 3, 2), "Three written quotes"),
        ((1, 4, 1), "Over £100,000"),
        ((1, 4, 2), "Formal tender | advertised"),
    ]
    assert all(b.section == ("Contract Procedure Rules", "2. Thresholds") for b in cpr_md.blocks
               if b.kind == "table-cell")  # fmt: skip


def test_markdown_lists(cpr_md: Document) -> None:
    items = [(b.level, b.clause, b.text) for b in cpr_md.blocks if b.kind == "list-item"]
    assert items == [
        (0, "4", "Officers must keep records of all quotes."),
        (0, "5", "Officers must consider social value:"),
        (1, "5.1", "local employment;"),
        (1, "5.2", "the voluntary sector."),
        (2, None, "including social enterprises"),
        (0, None, "A further paragraph of item 5."),
        (0, None, "Bullet one, wrapped over two lines."),
        (1, None, "nested bullet"),
    ]


def test_markdown_quote_code_image_footnote(cpr_md: Document) -> None:
    texts = [b.text for b in cpr_md.blocks]
    assert "Quoted guidance: see the national guide. nested quote line" in texts
    assert "7.1 CODE BLOCK kept\n  as is" in texts
    assert "second code paragraph" in texts
    assert "Threshold chart" in texts
    footnote = next(b for b in cpr_md.blocks if b.kind == "footnote")
    assert footnote.text == "A footnote about thresholds."
    assert "https://www.gov.uk" not in cpr_md.text  # the link definition is not text


def test_markdown_comments(cpr_md: Document) -> None:
    anchors = {c.text: cpr_md.blocks[c.block - 1].text for c in cpr_md.comments if c.block}
    assert anchors == {
        "codelint: ignore OL101 -- reviewed by legal": "2. Thresholds",
        "inline note": "nested bullet",
        "trailing comment": "A footnote about thresholds.",
    }
    assert "<!--" not in cpr_md.text


def test_markdown_comment_spanning_lines_and_in_code() -> None:
    doc = md_doc(
        "Para one <!-- a comment\nover two lines --> continues.\n\n```\n<!-- not a comment -->\n```"
    )
    assert [b.text for b in doc.blocks] == ["Para one continues.", "<!-- not a comment -->"]
    assert [(c.text, c.block) for c in doc.comments] == [("a comment\nover two lines", 1)]


def test_markdown_comment_only_document() -> None:
    doc = md_doc("<!-- codelint: ignore OL101 -->\n")
    assert doc.blocks == [] and [(c.text, c.block) for c in doc.comments] == [
        ("codelint: ignore OL101", None)
    ]


@pytest.mark.parametrize(
    "source",
    [
        "---\nNot front matter, just a rule.\n\nSecond paragraph.",
        "---\ntitle: never closed\n\nSecond paragraph.",
    ],
)
def test_markdown_thematic_break_is_not_front_matter(source: str) -> None:
    doc = md_doc(source)
    assert "Second paragraph." in [b.text for b in doc.blocks]
    assert any(b.text.startswith(("Not front matter", "title: never closed")) for b in doc.blocks)


def test_markdown_toml_front_matter() -> None:
    doc = md_doc('+++\ntitle = "Rules"\n+++\nBody text.')
    assert doc.title == "Rules" and [b.text for b in doc.blocks] == ["Body text."]


def test_markdown_atx_headings() -> None:
    doc = md_doc("# One #\n###### Six\n####### Seven hashes is text\n#\n## 4.2 Quotes ##\nBody")
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("heading", 1, "One"),
        ("heading", 6, "Six"),
        ("paragraph", None, "####### Seven hashes is text"),
        ("heading", 2, "4.2 Quotes"),
        ("paragraph", None, "Body"),
    ]
    assert doc.blocks[3].clause == "4.2"
    assert doc.blocks[4].section == ("One", "4.2 Quotes")


def test_markdown_clause_lines_are_not_run_together() -> None:
    doc = md_doc("4.1 First clause\nwraps here.\n4.2 Second clause.\n(a) a sub-clause;\n")
    assert [(b.kind, b.clause, b.text) for b in doc.blocks] == [
        ("paragraph", "4.1", "4.1 First clause wraps here."),
        ("paragraph", "4.2", "4.2 Second clause."),
        ("list-item", "(a)", "(a) a sub-clause;"),
    ]


def test_markdown_ordered_list_start_and_bullets() -> None:
    doc = md_doc("3. three\n4. four\n\n* star\n+ plus\n    - deep\n")
    assert [(b.level, b.clause, b.text) for b in doc.blocks] == [
        (0, "3", "three"),
        (0, "4", "four"),
        (0, None, "star"),
        (0, None, "plus"),
        (1, None, "deep"),
    ]


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("**bold** and __strong__", "bold and strong"),
        ("*em* and _em_ but snake_case_name", "em and em but snake_case_name"),
        ("***both*** and ~~struck~~", "both and struck"),
        ("`code *stays*` here", "code *stays* here"),
        ("[the guide](https://x.org/a_(b) 'Title') and [ref][1]", "the guide and ref"),
        ("![alt text](img.png) and [![logo](l.png)](https://x)", "alt text and logo"),
        ("<https://x.org> and <a@b.org>", "https://x.org and a@b.org"),
        ("\\*not em\\* and 5 * 3", "*not em* and 5 * 3"),
        ("&pound;5 &amp; <b>tags</b> go", "£5 & tags go"),
        ("A note[^1].", "A note."),
    ],
)
def test_strip_inline(markdown: str, plain: str) -> None:
    assert strip_inline(markdown) == plain


def test_markdown_setext_and_thematic_break() -> None:
    doc = md_doc("Title\n===\nText\n\n***\n\nMore\n---\n")
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("heading", 1, "Title"),
        ("paragraph", None, "Text"),
        ("heading", 2, "More"),
    ]


def test_markdown_read_through_the_dispatcher(tmp_path: Path) -> None:
    path = tmp_path / "rules.md"
    path.write_bytes((FIXTURES / "cpr.md").read_bytes())
    doc = read(str(path))
    assert doc.format == "markdown" and validate_document(doc) == []


def test_markdown_latin1_note() -> None:
    doc = md_doc("# Café\n\nPrice £5.".encode("latin-1"))
    assert [b.text for b in doc.blocks] == ["Café", "Price £5."]
    assert any("Windows-1252" in note for note in doc.notes)


# --- any input --------------------------------------------------------------------------------

_LINES = st.sampled_from(
    [
        "", "text", "4.2 The Council", "(a) item", "- bullet", "  - nested", "1. one", "# Head",
        "HEADING", "---", "===", "| a | b |", "|---|---|", "```", "> quote", "<!-- c -->",
        "<!--", "-->", "[^1]: note", "\f", "  ", "• dot", "\t\tindented", "**", "`", "[x](y)",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=40))
def test_any_lines_give_valid_documents(lines: list[str]) -> None:
    source = "\n".join(lines)
    text_doc(source)
    md_doc(source)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_valid_documents(data: bytes) -> None:
    text_doc(data)
    md_doc(data)
