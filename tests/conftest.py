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


@pytest.fixture(scope="session")
def catalogue():
    from codelint.rules import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session")
def linter(catalogue):
    from codelint.engine import Linter

    return Linter(catalogue, catalogue.select(None, None))
