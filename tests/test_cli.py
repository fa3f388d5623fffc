"""The command line end to end: exit codes, selection, fail levels, output files, configuration
discovery, ``rules``, ``explain`` and ``python -m codelint``."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from adoption_helpers import (
    BAD_DOCX,
    GOOD_DOCX,
    LOWEST,
    OJEU,
    check,
    cli,
    codes,
    markdown,
    warm_pipeline,
)

from codelint import __version__

LOCAL_PREFERENCE = "Local suppliers shall receive a 5% price preference in all tenders."


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    warm_pipeline()


# -- exit codes, as a whole process -----------------------------------------------------------


def test_exit_0_for_a_clean_file_and_1_for_findings(tmp_path: Path) -> None:
    clean = cli("check", str(GOOD_DOCX), "--no-cache", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout
    assert clean.stdout.startswith("Found 0 findings in 1 file")
    assert clean.stderr == ""
    faulty = cli("check", str(BAD_DOCX), "--no-cache", cwd=tmp_path)
    assert faulty.returncode == 1
    assert f"{BAD_DOCX}:" in faulty.stdout and faulty.stderr == ""


def test_exit_2_for_a_missing_file_with_the_good_file_still_reported(tmp_path: Path) -> None:
    done = cli(
        "check", "missing.docx", str(BAD_DOCX), "--format", "json", "--no-cache", cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "missing.docx: error: no such file (it may have been moved or deleted)"
    ]
    report = json.loads(done.stdout)
    missing, good = report["files"]
    assert missing["path"] == "missing.docx" and missing["error"]
    assert good["path"] == str(BAD_DOCX) and good["error"] is None and good["findings"]
    assert report["summary"]["errors"] == 1


def test_python_m_codelint_and_version(tmp_path: Path) -> None:
    version = cli("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"codelint {__version__}"
    bare = cli(cwd=tmp_path)
    assert bare.returncode == 2 and "usage: codelint" in bare.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "nonsense"], "unknown format 'nonsense'"),
        (["--jobs", "-1"], "--jobs takes 0"),
        (["--timeout", "0"], "must be more than 0"),
        (["--config", "nowhere.toml"], "nowhere.toml: configuration file not found"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "code.md").write_text(markdown(LOWEST), encoding="utf-8")
    done = cli("check", "code.md", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


# -- selection and fail levels ----------------------------------------------------------------


def test_select_and_ignore_by_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "code.md").write_text(markdown(OJEU, LOWEST), encoding="utf-8")
    _, everything, _ = check(capsys, "code.md", "--no-cache")
    found = set(codes(everything["files"][0]))
    assert {c[:2] for c in found} >= {"OL", "LP"}
    _, selected, _ = check(capsys, "code.md", "--no-cache", "--select", "OL")
    assert set(codes(selected["files"][0])) == {c for c in found if c.startswith("OL")}
    _, two, _ = check(capsys, "code.md", "--no-cache", "--select", "ol,LP001")
    assert set(codes(two["files"][0])) == {c for c in found if c[:2] in ("OL", "LP")}
    _, ignored, _ = check(capsys, "code.md", "--no-cache", "--ignore", "OL,CM")
    assert set(codes(ignored["files"][0])) == {c for c in found if c[:2] not in ("OL", "CM")}


def test_fail_on_and_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "warn.md").write_text(markdown(LOWEST), encoding="utf-8")
    (tmp_path / "error.md").write_text(markdown(LOCAL_PREFERENCE), encoding="utf-8")
    code, report, _ = check(capsys, "warn.md", "error.md", "--no-cache")
    warn, error = report["files"]
    assert code == 1
    # What the assertions below rely on: warn.md has no error-level finding, error.md has one.
    assert warn["findings"] and "error" not in {f["severity"] for f in warn["findings"]}
    assert "error" in {f["severity"] for f in error["findings"]}
    assert check(capsys, "warn.md", "--no-cache", "--fail-on", "error")[0] == 0
    assert check(capsys, "warn.md", "--no-cache", "--fail-on", "warning")[0] == 1
    assert check(capsys, "error.md", "--no-cache", "--fail-on", "error")[0] == 1
    assert check(capsys, "error.md", "--no-cache", "--exit-zero")[0] == 0
    # --exit-zero never hides an input error.
    assert check(capsys, "error.md", "gone.md", "--no-cache", "--exit-zero")[0] == 2
    # fail-on from configuration.
    (tmp_path / ".codelint.yaml").write_text("fail-on: error\n", encoding="utf-8")
    assert check(capsys, "warn.md", "--no-cache")[0] == 0
    assert check(capsys, "error.md", "--no-cache")[0] == 1


def test_output_is_written_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from codelint.cli import main

    (tmp_path / "code.md").write_text(markdown(LOWEST), encoding="utf-8")
    target = tmp_path / "reports" / "codelint.json"
    target.parent.mkdir()
    target.write_text("an older report\n")
    before = target.stat().st_ino
    code = main(["check", "code.md", "--no-cache", "--format", "json", "-o", str(target)])
    assert code == 1
    assert capsys.readouterr().out == ""  # the report went to the file only
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["files"][0]["path"] == "code.md"
    assert target.stat().st_ino != before  # replaced by a rename, never half-written in place
    assert sorted(p.name for p in target.parent.iterdir()) == ["codelint.json"]
    mode = target.stat().st_mode & 0o777
    assert mode == 0o666 & ~_umask()  # an ordinary file, not a private temporary one
    target.chmod(0o600)  # a report someone keeps private stays private when rewritten
    assert main(["check", "code.md", "--no-cache", "--format", "json", "-o", str(target)]) == 1
    assert target.stat().st_mode & 0o777 == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["files"][0]["path"] == "code.md"
    nested = tmp_path / "new" / "dir" / "out.txt"
    assert main(["check", "code.md", "--no-cache", "-o", str(nested)]) == 1
    assert nested.read_text().startswith("code.md:")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# -- configuration ----------------------------------------------------------------------------


def test_configuration_is_found_upward_and_the_nearest_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.codelint]\nignore = ["LP"]\n', encoding="utf-8"
    )
    deep = tmp_path / "bodies" / "westvale" / "2026"
    deep.mkdir(parents=True)
    (deep / "code.md").write_text(markdown(OJEU, LOWEST), encoding="utf-8")
    # A pyproject without [tool.codelint] on the way up is not a codelint configuration.
    (tmp_path / "bodies" / "pyproject.toml").write_text('[project]\nname = "y"\n')
    monkeypatch.chdir(deep)
    _, report, _ = check(capsys, "code.md", "--no-cache")
    found = codes(report["files"][0])
    assert "LP001" not in found and any(c.startswith("OL") for c in found)

    (tmp_path / "bodies" / "westvale" / ".codelint.yaml").write_text(
        "select: [LP]\n", encoding="utf-8"
    )
    _, nearer, _ = check(capsys, "code.md", "--no-cache")
    assert codes(nearer["files"][0]) == ["LP001"]
    # The command line overrides the file.
    _, overridden, _ = check(capsys, "code.md", "--no-cache", "--select", "OL")
    assert codes(overridden["files"][0]) and all(
        c.startswith("OL") for c in codes(overridden["files"][0])
    )
    # --config names the file to use.
    _, explicit, _ = check(
        capsys, "code.md", "--no-cache", "--config", str(tmp_path / "pyproject.toml")
    )
    assert "LP001" not in codes(explicit["files"][0])


def test_an_invalid_configuration_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / ".codelint.yaml").write_text("selekt: [OL]\n", encoding="utf-8")
    (tmp_path / "code.md").write_text(markdown(LOWEST), encoding="utf-8")
    done = cli("check", "code.md", "--no-cache", cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert "unknown option(s) selekt" in done.stderr


# -- rules and explain ------------------------------------------------------------------------


def test_rules_lists_the_catalogue(tmp_path: Path) -> None:
    text = cli("rules", cwd=tmp_path)
    assert text.returncode == 0
    assert "  OL001  warning  Notices sent to OJEU or TED" in text.stdout
    assert "outdated-law:" in text.stdout
    as_json = cli("rules", "--format", "json", cwd=tmp_path)
    rules = json.loads(as_json.stdout)
    assert text.stdout.rstrip().endswith(f"{len(rules)} rules in 13 families.")
    assert {r["code"] for r in rules} >= {"OL001", "LP001", "CM001"}


def test_explain_says_what_was_in_force_on_the_date(tmp_path: Path) -> None:
    old = cli("explain", "OL001", "--as-of", "2013-01-01", cwd=tmp_path)
    today = cli("explain", "ol001", cwd=tmp_path)
    assert old.returncode == today.returncode == 0
    assert old.stdout.startswith("OL001: ")
    assert "The law as of 2013-01-01" in old.stdout
    assert "was still current" in old.stdout and "does not fire for that date" in old.stdout
    assert f"The law as of {dt.date.today().isoformat()}" in today.stdout
    assert "has been out of date since 1 January 2021" in today.stdout
    assert "was still current" not in today.stdout
    unknown = cli("explain", "ZZ999", cwd=tmp_path)
    assert unknown.returncode == 2 and "no rule 'ZZ999'" in unknown.stderr


def test_explain_knows_the_engines_own_unused_suppression_check(tmp_path: Path) -> None:
    text = cli("explain", "cl100", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("CL100: Unused suppression")
    as_json = json.loads(cli("explain", "CL100", "--format", "json", cwd=tmp_path).stdout)
    assert as_json["family"] == "codelint" and as_json["severity"] == "warning"


def test_an_invalid_rule_pack_stops_the_run_with_every_problem_listed(tmp_path: Path) -> None:
    (tmp_path / "code.md").write_text(markdown(LOWEST), encoding="utf-8")
    (tmp_path / "ourpack").mkdir()
    done = cli("check", "code.md", "--pack", "ourpack", "--no-cache", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "codelint: error: invalid rule pack:",
        f"  {tmp_path / 'ourpack'}: not a rule pack (no pack.yaml)",
    ]
    assert done.stdout == ""
