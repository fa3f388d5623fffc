"""The compiled-pack cache (codelint/packcache.py) and lazily compiled expressions
(codelint/lazyregex.py): a catalogue read back is the catalogue loaded, lints the same, is
rebuilt when a pack or codelint changes, and no failure of the cache changes a result."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from codelint import packcache
from codelint.errors import PackError
from codelint.lazyregex import LazyRegex
from codelint.rules import Catalogue, load_catalogue

PACK = {
    "pack.yaml": """
        name: tiny
        families:
          tiny-family:
            prefix: TY
            description: A family for the cache tests.
        """,
    "rules/tiny-family.yaml": """
        family: tiny-family
        rules:
          - code: TY001
            title: Mentions a widget
            kind: phrase
            severity: warning
            rationale: A test rule.
            source: "The tests"
            patterns:
              - {regex: "\\\\bwidgets?\\\\b"}
            message: "MESSAGE"
            examples:
              flag: ["Buy a widget."]
              pass: ["Buy a gadget."]
        """,
}


def write_pack(folder: Path, message: str = "A widget.") -> Path:
    for name, text in PACK.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("MESSAGE", message), encoding="utf-8")
    return folder


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "packs"
    monkeypatch.setenv(packcache.ENVIRONMENT, str(folder))
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("a YAML file was read")

    monkeypatch.setattr("codelint.rules._load_yaml", refuse)


def test_a_second_load_reads_no_yaml_and_compiles_no_expression(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_catalogue()
    assert len(entries(cache_dir)) == 1
    no_yaml(monkeypatch)
    second = load_catalogue()
    assert second is not first
    assert sorted(second.rules) == sorted(first.rules)
    assert second.rules["OL001"] == first.rules["OL001"]
    assert second.regex_facts == first.regex_facts
    assert len(second.regex_facts) > 200
    assert not any(regex.is_compiled for regex in second.regex_facts)
    assert all(regex.is_compiled for regex in first.regex_facts)  # checked when loaded


def test_a_cached_catalogue_lints_the_same(cache_dir: Path) -> None:
    from codelint.engine import Linter

    text = (ROOT / "corpora" / "codes").glob("*.md")
    document_path = sorted(text)[0]
    from codelint.readers import read

    document = read(str(document_path))
    fresh = load_catalogue(cached=False)
    load_catalogue()  # stores
    stored = load_catalogue()
    assert not any(regex.is_compiled for regex in stored.regex_facts)
    outputs = []
    for catalogue in (fresh, stored):
        linter = Linter(catalogue, catalogue.select(None, None))
        found = linter.lint(document, dt.date(2026, 11, 24)).findings
        outputs.append([f.to_dict() for f in found])
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 3
    # Only the expressions the document needed were compiled.
    compiled = [regex for regex in stored.regex_facts if regex.is_compiled]
    assert 0 < len(compiled) < len(stored.regex_facts)


def test_an_edited_pack_is_loaded_afresh(cache_dir: Path, tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "tiny")
    first = load_catalogue([pack], builtin=False)
    assert first.rules["TY001"].message == "A widget."
    assert load_catalogue([pack], builtin=False).rules["TY001"].message == "A widget."
    write_pack(pack, message="Two widgets.")
    again = load_catalogue([pack], builtin=False)
    assert again.rules["TY001"].message == "Two widgets."
    assert len(entries(cache_dir)) == 2


def test_the_same_pack_in_another_folder_keeps_its_own_paths(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two projects naming the same relative folder, holding identical packs.
    for project in ("one", "two"):
        write_pack(tmp_path / project / "tiny")
        monkeypatch.chdir(tmp_path / project)
        rule = load_catalogue(["tiny"], builtin=False).rules["TY001"]
        assert Path(rule.path).resolve().is_relative_to(tmp_path / project)
    assert len(entries(cache_dir)) == 2


def test_a_broken_pack_is_reported_every_time_and_never_stored(
    cache_dir: Path, tmp_path: Path
) -> None:
    pack = write_pack(tmp_path / "tiny")
    rules = pack / "rules" / "tiny-family.yaml"
    rules.write_text(rules.read_text().replace("\\\\bwidgets?", "(widgets"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PackError) as raised:
            load_catalogue([pack], builtin=False)
        assert any("bad regex" in problem for problem in raised.value.problems)
    assert entries(cache_dir) == []


def test_a_damaged_entry_is_ignored_and_replaced(cache_dir: Path, tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "tiny")
    load_catalogue([pack], builtin=False)
    (entry,) = entries(cache_dir)
    for damage in (b"", b"not a pickle", pickle.dumps(("another key", "not a catalogue"))):
        entry.write_bytes(damage)
        assert load_catalogue([pack], builtin=False).rules["TY001"].message == "A widget."
        assert isinstance(pickle.loads(entry.read_bytes())[1], Catalogue)


def test_a_cache_that_cannot_be_written_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(packcache.ENVIRONMENT, str(blocker / "packs"))
    pack = write_pack(tmp_path / "tiny")
    assert load_catalogue([pack], builtin=False).rules["TY001"].message == "A widget."
    monkeypatch.setenv(packcache.ENVIRONMENT, "off")
    assert packcache.folder() is None
    assert load_catalogue([pack], builtin=False).rules["TY001"].message == "A widget."


def test_the_default_folder_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(packcache.ENVIRONMENT, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert packcache.folder() == tmp_path / "xdg" / "codelint" / "packs"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert packcache.folder() == tmp_path / "home" / ".cache" / "codelint" / "packs"


def test_only_the_most_recently_used_entries_are_kept(cache_dir: Path, tmp_path: Path) -> None:
    cache_dir.mkdir()
    for number in range(packcache.KEEP + 3):
        old = cache_dir / f"old{number}.pickle"
        old.write_bytes(b"x")
        os.utime(old, (1_000_000 + number, 1_000_000 + number))
    load_catalogue([write_pack(tmp_path / "tiny")], builtin=False)
    kept = {path.name for path in entries(cache_dir)}
    assert len(kept) == packcache.KEEP
    assert "old0.pickle" not in kept and f"old{packcache.KEEP + 2}.pickle" in kept


def test_clean_packs_empties_the_folder(cache_dir: Path, tmp_path: Path) -> None:
    from adoption_helpers import cli

    load_catalogue([write_pack(tmp_path / "tiny")], builtin=False)
    assert entries(cache_dir)
    done = cli("clean", "--packs", cwd=tmp_path, env={packcache.ENVIRONMENT: str(cache_dir)})
    assert done.returncode == 0, done.stderr
    assert f"Removed 1 compiled pack from {cache_dir}." in done.stdout
    assert entries(cache_dir) == []


def test_a_lazy_expression_behaves_as_its_compiled_form() -> None:
    lazy = LazyRegex(r"\bwidgets?\b", re.IGNORECASE)
    assert not lazy.is_compiled
    assert lazy == LazyRegex(r"\bwidgets?\b", re.IGNORECASE)
    assert hash(lazy) == hash(LazyRegex(r"\bwidgets?\b", re.IGNORECASE))
    assert lazy != LazyRegex(r"\bwidgets?\b")
    copy = pickle.loads(pickle.dumps(lazy))
    assert copy == lazy and not copy.is_compiled
    assert [m.group(0) for m in lazy.finditer("Widgets and a widget")] == ["Widgets", "widget"]
    assert lazy.is_compiled
    assert lazy.search("no") is None and lazy.findall("a widget") == ["widget"]
    with pytest.raises(re.error):
        LazyRegex.compile("(unclosed")
