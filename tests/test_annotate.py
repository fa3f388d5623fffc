"""Tests of ``codelint annotate`` (codelint/annotate.py and its command).

Three independent readers check every annotated file: python-docx (the comments part),
codelint's own reader (the text with tracked changes accepted, and with codelint's changes
rejected) and LibreOffice (``--convert-to odt``: one ``office:annotation`` per finding and the
tracked changes; a Basic macro runs Accept All / Reject All). LibreOffice runs with a private
profile per test, so tests can run in parallel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest
from docx_factory import build_docx, comments_xml, ins, notes_xml, p, r, table
from lxml import etree

from codelint import annotate as annotate_module
from codelint.annotate import AUTHOR, AnnotateStats, annotate_docx, fit_replacement, word_date
from codelint.cli import main
from codelint.document import Document
from codelint.findings import Finding
from codelint.ooxml import MC_NS
from codelint.readers import read, read_bytes

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "corpora" / "samples").glob("*.docx"))
TRACKED_SAMPLE = ROOT / "corpora" / "samples" / "cpr-2016-pcr2015.docx"
AS_OF = "2026-11-24"
NOW = dt.datetime(2026, 11, 25, 9, 30, 15, tzinfo=dt.UTC)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
BOLD = "<w:rPr><w:b/></w:rPr>"
ITALIC = "<w:rPr><w:i/></w:rPr>"
UNDERLINE = '<w:rPr><w:u w:val="single"/></w:rPr>'


def q(name: str) -> str:
    return f"{{{W}}}{name}"


# --- building inputs and findings ----------------------------------------------------------------


def finding_on(
    doc: Document,
    phrase: str,
    *,
    rule: str = "OL001",
    fix: str | None = "replace",
    text: str = "Find a Tender",
    block: int | None = None,
) -> Finding:
    """A finding on the first occurrence of ``phrase`` (in block ``block`` when given)."""
    for candidate in doc.blocks:
        if block is not None and candidate.index != block:
            continue
        start = candidate.text.find(phrase)
        if start >= 0:
            return Finding(
                rule=rule,
                family="outdated-law",
                severity="warning",
                title=f"Title of {rule}",
                message=f"Why {rule} matters.",
                source=f"Source of {rule}",
                paragraph=candidate.index,
                page=None,
                section=[],
                clause=None,
                span=(start, start + len(phrase)),
                excerpt=candidate.text,
                match=phrase,
                suggestion={"text": text, "fix": fix} if fix else None,
                fingerprint=rule,
            )
    raise AssertionError(f"{phrase!r} is not in the document")


def whole_document_finding(rule: str = "CM001") -> Finding:
    return Finding(
        rule=rule,
        family="compact-missing",
        severity="warning",
        title="No mention of the local Compact",
        message="The document never mentions the local Compact.",
        source="The Compact (2010)",
        paragraph=1,
        page=None,
        section=[],
        clause=None,
        span=None,
        excerpt="",
        match="",
        suggestion={"text": "Add a Compact clause.", "fix": "advisory"},
        fingerprint=rule,
        document_level=True,
    )


def annotated(
    data: bytes, findings_of, tmp_path: Path, name: str = "out.docx", **options
) -> tuple[bytes, AnnotateStats, Document, Path]:
    """Annotate ``data`` with ``findings_of(document)``; return output bytes, stats, the
    input's reading and the output path."""
    document = read_bytes("in.docx", data)
    findings = findings_of(document)
    stream = io.BytesIO()
    stats = annotate_docx(data, read_bytes("in.docx", data), findings, stream, now=NOW, **options)
    out = stream.getvalue()
    path = tmp_path / name
    path.write_bytes(out)
    assert stats.comments == len(findings)
    return out, stats, document, path


# --- reading outputs -----------------------------------------------------------------------------


def part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(name))


def texts(data: bytes) -> list[str]:
    """Block texts as codelint reads them: tracked changes accepted."""
    return [b.text for b in read_bytes("x.docx", data).blocks]


def reject_codelint(data: bytes) -> bytes:
    """The package with codelint's tracked changes rejected (and everyone else's kept)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                root = etree.fromstring(content)
                for insertion in list(root.iter(q("ins"))):
                    if insertion.get(q("author")) == AUTHOR:
                        insertion.getparent().remove(insertion)
                for deletion in list(root.iter(q("del"))):
                    if deletion.get(q("author")) == AUTHOR:
                        for text in deletion.iter(q("delText")):
                            text.tag = q("t")
                        parent = deletion.getparent()
                        at = parent.index(deletion)
                        for child in reversed(list(deletion)):
                            parent.insert(at, child)
                        parent.remove(deletion)
                content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            out.writestr(info, content)
    return buffer.getvalue()


def comment_texts(path: Path) -> list[str]:
    """Comments as python-docx reads them back."""
    return [c.text for c in docx.Document(str(path)).comments]


def ours(root: etree._Element, tag: str) -> list[etree._Element]:
    return [e for e in root.iter(q(tag)) if e.get(q("author")) == AUTHOR]


def marker_order(root: etree._Element) -> list[tuple[str, str]]:
    """(kind, id) of every comment marker in document order."""
    kinds = {q("commentRangeStart"): "start", q("commentRangeEnd"): "end"}
    kinds[q("commentReference")] = "ref"
    return [(kinds[e.tag], e.get(q("id"))) for e in root.iter(*kinds)]


def assert_markers_in_order(*roots: etree._Element) -> None:
    """Each comment has exactly one start, end and reference, in that order."""
    seen: dict[str, list[str]] = {}
    for root in roots:
        for kind, comment_id in marker_order(root):
            seen.setdefault(comment_id, []).append(kind)
    assert seen, "no comment markers"
    for comment_id, kinds in seen.items():
        assert kinds == ["start", "end", "ref"], (comment_id, kinds)


def all_ids(data: bytes) -> Counter[str]:
    """Every w:id on a tracked change or comment in the story parts."""
    counts: Counter[str] = Counter()
    tags = {q(t) for t in ("ins", "del", "rPrChange", "comment", "moveFrom", "moveTo")}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not (name.startswith("word/") and name.endswith(".xml")):
                continue
            root = etree.fromstring(archive.read(name))
            for element in root.iter(*tags):
                counts[element.get(q("id"))] += 1
    return counts


# --- LibreOffice ---------------------------------------------------------------------------------

REVIEW_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1"
 script:language="StarBasic">
Sub Review(inPath As String, outPath As String, command As String)
  Dim props(0) As New com.sun.star.beans.PropertyValue
  props(0).Name = &quot;Hidden&quot;
  props(0).Value = True
  Dim doc As Object
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(inPath), &quot;_blank&quot;, 0, props())
  Dim helper As Object
  helper = CreateUnoService(&quot;com.sun.star.frame.DispatchHelper&quot;)
  Dim none() As New com.sun.star.beans.PropertyValue
  helper.executeDispatch(doc.getCurrentController().getFrame(), &quot;.uno:&quot; &amp; command, _
    &quot;&quot;, 0, none())
  Dim out(1) As New com.sun.star.beans.PropertyValue
  out(0).Name = &quot;FilterName&quot;
  out(0).Value = &quot;Text (encoded)&quot;
  out(1).Name = &quot;FilterOptions&quot;
  out(1).Value = &quot;UTF8&quot;
  doc.storeToURL(ConvertToURL(outPath), out())
  doc.close(True)
End Sub
</script:module>
"""


class LibreOffice:
    """soffice with a private profile (one per test)."""

    def __init__(self, work: Path) -> None:
        binary = shutil.which("soffice") or shutil.which("libreoffice")
        assert binary, "LibreOffice (soffice) is needed for these tests"
        self.binary = binary
        self.work = work
        self.profile = work / "lo-profile"
        self.macro_ready = False

    def _run(self, *args: str) -> None:
        """Run soffice in its own process group, so a timeout kills soffice.bin too."""
        command = [self.binary, f"-env:UserInstallation={self.profile.as_uri()}", "--headless"]
        process = subprocess.Popen(
            [*command, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            process.wait(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise AssertionError(f"LibreOffice took over 240 s: {args}") from None

    def odt_content(self, *paths: Path) -> dict[str, str]:
        """content.xml of each file converted to .odt (a missing key: LibreOffice failed)."""
        folder = self.work / "odt"
        self._run("--convert-to", "odt", "--outdir", str(folder), *map(str, paths))
        found = {}
        for path in paths:
            odt = folder / (path.stem + ".odt")
            if odt.exists():
                with zipfile.ZipFile(odt) as archive:
                    found[path.name] = archive.read("content.xml").decode("utf-8")
        return found

    def review(self, path: Path, command: str) -> str:
        """The text after ``command`` (AcceptAllTrackedChanges or RejectAllTrackedChanges)."""
        if not self.macro_ready:
            if not (self.profile / "user" / "basic" / "Standard").is_dir():
                # a first start creates the profile and its Basic library
                self._run("--convert-to", "txt", "--outdir", str(self.work / "init"), str(path))
            module = self.profile / "user" / "basic" / "Standard" / "Module1.xba"
            module.write_text(REVIEW_MACRO, encoding="utf-8")
            self.macro_ready = True
        out = self.work / f"{path.stem}.{command}.txt"
        out.unlink(missing_ok=True)
        self._run(f'macro:///Standard.Module1.Review("{path}","{out}","{command}")')
        assert out.exists(), f"LibreOffice could not {command} on {path.name}"
        return out.read_text(encoding="utf-8-sig")


@pytest.fixture
def libreoffice(tmp_path: Path) -> LibreOffice:
    return LibreOffice(tmp_path)


def annotations(content: str) -> int:
    return len(re.findall(r"<office:annotation[ >]", content))


def codelint_changes(content: str) -> Counter[str]:
    """Kinds of LibreOffice changed regions whose (innermost) change is by codelint."""
    kinds: Counter[str] = Counter()
    for region in re.findall(r"<text:changed-region.*?</text:changed-region>", content, re.S):
        first = re.search(r"<text:(deletion|insertion|format-change)>.*?<dc:creator>(.*?)<", region)
        if first and first.group(2) == AUTHOR:
            kinds[first.group(1)] += 1
    return kinds


# --- where the words are -------------------------------------------------------------------------


def test_a_span_starting_and_ending_inside_a_run(tmp_path: Path) -> None:
    data = build_docx(p(r("Notices go to the OJEU every time.", rpr=BOLD)))
    out, stats, _doc, path = annotated(data, lambda d: [finding_on(d, "OJEU")], tmp_path)
    assert (stats.comments, stats.tracked_changes) == (1, 1)
    assert texts(out) == ["Notices go to the Find a Tender every time."]
    assert texts(reject_codelint(out)) == ["Notices go to the OJEU every time."]
    body = part(out, "word/document.xml")
    [deletion] = ours(body, "del")
    [insertion] = ours(body, "ins")
    assert "".join(deletion.itertext()) == "OJEU"
    assert [t.tag for t in deletion.iter(q("t"), q("delText"))] == [q("delText")]
    assert "".join(insertion.itertext()) == "Find a Tender"
    assert insertion.getprevious() is deletion
    assert deletion.get(q("date")) == insertion.get(q("date")) == "2026-11-25T09:30:15Z"
    # every run, split or inserted, keeps the bold
    runs = [run for run in body.iter(q("r")) if run.find(q("commentReference")) is None]
    assert len(runs) == 4
    assert all(run.find("w:rPr/w:b", NS) is not None for run in runs)
    # the comment covers the deleted and the inserted words
    paragraph = body.find(".//w:p", NS)
    kinds = [etree.QName(child).localname for child in paragraph]
    assert kinds == ["r", "commentRangeStart", "del", "ins", "commentRangeEnd", "r", "r"]
    assert_markers_in_order(body)
    [comment] = docx.Document(str(path)).comments
    assert (comment.author, comment.initials) == ("codelint", "CL")
    assert comment.timestamp == NOW
    for words in ("OL001", "Title of OL001", "Why OL001 matters.", "Source of OL001",
                  "Suggested redraft: Find a Tender", "tracked change"):  # fmt: skip
        assert words in comment.text


def test_a_span_over_three_runs_with_different_formatting(tmp_path: Path) -> None:
    data = build_docx(
        p(
            r("Publish it in the "),
            r("Official", rpr=BOLD),
            r(" Journal of the", rpr=ITALIC),
            r(" European Union at once.", rpr=UNDERLINE),
        )
    )
    phrase = "Official Journal of the European Union"
    out, stats, _doc, path = annotated(
        data, lambda d: [finding_on(d, phrase, text="the central digital platform")], tmp_path
    )
    assert stats.tracked_changes == 1
    assert texts(out) == ["Publish it in the central digital platform at once."]
    assert texts(reject_codelint(out)) == [f"Publish it in the {phrase} at once."]
    body = part(out, "word/document.xml")
    [deletion] = ours(body, "del")
    deleted = deletion.findall("w:r", NS)
    assert ["".join(run.itertext()) for run in deleted] == [
        "Official",
        " Journal of the",
        " European Union",
    ]
    properties = [etree.QName(run.find("w:rPr", NS)[0]).localname for run in deleted]
    assert properties == ["b", "i", "u"]
    [insertion] = ours(body, "ins")
    assert insertion.find("w:r/w:rPr/w:b", NS) is not None  # formatted like the first word
    after = [run for run in body.iter(q("r")) if "".join(run.itertext()) == " at once."]
    assert after and after[0].find("w:rPr/w:u", NS) is not None
    assert len(comment_texts(path)) == 1


def test_words_inside_another_authors_insertion_nest_as_word_and_libreoffice_do(
    tmp_path: Path, libreoffice: LibreOffice
) -> None:
    sentence = "The council shall advertise in the OJEU every time."
    data = build_docx(p(r("Before. "), ins(r(sentence, rpr=BOLD)), r(" After.")))
    out, stats, _doc, path = annotated(data, lambda d: [finding_on(d, "the OJEU")], tmp_path)
    assert stats.tracked_changes == 1
    assert texts(out) == ["Before. The council shall advertise in Find a Tender every time. After."]
    assert texts(reject_codelint(out)) == [f"Before. {sentence} After."]
    paragraph = part(out, "word/document.xml").find(".//w:p", NS)
    shape = []
    for child in paragraph:
        name = etree.QName(child).localname
        if name in ("ins", "del"):
            inner = [etree.QName(c).localname for c in child if c.tag in (q("ins"), q("del"))]
            name += f"({child.get(q('author'))}{'>' + inner[0] if inner else ''})"
        shape.append(name)
    # Word and LibreOffice: the other author's insertion split around the words, our deletion
    # inside its middle piece, and our insertion after it, outside the other's insertion.
    assert shape == [
        "r",
        "ins(A)",
        "commentRangeStart",
        "ins(A>del)",
        "ins(codelint)",
        "commentRangeEnd",
        "r",
        "ins(A)",
        "r",
    ]
    ids = all_ids(out)
    assert all(count == 1 for count in ids.values()), ids
    middle = paragraph.findall("w:ins", NS)[1]
    assert (middle.get(q("author")), middle.get(q("date"))) == ("A", "2024-01-01T00:00:00Z")
    assert middle.find("w:del", NS).get(q("author")) == AUTHOR
    # LibreOffice: Accept All gives the redraft, Reject All the same as rejecting the input.
    accepted = libreoffice.review(path, "AcceptAllTrackedChanges")
    assert (
        accepted.strip()
        == "Before. The council shall advertise in Find a Tender every time. After."
    )
    source = tmp_path / "in.docx"
    source.write_bytes(data)
    assert libreoffice.review(path, "RejectAllTrackedChanges") == libreoffice.review(
        source, "RejectAllTrackedChanges"
    )


def test_a_table_cell_of_two_paragraphs(tmp_path: Path) -> None:
    cell = p("First paragraph of the cell.") + p("Second one sends notices to OJEU here.")
    data = build_docx(p("Before the table.") + table([["Notices", cell]]))

    def findings(doc: Document) -> list[Finding]:
        cell_block = next(b for b in doc.blocks if b.kind == "table-cell" and "\n" in b.text)
        return [
            finding_on(doc, "OJEU", block=cell_block.index),
            finding_on(doc, "cell.\nSecond", rule="EU003", block=cell_block.index),
        ]

    out, stats, doc, path = annotated(data, findings, tmp_path)
    assert (stats.comments, stats.tracked_changes, stats.untracked_replacements) == (2, 1, 1)
    assert (
        texts(out)[-1]
        == "First paragraph of the cell.\nSecond one sends notices to Find a Tender here."
    )
    assert texts(reject_codelint(out)) == [b.text for b in doc.blocks]
    body = part(out, "word/document.xml")
    first, second = body.findall(".//w:tc", NS)[1].findall("w:p", NS)
    assert [k for k, _ in marker_order(first)] == ["start"]  # the span across the paragraphs
    assert ours(second, "del") and [k for k, _ in marker_order(second)].count("start") == 1
    assert_markers_in_order(body)
    across = next(t for t in comment_texts(path) if t.startswith("EU003"))
    assert "Not made as a tracked change: the words run across paragraphs." in across


def _with_footnote() -> bytes:
    body = p(
        r("Part B services are listed in the schedule."),
        '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        '<w:footnoteReference w:id="1"/></w:r>',
        r(" More text."),
    )
    return build_docx(body, footnotes=notes_xml("footnote", {1: "Part B Services include hotels."}))


def test_a_footnote_keeps_its_change_and_is_commented_at_its_mark(tmp_path: Path) -> None:
    data = _with_footnote()

    def findings(doc: Document) -> list[Finding]:
        note = next(b for b in doc.blocks if b.kind == "footnote")
        return [finding_on(doc, "Part B Services", block=note.index, text="Light touch services")]

    out, stats, doc, path = annotated(data, findings, tmp_path)
    assert stats.tracked_changes == 1
    assert texts(out)[-1] == " Light touch services include hotels."
    assert texts(reject_codelint(out)) == [b.text for b in doc.blocks]
    notes, body = part(out, "word/footnotes.xml"), part(out, "word/document.xml")
    assert "".join(ours(notes, "del")[0].itertext()) == "Part B Services"
    assert marker_order(notes) == []  # LibreOffice cannot open a note holding a comment mark
    start = body.find(".//w:commentRangeStart", NS)
    assert start.getnext().find("w:footnoteReference", NS) is not None
    assert_markers_in_order(body)
    [text] = comment_texts(path)
    assert "On the words \u201cPart B Services\u201d in the footnote marked here." in text


def test_comments_in_notes_on_request(tmp_path: Path) -> None:
    data = _with_footnote()

    def findings(doc: Document) -> list[Finding]:
        note = next(b for b in doc.blocks if b.kind == "footnote")
        return [finding_on(doc, "Part B Services", block=note.index, text="Light touch services")]

    out, _stats, _doc, path = annotated(data, findings, tmp_path, comments_in_notes=True)
    notes, body = part(out, "word/footnotes.xml"), part(out, "word/document.xml")
    assert marker_order(body) == []
    assert_markers_in_order(notes)
    start = notes.find(".//w:commentRangeStart", NS)
    assert start.getnext() is ours(notes, "del")[0]
    assert len(comment_texts(path)) == 1


def test_a_whole_document_finding_is_on_the_title(tmp_path: Path) -> None:
    data = build_docx(
        p(r("Contract "), r("Procedure Rules", rpr=BOLD), style="Title") + p("Body of the code.")
    )
    out, stats, _doc, path = annotated(data, lambda d: [whole_document_finding()], tmp_path)
    assert (stats.comments, stats.tracked_changes) == (1, 0)
    title = part(out, "word/document.xml").find(".//w:p", NS)
    kinds = [etree.QName(child).localname for child in title]
    assert kinds == ["pPr", "commentRangeStart", "r", "r", "commentRangeEnd", "r"]
    [text] = comment_texts(path)
    assert text.startswith("CM001 (warning): No mention of the local Compact")
    assert "[about the whole document]" in text
    assert "Suggested redraft: Add a Compact clause." in text


def test_overlapping_findings_get_two_comments_and_one_tracked_change(tmp_path: Path) -> None:
    data = build_docx(p("Every contract goes to the OJEU notice board first."))

    def findings(doc: Document) -> list[Finding]:
        return [
            finding_on(doc, "OJEU", rule="OL001", text="Find a Tender"),
            finding_on(doc, "the OJEU notice board", rule="EU003", text="the central platform"),
            finding_on(doc, "OJEU", rule="OL009", fix="advisory", text="Think again."),
        ]

    out, stats, _doc, path = annotated(data, findings, tmp_path)
    assert (stats.comments, stats.tracked_changes, stats.untracked_replacements) == (3, 1, 1)
    # the first in the document (the longer span starts earlier) is the one changed
    assert texts(out) == ["Every contract goes to the central platform first."]
    body = part(out, "word/document.xml")
    assert len(ours(body, "del")) == len(ours(body, "ins")) == 1
    assert_markers_in_order(body)
    by_code = {text[:5]: text for text in comment_texts(path)}
    assert set(by_code) == {"OL001", "EU003", "OL009"}
    assert "another finding's tracked change already covers these words" in by_code["OL001"]
    assert "Made as a tracked change" in by_code["EU003"]


def test_hyperlinks_fields_content_controls_and_smart_tags(
    tmp_path: Path, libreoffice: LibreOffice
) -> None:
    def complex_field(instruction: str, result: str) -> str:
        return (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + r(result)
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    body = p(
        r("See "),
        f'<w:hyperlink w:anchor="x">{r("the OJEU site")}</w:hyperlink>',
        r(", "),
        '<w:fldSimple w:instr=" HYPERLINK &quot;https://example.org&quot; ">'
        f"{r('the PQQ page')}</w:fldSimple>",
        r(", "),
        f"<w:sdt><w:sdtPr/><w:sdtContent>{r('Part B services')}</w:sdtContent></w:sdt>",
        r(", "),
        f'<w:smartTag w:uri="u" w:element="place">{r("Brookvale")}</w:smartTag>',
        r(", "),
        complex_field('HYPERLINK "https://example.org/cf"', "Contracts Finder"),
        r(" and "),
        complex_field("REF clause_4 \\h", "the EU Threshold"),
        r("."),
    )
    data = build_docx(body)
    before = (
        "See the OJEU site, the PQQ page, Part B services, Brookvale, Contracts Finder and "
        "the EU Threshold."
    )

    def findings(doc: Document) -> list[Finding]:
        return [
            finding_on(doc, "OJEU", rule="OL001", text="FTS"),
            finding_on(doc, "PQQ", rule="OL009", text="selection"),
            finding_on(doc, "Part B", rule="OL008", text="Light touch"),
            finding_on(doc, "Brookvale", rule="LC001", text="the area"),
            finding_on(doc, "Contracts Finder", rule="OL013", text="the platform"),
            finding_on(doc, "EU Threshold", rule="OL017", text="threshold"),
            finding_on(doc, "See the", rule="XX001", text="Look at the"),
        ]

    out, stats, doc, path = annotated(data, findings, tmp_path)
    assert texts(reject_codelint(out)) == [before]
    # a hyperlink field's text can change; a cross-reference's result is Word's to rewrite
    assert texts(out) == [
        "Look at the FTS site, the selection page, Light touch services, the area, the platform "
        "and the EU Threshold."
    ]
    assert (stats.tracked_changes, stats.untracked_replacements) == (6, 1)
    body_root = part(out, "word/document.xml")
    assert_markers_in_order(body_root)
    for container in ("hyperlink", "fldSimple", "sdtContent", "smartTag"):
        holder = body_root.find(f".//w:{container}", NS)
        assert ours(holder, "del") and ours(holder, "ins"), container
        assert holder.find("w:commentRangeStart", NS) is not None, container
    # "See the" spans a plain run and the hyperlink: one deletion in each, one insertion
    see = [d for d in ours(body_root, "del") if "".join(d.itertext()) in ("See ", "the")]
    assert len(see) == 2
    # fields keep their begin, separator and end outside every deletion
    for deletion in ours(body_root, "del"):
        assert deletion.find(".//w:fldChar", NS) is None
    reference = next(t for t in comment_texts(path) if t.startswith("OL017"))
    assert "the result of a field" in reference
    content = libreoffice.odt_content(path)[path.name]
    assert annotations(content) == len(findings(doc))
    changes = codelint_changes(content)
    assert changes["insertion"] == 6
    assert changes["deletion"] in (6, 7)  # LibreOffice may join the two "See the" deletions


def _text_box(words: str) -> str:
    content = f"<w:txbxContent>{p(words)}</w:txbxContent>"
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
        f'wordprocessingShape"><wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp>'
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback>"
        f"<w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r>"
    )


def test_a_text_box_is_annotated_in_place(tmp_path: Path) -> None:
    data = build_docx(p("Host paragraph.", _text_box("Advertise in the OJEU.")) + p("After."))

    def findings(doc: Document) -> list[Finding]:
        return [finding_on(doc, "OJEU")]

    out, stats, doc, path = annotated(data, findings, tmp_path)
    assert stats.tracked_changes == 1
    assert texts(out) == ["Host paragraph.", "Advertise in the Find a Tender.", "After."]
    assert texts(reject_codelint(out)) == [b.text for b in doc.blocks]
    choice = part(out, "word/document.xml").find(".//mc:Choice", {"mc": MC_NS})
    assert choice.find(".//w:commentRangeStart", NS) is not None
    assert ours(choice, "del") and ours(choice, "ins")
    assert len(comment_texts(path)) == 1


def test_libreoffice_reads_every_kind_of_place(tmp_path: Path, libreoffice: LibreOffice) -> None:
    cell = p("First paragraph of the cell.") + p("Second one names the OJEU.")
    body = (
        p("Contract Procedure Rules", style="Title")
        + p(r("Before. "), ins(r("Advertise in the OJEU always.", rpr=BOLD)), r(" After."))
        + p(
            r("Part B services", rpr=ITALIC),
            '<w:r><w:footnoteReference w:id="1"/></w:r>',
            r(" are bought with a PQQ."),
        )
        + table([["Notices", cell]])
        + p("Host paragraph.", _text_box("Boxed: send it to the OJEU."))
    )
    data = build_docx(body, footnotes=notes_xml("footnote", {1: "Part B Services include hotels."}))

    def findings(doc: Document) -> list[Finding]:
        found = [whole_document_finding()]
        for block in doc.blocks:
            if "OJEU" in block.text:
                found.append(finding_on(doc, "OJEU", block=block.index))
        found += [
            finding_on(doc, "the OJEU always", rule="EU003", fix="advisory"),
            finding_on(doc, "Part B Services", rule="OL008", text="Light touch services"),
            finding_on(doc, "PQQ", rule="OL009", text="selection questions"),
            finding_on(doc, "cell.\nSecond", rule="XX001", fix=None),
        ]
        return found

    out, stats, doc, path = annotated(data, findings, tmp_path)
    # the three OJEUs (in an insertion, a table cell, a text box), Part B, the PQQ
    assert stats.tracked_changes == 5
    assert texts(reject_codelint(out)) == [b.text for b in doc.blocks]
    content = libreoffice.odt_content(path)[path.name]
    assert annotations(content) == stats.comments == 8
    assert codelint_changes(content) == Counter(deletion=5, insertion=5)


# --- the package ---------------------------------------------------------------------------------


def test_new_ids_clash_with_nothing_and_old_comments_stay(tmp_path: Path) -> None:
    body = (
        p(
            '<w:bookmarkStart w:id="500" w:name="b"/>',
            r("Old text about the OJEU. "),
            '<w:bookmarkEnd w:id="500"/>',
            '<w:commentRangeStart w:id="7"/>',
            r("Reviewed."),
            '<w:commentRangeEnd w:id="7"/>',
            '<w:r><w:commentReference w:id="7"/></w:r>',
        )
        + p(ins(r("Inserted OJEU words.")))
        + p(
            "<w:r><w:rPr><w:b/>"
            '<w:rPrChange w:id="300" w:author="A" w:date="2024-01-01T00:00:00Z"><w:rPr/>'
            '</w:rPrChange></w:rPr><w:t xml:space="preserve">Formatted OJEU text.</w:t></w:r>'
        )
    )
    data = build_docx(body, comments=comments_xml([(7, "Reviewer", "An existing comment.")]))

    def findings(doc: Document) -> list[Finding]:
        return [finding_on(doc, "OJEU", block=b.index) for b in doc.blocks]

    out, stats, _doc, path = annotated(data, findings, tmp_path)
    assert stats.tracked_changes == 3
    ids = all_ids(out)
    assert all(count == 1 for count in ids.values()), ids
    new = {int(i) for i in ids} - {7, 90, 300}
    assert new and min(new) > 500
    assert comment_texts(path)[0] == "An existing comment."
    assert len(comment_texts(path)) == 4
    rels = part(out, "word/_rels/document.xml.rels")
    assert sum(rel.get("Type").endswith("/comments") for rel in rels) == 1
    # the split run's format change got its own id
    changes = part(out, "word/document.xml").findall(".//w:rPrChange", NS)
    assert len(changes) == 3 and len({c.get(q("id")) for c in changes}) == 3


def test_bookmarks_and_other_comments_stay_outside_deletions(tmp_path: Path) -> None:
    body = p(
        r("Send it to the "),
        '<w:bookmarkStart w:id="40" w:name="notice"/>',
        r("Official Journal"),
        '<w:commentRangeStart w:id="41"/>',
        r(" of the European Union"),
        '<w:bookmarkEnd w:id="40"/>',
        '<w:proofErr w:type="spellStart"/>',
        r(" today"),
        '<w:proofErr w:type="spellEnd"/>',
        r(" please."),
        '<w:commentRangeEnd w:id="41"/>',
        '<w:r><w:commentReference w:id="41"/></w:r>',
    )
    data = build_docx(body, comments=comments_xml([(41, "Reviewer", "Earlier remark.")]))
    phrase = "Official Journal of the European Union today"
    out, stats, _doc, _path = annotated(
        data, lambda d: [finding_on(d, phrase, text="Find a Tender now")], tmp_path
    )
    assert stats.tracked_changes == 1
    assert texts(out) == ["Send it to the Find a Tender now please."]
    paragraph = part(out, "word/document.xml").find(".//w:p", NS)
    for deletion in ours(paragraph, "del"):
        names = {etree.QName(child).localname for child in deletion}
        assert names <= {"r", "proofErr"}, names
    assert len(ours(paragraph, "del")) == 3  # split by the bookmark and the other comment
    assert paragraph.find("w:bookmarkStart", NS) is not None
    assert paragraph.find("w:bookmarkEnd", NS) is not None


def test_a_strict_open_xml_file_is_refused(tmp_path: Path, capsys) -> None:
    data = build_docx(p("Notices go to the OJEU."))
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info).replace(
                W.encode(), b"http://purl.oclc.org/ooxml/wordprocessingml/main"
            )
            archive.writestr(info, content)
    path = tmp_path / "strict.docx"
    path.write_bytes(buffer.getvalue())
    assert read(str(path)).blocks[0].text == "Notices go to the OJEU."
    assert main(["annotate", str(path), "-o", str(tmp_path / "out.docx")]) == 2
    assert "Strict Open XML" in _error_line(capsys)
    assert not (tmp_path / "out.docx").exists()


def test_untouched_members_are_copied_as_they_were(tmp_path: Path) -> None:
    data = build_docx(p("Notices go to the OJEU."), extra={"word/media/image1.png": b"\x89PNG..."})
    out, *_ = annotated(data, lambda d: [finding_on(d, "OJEU")], tmp_path)
    source, result = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(out))
    changed = {"word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml"}
    names = [i.filename for i in result.infolist()]
    assert names == [i.filename for i in source.infolist()] + ["word/comments.xml"]
    for info in source.infolist():
        if info.filename not in changed:
            copy = result.getinfo(info.filename)
            assert result.read(copy) == source.read(info)
            assert (copy.date_time, copy.compress_type) == (info.date_time, info.compress_type)
    types = part(out, "[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides["/word/comments.xml"].endswith("wordprocessingml.comments+xml")


def test_fit_replacement() -> None:
    text = "1.2 Procurement is governed by the Public Contracts Regulations 2015 today."
    start = text.index("Public")
    end = start + len("Public Contracts Regulations 2015")
    assert fit_replacement(text, start, end, "the Procurement Act 2023") == "Procurement Act 2023"
    assert fit_replacement("EU Threshold means", 0, 12, "the thresholds") == "The thresholds"
    assert fit_replacement('2.5 "EU Threshold" means', 5, 17, "the thresholds") == "The thresholds"
    assert fit_replacement("Sent. OJEU is", 6, 10, "the platform") == "The platform"
    assert fit_replacement("sent to OJEU", 8, 12, "the platform") == "the platform"
    assert word_date(dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC)) == "2026-01-02T03:04:05Z"


# --- the samples, end to end ----------------------------------------------------------------------


def _expected_edits(
    document: Document, findings: list[Finding]
) -> dict[int, list[tuple[int, int, str]]]:
    """(start, end, redraft) per block: the first replacement in document order on words no
    earlier replacement touched."""
    edits: dict[int, list[tuple[int, int, str]]] = {}
    ordered = [f for f in findings if f.span and not f.document_level and f.paragraph]
    for finding in sorted(ordered, key=lambda f: (f.paragraph, f.span[0], f.span[1])):
        if (finding.suggestion or {}).get("fix") != "replace":
            continue
        start, end = finding.span
        block = document.blocks[finding.paragraph - 1]
        taken = edits.setdefault(block.index, [])
        if any(s < end and start < e for s, e, _ in taken):
            continue
        text = fit_replacement(block.text, start, end, finding.suggestion["text"])
        taken.append((start, end, text))
    return edits


def _expected_accepted(document: Document, findings: list[Finding]) -> list[str]:
    """Block texts once the tracked changes are accepted."""
    edits = _expected_edits(document, findings)
    result = []
    for block in document.blocks:
        text = block.text
        for start, end, new in sorted(edits.get(block.index, []), reverse=True):
            text = text[:start] + new + text[end:]
        result.append(text)
    return result


def _findings(path: Path) -> list[Finding]:
    from codelint.run import Runner, RunOptions

    runner = Runner(RunOptions(as_of=dt.date.fromisoformat(AS_OF)))
    return runner.lint_document(read(str(path)), runner.settings(str(path))).findings


def test_samples_end_to_end(tmp_path: Path, capsys, libreoffice: LibreOffice) -> None:
    outputs = []
    for sample in SAMPLES:
        digest = hashlib.sha256(sample.read_bytes()).hexdigest()
        out = tmp_path / f"{sample.stem}.reviewed.docx"
        assert main(["annotate", str(sample), "-o", str(out), "--as-of", AS_OF]) == 0
        line = capsys.readouterr().out.strip()
        assert hashlib.sha256(sample.read_bytes()).hexdigest() == digest  # input untouched
        findings = _findings(sample)
        replaced = _expected_accepted(read(str(sample)), findings)
        match = re.fullmatch(
            rf"{re.escape(str(sample))}: (\d+) comments?, (\d+) tracked changes?, written to "
            rf"{re.escape(str(out))}( \(.*\))?",
            line,
        )
        assert match, line
        assert int(match.group(1)) == len(findings)
        # python-docx reads one comment per finding, each naming its code
        comments = comment_texts(out)
        assert len(comments) == len(findings)
        assert Counter(c.split(" ", 1)[0] for c in comments) == Counter(f.rule for f in findings)
        data = out.read_bytes()
        original = [b.text for b in read(str(sample)).blocks]
        assert texts(reject_codelint(data)) == original
        assert texts(data) == replaced
        tracked = sum(a != b for a, b in zip(original, replaced, strict=True))
        assert int(match.group(2)) >= tracked
        outputs.append((out, findings, int(match.group(2))))
    assert any(findings for _out, findings, _tracked in outputs)
    contents = libreoffice.odt_content(*(out for out, _f, _t in outputs))
    for out, findings, tracked in outputs:
        content = contents[out.name]
        assert annotations(content) == len(findings), out.name
        changes = codelint_changes(content)
        assert changes["deletion"] == tracked, out.name
        if tracked:
            assert "<text:tracked-changes" in content
            assert changes["insertion"] >= 1


def test_the_tracked_change_sample_in_libreoffice(tmp_path: Path, libreoffice: LibreOffice) -> None:
    out = tmp_path / "reviewed.docx"
    assert main(["annotate", str(TRACKED_SAMPLE), "-o", str(out), "--as-of", AS_OF]) == 0
    rejected = libreoffice.review(out, "RejectAllTrackedChanges")
    assert rejected == libreoffice.review(TRACKED_SAMPLE, "RejectAllTrackedChanges")
    accepted = libreoffice.review(out, "AcceptAllTrackedChanges")
    document = read(str(TRACKED_SAMPLE))
    edits = _expected_edits(document, _findings(TRACKED_SAMPLE))
    checked = 0
    for index, changes in edits.items():
        text = document.blocks[index - 1].text
        for start, end, redraft in sorted(changes, reverse=True):
            before = text[max(0, start - 20) : start].split("\n")[-1]
            # LibreOffice, accepting everything, reads the redraft where codelint put it
            assert before + redraft in accepted, before + redraft
            text = text[:start] + redraft + text[end:]
            checked += 1
    assert checked >= 10
    assert "the most advantageous tender" in accepted
    assert "most economically advantageous" not in accepted


# --- the command ---------------------------------------------------------------------------------


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.docx"
    path.write_bytes(
        build_docx(p("Contract Procedure Rules", style="Title") + p("Notices go to OJEU."))
    )
    return path


def _error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_an_existing_output_needs_force(draft: Path, capsys) -> None:
    out = draft.with_name("reviewed.docx")
    out.write_bytes(b"keep me")
    assert main(["annotate", str(draft), "-o", str(out)]) == 2
    assert "already exists; use --force" in _error_line(capsys)
    assert out.read_bytes() == b"keep me"
    assert main(["annotate", str(draft), "-o", str(out), "--force"]) == 0
    assert zipfile.is_zipfile(out)
    assert out.read_bytes() != b"keep me"


def test_the_default_output_is_next_to_the_input(draft: Path, capsys) -> None:
    assert main(["annotate", str(draft)]) == 0
    out = draft.with_name("draft.annotated.docx")
    assert f"written to {out}" in capsys.readouterr().out
    assert read(str(out)).blocks[0].text == "Contract Procedure Rules"


def test_output_that_is_the_input_is_refused_without_in_place(draft: Path, capsys) -> None:
    before = draft.read_bytes()
    link = draft.with_name("link.docx")
    link.symlink_to(draft)
    for spelling in (str(draft), f"{draft.parent}/../{draft.parent.name}/draft.docx", str(link)):
        assert main(["annotate", str(draft), "-o", spelling, "--force"]) == 2
        assert "is the input file" in _error_line(capsys)
    assert draft.read_bytes() == before


def test_in_place_writes_over_the_input_atomically(tmp_path: Path, capsys) -> None:
    path = tmp_path / "code.docx"
    shutil.copy(SAMPLES[0], path)
    path.chmod(0o640)
    assert main(["annotate", str(path), "--in-place", "--as-of", AS_OF]) == 0
    assert f"written to {path}" in capsys.readouterr().out
    assert len(comment_texts(path)) == len(_findings(SAMPLES[0]))
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["code.docx"]
    assert main(["annotate", str(path), "-o", str(path), "--in-place", "--as-of", AS_OF]) == 0


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("code.pdf", None, "a PDF"),
        ("code.html", b"<!doctype html><html><body><p>Rules</p></body></html>", "an HTML page"),
        ("code.md", b"# Rules\n\nNotices go to OJEU.\n", "a Markdown file"),
        ("code.txt", b"Rules\n\nNotices go to OJEU.\n", "a text file"),
    ],
)
def test_other_kinds_of_input_are_refused_with_what_to_run(
    tmp_path: Path, capsys, name: str, content: bytes | None, kind: str
) -> None:
    path = tmp_path / name
    if content is None:
        shutil.copy(SAMPLES[0].with_suffix(".pdf"), path)
    else:
        path.write_bytes(content)
    assert main(["annotate", str(path), "-o", str(tmp_path / "out.docx")]) == 2
    line = _error_line(capsys)
    assert line.startswith(f"{path}: error: ")
    assert f"needs a .docx, but this is {kind}" in line
    assert f"codelint check {path} --format html -o report.html" in line
    assert not (tmp_path / "out.docx").exists()


def test_a_corrupt_input_is_the_same_error_as_check(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(SAMPLES[0].read_bytes()[:5000])
    assert main(["annotate", str(path), "-o", str(tmp_path / "out.docx")]) == 2
    line = _error_line(capsys)
    main(["check", str(path), "--no-cache"])
    check_lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith(str(path))]
    assert check_lines == [line]
    assert "corrupt or truncated" in line
    assert main(["annotate", str(tmp_path / "missing.docx")]) == 2
    assert _error_line(capsys).startswith(f"{tmp_path / 'missing.docx'}: error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.docx"]


def test_an_interrupted_write_leaves_no_output(draft: Path, capsys, monkeypatch) -> None:
    calls = []
    real = annotate_module._write_member

    def failing(out, info, content):
        calls.append(info.filename)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(out, info, content)

    monkeypatch.setattr(annotate_module, "_write_member", failing)
    out = draft.with_name("reviewed.docx")
    assert main(["annotate", str(draft), "-o", str(out)]) == 2
    assert "No space left on device" in _error_line(capsys)
    assert len(calls) == 3
    assert sorted(p.name for p in draft.parent.iterdir()) == ["draft.docx"]
    # over an existing output: the old file is left whole
    out.write_bytes(b"previous review")
    calls.clear()
    assert main(["annotate", str(draft), "-o", str(out), "--force"]) == 2
    capsys.readouterr()
    assert out.read_bytes() == b"previous review"
    assert sorted(p.name for p in draft.parent.iterdir()) == ["draft.docx", "reviewed.docx"]


def test_an_interrupted_fsync_leaves_no_output(draft: Path, capsys, monkeypatch) -> None:
    def failing(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(annotate_module.os, "fsync", failing)
    out = draft.with_name("reviewed.docx")
    assert main(["annotate", str(draft), "-o", str(out)]) == 2
    capsys.readouterr()
    assert sorted(p.name for p in draft.parent.iterdir()) == ["draft.docx"]


def test_select_ignore_and_as_of_are_applied(tmp_path: Path, capsys) -> None:
    sample = SAMPLES[0]
    out = tmp_path / "only-ol001.docx"
    assert (
        main(["annotate", str(sample), "-o", str(out), "--select", "OL001", "--as-of", AS_OF]) == 0
    )
    codes = {text.split(" ", 1)[0] for text in comment_texts(out)}
    assert codes == {"OL001"}
    out2 = tmp_path / "no-ol.docx"
    assert main(["annotate", str(sample), "-o", str(out2), "--ignore", "OL", "--as-of", AS_OF]) == 0
    assert not any(text.startswith("OL") for text in comment_texts(out2))
    assert all(f"Law as of {AS_OF}" in text for text in comment_texts(out2))
    capsys.readouterr()


def test_a_file_without_findings_is_copied_with_no_comments(tmp_path: Path, capsys) -> None:
    clean = next(s for s in SAMPLES if s.name.startswith("good-practice"))
    out = tmp_path / "clean.docx"
    assert main(["annotate", str(clean), "-o", str(out), "--as-of", AS_OF]) == 0
    assert "0 comments, 0 tracked changes" in capsys.readouterr().out
    assert comment_texts(out) == []
    assert texts(out.read_bytes()) == [b.text for b in read(str(clean)).blocks]
