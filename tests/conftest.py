"""Shared fixtures: the built-in catalogue and one compiled Linter per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """The project's shared folder (../shared next to the checkout, or $CODELINT_SHARED)."""
    path = Path(os.environ.get("CODELINT_SHARED", ROOT.parent / "shared"))
    if not path.is_dir():
        raise RuntimeError(
            f"shared data folder not found at {path}; set CODELINT_SHARED to its location"
        )
    return path


def labelled_passages() -> list[str]:
    """The text of every labelled passage we have: ours, the held-out sets, the shared real set."""
    import yaml

    files = sorted((ROOT / "corpora" / "passages").glob("*.yaml"))
    files += sorted(ROOT.glob("corpora/heldout*/labels.yaml"))
    files.append(shared_dir() / "real" / "labels.yaml")
    texts: list[str] = []
    for path in files:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        texts += [str(case["text"]) for case in data.get("cases", [])]
    return texts


def sample_codes() -> list[Path]:
    """Our whole sample codes in Markdown (corpora/codes)."""
    return sorted((ROOT / "corpora" / "codes").glob("*.md"))


def pytest_configure(config: pytest.Config) -> None:
    """Compiled packs go to a folder of the test session's own, never the user's cache;
    processes the tests start inherit it."""
    import tempfile

    if "CODELINT_PACK_CACHE" not in os.environ:
        os.environ["CODELINT_PACK_CACHE"] = tempfile.mkdtemp(prefix="codelint-test-packs-")
        config._codelint_pack_cache = os.environ["CODELINT_PACK_CACHE"]  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    folder = getattr(config, "_codelint_pack_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("CODELINT_PACK_CACHE", None)


@pytest.fixture(scope="session")
def catalogue():
    from codelint.rules import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session")
def linter(catalogue):
    from codelint.engine import Linter

    return Linter(catalogue, catalogue.select(None, None))
