"""Settings from ``[tool.codelint]`` in pyproject.toml or ``.codelint.yaml``, found upward.

The nearest configuration file above a linted file applies to it (as with Ruff), so a
repository holding several bodies' codes can keep one configuration per folder. Options
given on the command line override the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from codelint.errors import ConfigError
from codelint.limits import Limits

CONFIG_NAMES = (".codelint.yaml", ".codelint.yml", "pyproject.toml")
LEVELS = ("info", "warning", "error")

KNOWN_KEYS = {
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "fail-on", "as-of",
    "model", "packs", "limits", "force-document-checks", "cache-dir", "format",
}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: str = "info"
    as_of: dt.date | None = None
    model: str | None = None
    packs: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    force_document_checks: bool = False
    cache_dir: str | None = None
    #: The configuration file these settings came from (None: defaults only).
    source: str | None = None

    @property
    def root(self) -> Path | None:
        """The folder of the configuration file (where relative globs are anchored)."""
        return Path(self.source).parent if self.source else None

    def _names(self, path: str) -> list[str]:
        """The forms of ``path`` globs are matched against: as given, relative to the
        configuration file's folder (when inside it), and the file name."""
        given = Path(path)
        names = [given.as_posix()]
        root = self.root
        if root is not None and "://" not in path:
            with contextlib.suppress(ValueError, OSError):
                names.append(given.resolve().relative_to(root.resolve()).as_posix())
        names.append(given.name)
        return names

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """Codes ignored for ``path`` by ``per-file-ignores`` globs."""
        codes: list[str] = []
        names = self._names(path)
        for pattern, ignored in self.per_file_ignores:
            if any(fnmatch.fnmatch(name, pattern) for name in names):
                codes.extend(ignored)
        return tuple(codes)

    def is_excluded(self, path: str) -> bool:
        """Whether an ``exclude`` glob matches the path, its name, or a folder above it."""
        if not self.exclude:
            return False
        candidates: set[str] = set()
        for name in self._names(path):
            parts = name.split("/")
            candidates.update(parts)
            candidates.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return any(
            fnmatch.fnmatch(candidate, pattern)
            for pattern in self.exclude
            for candidate in candidates
            if candidate
        )

    def rules_key(self) -> tuple[Any, ...]:
        """What decides which rules are compiled (used to share one Linter between files)."""
        return (self.select, self.ignore, self.model, self.packs)


def _codes(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of rule codes or prefixes")
    return tuple(v.strip().upper() for v in value)


def parse_date(value: Any, where: str = "--as-of") -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a date (use YYYY-MM-DD)") from None


def settings_from_mapping(data: dict[str, Any], where: str, base: Path) -> Settings:
    """Validate a configuration mapping; relative paths are taken from ``base``."""
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown option(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {"source": where}
    if "select" in data:
        values["select"] = _codes(data["select"], where, "select")
    if "extend-select" in data:
        values["select"] = values.get("select", ()) + _codes(data["extend-select"], where, "x")
    if "ignore" in data:
        values["ignore"] = _codes(data["ignore"], where, "ignore")
    if "per-file-ignores" in data:
        mapping = data["per-file-ignores"]
        if not isinstance(mapping, dict):
            raise ConfigError(f"{where}: `per-file-ignores` maps globs to lists of codes")
        values["per_file_ignores"] = tuple(
            (str(glob), _codes(codes, where, "per-file-ignores")) for glob, codes in mapping.items()
        )
    if "exclude" in data:
        exclude = data["exclude"]
        if isinstance(exclude, str):
            exclude = [exclude]
        values["exclude"] = tuple(str(e) for e in exclude)
    if "fail-on" in data:
        level = str(data["fail-on"]).lower()
        if level not in LEVELS:
            raise ConfigError(f"{where}: `fail-on` must be one of {', '.join(LEVELS)}")
        values["fail_on"] = level
    if "as-of" in data:
        values["as_of"] = parse_date(data["as-of"], f"{where}: as-of")
    if "model" in data:
        values["model"] = str(data["model"]) if data["model"] else None
    if "packs" in data:
        packs = data["packs"] if isinstance(data["packs"], list) else [data["packs"]]
        values["packs"] = tuple(str((base / str(p)).resolve()) for p in packs)
    if "limits" in data:
        if not isinstance(data["limits"], dict):
            raise ConfigError(f"{where}: `limits` must be a table of numbers")
        try:
            values["limits"] = Limits.from_mapping(data["limits"])
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if "force-document-checks" in data:
        values["force_document_checks"] = bool(data["force-document-checks"])
    if "cache-dir" in data:
        values["cache_dir"] = str((base / str(data["cache-dir"])).resolve())
    return Settings(**values)


def _read_config(path: Path) -> dict[str, Any] | None:
    """The codelint section of a config file, or None if the file has none."""
    try:
        if path.name == "pyproject.toml":
            with path.open("rb") as handle:
                data = tomllib.load(handle)
            section = data.get("tool", {}).get("codelint")
            return section if isinstance(section, dict) else None
        with path.open("rb") as handle:
            loaded = yaml.safe_load(handle)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: invalid configuration: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: must be a mapping of options")
    return loaded


@lru_cache(maxsize=256)
def find_config(directory: Path) -> Path | None:
    """The nearest configuration file at or above ``directory`` that has codelint options."""
    for folder in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and _read_config(candidate) is not None:
                return candidate
    return None


@lru_cache(maxsize=64)
def load_settings(config_path: Path | None) -> Settings:
    if config_path is None:
        return Settings()
    data = _read_config(config_path) or {}
    return settings_from_mapping(data, str(config_path), config_path.parent)


def settings_for(path: str, explicit: Path | None, overrides: dict[str, Any]) -> Settings:
    """Settings for one linted file: its nearest config (or ``explicit``), then overrides.

    A URL takes the configuration found from the current folder. ``overrides["limits"]``, if
    given, is a mapping of limit names to values merged into the configured limits (so
    ``--timeout`` changes the timeout and keeps a configured ``max-pages``).
    """
    if explicit is not None:
        config = explicit
    elif "://" in path:
        config = find_config(Path.cwd())
    else:
        config = find_config(Path(path).resolve().parent)
    settings = load_settings(config)
    if not overrides:
        return settings
    values = dict(overrides)
    limits = values.pop("limits", None)
    if values:
        settings = replace(settings, **values)
    if limits:
        settings = replace(settings, limits=replace(settings.limits, **limits))
    return settings


def run_settings(explicit: Path | None, overrides: dict[str, Any]) -> Settings:
    """Settings for the run as a whole (the cache folder): the configuration found from the
    current folder (or ``explicit``), then overrides."""
    return settings_for(str(Path.cwd() / "-"), explicit, overrides)
