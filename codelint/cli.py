"""The command line: ``codelint check|rules|explain|dump``.

Exit codes: 0 nothing at or above the fail level; 1 findings; 2 a usage, configuration or
input error (every other file is still reported).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from codelint import __version__
from codelint.errors import CodelintError, ConfigError, PackError

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
    check.add_argument("--format", default="text", help="output format (default: text)")
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
        "corpora", nargs="*", metavar="CORPUS",
        help="labelled corpus folders (default: the project's corpora/ and ../shared/real)",
    )
    evaluate.add_argument("--min-precision", type=float, default=0.95)
    evaluate.add_argument("--min-recall", type=float, default=0.90)
    evaluate.add_argument("--no-floors", action="store_true", help="report only; never fail")
    evaluate.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")

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
    return overrides


def cmd_check(args: argparse.Namespace) -> int:
    from codelint.reporters import REPORTERS, RunInfo, render
    from codelint.run import Runner, RunOptions

    if args.format not in REPORTERS:
        raise ConfigError(f"unknown format {args.format!r} (choose from {', '.join(REPORTERS)})")
    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: configuration file not found")
    runner = Runner(RunOptions(as_of=args.as_of, overrides=_overrides(args), config=args.config))
    results = runner.run(args.paths)
    for result in results:
        if result.error:
            print(f"{result.path}: error: {result.error}", file=sys.stderr)
    first_settings = runner.settings(results[0].path) if results else runner.settings(".")
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
    codes = {f.rule for r in results for f in r.findings + r.suppressed}
    if not codes:
        return {}
    from codelint.explain import rule_info

    catalogue = runner.catalogue(runner.settings(results[0].path))
    return {
        code: rule_info(catalogue.rules[code], catalogue)
        for code in sorted(codes)
        if code in catalogue.rules
    }


def _write_output(output: str, path: str | None) -> None:
    if not path:
        sys.stdout.write(output)
        sys.stdout.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(output)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
    if code not in catalogue.rules:
        raise ConfigError(f"no rule {args.code!r}; `codelint rules` lists them")
    as_of = args.as_of or dt.date.today()
    rule = catalogue.rules[code]
    if args.format == "json":
        sys.stdout.write(json.dumps(rule_info(rule, catalogue, as_of), indent=2) + "\n")
    else:
        sys.stdout.write(explain_text(rule, catalogue, as_of))
    return EXIT_OK


# -- dump -----------------------------------------------------------------------------------------


def cmd_dump(args: argparse.Namespace) -> int:
    from codelint.errors import ReadError
    from codelint.readers import read

    status = EXIT_OK
    documents = []
    for path in args.paths:
        try:
            document = read(path)
        except ReadError as exc:
            print(f"{exc.path}: error: {exc.cause}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if args.format == "json":
            documents.append(document.to_dict())
            continue
        print(f"== {document.path} ({document.format}, {len(document.blocks)} blocks"
              f"{f', {document.pages} pages' if document.pages else ''})")
        for note in document.notes:
            print(f"note: {note}")
        for block in document.blocks:
            where = f"p{block.page}" if block.page else "p-"
            extra = f" §{' > '.join(block.section)}" if block.section else ""
            clause = f" [{block.clause}]" if block.clause else ""
            cell = f" cell{block.cell}" if block.cell else ""
            print(f"{block.index:>5} {where:>5} {block.kind:<10}{clause}{cell}{extra}")
            for line in block.text.splitlines() or [""]:
                print(f"      | {line}")
        for comment in document.comments:
            print(f"comment on block {comment.block}: {comment.text}")
    if args.format == "json":
        sys.stdout.write(json.dumps(documents, indent=2, ensure_ascii=False) + "\n")
    return status


def _default_corpora() -> list[Path]:
    root = Path(__file__).resolve().parent.parent
    candidates = [root / "corpora", root.parent / "shared" / "real"]
    return [c for c in candidates if c.is_dir()]


def cmd_eval(args: argparse.Namespace) -> int:
    from codelint.engine import Linter
    from codelint.evaluate import evaluate, floor_failures, format_report, load_corpus
    from codelint.rules import load_catalogue

    folders = [Path(c) for c in args.corpora] or _default_corpora()
    if not folders:
        raise ConfigError("no labelled corpus given and none found next to the project")
    catalogue = load_catalogue()
    linter = Linter(catalogue, catalogue.select(None, None))
    passage_families = sorted(
        {r.family for r in catalogue.rules.values() if not r.document_level}
    )
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
                    name: {"positives": s.positives, "tp": s.tp, "fp": s.fp, "fn": s.fn,
                           "precision": s.precision, "recall": s.recall, "f1": s.f1}
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
            print(f"All families at or above the floors (precision >= {args.min_precision}, "
                  f"recall >= {args.min_recall}).")
    return EXIT_FINDINGS if failures and not args.no_floors else EXIT_OK


COMMANDS = {
    "eval": cmd_eval,
    "check": cmd_check,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "dump": cmd_dump,
}
