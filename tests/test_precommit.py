"""The pre-commit hook, for real: ``pre-commit try-repo`` installs this repository as a hook
repository (``.pre-commit-hooks.yaml``) into a fresh virtual environment and runs it on a git
repository holding a procurement code.

The hook repository is a fresh git repository made from the working tree's files, so the test
behaves the same on a clean checkout (CI) and on a tree with uncommitted changes (try-repo
itself would only see tracked files). pre-commit builds the hook's environment with pip:
codelint's dependencies come from PyPI. Each try-repo builds its own environment, so this test
costs two installs: about 30 s on the project's 2-core machine (50 s when it is busy).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from adoption_helpers import BAD_DOCX, GOOD_DOCX, ROOT

GIT_ENV = {
    "GIT_AUTHOR_NAME": "codelint tests",
    "GIT_AUTHOR_EMAIL": "tests@codelint.invalid",
    "GIT_COMMITTER_NAME": "codelint tests",
    "GIT_COMMITTER_EMAIL": "tests@codelint.invalid",
}
PROJECT_FILES = ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md", "LICENSE")
PROJECT_FOLDERS = ("codelint", "checks")


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def hook_repository(where: Path) -> Path:
    """A git repository holding the project as it is in the working tree."""
    where.mkdir()
    for name in PROJECT_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, where / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(
            ROOT / name, where / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    git("init", "-q", cwd=where)
    git("add", "-A", cwd=where)
    git("commit", "-q", "-m", "codelint as a hook repository", cwd=where)
    return where


def test_the_manifest_describes_the_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "codelint"
    assert hook["entry"] == "codelint check"
    assert hook["language"] == "python"
    assert hook.get("pass_filenames", True) is True
    import re

    files = re.compile(hook["files"])
    for name in ("a.docx", "B.DOCX", "x.pdf", "p.html", "p.htm", "r.md", "r.markdown", "t.txt"):
        assert files.search(name), name
    for name in ("a.doc", "image.png", "docx.py", "notes.md.bak"):
        assert not files.search(name), name


@pytest.mark.slow
def test_pre_commit_try_repo_fails_on_a_faulty_code_and_passes_on_a_clean_one(
    tmp_path: Path,
) -> None:
    hooks = hook_repository(tmp_path / "hookrepo")
    consumer = tmp_path / "council"
    consumer.mkdir()
    git("init", "-q", cwd=consumer)
    shutil.copy2(BAD_DOCX, consumer / "cpr-2016-pcr2015.docx")
    shutil.copy2(GOOD_DOCX, consumer / "good-practice-2026.docx")
    git("add", "-A", cwd=consumer)
    env = {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }

    def try_repo(name: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "codelint"]
        return subprocess.run(
            [*command, "--files", name, "--verbose"],
            cwd=consumer,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    faulty = try_repo("cpr-2016-pcr2015.docx")
    assert faulty.returncode == 1, faulty.stdout + faulty.stderr
    assert "codelint" in faulty.stdout and "Failed" in faulty.stdout
    assert "cpr-2016-pcr2015.docx:" in faulty.stdout
    assert "OL001" in faulty.stdout  # the OJEU clauses of the 2016 sample
    # The hook ran codelint in the consumer's repository and cached the result there.
    cache = consumer / ".codelint_cache"
    assert (cache / "CACHEDIR.TAG").is_file()
    assert len(list(cache.glob("v*/*/*.json"))) == 1

    clean = try_repo("good-practice-2026.docx")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
    assert "Found 0 findings in 1 file" in clean.stdout
