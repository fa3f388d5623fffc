"""The HTML reader: main text, headings, lists, tables, comments, encodings and hostile pages."""

from __future__ import annotations

import socket
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codelint.document import Document, validate_document
from codelint.errors import ReadError
from codelint.limits import Limits
from codelint.readers import read_bytes, sniff
from codelint.readers.html import read_html

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def read(markup: str | bytes, path: str = "page.html") -> Document:
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    doc = read_html(path, data, Limits()).finalise()
    assert validate_document(doc) == []
    return doc


def texts(doc: Document, kind: str | None = None) -> list[str]:
    return [b.text for b in doc.blocks if kind is None or b.kind == kind]


def block(doc: Document, start: str):
    """The first block whose text starts with ``start``."""
    for candidate in doc.blocks:
        if candidate.text.startswith(start):
            return candidate
    raise AssertionError(f"no block starts with {start!r}: {texts(doc)}")


# --- a realistic council page -----------------------------------------------------------------


@pytest.fixture(scope="module")
def cpr() -> Document:
    return read((FIXTURES / "council_cpr.html").read_bytes(), "cpr.html")


def test_cpr_page_reads_main_only(cpr: Document) -> None:
    everything = cpr.text
    for furniture in (
        "cookies",
        "Skip to main content",
        "Bins and recycling",
        "Search the site",
        "Footer text",
        "Related pages",
        "On this page",
        "Tender rules must not be read",
        "Injected text",
        "logo",
    ):
        assert furniture not in everything
    assert "Scope" not in texts(cpr)  # the in-page contents list inside <main>
    assert cpr.format == "html"
    assert cpr.title == "Contract Procedure Rules | Anytown Borough Council"
    assert any("page furniture" in note for note in cpr.notes)


def test_cpr_headings_and_sections(cpr: Document) -> None:
    headings = [(b.level, b.text, b.clause) for b in cpr.blocks if b.kind == "heading"]
    assert headings == [
        (1, "Contract Procedure Rules", None),
        (2, "1. Scope", "1"),
        (2, "2. Thresholds", "2"),
        (3, "Quotations", None),
    ]
    assert block(cpr, "1.1").section == ("Contract Procedure Rules", "1. Scope")
    assert block(cpr, "2. Thresholds").section == ("Contract Procedure Rules",)
    assert block(cpr, "2.1").section == ("Contract Procedure Rules", "2. Thresholds", "Quotations")


def test_cpr_clauses_and_entities(cpr: Document) -> None:
    first = block(cpr, "1.1")
    assert first.kind == "paragraph" and first.clause == "1.1"
    assert block(cpr, "1.2").clause == "1.2"
    quote = block(cpr, "2.1")
    assert quote.text.endswith("below £25,000 the officer will seek at least one written quote.")
    assert "\u00a0" not in quote.text
    assert block(cpr, "These rules govern").text.endswith("on the Council’s behalf.")


def test_cpr_threshold_table(cpr: Document) -> None:
    cells = {b.cell: b.text for b in cpr.blocks if b.kind == "table-cell"}
    assert cells == {
        (1, 1, 1): "Value",
        (1, 1, 2): "Procedure",
        (1, 1, 3): "Advertise?",
        (1, 2, 1): "Up to £25,000",
        (1, 2, 2): "One written quote",
        (1, 2, 3): "No",  # rowspan=2: row 3 has no third cell of its own
        (1, 3, 1): "£25,000 to £100,000",
        (1, 3, 2): "Three written quotes",
        (1, 4, 1): "Over £100,000",
        (1, 4, 2): "Formal tender, advertised on Contracts Finder",  # colspan=2
    }
    caption = block(cpr, "Procurement thresholds")
    assert caption.kind == "paragraph"
    assert caption.index < block(cpr, "Value").index


def test_cpr_numbered_list(cpr: Document) -> None:
    items = [(b.level, b.clause, b.text) for b in cpr.blocks if b.kind == "list-item"]
    assert items == [
        (0, "1", "Officers must keep a record of every quote."),
        (0, "2", "Officers must consider social value:"),
        (1, "2(a)", "local employment;"),
        (1, "2(b)", "the voluntary and community sector."),
    ]


def test_cpr_comments(cpr: Document) -> None:
    anchored = {c.text: c.block for c in cpr.comments}
    assert anchored["codelint: ignore OL101 -- reviewed by legal"] == block(cpr, "2.1").index
    assert anchored["codelint: ignore-file OL900 -- whole page reviewed"] is None
    assert len(cpr.comments) == 2


# --- choosing what to read ------------------------------------------------------------------


def test_content_only_in_divs_is_read() -> None:
    doc = read((FIXTURES / "divs_only.html").read_bytes())
    assert texts(doc) == [
        "Standing Orders for Contracts",
        "These standing orders apply to all purchasing by the council.",
        "1.1 Officers shall obtain quotations for every purchase over £1,000.",
        "1.2 Quotations shall be recorded on the contracts register.",
        "Purchases above £75,000 are let by formal tender.",
        "Text nested three divs deep is still read.",
        "Note: waivers need the approval of the Section 151 officer.",
    ]
    assert [b.clause for b in doc.blocks][2:4] == ["1.1", "1.2"]
    assert doc.blocks[0].kind == "heading"


def test_body_without_main_drops_furniture() -> None:
    doc = read(
        """<body>
        <div class="cookie-banner">We use cookies.</div>
        <a href="#content" class="govuk-skip-link">Skip to main content</a>
        <header>Council name</header><nav>Home | Services</nav>
        <div role="navigation">More links</div>
        <div id="content"><p>The policy text.</p></div>
        <aside>Related</aside><form><label>Rate this page</label></form>
        <footer>Copyright</footer></body>"""
    )
    assert texts(doc) == ["The policy text."]


def test_page_wrapped_in_a_form_is_read() -> None:
    doc = read(
        '<body><form id="aspnetForm" method="post"><div id="header">Council</div>'
        '<div id="nav"><a href="/">Home</a></div><h1>Contract rules</h1><p>Rule text.</p>'
        "<form><label>Search</label></form></form></body>"
    )
    assert texts(doc) == ["Contract rules", "Rule text."]
    assert not any("whole page" in note for note in doc.notes)


def test_article_when_there_is_no_main() -> None:
    doc = read(
        "<body><nav>Menu</nav><div>Banner text</div>"
        "<article><h1>Procurement strategy</h1><p>We buy locally.</p></article>"
        "<aside><article><p>Other news</p></article></aside></body>"
    )
    assert texts(doc) == ["Procurement strategy", "We buy locally."]


def test_role_main_and_header_inside_main_kept() -> None:
    doc = read(
        '<header><p>Site</p></header><div role="main"><header><h1>Rules</h1></header>'
        "<nav>Contents</nav><p>Body.</p><footer>Last updated 2025</footer></div>"
    )
    assert texts(doc) == ["Rules", "Body.", "Last updated 2025"]


def test_empty_main_falls_back_to_body() -> None:
    doc = read("<body><main></main><div>Text outside an empty main.</div></body>")
    assert texts(doc) == ["Text outside an empty main."]


def test_page_that_is_all_furniture_is_still_read() -> None:
    doc = read("<body><header><p>Everything sits in the header.</p></header></body>")
    assert texts(doc) == ["Everything sits in the header."]
    assert any("whole page" in note for note in doc.notes)


def test_hidden_and_non_text_elements_dropped() -> None:
    doc = read(
        "<main><p>Shown.</p><p hidden>Hidden attribute.</p>"
        '<div aria-hidden="true">ARIA hidden.</div><p style="display: none">CSS hidden.</p>'
        "<template><p>Template.</p></template><noscript>Enable JavaScript.</noscript>"
        "<svg><text>Chart label</text></svg><style>p{}</style><select><option>Opt</option>"
        "</select><button>Press</button><dialog>Closed dialog.</dialog>"
        "<dialog open>Open dialog.</dialog></main>"
    )
    assert texts(doc) == ["Shown.", "Open dialog."]


def test_collapsed_accordion_content_is_read() -> None:
    doc = read(
        '<main><div class="accordion"><h2>Waivers</h2><div hidden="until-found">'
        "<p>A waiver needs approval.</p></div></div><details><summary>Exemptions</summary>"
        "<p>Grants are exempt.</p></details></main>"
    )
    assert texts(doc) == ["Waivers", "A waiver needs approval.", "Exemptions", "Grants are exempt."]


# --- blocks -------------------------------------------------------------------------------------


def test_whitespace_collapsed_and_br_is_a_newline() -> None:
    doc = read(
        "<main><p>  The   Council\n\twill <b>pay</b><i> invoices</i>&nbsp;&nbsp;within"
        " 30 days.<br>Second line.</p></main>"
    )
    assert texts(doc) == ["The Council will pay invoices within 30 days.\nSecond line."]


def test_double_br_and_clause_lines_split_loose_text() -> None:
    doc = read(
        "<main><div>Intro text<br><br>4.1 First clause.<br>4.2 Second clause.<br>"
        "continues here</div></main>"
    )
    assert texts(doc) == ["Intro text", "4.1 First clause.", "4.2 Second clause.\ncontinues here"]
    assert [b.clause for b in doc.blocks] == [None, "4.1", "4.2"]


def test_paragraph_like_elements() -> None:
    doc = read(
        "<main><blockquote>Quoted rule.</blockquote><dl><dt>Officer</dt><dd>An employee."
        "</dd></dl><details><summary>More</summary>Detail text.</details>"
        "<figure><img src='c.png' alt='Threshold chart'><figcaption>Figure 1</figcaption>"
        "</figure></main>"
    )
    assert texts(doc) == [
        "Quoted rule.",
        "Officer",
        "An employee.",
        "More",
        "Detail text.",
        "Threshold chart",
        "Figure 1",
    ]
    assert {b.kind for b in doc.blocks} == {"paragraph"}


def test_pre_keeps_its_lines() -> None:
    doc = read("<main><pre>\n4.1  Keep   this\n     layout\n\n</pre></main>")
    assert texts(doc) == ["4.1  Keep   this\n     layout"]


def test_heading_levels_and_sections() -> None:
    doc = read(
        "<main><h1>Rules</h1><h2>Part A</h2><h3>Sub</h3><p>x</p><h2>Part B</h2><p>y</p>"
        '<div role="heading" aria-level="3">Aria heading</div><p>z</p>'
        "<h4><span>Nested</span> <br>heading</h4></main>"
    )
    heads = [(b.level, b.text, b.section) for b in doc.blocks if b.kind == "heading"]
    assert heads == [
        (1, "Rules", ()),
        (2, "Part A", ("Rules",)),
        (3, "Sub", ("Rules", "Part A")),
        (2, "Part B", ("Rules",)),
        (3, "Aria heading", ("Rules", "Part B")),
        (4, "Nested heading", ("Rules", "Part B", "Aria heading")),
    ]
    assert block(doc, "x").section == ("Rules", "Part A", "Sub")
    assert block(doc, "y").section == ("Rules", "Part B")


def test_title_falls_back_to_first_h1() -> None:
    doc = read("<main><p>Preamble</p><h1>  Contract   Rules </h1></main>")
    assert doc.title == "Contract Rules"


# --- lists --------------------------------------------------------------------------------------


def test_list_levels_and_continuations() -> None:
    doc = read(
        "<main><ul><li>Top<ul><li>Second<ul><li>Third</li></ul></li></ul>"
        "<p>Later paragraph of top.</p></li><li><p>Loose item</p></li></ul></main>"
    )
    items = [(b.kind, b.level, b.text) for b in doc.blocks]
    assert items == [
        ("list-item", 0, "Top"),
        ("list-item", 1, "Second"),
        ("list-item", 2, "Third"),
        ("list-item", 0, "Later paragraph of top."),
        ("list-item", 0, "Loose item"),
    ]
    assert all(b.clause is None for b in doc.blocks)


def test_ordered_list_numbering() -> None:
    doc = read(
        '<main><ol start="4"><li>Four</li><li value="9">Nine</li><li>Ten</li></ol>'
        "<ol reversed><li>Three</li><li>Two</li><li>One</li></ol>"
        '<ol type="i"><li>i</li><li>ii</li><li>iii</li><li>iv</li></ol>'
        '<ol style="list-style-type: none"><li>Unnumbered</li></ol>'
        "<ol><li>7.3 Printed number wins</li></ol></main>"
    )
    assert [b.clause for b in doc.blocks] == [
        "4", "9", "10", "3", "2", "1", "(i)", "(ii)", "(iii)", "(iv)", None, "7.3",
    ]  # fmt: skip


def test_nested_decimal_list_under_printed_clause() -> None:
    doc = read(
        "<main><ol><li>4.2 Officers must:<ol><li>ask</li><li>record</li></ol></li></ol></main>"
    )
    assert [b.clause for b in doc.blocks] == ["4.2", "4.2.1", "4.2.2"]


def test_list_nested_directly_in_list() -> None:
    doc = read("<main><ol><li>One</li><ol><li>Sub</li></ol><li>Two</li></ol></main>")
    assert [(b.level, b.clause, b.text) for b in doc.blocks] == [
        (0, "1", "One"),
        (1, "1.1", "Sub"),
        (0, "2", "Two"),
    ]


# --- tables -------------------------------------------------------------------------------------


def test_table_spans_and_empty_cells() -> None:
    doc = read(
        "<main><table><tr><th rowspan=2>A</th><th colspan=2>B</th><td></td></tr>"
        "<tr><td>C</td><td rowspan=0>D</td><td>E</td></tr>"
        "<tr><td>F</td><td>G</td></tr></table></main>"
    )
    cells = [(b.cell, b.text) for b in doc.blocks]
    assert cells == [
        ((1, 1, 1), "A"),
        ((1, 1, 2), "B"),
        ((1, 2, 2), "C"),
        ((1, 2, 3), "D"),
        ((1, 2, 4), "E"),
        ((1, 3, 1), "F"),  # A's rowspan ended, D's runs to the end
        ((1, 3, 2), "G"),
    ]


def test_cell_text_and_table_numbering() -> None:
    doc = read(
        "<main><table><tr><td><p>Line one</p><p>Line two<br>three</p></td><td><ul><li>x</li>"
        "<li>y</li></ul></td></tr></table><p>Between</p>"
        "<table><tbody><tr><td>Second</td><td>table</td></tr></tbody></table></main>"
    )
    assert [(b.kind, b.cell, b.text) for b in doc.blocks] == [
        ("table-cell", (1, 1, 1), "Line one\nLine two\nthree"),
        ("table-cell", (1, 1, 2), "x\ny"),
        ("paragraph", None, "Between"),
        ("table-cell", (2, 1, 1), "Second"),
        ("table-cell", (2, 1, 2), "table"),
    ]


def test_layout_tables_read_as_content() -> None:
    doc = read(
        "<main><table><tr><td><h2>Rules</h2><p>Body text.</p>"
        "<table><tr><td>k</td><td>v</td></tr></table></td></tr></table>"
        '<table role="presentation"><tr><td>Left</td><td>Right</td></tr></table></main>'
    )
    assert [(b.kind, b.cell, b.text) for b in doc.blocks] == [
        ("heading", None, "Rules"),
        ("paragraph", None, "Body text."),
        ("table-cell", (1, 1, 1), "k"),
        ("table-cell", (1, 1, 2), "v"),
        ("paragraph", None, "Left"),
        ("paragraph", None, "Right"),
    ]


# --- comments ---------------------------------------------------------------------------------


def test_comment_anchoring() -> None:
    doc = read(
        "<!-- before html --><html><head><!-- in head --></head><body>"
        "<nav><!-- in nav --><a href='/'>Home</a></nav><main>"
        "<!-- codelint: ignore OL101 -- reviewed --><p>First</p>"
        "<p>Second <!-- inside second --> block</p>"
        "<!--[if IE]><p>Old browser</p><![endif]-->"
        "<p>Third</p><!-- after the last block --></main></body></html>"
    )
    assert texts(doc) == ["First", "Second block", "Third"]
    anchors = [(c.text, c.block) for c in doc.comments]
    assert anchors == [
        ("before html", None),
        ("in head", None),
        ("codelint: ignore OL101 -- reviewed", 1),
        ("inside second", 2),
        ("after the last block", 3),
    ]


def test_comment_in_table_and_heading() -> None:
    doc = read(
        "<main><h2>Title<!-- h --></h2><table><tr><td>a</td><!-- c --><td>b</td></tr>"
        "<!-- row --><tr><td>c</td><td>d</td></tr></table></main>"
    )
    anchors = {c.text: doc.blocks[c.block - 1].text for c in doc.comments if c.block}
    assert anchors == {"h": "Title", "c": "b", "row": "c"}
    assert [b.cell for b in doc.blocks][-2:] == [(1, 2, 1), (1, 2, 2)]


# --- encodings ----------------------------------------------------------------------------------


SAMPLE = "<p>Café £5 – “quoted”</p>"


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (SAMPLE.encode(), False),
        (b"\xef\xbb\xbf" + SAMPLE.encode(), False),
        (("\ufeff" + SAMPLE).encode("utf-16-le"), False),
        (("\ufeff" + SAMPLE).encode("utf-16-be"), False),
        (("<p>Café £5 – “quoted” in UTF-16 with no mark</p>").encode("utf-16-le"), False),
        (('<meta charset="windows-1252">' + SAMPLE).encode("cp1252"), False),
        (
            (
                '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">' + SAMPLE
            ).encode("cp1252"),
            False,
        ),
        (('<?xml version="1.0" encoding="iso-8859-1"?><html>' + SAMPLE).encode("cp1252"), False),
        (SAMPLE.encode("cp1252"), True),
    ],
)
def test_encodings(data: bytes, note: bool) -> None:
    doc = read(data)
    assert doc.blocks[0].text.startswith("Café £5 – “quoted”")
    assert any("Windows-1252" in n for n in doc.notes) == note


def test_declared_utf8_that_is_not() -> None:
    doc = read('<meta charset="utf-8"><p>Caf\xe9</p>'.encode("latin-1"))
    assert texts(doc) == ["Café"]
    assert any("Windows-1252" in n for n in doc.notes)


def test_entities_decoded() -> None:
    doc = read(
        "<main><p>&pound;5&nbsp;000 &amp; &lt;b&gt; &#8217; &#x2014; &eacute; &pound</p></main>"
    )
    assert texts(doc) == ["£5 000 & <b> ’ — é £"]


# --- hostile and broken pages ----------------------------------------------------------------


def test_script_and_event_handlers_are_inert() -> None:
    doc = read(
        "<main><p>Rule &lt;script&gt;alert('x')&lt;/script&gt; stays text.</p>"
        "<script>alert('run')</script><img src=x onerror=\"alert('img')\">"
        "<p onclick=\"alert('click')\">Click text.</p>"
        "<iframe src='javascript:alert(1)'>frame</iframe><object data='x.swf'>obj</object>"
        "</main>"
    )
    assert texts(doc) == ["Rule <script>alert('x')</script> stays text.", "Click text."]
    assert "run" not in doc.text and "img" not in doc.text and "click'" not in doc.text


def test_never_fetches_or_resolves_entities(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    doc = read(
        '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY remote SYSTEM "http://example.invalid/x">]>'
        '<html><head><link rel="stylesheet" href="http://example.invalid/a.css">'
        '<base href="http://example.invalid/"></head><body><main>'
        '<p>&xxe; and &remote; stay literal.</p><img src="http://example.invalid/i.png">'
        '<iframe src="http://example.invalid/"></iframe></main></body></html>'
    )
    assert texts(doc) == ["&xxe; and &remote; stay literal."]
    assert "root:" not in doc.text


def test_malformed_markup_still_reads() -> None:
    doc = read(
        "<p>Unclosed <b>bold <i>italic<p>Next para</i></b></div></span>"
        "<li>Orphan item<table><tr><td>a<td>b<tr><td>c</table><div>After</p> <h2>Head<h3>Sub"
        "</h2><p>Tail & more < less</p><a href='x"
    )
    assert texts(doc)[:3] == ["Unclosed bold italic", "Next para", "Orphan item"]
    assert [b.cell for b in doc.blocks if b.kind == "table-cell"] == [
        (1, 1, 1),
        (1, 1, 2),
        (1, 2, 1),
    ]
    assert "After" in texts(doc)
    assert "Tail & more < less" in doc.text


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    depth = 20_000
    doc = read("<div>" * depth + "deep text" + "</div>" * depth + "<p>after</p>")
    assert texts(doc) == ["deep text", "after"]
    lists = read("<ul>" + "<li>x<ul>" * 3000 + "<li>bottom</li>" + "</ul></li>" * 3000 + "</ul>")
    assert lists.blocks[-1].text == "bottom"


def test_page_without_text_has_no_blocks_and_read_bytes_refuses_it() -> None:
    page = "<!DOCTYPE html><html><head><title>Empty</title></head><body> <script>x</script>"
    page += "<div>  </div><img src='a.png'></body></html>"
    doc = read(page)
    assert doc.blocks == []
    with pytest.raises(ReadError):
        read_bytes("empty.html", page.encode())


def test_read_bytes_dispatches_html() -> None:
    data = (FIXTURES / "council_cpr.html").read_bytes()
    assert sniff("cpr.html", data) == "html"
    doc = read_bytes("cpr.html", data)
    assert doc.format == "html" and validate_document(doc) == []


def test_large_page_reads_quickly() -> None:
    page = "<main>" + "<p>4.1 The Council will buy goods and services fairly.</p>\n" * 40_000
    start = time.perf_counter()
    doc = read(page + "</main>")
    assert time.perf_counter() - start < 10
    assert len(doc.blocks) == 40_000


_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<div>", "</div>", "<td>", "<th colspan=3>", "<tr>", "<table>",
        "</table>", "<td rowspan=0>", "<li>", "<ol start=-2 type=a>", "</ol>", "<ul>", "<h2>",
        "</h2>", "<pre>", "</pre>", "<br>", "<main>", "</main>", "<nav>", "<!-- c -->", "<!--",
        "-->", "text ", "4.2 Clause ", "&pound;", "&#0;", "\u00a0", "\n", "<script>", "</script>",
        "<caption>", "<head>", "<body>", "<![CDATA[x]]>", "<!DOCTYPE x [", "]>", "<",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=80))
def test_any_markup_gives_a_valid_document(pieces: list[str]) -> None:
    read("".join(pieces))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_valid_document(data: bytes) -> None:
    read(data)
