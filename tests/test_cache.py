"""The result cache: hits give the same report without importing spaCy or the readers' libraries;
everything that changes a result changes the key; entries survive corruption and concurrent
runs; ``--no-cache``, ``--cache-dir``, ``cache-dir`` and ``codelint clean``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from adoption_helpers import (
    BAD_DOCX,
    GOOD_DOCX,
    LOWEST,
    OJEU,
    SAMPLES,
    cli,
    markdown,
    serve,
    warm_pipeline,
)

from codelint.cache import Cache, packs_digest, result_key
from codelint.config import Settings
from codelint.limits import Limits
from codelint.run import Runner, RunOptions

PDF = SAMPLES / "cpr-2016-pcr2015.pdf"

#: Runs ``codelint check`` in-process, refusing to fork a worker, and records which heavy
#: modules the process imported.
PROBE = textwrap.dedent(
    """
    import json, os, sys
    forked = []
    def no_fork():
        forked.append(True)
        raise OSError(11, "the probe refuses to fork")
    os.fork = no_fork
    from codelint.cli import main
    code = main(sys.argv[2:])
    heavy = sorted(m for m in ("spacy", "thinc", "numpy", "lxml", "pypdfium2", "docx",
                               "pdfplumber") if m in sys.modules)
    with open(sys.argv[1], "w") as out:
        json.dump({"code": code, "heavy": heavy, "forked": bool(forked)}, out)
    """
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "code.md").write_text(markdown(OJEU, LOWEST), encoding="utf-8")
    (tmp_path / "cpr.docx").write_bytes(BAD_DOCX.read_bytes())
    (tmp_path / "cpr.pdf").write_bytes(PDF.read_bytes())
    return tmp_path


def probe(cwd: Path, *args: str) -> tuple[dict, str]:
    out = cwd / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(out.read_text()), done.stdout


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("v*/*/*.json"))


def test_a_cache_hit_gives_the_same_report_without_importing_spacy_or_reading_libraries(
    folder: Path,
) -> None:
    files = ["code.md", "cpr.docx", "cpr.pdf"]
    cold = cli("check", *files, "--format", "json", cwd=folder)
    assert cold.returncode == 1, cold.stderr
    cache = folder / ".codelint_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(entries(cache)) == 3

    result, stdout = probe(folder, *files, "--format", "json")
    assert result == {"code": 1, "heavy": [], "forked": False}
    assert stdout == cold.stdout  # byte for byte

    # The probe can fail: with a cold cache the same run needs a worker.
    result, _ = probe(folder, *files, "--format", "json", "--cache-dir", "elsewhere")
    assert result["forked"] is True


def runner(**options: object) -> Runner:
    return Runner(RunOptions(cache=True, **options))  # type: ignore[arg-type]


def test_everything_that_changes_a_result_changes_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    warm_pipeline()
    (tmp_path / "code.md").write_text(markdown(OJEU, LOWEST), encoding="utf-8")

    def hits(**options: object) -> int:
        run = runner(**options)
        (result,) = run.run(["code.md"])
        assert result.error is None
        return run.cache_hits

    assert hits() == 0
    assert hits() == 1
    assert hits(overrides={"select": ("OL",)}) == 0
    assert hits(overrides={"ignore": ("LP",)}) == 0
    assert hits(as_of=dt.date(2016, 1, 1)) == 0
    assert hits(overrides={"force_document_checks": True}) == 0
    assert hits(overrides={"limits": {"max_pages": 10}}) == 0
    # The time and memory limits cannot change a result that was reached: still a hit.
    assert hits(overrides={"limits": {"timeout": 30.0, "max_memory_mb": 1500}}) == 1
    (tmp_path / "pyproject.toml").write_text(
        '[tool.codelint]\nper-file-ignores = { "code.md" = ["OL"] }\n', encoding="utf-8"
    )
    assert hits() == 0
    (tmp_path / "code.md").write_text(markdown(OJEU, LOWEST, "A new clause."), encoding="utf-8")
    assert hits() == 0
    assert hits() == 1


def test_the_key_covers_the_rule_packs_model_and_extension(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    (pack / "rules").mkdir(parents=True)
    (pack / "rules" / "x.yaml").write_text("rules: []\n")
    settings = Settings(packs=(str(pack),))
    before = packs_digest(settings.packs)
    key = result_key("abc", "code.md", settings, "2026-01-01", ())
    packs_digest.cache_clear()
    (pack / "rules" / "x.yaml").write_text("rules: [] # changed\n")
    assert packs_digest(settings.packs) != before
    assert result_key("abc", "code.md", settings, "2026-01-01", ()) != key
    assert packs_digest(()) != packs_digest(settings.packs)
    base = result_key("abc", "code.md", Settings(), "2026-01-01", ())
    assert result_key("abc", "other.md", Settings(), "2026-01-01", ()) == base  # name: no
    assert result_key("abc", "code.txt", Settings(), "2026-01-01", ()) != base  # reader: yes
    assert result_key("abc", "code.md", Settings(model="x"), "2026-01-01", ()) != base
    limits = Limits(timeout=1, max_memory_mb=100)
    assert result_key("abc", "code.md", Settings(limits=limits), "2026-01-01", ()) == base


def test_a_corrupt_entry_is_ignored_and_rewritten(folder: Path) -> None:
    first = cli("check", "code.md", "cpr.docx", "--format", "json", cwd=folder)
    cache = folder / ".codelint_cache"
    paths = entries(cache)
    assert len(paths) == 2
    paths[0].write_bytes(b'{"key": "truncat')
    good = json.loads(paths[1].read_text())
    paths[1].write_text(json.dumps({"key": "another key", "payload": good["payload"]}))
    again = cli("check", "code.md", "cpr.docx", "--format", "json", cwd=folder)
    assert again.returncode == first.returncode == 1
    assert again.stdout == first.stdout
    for path in entries(cache):
        entry = json.loads(path.read_text())
        assert path.name == entry["key"][2:] + ".json"  # rewritten, whole, under its key
    assert not list(cache.rglob(".tmp-*"))


def test_two_runs_sharing_a_cache_both_succeed(folder: Path) -> None:
    for number in range(6):
        (folder / f"copy{number}.md").write_text(
            markdown(OJEU, LOWEST, f"Clause {number}."), encoding="utf-8"
        )
    args = [sys.executable, "-m", "codelint", "check", ".", "--format", "json", "--cache-dir",
            "shared"]  # fmt: skip
    runs = [
        subprocess.Popen(args, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [1, 1], [err for _, err in outputs]
    assert outputs[0][0] == outputs[1][0]
    cache = folder / "shared"
    assert len(entries(cache)) == 9, [err for _, err in outputs]
    assert not list(cache.rglob(".tmp-*"))
    result, stdout = probe(folder, ".", "--format", "json", "--cache-dir", "shared")
    assert result == {"code": 1, "heavy": [], "forked": False}, stdout
    assert stdout.encode() == outputs[0][0]


def test_no_cache_cache_dir_configuration_and_clean(folder: Path) -> None:
    assert cli("check", "code.md", "--no-cache", cwd=folder).returncode == 1
    assert not (folder / ".codelint_cache").exists()
    assert cli("check", "code.md", "--cache-dir", "build/c", cwd=folder).returncode == 1
    assert len(entries(folder / "build" / "c")) == 1
    (folder / "pyproject.toml").write_text('[tool.codelint]\ncache-dir = "var/cache"\n')
    (folder / "sub").mkdir()
    (folder / "sub" / "code.md").write_text(markdown(LOWEST), encoding="utf-8")
    # The configuration's folder anchors cache-dir, wherever codelint runs from below it.
    assert cli("check", "code.md", cwd=folder / "sub").returncode == 1
    assert len(entries(folder / "var" / "cache")) == 1

    done = cli("clean", cwd=folder / "sub")
    assert done.returncode == 0 and not (folder / "var" / "cache").exists()
    assert "Removed the cache" in done.stdout
    assert cli("clean", "--cache-dir", "build/c", cwd=folder).returncode == 0
    assert not (folder / "build" / "c").exists()
    assert cli("clean", cwd=folder).stdout.startswith("No cache")
    # A folder codelint did not make is never removed.
    (folder / "precious").mkdir()
    (folder / "precious" / "draft.docx").write_bytes(GOOD_DOCX.read_bytes())
    refused = cli("clean", "--cache-dir", "precious", cwd=folder)
    assert refused.returncode == 2
    assert "not a codelint cache folder" in refused.stderr
    assert (folder / "precious" / "draft.docx").exists()


def test_urls_are_cached_by_their_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    warm_pipeline()
    routes = {"/cpr.md": (200, {"Content-Type": "text/markdown"}, markdown(OJEU).encode())}
    with serve(routes) as base:
        url = f"{base}/cpr.md"
        counts = []
        for content in (markdown(OJEU), markdown(OJEU), markdown(OJEU, LOWEST)):
            routes["/cpr.md"] = (200, {"Content-Type": "text/markdown"}, content.encode())
            run = runner()
            (result,) = run.run([url])
            assert result.error is None and result.path == url
            counts.append((run.cache_hits, sorted({f.rule for f in result.findings})))
    assert [hits for hits, _ in counts] == [0, 1, 0]
    assert counts[0][1] == counts[1][1] and "LP001" in counts[2][1]


def test_a_cache_that_cannot_be_written_only_warns(folder: Path) -> None:
    (folder / "blocked").write_text("a file where the cache folder would go")
    done = cli("check", "code.md", "--cache-dir", "blocked", cwd=folder)
    assert done.returncode == 1
    assert done.stderr.count("cannot write the cache") == 1
    assert Cache(folder / "blocked").get("0" * 64) is None
