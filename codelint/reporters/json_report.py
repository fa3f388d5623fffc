"""The versioned JSON output (see docs/json-schema.md)."""

from __future__ import annotations

import json
from collections import Counter

from codelint.findings import JSON_SCHEMA_VERSION, FileResult
from codelint.reporters import RunInfo


def render(results: list[FileResult], info: RunInfo) -> str:
    by_family: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    for result in results:
        for finding in result.findings:
            by_family[finding.family] += 1
            by_rule[finding.rule] += 1
    payload = {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "codelint", "version": info.version},
        "as_of": info.as_of.isoformat(),
        "files": [result.to_dict() for result in results],
        "summary": {
            "files": len(results),
            "errors": sum(1 for r in results if r.error),
            "findings": sum(by_rule.values()),
            "suppressed": sum(len(r.suppressed) for r in results),
            "by_family": dict(sorted(by_family.items())),
            "by_rule": dict(sorted(by_rule.items())),
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
