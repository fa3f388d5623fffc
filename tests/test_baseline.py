"""Baselines end to end: written with --update-baseline, applied with --baseline, and matched by
fingerprints that survive edits elsewhere in real Markdown and Word documents."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from adoption_helpers import (
    LOWEST,
    NEUTRAL,
    NEUTRAL_2,
    OJEU,
    check,
    codes,
    markdown,
    warm_pipeline,
    write_docx,
)

NEW_FAULT = "Local suppliers shall receive a 5% price preference in all tenders."  # LC


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warm_pipeline()
    monkeypatch.chdir(tmp_path)


def paragraphs_of(entry: dict, key: str) -> set[int]:
    return {f["location"]["paragraph"] for f in entry[key] if not f["document_level"]}


def test_the_baseline_file_is_versioned_sorted_and_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.md").write_text(markdown(LOWEST, OJEU), encoding="utf-8")
    (tmp_path / "a.md").write_text(markdown(OJEU), encoding="utf-8")
    code, report, _ = check(
        capsys, "b.md", "a.md", "--baseline", "ci/baseline.json", "--update-baseline"
    )
    assert code == 0  # everything found is now accepted
    data = json.loads((tmp_path / "ci" / "baseline.json").read_text(encoding="utf-8"))
    assert data["codelint_baseline"] == 1
    entries = data["findings"]
    found = [(f["rule"], f["fingerprint"]) for r in report["files"] for f in r["suppressed"]]
    assert sorted((e["rule"], e["fingerprint"]) for e in entries) == sorted(found)
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    # Paths are relative to the baseline's folder; each entry says what was accepted.
    assert {e["path"] for e in entries} == {"../a.md", "../b.md"}
    assert all(set(e) == {"path", "rule", "fingerprint", "excerpt"} for e in entries)
    lowest = [e for e in entries if e["rule"] == "LP001"]
    assert lowest and lowest[0]["excerpt"] == LOWEST
    # Rewritten by a rename (no temporary file left), keeping the permissions it had.
    baseline = tmp_path / "ci" / "baseline.json"
    baseline.chmod(0o640)
    before = baseline.stat().st_ino
    (tmp_path / "a.md").write_text(markdown(NEUTRAL), encoding="utf-8")
    check(capsys, "b.md", "a.md", "--baseline", "ci/baseline.json", "--update-baseline")
    assert baseline.stat().st_ino != before
    assert baseline.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in baseline.parent.iterdir()) == ["baseline.json"]
    paths = {e["path"] for e in json.loads(baseline.read_text(encoding="utf-8"))["findings"]}
    assert paths == {"../b.md"}


def test_a_markdown_finding_stays_known_when_text_is_inserted_above_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code_md = tmp_path / "code.md"
    code_md.write_text(markdown(OJEU, NEUTRAL, LOWEST), encoding="utf-8")
    assert check(capsys, "code.md", "--baseline", "base.json", "--update-baseline")[0] == 0
    code, first, _ = check(capsys, "code.md", "--baseline", "base.json")
    assert code == 0 and codes(first["files"][0]) == []
    accepted = first["files"][0]["suppressed"]
    assert accepted and all(f["suppressed"]["by"] == "baseline" for f in accepted)

    # Insert a section and two paragraphs above the findings: every index moves.
    code_md.write_text(
        markdown("## Scope", NEUTRAL_2, "These rules apply to officers.", OJEU, NEUTRAL, LOWEST),
        encoding="utf-8",
    )
    code, moved, _ = check(capsys, "code.md", "--baseline", "base.json")
    assert code == 0, codes(moved["files"][0])
    assert codes(moved["files"][0]) == []
    assert paragraphs_of(moved["files"][0], "suppressed") != paragraphs_of(
        first["files"][0], "suppressed"
    )

    # A new fault, and the old lowest-price sentence reworded: only those are new.
    reworded = "Every contract shall be awarded to the tender with the lowest price."
    code_md.write_text(
        markdown("## Scope", NEUTRAL_2, OJEU, NEW_FAULT, NEUTRAL, reworded), encoding="utf-8"
    )
    code, edited, _ = check(capsys, "code.md", "--baseline", "base.json")
    assert code == 1
    new = edited["files"][0]["findings"]
    assert new, "the new fault and the reworded sentence must be reported"
    assert {f["excerpt"] for f in new} == {NEW_FAULT, reworded}
    assert not [f for f in new if f["rule"].startswith("OL")]  # the OJEU clause is still known


def test_a_word_finding_stays_known_when_paragraphs_and_a_table_are_inserted_above_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_docx(tmp_path / "cpr.docx", [NEUTRAL, OJEU, LOWEST])
    assert check(capsys, "cpr.docx", "--baseline", "base.json", "--update-baseline")[0] == 0
    _, before, _ = check(capsys, "cpr.docx", "--baseline", "base.json")
    assert codes(before["files"][0]) == []

    document = docx.Document(str(path))
    anchor = document.paragraphs[1]  # the first body paragraph, after the heading
    anchor.insert_paragraph_before("Part 1: General", style="Heading 2")
    anchor.insert_paragraph_before(NEUTRAL_2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Value"
    table.cell(0, 1).text = "Procedure"
    anchor._p.addprevious(table._tbl)  # the table goes above the findings too
    document.save(str(path))

    code, after, _ = check(capsys, "cpr.docx", "--baseline", "base.json")
    assert code == 0, codes(after["files"][0])
    assert paragraphs_of(after["files"][0], "suppressed") != paragraphs_of(
        before["files"][0], "suppressed"
    )

    document = docx.Document(str(path))
    document.add_paragraph(NEW_FAULT)
    document.save(str(path))
    code, edited, _ = check(capsys, "cpr.docx", "--baseline", "base.json")
    assert code == 1
    assert {f["excerpt"] for f in edited["files"][0]["findings"]} == {NEW_FAULT}


def test_identical_findings_are_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "code.md").write_text(markdown(LOWEST, NEUTRAL), encoding="utf-8")
    check(capsys, "code.md", "--baseline", "base.json", "--update-baseline")
    (tmp_path / "code.md").write_text(markdown(LOWEST, NEUTRAL, LOWEST), encoding="utf-8")
    code, report, _ = check(capsys, "code.md", "--baseline", "base.json")
    assert code == 1
    (new,) = report["files"][0]["findings"]
    assert new["rule"] == "LP001" and new["location"]["paragraph"] == 4


def test_updating_keeps_the_entries_of_files_not_linted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.md").write_text(markdown(OJEU), encoding="utf-8")
    (tmp_path / "b.md").write_text(markdown(LOWEST), encoding="utf-8")
    check(capsys, "a.md", "b.md", "--baseline", "base.json", "--update-baseline")
    before = json.loads((tmp_path / "base.json").read_text())["findings"]
    # The pre-commit hook passes only the changed file.
    (tmp_path / "a.md").write_text(markdown(OJEU, NEW_FAULT), encoding="utf-8")
    assert check(capsys, "a.md", "--baseline", "base.json", "--update-baseline")[0] == 0
    after = json.loads((tmp_path / "base.json").read_text())["findings"]
    assert [e for e in after if e["path"] == "b.md"] == [e for e in before if e["path"] == "b.md"]
    assert NEW_FAULT in {e["excerpt"] for e in after if e["path"] == "a.md"}
    code, report, _ = check(capsys, "a.md", "b.md", "--baseline", "base.json")
    assert code == 0 and not any(r["findings"] for r in report["files"])


def test_a_missing_or_invalid_baseline_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "code.md").write_text(markdown(LOWEST), encoding="utf-8")
    code, report, errors = check(capsys, "code.md", "--baseline", "missing.json")
    assert code == 2 and report == {}
    assert len(errors) == 1 and "missing.json: baseline not found" in errors[0]
    (tmp_path / "bad.json").write_text('{"findings": []}', encoding="utf-8")
    code, _, errors = check(capsys, "code.md", "--baseline", "bad.json")
    assert code == 2 and "not a codelint baseline" in errors[0]
    code, _, errors = check(capsys, "code.md", "--update-baseline")
    assert code == 2 and "--update-baseline needs --baseline" in errors[0]
