"""The command line: ``codelint check|annotate|rules|explain|dump``.

Exit codes: 0 nothing at or above the fail level; 1 findings; 2 a usage, configuration or
input error (every other file is still reported).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from codelint import __version__
from codelint.errors import CodelintError, ConfigError, PackError
from codelint.reporters import REPORTERS as FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITY_LEVELS = ("info", "warning", "error")


def _date(value: str) -> dt.date:
    from codelint.config import parse_date

    try:
        return parse_date(value)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _codes(value: str) -> list[str]:
    return [v.strip().upper() for v in value.split(",") if v.strip()]


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be more than 0")
    return number


def _jobs(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError("--jobs takes 0 (one per CPU) or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codelint",
        description="Lint procurement codes for wording that holds social value and the "
        "Compact back.",
    )
    parser.add_argument("--version", action="version", version=f"codelint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="lint documents (the main job)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    check.add_argument(
        "--format", default="text", help=f"output format: {', '.join(FORMATS)} (default: text)"
    )
    check.add_argument("-o", "--output", help="write the report to this file")
    check.add_argument("--select", type=_codes, help="only these codes or prefixes (comma list)")
    check.add_argument("--ignore", type=_codes, help="skip these codes or prefixes (comma list)")
    check.add_argument("--as-of", type=_date, help="the date whose law applies (default: today)")
    check.add_argument("--fail-on", choices=SEVERITY_LEVELS, help="lowest severity that fails")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--config", type=Path, help="use this configuration file")
    check.add_argument("--statistics", action="store_true", help="counts per rule")
    check.add_argument("--pack", action="append", default=[], help="an extra rule pack folder")
    check.add_argument("--model", help="a trained spaCy pipeline to use (e.g. en_core_web_sm)")
    check.add_argument(
        "--force-document-checks",
        action="store_true",
        help="run document-level checks even on documents not judged procurement codes",
    )
    check.add_argument(
        "--baseline", type=Path, metavar="FILE", help="fail only on findings not in this baseline"
    )
    check.add_argument(
        "--update-baseline",
        action="store_true",
        help="write the current findings to the --baseline file (and do not fail on them)",
    )
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    check.add_argument("--cache-dir", type=Path, help="the cache folder (default: .codelint_cache)")
    check.add_argument(
        "-j", "--jobs", type=_jobs, default=1, help="lint in N worker processes (0: one per CPU)"
    )
    check.add_argument(
        "--timeout", type=_positive, metavar="SECONDS", help="time allowed per file (default 120)"
    )
    check.add_argument(
        "--max-memory", type=_positive, metavar="MB", help="memory allowed per file (default 2048)"
    )
    check.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply `exclude` to files named on the command line too (for pre-commit)",
    )

    clean = sub.add_parser("clean", help="remove the result cache")
    clean.add_argument("--cache-dir", type=Path, help="the cache folder (default: .codelint_cache)")
    clean.add_argument("--config", type=Path, help="use this configuration file")
    clean.add_argument(
        "--packs",
        action="store_true",
        help="also remove the compiled rule packs kept for every project (see docs/adoption.md)",
    )

    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--pack", action="append", default=[])

    explain = sub.add_parser("explain", help="why a rule exists, its source and examples")
    explain.add_argument("code")
    explain.add_argument("--as-of", type=_date)
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.add_argument("--pack", action="append", default=[])

    evaluate = sub.add_parser("eval", help="precision and recall per family on labelled corpora")
    evaluate.add_argument(
        "corpora",
        nargs="*",
        metavar="CORPUS",
        help="labelled corpus folders (default: the project's corpora/ and ../shared/real)",
    )
    evaluate.add_argument("--min-precision", type=float, default=0.95)
    evaluate.add_argument("--min-recall", type=float, default=0.90)
    evaluate.add_argument("--no-floors", action="store_true", help="report only; never fail")
    evaluate.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")

    annotate = sub.add_parser(
        "annotate", help="a copy of a Word file with the findings as comments and tracked changes"
    )
    annotate.add_argument(
        "path", metavar="FILE", help="the .docx to review (left as it is unless --in-place)"
    )
    annotate.add_argument(
        "-o", "--output", help="where to write the copy (default: FILE.annotated.docx)"
    )
    annotate.add_argument("--force", action="store_true", help="overwrite an existing output")
    annotate.add_argument(
        "--in-place", action="store_true", help="write the annotations into FILE itself"
    )
    annotate.add_argument(
        "--comments-in-notes",
        action="store_true",
        help="comment on words in footnotes inside the notes (Word only; LibreOffice 7.4 cannot "
        "open such files) instead of on the note's mark in the text",
    )
    annotate.add_argument("--select", type=_codes, help="only these codes or prefixes")
    annotate.add_argument("--ignore", type=_codes, help="skip these codes or prefixes")
    annotate.add_argument("--as-of", type=_date, help="the date whose law applies (default: today)")
    annotate.add_argument("--config", type=Path, help="use this configuration file")

    dump = sub.add_parser("dump", help="print what the readers made of files")
    dump.add_argument("paths", nargs="+", metavar="FILE")
    dump.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        handler = COMMANDS[args.command]
        return handler(args)
    except PackError as exc:
        print("codelint: error: invalid rule pack:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERROR
    except CodelintError as exc:
        print(f"codelint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("codelint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


# -- check ----------------------------------------------------------------------------------------


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if args.select:
        overrides["select"] = tuple(args.select)
    if args.ignore:
        overrides["ignore"] = tuple(args.ignore)
    if args.fail_on:
        overrides["fail_on"] = args.fail_on
    if args.model:
        overrides["model"] = args.model
    if args.force_document_checks:
        overrides["force_document_checks"] = True
    if args.pack:
        overrides["packs"] = tuple(str(Path(p).resolve()) for p in args.pack)
    limits = {}
    if getattr(args, "timeout", None):
        limits["timeout"] = float(args.timeout)
    if getattr(args, "max_memory", None):
        limits["max_memory_mb"] = int(args.max_memory)
    if limits:
        overrides["limits"] = limits
    return overrides


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def cmd_check(args: argparse.Namespace) -> int:
    from codelint.reporters import REPORTERS, RunInfo, render
    from codelint.run import Runner, RunOptions

    if args.format not in REPORTERS:
        raise ConfigError(f"unknown format {args.format!r} (choose from {', '.join(REPORTERS)})")
    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: configuration file not found")
    if args.update_baseline and args.baseline is None:
        raise ConfigError("--update-baseline needs --baseline FILE (the file to write)")
    baseline = None
    if args.baseline is not None and not args.update_baseline:
        from codelint.baseline import load_baseline

        baseline = load_baseline(args.baseline)  # before linting: a bad baseline fails fast
    options = RunOptions(
        as_of=args.as_of,
        overrides=_overrides(args),
        config=args.config,
        jobs=args.jobs,
        cache=not args.no_cache,
        cache_dir=args.cache_dir,
        isolate=True,
        progress=_stderr_is_terminal(),
        force_exclude=args.force_exclude,
    )
    runner = Runner(options)
    results = runner.run(args.paths)
    if args.baseline is not None:
        from codelint.baseline import apply_baseline, load_baseline, update_baseline, write_baseline

        if args.update_baseline:
            previous = load_baseline(args.baseline) if args.baseline.exists() else []
            baseline = update_baseline(previous, results, args.baseline)
            write_baseline(args.baseline, baseline)
        apply_baseline(results, baseline or [], args.baseline)
    for result in results:
        if result.error:
            print(f"{result.path}: error: {result.error}", file=sys.stderr)
    first_settings = runner.settings(results[0].path) if results else runner.run_settings()
    as_of = args.as_of or first_settings.as_of or dt.date.today()
    info = RunInfo(
        as_of=as_of,
        version=__version__,
        rules=_rule_metadata(runner, results),
        statistics=args.statistics,
        fail_on=first_settings.fail_on,
    )
    output = render(args.format, results, info)
    _write_output(output, args.output)
    return _exit_code(results, runner, args.exit_zero)


def _rule_metadata(runner: Any, results: list[Any]) -> dict[str, dict[str, Any]]:
    """Metadata of the codes found: gathered by the run (so a cached run need not load the
    rule packs), any missing loaded from the catalogue."""
    codes = {f.rule for r in results for f in r.findings + r.suppressed}
    if not codes:
        return {}
    known = getattr(runner, "rules", {})
    info = {code: known[code] for code in codes if code in known}
    missing = codes - set(info)
    if missing:
        info.update(runner.rule_metadata(missing, runner.settings(results[0].path)))
    return dict(sorted(info.items()))


def _write_output(output: str, path: str | None) -> None:
    if not path:
        sys.stdout.write(output)
        sys.stdout.flush()
        return
    from codelint.atomic import write_text_atomically

    write_text_atomically(Path(path), output)


def _exit_code(results: list[Any], runner: Any, exit_zero: bool) -> int:
    from codelint.findings import SEVERITY_ORDER

    if any(r.error for r in results):
        return EXIT_ERROR
    if exit_zero:
        return EXIT_OK
    for result in results:
        threshold = SEVERITY_ORDER[runner.settings(result.path).fail_on]
        if any(SEVERITY_ORDER[f.severity] >= threshold for f in result.findings):
            return EXIT_FINDINGS
    return EXIT_OK


# -- rules, explain -------------------------------------------------------------------------------


def cmd_rules(args: argparse.Namespace) -> int:
    from codelint.explain import rule_info
    from codelint.rules import load_catalogue

    catalogue = load_catalogue(args.pack)
    rules = [catalogue.rules[code] for code in sorted(catalogue.rules)]
    if args.format == "json":
        payload = [rule_info(rule, catalogue) for rule in rules]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    family = None
    for rule in sorted(rules, key=lambda r: (r.family, r.code)):
        if rule.family != family:
            family = rule.family
            print(f"\n{family}: {catalogue.families[family]}")
        print(f"  {rule.code}  {rule.severity:<7}  {rule.title}")
    print(f"\n{len(rules)} rules in {len(catalogue.families)} families.")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from codelint.explain import explain_text, rule_info
    from codelint.rules import load_catalogue

    catalogue = load_catalogue(args.pack)
    code = args.code.upper()
    code = catalogue.redirects.get(code, code)
    if code == "CL100":  # the engine's own check, not a pack's
        from codelint.suppress import unused_rule_info

        info = unused_rule_info()
        if args.format == "json":
            sys.stdout.write(json.dumps(info, indent=2) + "\n")
        else:
            sys.stdout.write(
                f"{info['code']}: {info['title']}\n\nFamily:   {info['family']} "
                f"({info['family_description']})\nSeverity: {info['severity']}\n\n"
                f"Why it matters\n  {info['rationale']}\n"
            )
        return EXIT_OK
    if code not in catalogue.rules:
        raise ConfigError(f"no rule {args.code!r}; `codelint rules` lists them")
    as_of = args.as_of or dt.date.today()
    rule = catalogue.rules[code]
    if args.format == "json":
        sys.stdout.write(json.dumps(rule_info(rule, catalogue, as_of), indent=2) + "\n")
    else:
        sys.stdout.write(explain_text(rule, catalogue, as_of))
    return EXIT_OK


# -- clean ----------------------------------------------------------------------------------------


def cmd_clean(args: argparse.Namespace) -> int:
    """Remove the result cache (the folder ``check`` would use with the same options) and,
    with ``--packs``, the compiled rule packs."""
    from codelint.cache import DEFAULT_DIR, clean
    from codelint.config import run_settings

    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: configuration file not found")
    folder = args.cache_dir
    if folder is None:
        configured = run_settings(args.config, {}).cache_dir
        folder = Path(configured) if configured else Path(DEFAULT_DIR)
    if clean(folder):
        print(f"Removed the cache {folder}.")
    else:
        print(f"No cache at {folder}.")
    if args.packs:
        from codelint import packcache

        where, removed = packcache.clear()
        if where is None:
            print("The compiled-pack cache is off.")
        else:
            plural = "" if removed == 1 else "s"
            print(f"Removed {removed} compiled pack{plural} from {where}.")
    return EXIT_OK


# -- dump -----------------------------------------------------------------------------------------


def cmd_dump(args: argparse.Namespace) -> int:
    """Print what the readers made of each file (see docs/dump.md).

    Every file named is read, in order; one that cannot be read gets the same one-line
    ``PATH: error: CAUSE`` on stderr as ``check`` gives, and the others are still dumped.
    """
    from codelint.config import settings_for
    from codelint.document import DUMP_SCHEMA_VERSION
    from codelint.readers import read

    status = EXIT_OK
    entries: list[dict[str, Any]] = []
    for path in args.paths:
        try:
            document = read(path, settings_for(path, None, {}).limits)
        except CodelintError as exc:
            cause = getattr(exc, "cause", None) or str(exc)
            print(f"{path}: error: {cause}", file=sys.stderr)
            entries.append({"path": path, "error": cause})
            status = EXIT_ERROR
            continue
        if args.format == "json":
            entries.append(document.to_dict())
        else:
            sys.stdout.write(_dump_text(document))
    if args.format == "json":
        payload = {
            "schema_version": DUMP_SCHEMA_VERSION,
            "tool": {"name": "codelint", "version": __version__},
            "files": entries,
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return status


def _dump_text(document: Any) -> str:
    """One file of ``codelint dump``: a header, notes, every block, then the comments."""
    lines: list[str] = []
    facts = [document.format, f"{len(document.blocks)} blocks", f"{document.word_count()} words"]
    if document.pages:
        facts.append(f"{document.pages} pages")
    lines.append(f"== {document.path} ({', '.join(facts)})")
    if document.title:
        lines.append(f"title: {document.title}")
    lines += [f"note: {note}" for note in document.notes]
    for block in document.blocks:
        page = f"p{block.page}" if block.page else "p-"
        where = [f"{'#' + str(block.index):>6}  {page:<4} {block.kind:<10}"]
        if block.clause:
            where.append(f"clause {block.clause}")
        if block.level is not None:
            where.append(f"level {block.level}")
        if block.cell:
            where.append("cell {}.{}.{}".format(*block.cell))
        if block.section:
            where.append("in: " + " > ".join(block.section))
        lines.append("  ".join(where).rstrip())
        lines += [f"        | {text}" for text in block.text.split("\n")]
    for comment in document.comments:
        on = f"block #{comment.block}" if comment.block else "no block"
        by = f" by {comment.author}" if comment.author else ""
        lines.append(f"comment on {on}{by}:")
        lines += [f"        | {text}" for text in comment.text.split("\n")]
    return "\n".join(lines) + "\n\n"


# -- annotate -------------------------------------------------------------------------------------


def cmd_annotate(args: argparse.Namespace) -> int:
    """Write the annotated copy; 0 when written (findings or not), 2 when it cannot be."""
    from codelint.annotate import AnnotateError, annotate_file
    from codelint.errors import ReadError
    from codelint.run import Runner, RunOptions

    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: configuration file not found")
    overrides: dict[str, Any] = {}
    if args.select:
        overrides["select"] = tuple(args.select)
    if args.ignore:
        overrides["ignore"] = tuple(args.ignore)
    runner = Runner(RunOptions(as_of=args.as_of, overrides=overrides, config=args.config))
    try:
        stats = annotate_file(
            args.path,
            args.output,
            runner,
            force=args.force,
            in_place=args.in_place,
            comments_in_notes=args.comments_in_notes,
        )
    except (AnnotateError, ReadError) as exc:
        print(f"{exc.path}: error: {exc.cause}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        where = exc.filename or args.output or args.path
        cause = exc.strerror or str(exc)
        print(f"{where}: error: cannot write the annotated copy ({cause})", file=sys.stderr)
        return EXIT_ERROR
    print(stats.summary(args.path))
    return EXIT_OK


def _default_corpora() -> list[Path]:
    """The project's ``corpora/`` and the shared real corpus beside the checkout: found from
    the package's own folder (an editable install) or from the working folder (a checkout with
    codelint installed from it)."""
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (root / "corpora").is_dir():
            candidates = [root / "corpora", root.parent / "shared" / "real"]
            return [c for c in candidates if c.is_dir()]
    return []


def cmd_eval(args: argparse.Namespace) -> int:
    from codelint.engine import Linter
    from codelint.evaluate import evaluate, floor_failures, format_report, load_corpus
    from codelint.rules import load_catalogue

    folders = [Path(c) for c in args.corpora] or _default_corpora()
    if not folders:
        raise ConfigError("no labelled corpus given and none found next to the project")
    catalogue = load_catalogue()
    linter = Linter(catalogue, catalogue.select(None, None))
    passage_families = sorted({r.family for r in catalogue.rules.values() if not r.document_level})
    failures: list[str] = []
    reports = []
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"{folder}: no such corpus folder")
        report = evaluate(load_corpus(folder), linter, passage_families)
        reports.append(report)
        failures += floor_failures(report, args.min_precision, args.min_recall)
    if args.format == "json":
        payload = [
            {
                "corpus": r.corpus,
                "scored_cases": r.scored_cases,
                "families": {
                    name: {
                        "positives": s.positives,
                        "tp": s.tp,
                        "fp": s.fp,
                        "fn": s.fn,
                        "precision": s.precision,
                        "recall": s.recall,
                        "f1": s.f1,
                    }
                    for name, s in sorted(r.families.items())
                },
                "documents": r.documents,
                "errors": r.errors,
                "document_errors": r.document_errors,
                "borderline": r.borderline,
            }
            for r in reports
        ]
        sys.stdout.write(json.dumps({"reports": payload, "floor_failures": failures}, indent=2))
        sys.stdout.write("\n")
    else:
        for report in reports:
            print(format_report(report, verbose=args.verbose))
            print()
        if failures:
            print("Under the floors:")
            for failure in failures:
                print(f"  {failure}")
        else:
            print(
                f"All families at or above the floors (precision >= {args.min_precision}, "
                f"recall >= {args.min_recall})."
            )
    return EXIT_FINDINGS if failures and not args.no_floors else EXIT_OK


COMMANDS = {
    "eval": cmd_eval,
    "check": cmd_check,
    "clean": cmd_clean,
    "annotate": cmd_annotate,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "dump": cmd_dump,
}
