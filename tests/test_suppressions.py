"""Suppressions end to end: Word comments made with python-docx, HTML comments in Markdown, HTML
and text, per-file ignores in configuration, and CL100 for a suppression that silences nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from adoption_helpers import (
    LOWEST,
    NEUTRAL,
    OJEU,
    check,
    codes,
    markdown,
    warm_pipeline,
    write_docx,
)

REASON = "reviewed by Legal Services: clause kept until the 2027 rewrite"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warm_pipeline()
    monkeypatch.chdir(tmp_path)  # no configuration or cache from elsewhere


def by_paragraph(entry: dict, key: str = "findings") -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for finding in entry[key]:
        found.setdefault(finding["location"]["paragraph"], []).append(finding["rule"])
    return found


def test_a_word_comment_silences_the_codes_on_its_paragraph_and_keeps_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = write_docx(tmp_path / "plain.docx", [OJEU, LOWEST])
    reviewed = write_docx(
        tmp_path / "reviewed.docx", [OJEU, LOWEST], {0: f"codelint: ignore OL -- {REASON}"}
    )
    code, report, _ = check(capsys, str(plain), str(reviewed), "--no-cache")
    assert code == 1
    before, after = report["files"]
    # Without the comment the OJEU paragraph (block 2, after the heading) has OL findings.
    assert any(c.startswith("OL") for c in by_paragraph(before)[2])
    assert not before["suppressed"]
    # With it they move to "suppressed", with who silenced them and why.
    assert not any(c.startswith("OL") for c in codes(after))
    silenced = after["suppressed"]
    assert silenced and all(f["rule"].startswith("OL") for f in silenced)
    assert {f["location"]["paragraph"] for f in silenced} == {2}
    assert all(f["suppressed"] == {"by": "Word comment", "reason": REASON} for f in silenced)
    # Other codes on other paragraphs are untouched, and nothing is reported as unused.
    assert "LP001" in by_paragraph(after)[3]
    assert "CL100" not in codes(after)


def test_a_word_comment_that_silences_nothing_is_reported_as_CL100(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_docx(
        tmp_path / "stale.docx",
        [OJEU, LOWEST, NEUTRAL],
        {2: "codelint: ignore LP001 -- accepted in 2019", 0: "Please check this clause."},
    )
    code, report, _ = check(capsys, str(path), "--no-cache")
    assert code == 1
    (entry,) = report["files"]
    unused = [f for f in entry["findings"] if f["rule"] == "CL100"]
    assert len(unused) == 1  # the ordinary review comment is not a directive
    assert unused[0]["location"]["paragraph"] == 4
    assert "ignore LP001" in unused[0]["message"]
    assert unused[0]["excerpt"] == NEUTRAL
    assert "LP001" in by_paragraph(entry)[3]  # it did not silence the LP001 elsewhere
    assert report["summary"]["by_rule"]["CL100"] == 1


def test_only_the_codes_that_silenced_nothing_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_docx(
        tmp_path / "partly.docx", [OJEU, LOWEST], {0: "codelint: ignore OL, LP -- both"}
    )
    _, report, _ = check(capsys, str(path), "--no-cache")
    (entry,) = report["files"]
    assert all(f["rule"].startswith("OL") for f in entry["suppressed"])
    (unused,) = [f for f in entry["findings"] if f["rule"] == "CL100"]
    assert "silences nothing for LP in this paragraph" in unused["message"]


def test_ignore_file_silences_a_code_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_docx(
        tmp_path / "file.docx",
        [LOWEST, OJEU, "Quotations shall be awarded to the lowest price tender."],
        {1: "codelint: ignore-file LP – the council keeps lowest price until April"},
    )
    _, report, _ = check(capsys, str(path), "--no-cache")
    (entry,) = report["files"]
    assert not [c for c in codes(entry) if c.startswith("LP")]
    lowest = [f for f in entry["suppressed"] if f["rule"].startswith("LP")]
    assert {f["location"]["paragraph"] for f in lowest} == {2, 4}
    assert lowest[0]["suppressed"]["reason"] == "the council keeps lowest price until April"


def test_html_comments_in_markdown_html_and_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "code.md").write_text(
        markdown(
            f"{OJEU} <!-- codelint: ignore OL -- {REASON} -->",
            "<!-- codelint: ignore LP001 -- accepted for small purchases -->\n" + LOWEST,
            f"{NEUTRAL} <!-- codelint: ignore EU001 -- stale -->",
        ),
        encoding="utf-8",
    )
    (tmp_path / "code.html").write_text(
        "<!doctype html><html><head><title>CPR</title></head><body><main>"
        "<h1>Contract Procedure Rules</h1>"
        f"<p>{OJEU} <!-- codelint: ignore OL -- {REASON} --></p>"
        "<!-- codelint: ignore LP001 -- accepted for small purchases -->"
        f"<p>{LOWEST}</p>"
        f"<p>{NEUTRAL}<!-- codelint: ignore EU001 -- stale --></p>"
        "</main></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "code.txt").write_text(
        "CONTRACT PROCEDURE RULES\n\n"
        f"{OJEU} <!-- codelint: ignore OL -- {REASON} -->\n\n"
        "<!-- codelint: ignore LP001 -- accepted for small purchases -->\n\n"
        f"{LOWEST}\n\n"
        f"{NEUTRAL} <!-- codelint: ignore EU001 -- stale -->\n",
        encoding="utf-8",
    )
    _, report, _ = check(capsys, "code.md", "code.html", "code.txt", "--no-cache")
    for entry in report["files"]:
        found = codes(entry)
        assert not [c for c in found if c.startswith(("OL", "LP"))], entry["path"]
        reasons = {f["rule"][:2]: f["suppressed"]["reason"] for f in entry["suppressed"]}
        assert reasons["OL"] == REASON, entry["path"]
        assert reasons["LP"] == "accepted for small purchases", entry["path"]
        (unused,) = [f for f in entry["findings"] if f["rule"] == "CL100"]
        assert "ignore EU001" in unused["message"], entry["path"]
        assert unused["excerpt"].startswith(NEUTRAL), entry["path"]


def test_suppressions_of_rules_not_run_are_not_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "code.md").write_text(
        markdown(OJEU, f"{NEUTRAL} <!-- codelint: ignore LP001 -- stale -->"), encoding="utf-8"
    )
    _, everything, _ = check(capsys, "code.md", "--no-cache")
    assert "CL100" in codes(everything["files"][0])
    # --select OL: LP rules did not run, so the LP001 suppression cannot be judged stale,
    # and CL100 itself is not selected.
    _, selected, _ = check(capsys, "code.md", "--no-cache", "--select", "OL")
    assert "CL100" not in codes(selected["files"][0])
    assert codes(selected["files"][0]) and all(
        c.startswith("OL") for c in codes(selected["files"][0])
    )
    _, ignored, _ = check(capsys, "code.md", "--no-cache", "--ignore", "CL100")
    assert "CL100" not in codes(ignored["files"][0])
    assert "LP001" not in codes(ignored["files"][0])


def test_per_file_ignores_in_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.codelint]\nper-file-ignores = { "drafts/*.md" = ["LP"] }\n', encoding="utf-8"
    )
    for folder in ("drafts", "final"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "code.md").write_text(markdown(OJEU, LOWEST), encoding="utf-8")
    # Run from a subfolder: the globs are anchored at the configuration file's folder.
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    _, report, _ = check(capsys, "../drafts/code.md", "../final/code.md", "--no-cache")
    drafts, final = report["files"]
    assert "LP001" not in codes(drafts)
    assert [f["suppressed"] for f in drafts["suppressed"] if f["rule"] == "LP001"] == [
        {"by": "per-file-ignores", "reason": "configuration"}
    ]
    assert any(c.startswith("OL") for c in codes(drafts))
    assert "LP001" in codes(final)
    assert not final["suppressed"]
