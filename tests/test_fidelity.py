"""Reading fidelity on real files: codelint's words against independent readers' words.

For every Word file in shared/wild that pandoc reads, and every PDF that codelint reads,
the multiset of words in all of ``codelint dump``'s blocks is compared with:

* DOCX recall: ``pandoc --track-changes=accept -t plain``; DOCX precision: the union of
  pandoc's words and LibreOffice's text export (``soffice --convert-to txt``). Floor 0.99.
* PDF recall and precision: ``pdftotext`` (reading order, no ``-layout``). Floor 0.98.

Figures are summed over the corpus. Words are normalised (NFKC, case folded, soft hyphens and
word-internal hyphens removed: see ``independent_readers.normalise``). The differences the
readers make on purpose are the named rules below; each removes only words it can trace to
its cause in the file or in the reader's own decisions, never words in general.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import shared_dir
from independent_readers import libreoffice_texts, pandoc_text, pdftotext_text, words
from lxml import etree

from codelint.document import Document
from codelint.errors import ReadError
from codelint.readers import pdf as pdf_reader
from codelint.readers import read

WILD = shared_dir() / "wild"
DOCX_FLOOR = 0.99
PDF_FLOOR = 0.98

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
VML = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
SCRIPT_MARKUP = re.compile(r"[_^]\(([^()\s]*)\)")


@dataclass
class Comparison:
    """One file's words: what codelint read and what the independent readers show."""

    name: str
    #: Words of all blocks (what precision is measured on).
    ours: Counter[str]
    #: Reference for recall, after the named exclusions.
    recall_reference: Counter[str]
    #: Reference for precision (may be wider than the recall one, never narrower).
    precision_reference: Counter[str]
    #: Words codelint holds outside the block text that count as read (list labels).
    also_read: Counter[str] = field(default_factory=Counter)
    #: Words a rule allows to be missing (footnote marks codelint drops).
    may_miss: Counter[str] = field(default_factory=Counter)
    #: How many words each named rule took out of the comparison.
    excluded: Counter[str] = field(default_factory=Counter)

    def missing(self) -> Counter[str]:
        missing = self.recall_reference - (self.ours + self.also_read)
        return missing - (missing & self.may_miss)

    def marks_dropped(self) -> int:
        """How many reference words the "footnote marks" rule excused."""
        missing = self.recall_reference - (self.ours + self.also_read)
        return sum((missing & self.may_miss).values())

    def extra(self) -> Counter[str]:
        return self.ours - self.precision_reference

    def settle_word_boundaries(self) -> None:
        """Rule "word boundaries": where one reader runs words together that the other
        separates (pdfium puts no space between runs placed apart, poppler glues a
        superscript onto its word: "R" "2" / "R2"), the joined word is matched to its parts.
        Only words whose letters agree exactly are matched."""
        missing, extra = self.missing(), self.extra()
        matched = 0
        for joined, parts in ((extra, missing), (missing, extra + self.may_miss)):
            for word in sorted(joined, key=len, reverse=True):
                for _ in range(joined[word]):
                    split = _split(word, parts)
                    if split is None:
                        break
                    joined[word] -= 1
                    parts.subtract(split)
                    matched += 1
                    if joined is extra:  # our joined word stands for the reference's parts
                        self.recall_reference.subtract(split)
                        self.recall_reference[word] += 1
                        self.precision_reference[word] += 1
                    else:  # the reference's joined word stands for our parts
                        self.recall_reference[word] -= 1
                        self.recall_reference.update(split)
                        self.precision_reference.update(split)
        self.recall_reference = +self.recall_reference
        self.precision_reference = +self.precision_reference
        self.excluded["word boundaries"] += matched

    @property
    def reference_count(self) -> int:
        return sum(self.recall_reference.values())

    @property
    def our_count(self) -> int:
        return sum(self.ours.values())

    def recall(self) -> float:
        total = self.reference_count
        return 1.0 - sum(self.missing().values()) / total if total else 1.0

    def precision(self) -> float:
        total = self.our_count
        return 1.0 - sum(self.extra().values()) / total if total else 1.0


def _split(word: str, parts: Counter[str], depth: int = 0) -> Counter[str] | None:
    """``word`` as a concatenation of 2-4 words available in ``parts``, or None."""
    for cut in range(len(word) - 1, 0, -1):
        head, tail = word[:cut], word[cut:]
        if parts[head] <= 0:
            continue
        if parts[tail] > (1 if tail == head else 0):
            return Counter([head, tail])
        if depth < 2:
            rest = _split(tail, parts - Counter([head]), depth + 1)
            if rest is not None:
                return rest + Counter([head])
    return None


def remove(reference: Counter[str], words_out: Counter[str]) -> tuple[Counter[str], int]:
    """``reference`` less ``words_out`` (each at most as often as it occurs), and how many."""
    taken = reference & words_out
    return reference - taken, sum(taken.values())


def block_words(document: Document) -> Counter[str]:
    return words("\n".join(block.text for block in document.blocks))


# --- Word ---------------------------------------------------------------------------------------


def docx_parts(path: Path) -> list[etree._Element]:
    """The parsed story parts of a Word file (body, notes) for the rules that look inside."""
    roots = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"word/(document|footnotes|endnotes)\d*\.xml", name):
                roots.append(etree.fromstring(archive.read(name)))
    return roots


def alt_text_words(roots: list[etree._Element]) -> Counter[str]:
    """Rule "image alt text": pandoc prints a picture as "[description]"; codelint does not
    read alt text (see codelint/readers/docx.py). The words of every picture's description
    (wp:docPr/@descr, VML v:imagedata/@o:title and v:shape/@alt) are taken out of pandoc's."""
    found: Counter[str] = Counter()
    for root in roots:
        for element in root.iter(f"{{{WP}}}docPr"):
            found += words(element.get("descr"))
        for element in root.iter(f"{{{VML}}}imagedata"):
            found += words(element.get(f"{{{OFFICE}}}title"))
        for element in root.iter(f"{{{VML}}}shape"):
            found += words(element.get("alt"))
    return found


def text_box_words(roots: list[etree._Element]) -> Counter[str]:
    """Rule "text boxes": pandoc drops VML text boxes and LibreOffice's text export leaves out
    frames, but codelint reads them (once). Words in w:txbxContent outside the mc:Fallback
    copy count as shown, for precision only."""
    found: Counter[str] = Counter()
    for root in roots:
        for box in root.iter(f"{{{W}}}txbxContent"):
            if any(a.tag == f"{{{MC}}}Fallback" for a in box.iterancestors()):
                continue
            if any(a.tag == f"{{{W}}}txbxContent" for a in box.iterancestors()):
                continue  # nested: counted with its outer box
            found += words(" ".join(t.text or "" for t in box.iter(f"{{{W}}}t")))
    return found


def compare_docx(path: Path, pandoc: str, office: str | None) -> Comparison:
    document = read(str(path))
    roots = docx_parts(path)
    # Rule "script markup": pandoc's plain writer marks subscripts and superscripts as
    # "OR_(MH)" and "x^(2)"; the marks are pandoc's, the letters are the document's.
    pandoc = SCRIPT_MARKUP.sub(r"\1", pandoc)
    reference = words(pandoc)
    comparison = Comparison(path.name, block_words(document), reference, Counter())
    # Rule "note marks": pandoc prints note calls and note numbers as "[1]"; codelint keeps
    # footnotes and endnotes as blocks without their numbers.
    if any(b.kind in ("footnote", "endnote") for b in document.blocks):
        marks = Counter(re.findall(r"\[(\d+)\]", pandoc))
        comparison.recall_reference, taken = remove(comparison.recall_reference, marks)
        comparison.excluded["note marks"] += taken
    comparison.recall_reference, taken = remove(comparison.recall_reference, alt_text_words(roots))
    comparison.excluded["image alt text"] += taken
    # Rule "list labels": pandoc prints list numbers ("1.", "a.", "iv.") in the text; codelint
    # keeps Word's label in Block.clause instead (docs/dump.md), which counts as read.
    comparison.also_read = Counter()
    for block in document.blocks:
        if block.clause and not block.text.lstrip().startswith(block.clause):
            comparison.also_read += words(block.clause)
    comparison.precision_reference = (reference | words(office)) + text_box_words(roots)
    return comparison


# --- PDF ----------------------------------------------------------------------------------------


def pdf_decisions(path: Path) -> tuple[Counter[str], Counter[str]]:
    """What the PDF reader removed on purpose: (words of the page-furniture lines it dropped,
    the superscript numbers it dropped as footnote calls and footnote numbers), recomputed
    with the reader's own functions on the same file."""
    document = pdfium.PdfDocument(str(path))
    try:
        pages, _failed = pdf_reader.read_pages(document)
    finally:
        document.close()
    before = {id(line): line for page in pages for line in page.lines}
    pdf_reader.remove_furniture(pages)
    kept = [line for page in pages for line in page.lines]
    kept_ids = {id(line) for line in kept}
    gone = " ".join(line.text for key, line in before.items() if key not in kept_ids)
    gone = gone.replace(pdf_reader.REF_OPEN, " ").replace(pdf_reader.REF_CLOSE, " ")
    candidates = [
        (line.page, number)
        for line in kept
        for number in ((line.note_mark,) if line.note_mark else ()) + tuple(line.refs)
    ]
    layout = pdf_reader.measure(kept)
    layout.frame(pages)
    splitter = pdf_reader.Splitter(layout)
    for line in kept:
        splitter.feed(line)
    splitter.finish()
    marks = Counter(number for page, number in candidates if (page, number) in splitter.confirmed)
    return words(gone), marks


def compare_pdf(path: Path, poppler: str) -> Comparison:
    document = read(str(path))
    reference = words(poppler)
    furniture, marks = pdf_decisions(path)
    comparison = Comparison(path.name, block_words(document), reference, Counter())
    # Rule "page furniture": running headers, footers and page numbers are removed before
    # the lines are joined; pdftotext keeps them.
    comparison.recall_reference, taken = remove(reference, furniture)
    comparison.excluded["page furniture"] += taken
    comparison.precision_reference = Counter(reference)
    # Rule "footnote marks": the numbers of the footnotes the reader found, and the
    # superscript calls of them it dropped, may be missing (Word's text has none either).
    comparison.may_miss = marks
    comparison.settle_word_boundaries()
    return comparison


# --- the corpus ---------------------------------------------------------------------------------


def summarise(
    label: str, comparisons: list[Comparison], floor: float
) -> tuple[float, float, list[str]]:
    missing = sum(sum(c.missing().values()) for c in comparisons)
    extra = sum(sum(c.extra().values()) for c in comparisons)
    reference = sum(c.reference_count for c in comparisons)
    ours = sum(c.our_count for c in comparisons)
    recall, precision = 1 - missing / reference, 1 - extra / ours
    excluded: Counter[str] = Counter()
    for c in comparisons:
        excluded.update(c.excluded)
        excluded["footnote marks"] += c.marks_dropped()
        excluded["list labels"] += sum(((c.recall_reference - c.ours) & c.also_read).values())
    print(
        f"\n{label}: {len(comparisons)} files, {reference} reference words, {ours} of ours; "
        f"recall {recall:.4f} ({missing} missing), precision {precision:.4f} ({extra} extra); "
        f"floor {floor}"
    )
    print(f"  words taken out by rule: {dict(sorted(excluded.items()))}")
    worst = sorted(
        comparisons,
        key=lambda c: -(sum(c.missing().values()) + sum(c.extra().values())),
    )[:5]
    for c in worst:
        print(
            f"  {c.name}: recall {c.recall():.3f}, precision {c.precision():.3f}; missing "
            f"{c.missing().most_common(6)}; extra {c.extra().most_common(6)}"
        )
    failures = []
    if recall < floor:
        failures.append(f"{label} recall {recall:.4f} < {floor}")
    if precision < floor:
        failures.append(f"{label} precision {precision:.4f} < {floor}")
    return recall, precision, failures


def _wild(suffix: str) -> list[Path]:
    return sorted(WILD.glob(f"*{suffix}"))


@pytest.fixture(scope="module")
def docx_comparisons() -> list[Comparison]:
    files = _wild(".docx")
    office = libreoffice_texts(str(p) for p in files)
    comparisons = []
    for path in files:
        pandoc = pandoc_text(str(path))
        if not words(pandoc):
            continue  # pandoc cannot read it, or sees no text: test_wild_outcomes covers it
        comparisons.append(compare_docx(path, pandoc or "", office[str(path)]))
    return comparisons


@pytest.fixture(scope="module")
def pdf_comparisons() -> list[Comparison]:
    comparisons = []
    for path in _wild(".pdf"):
        try:
            read(str(path))
        except ReadError:
            continue  # encrypted or without text: test_wild_outcomes covers it
        comparisons.append(compare_pdf(path, pdftotext_text(str(path)) or ""))
    return comparisons


def test_docx_fidelity_against_pandoc_and_libreoffice(docx_comparisons):
    assert len(docx_comparisons) >= 45
    _recall, _precision, failures = summarise("DOCX", docx_comparisons, DOCX_FLOOR)
    assert failures == []


def test_pdf_fidelity_against_pdftotext(pdf_comparisons):
    assert len(pdf_comparisons) >= 20
    _recall, _precision, failures = summarise("PDF", pdf_comparisons, PDF_FLOOR)
    assert failures == []


def test_the_rules_are_narrow(docx_comparisons, pdf_comparisons):
    """No rule may swallow a large share of a file: that would be a fudge, not a rule."""
    for c in docx_comparisons + pdf_comparisons:
        total = sum(c.excluded.values()) - c.excluded["word boundaries"]
        assert total <= max(12, 0.1 * (c.reference_count + total)), (c.name, c.excluded)


def test_word_boundary_rule_matches_only_exact_letters():
    c = Comparison("t", Counter(["hellohello", "world"]), Counter(["hello", "hello", "world"]),
                   Counter(["hello", "hello", "world"]))  # fmt: skip
    c.settle_word_boundaries()
    assert c.recall() == 1.0 and c.precision() == 1.0
    c = Comparison("t", Counter(["helloworlds"]), Counter(["hello", "world"]),
                   Counter(["hello", "world"]))  # fmt: skip
    c.settle_word_boundaries()
    assert c.recall() == 0.0 and c.precision() == 0.0
