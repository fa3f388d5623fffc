"""The bundled era samples, as DOCX and as the PDF LibreOffice made from them.

Each sample's findings are scored against corpora/samples/expected.yaml (written by a reviewer
from the text), as of the sample's own date and as of 2026-11-24: every expected finding
reported on its block, nothing else outside the borderline list, nothing on the must-not-flag
blocks, and the document-level families as expected. The PDF must give the same findings as
the DOCX, on the pages the reviewer noted, with no running header or footer text anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pytest
import yaml
from samples_scoring import SAMPLES, block_of, load_expected, score, squash

from codelint.readers import read

EXPECTED = load_expected()
CASES = [
    (name, kind, str(as_of))
    for name, spec in EXPECTED.items()
    for kind in ("docx", "pdf")
    for as_of in spec["as_of"]
]


@cache
def _document(name: str, kind: str):
    return read(str(SAMPLES / EXPECTED[name][kind]))


@cache
def _findings(linter, name: str, kind: str, as_of: str):
    return tuple(linter.lint(_document(name, kind), dt.date.fromisoformat(as_of)).findings)


@pytest.mark.parametrize(("name", "kind", "as_of"), CASES, ids=["-".join(c) for c in CASES])
def test_findings_match_the_reviewers_expectations(linter, name, kind, as_of):
    result = score(
        EXPECTED[name], as_of, _document(name, kind), list(_findings(linter, name, kind, as_of))
    )
    assert not result.problems, "\n".join(result.problems)
    assert result.found_pairs == result.expected_pairs


@pytest.mark.parametrize(("name", "as_of"), [(n, a) for n, _k, a in CASES if _k == "pdf"])
def test_pdf_gives_the_same_findings_as_the_docx(linter, name, as_of):
    def keyed(kind: str) -> set[tuple[str, str]]:
        return {
            (f.rule, squash(f.match) or "document") for f in _findings(linter, name, kind, as_of)
        }

    assert keyed("pdf") == keyed("docx")


@pytest.mark.parametrize("name", list(EXPECTED))
def test_pdf_findings_sit_on_the_pages_the_reviewer_noted(linter, name):
    spec = EXPECTED[name]
    document = _document(name, "pdf")
    checked = 0
    for as_of, date_spec in spec["as_of"].items():
        by_block = {f.paragraph: f for f in _findings(linter, name, "pdf", str(as_of))}
        for entry in date_spec.get("findings") or []:
            index = block_of(document, entry)
            assert index is not None, entry["phrase"]
            if index in by_block:
                page = entry.get("starts", entry["page"])
                assert by_block[index].page == page, (entry["phrase"], by_block[index].page, page)
                checked += 1
    assert checked or not any(d.get("findings") for d in spec["as_of"].values())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_no_running_header_or_footer_text_in_the_pdf(name):
    source = yaml.safe_load((SAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))["meta"]
    header = source["header"]
    footer_words = re.sub(r"\{[A-Z]+\}", "", source["footer"]).split()
    document = _document(name, "pdf")
    for block in document.blocks:
        assert squash(header) not in squash(block.text), block.text
        lines = block.text.splitlines()
        for line in lines:
            # "Page 3 of 8" or "OFFICIAL Page 3" left in a block would be furniture.
            assert not re.fullmatch(r"(?:OFFICIAL\s+)?Page \d+(?: of \d+)?", line.strip()), line
    assert footer_words, "the sample has a footer"
    assert document.pages == EXPECTED[name]["pages"]


def test_tracked_insertions_are_read_and_deletions_are_not():
    spec = EXPECTED["cpr-2016-pcr2015"]["tracked_changes"]
    text = squash(" ".join(b.text for b in _document("cpr-2016-pcr2015", "docx").blocks))
    for entry in spec["inserted_only"]:
        assert squash(entry["phrase"]) in text, entry["phrase"]
    for phrase in spec["deleted_only"]:
        assert squash(phrase) not in text, phrase


def test_offending_words_only_in_a_deletion_are_not_flagged(linter):
    deleted = EXPECTED["cpr-2016-pcr2015"]["tracked_changes"]["deleted_only"]
    for as_of in EXPECTED["cpr-2016-pcr2015"]["as_of"]:
        for finding in _findings(linter, "cpr-2016-pcr2015", "docx", str(as_of)):
            for phrase in deleted:
                assert squash(phrase) not in squash(finding.excerpt), (finding.rule, phrase)


def test_offending_words_in_an_insertion_are_flagged(linter):
    inserted = {
        entry["phrase"]: entry
        for entry in EXPECTED["cpr-2016-pcr2015"]["tracked_changes"]["inserted_only"]
    }
    findings = _findings(linter, "cpr-2016-pcr2015", "docx", "2026-11-24")
    document = _document("cpr-2016-pcr2015", "docx")
    flagged_blocks = {f.paragraph for f in findings}
    for phrase in (
        "every contract with an estimated value above £50,000 shall also be advertised in the OJEU",
        "the contract shall be awarded to the lowest priced quotation",
    ):
        assert phrase in inserted
        assert block_of(document, phrase) in flagged_blocks, phrase
