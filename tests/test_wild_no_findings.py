"""No rule fires on shared/wild: none of those files is a procurement code, so any finding
there is a false positive (a rule matching ordinary words, or a reading defect).

Document-level checks (social-value-missing, compact-missing, reporting-threshold-missing)
apply only to documents the procurement gate in checks/pack.yaml accepts; the engine says in
a note when it judged a document not to be a procurement code, and
``--force-document-checks`` runs those checks anyway.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import shared_dir

WILD = shared_dir() / "wild"
DOCUMENT_FAMILIES = {"social-value-missing", "compact-missing", "reporting-threshold-missing"}
GATE_NOTE = "not judged a procurement code or policy"
#: Clearly not procurement codes: Irish budget worked examples, and lorem ipsum in columns.
NOT_PROCUREMENT = [WILD / "poi-IllustrativeCases.docx", WILD / "pypdf-multicolumn.pdf"]


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codelint", "check", "--no-cache", *args],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def wild_report() -> dict:
    result = check("--format", "json", str(WILD))
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def test_no_finding_fires_on_the_wild_corpus(wild_report):
    fired = [
        f"{entry['path']}: {finding['rule']} ({finding['family']}) on {finding['excerpt']!r}"
        for entry in wild_report["files"]
        for finding in entry["findings"] + entry["suppressed"]
    ]
    assert fired == [], "false positives on non-procurement files:\n" + "\n".join(fired)
    assert wild_report["summary"]["findings"] == 0


def test_no_wild_document_is_judged_a_procurement_code(wild_report):
    read = [entry for entry in wild_report["files"] if not entry["error"]]
    assert len(read) >= 70
    judged = [e["path"] for e in read if e["procurement_document"] is not False]
    assert judged == []
    assert all(any(GATE_NOTE in note for note in e["notes"]) for e in read)


def test_the_gate_note_is_printed_for_a_non_procurement_document():
    result = check(str(NOT_PROCUREMENT[0]))
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if "note:" in line]
    assert any(GATE_NOTE in line and "--force-document-checks" in line for line in notes), (
        result.stdout
    )


def test_forcing_runs_the_document_level_checks():
    plain = json.loads(check("--format", "json", *map(str, NOT_PROCUREMENT)).stdout)
    forced_run = check("--format", "json", "--force-document-checks", *map(str, NOT_PROCUREMENT))
    assert forced_run.returncode == 1, forced_run.stderr  # now there are findings
    forced = json.loads(forced_run.stdout)
    for before, after in zip(plain["files"], forced["files"], strict=True):
        assert before["findings"] == []
        families = {finding["family"] for finding in after["findings"]}
        # Neither file mentions social value, the Compact or reporting thresholds.
        assert families == DOCUMENT_FAMILIES, (after["path"], families)
        # The note says the checks ran because they were forced, not that they did not run.
        assert any("were run anyway" in note for note in after["notes"]), after["notes"]
        assert not any("were not run" in note for note in after["notes"]), after["notes"]
