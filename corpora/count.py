#!/usr/bin/env python3
"""Validate corpora/passages/*.yaml and corpora/codes/labels.yaml and print per-family counts.

Usage: python corpora/count.py            (prints a Markdown table; exits 1 on a schema error)

Counting rules:
  positives   - non-borderline cases (any file) whose `expect` lists the family
  negatives   - non-borderline cases in the family's own file whose `expect` does not list it
                (these share the family's vocabulary by construction)
  dated       - cases in the family's own file whose as_of is not the default date
  borderline  - cases (any file) marked borderline whose `expect` lists the family,
                plus borderline cases in the family's own file
"""
import datetime as dt
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_AS_OF = dt.date(2026, 11, 24)
FAMILIES = [
    "eu-overreach", "outdated-law", "outdated-threshold", "part-b", "lowest-price",
    "reporting-burden", "sv-disproportionate", "local-preference", "compact-commitment",
    "decommissioning",
]
CASE_KEYS = {"id", "text", "expect", "as_of", "borderline", "why"}
DOC_KEYS = {"file", "procurement_document", "mentions_social_value", "mentions_compact",
            "has_proportionate_reporting_threshold", "as_of", "why"}


def load_cases():
    errors, cases = [], []
    for path in sorted((HERE / "passages").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            case["_file"] = path.stem
            cases.append(case)
            cid = case.get("id", "?")
            missing = {"id", "text", "expect", "borderline", "why"} - case.keys()
            extra = case.keys() - CASE_KEYS - {"_file"}
            if missing or extra:
                errors.append(f"{cid}: missing {sorted(missing)} extra {sorted(extra)}")
            bad = [f for f in case.get("expect", []) if f not in FAMILIES]
            if bad:
                errors.append(f"{cid}: unknown family {bad}")
            if len(set(case.get("expect", []))) != len(case.get("expect", [])):
                errors.append(f"{cid}: repeated family")
            if not isinstance(case.get("borderline"), bool):
                errors.append(f"{cid}: borderline must be true/false")
            as_of = case.get("as_of", DEFAULT_AS_OF)
            if not isinstance(as_of, dt.date):
                errors.append(f"{cid}: as_of must be a YYYY-MM-DD date")
            case["_as_of"] = as_of
            words = len(str(case.get("text", "")).split())
            if words > 130:
                errors.append(f"{cid}: text has {words} words (limit about 120)")
    ids = [c.get("id") for c in cases]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(f"duplicate id {dup}")
    return cases, errors


def load_docs(errors):
    path = HERE / "codes" / "labels.yaml"
    docs = yaml.safe_load(path.read_text(encoding="utf-8"))["documents"]
    for doc in docs:
        missing = DOC_KEYS - {"as_of"} - doc.keys()
        extra = doc.keys() - DOC_KEYS
        if missing or extra:
            errors.append(f"{doc.get('file')}: missing {sorted(missing)} extra {sorted(extra)}")
        target = HERE / "codes" / doc.get("file", "")
        if not target.is_file():
            errors.append(f"{doc.get('file')}: no such file")
        else:
            doc["_words"] = len(target.read_text(encoding="utf-8").split())
    return docs


def main():
    cases, errors = load_cases()
    docs = load_docs(errors)
    scored = [c for c in cases if not c["borderline"]]
    rows = []
    for fam in FAMILIES:
        own = [c for c in cases if c["_file"] == fam]
        pos = sum(fam in c["expect"] for c in scored)
        neg = sum(fam not in c["expect"] for c in own if not c["borderline"])
        dated = sum(c["_as_of"] != DEFAULT_AS_OF for c in own)
        border = len({c["id"] for c in cases if c["borderline"] and (fam in c["expect"] or c["_file"] == fam)})
        rows.append((fam, len(own), pos, neg, dated, border))
    mixed = [c for c in cases if c["_file"] == "mixed"]
    total_pos = sum(bool(c["expect"]) for c in scored)
    total_neg = sum(not c["expect"] for c in scored)
    total_dated = sum(c["_as_of"] != DEFAULT_AS_OF for c in cases)
    total_border = sum(c["borderline"] for c in cases)

    print("| family | cases in own file | positives (all files) | vocabulary negatives (own file) | dated (own file) | borderline |")
    print("|---|---:|---:|---:|---:|---:|")
    for fam, n, pos, neg, dated, border in rows:
        print(f"| {fam} | {n} | {pos} | {neg} | {dated} | {border} |")
    print(f"| mixed.yaml | {len(mixed)} | {sum(bool(c['expect']) for c in mixed if not c['borderline'])} | "
          f"{sum(not c['expect'] for c in mixed if not c['borderline'])} | "
          f"{sum(c['_as_of'] != DEFAULT_AS_OF for c in mixed)} | {sum(c['borderline'] for c in mixed)} |")
    print()
    print(f"Passages: {len(cases)}; scored {len(scored)}: {total_pos} with at least one family, "
          f"{total_neg} with none (expect: []); dated (as_of other than {DEFAULT_AS_OF}): {total_dated}; "
          f"borderline: {total_border} ({100 * total_border / len(cases):.1f}%).")
    multi = sum(len(c["expect"]) > 1 for c in scored)
    print(f"Scored passages with two or more families: {multi}.")
    print()
    print("| document | words | procurement_document | mentions_social_value | mentions_compact | has_proportionate_reporting_threshold |")
    print("|---|---:|---|---|---|---|")
    for d in docs:
        print(f"| {d['file']} | {d.get('_words', '?')} | {d['procurement_document']} | {d['mentions_social_value']} | "
              f"{d['mentions_compact']} | {d['has_proportionate_reporting_threshold']} |")
    if errors:
        print("\nERRORS:", *errors, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
