"""Rule documentation, generated from the rule packs alone (``codelint explain``, ``rules``).

The same functions feed ``codelint explain``, SARIF rule help and the HTML report, so no
rule is documented twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from codelint.rules import Catalogue, Rule


def _fmt(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "—"


def in_force_note(rule: Rule, catalogue: Catalogue, as_of: dt.date) -> str:
    """What the rule's dated data says about the as-of date, in one sentence."""
    parts = []
    if rule.data:
        entry = catalogue.resolve(rule.data)
        name = entry.get("name", rule.data)
        outdated = entry["outdated_from"]
        if as_of < outdated:
            parts.append(
                f"On {_fmt(as_of)} {name} was still current (it went out of date on "
                f"{_fmt(outdated)}), so this rule does not fire for that date."
            )
        else:
            current = None
            for replacement in entry.get("replacements") or []:
                if replacement["from"] <= as_of:
                    current = replacement
            replaced_by = f" In force on {_fmt(as_of)}: {current['text']}" if current else ""
            parts.append(f"{name} has been out of date since {_fmt(outdated)}.{replaced_by}.")
        if entry.get("transition"):
            parts.append(f"Transition: {entry['transition']}.")
    if rule.when_from or rule.when_until:
        start = _resolve_date(rule.when_from, catalogue)
        until = _resolve_date(rule.when_until, catalogue)
        active = (start is None or as_of >= start) and (until is None or as_of <= until)
        span = f"from {_fmt(start)}" if start else ""
        span += f" until {_fmt(until)}" if until else ""
        parts.append(
            f"This rule applies {span.strip()}; on {_fmt(as_of)} it is "
            f"{'active' if active else 'not active'}."
        )
    if rule.table:
        table = catalogue.resolve(rule.table)
        current = None
        for period in table:
            if period["from"] <= as_of and (
                period.get("until") is None or as_of <= period["until"]
            ):
                current = period
        if current:
            values = ", ".join(
                f"{k.replace('_', ' ')} £{v:,}" for k, v in current["values"].items()
            )
            parts.append(
                f"Figures in force on {_fmt(as_of)} (from {_fmt(current['from'])}, "
                f"{current.get('basis', '')}): {values}. Source: {current.get('source', '')}."
            )
    return " ".join(parts)


def _resolve_date(value: Any, catalogue: Catalogue) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    resolved = catalogue.resolve(str(value))
    return resolved if isinstance(resolved, dt.date) else None


def rule_info(rule: Rule, catalogue: Catalogue, as_of: dt.date | None = None) -> dict[str, Any]:
    """Everything known about a rule, as plain data."""
    info: dict[str, Any] = {
        "code": rule.code,
        "title": rule.title,
        "family": rule.family,
        "family_description": catalogue.families.get(rule.family, ""),
        "kind": rule.kind,
        "severity": rule.severity,
        "status": rule.status,
        "document_level": rule.document_level,
        "rationale": rule.rationale,
        "source": rule.source,
        "message": rule.message,
        "suggestion": (
            {"text": rule.suggestion.text, "fix": rule.suggestion.fix} if rule.suggestion else None
        ),
        "examples": {
            key: [
                {"text": e.text, "as_of": e.as_of.isoformat() if e.as_of else None}
                for e in examples
            ]
            for key, examples in (("flag", rule.flag_examples), ("pass", rule.pass_examples))
        },
        "pack_file": rule.path,
    }
    if as_of is not None:
        info["as_of"] = as_of.isoformat()
        info["in_force"] = in_force_note(rule, catalogue, as_of)
    return info


def explain_text(rule: Rule, catalogue: Catalogue, as_of: dt.date) -> str:
    info = rule_info(rule, catalogue, as_of)
    lines = [
        f"{rule.code}: {rule.title}",
        "",
        f"Family:   {rule.family} ({info['family_description']})",
        f"Severity: {rule.severity}"
        + (" (about the whole document)" if rule.document_level else ""),
        "",
        "Why it matters",
        f"  {rule.rationale}",
        "",
        "Source",
        f"  {rule.source}",
    ]
    if info["in_force"]:
        lines += ["", f"The law as of {as_of.isoformat()}", f"  {info['in_force']}"]
    if rule.suggestion:
        kind = "direct replacement" if rule.suggestion.fix == "replace" else "advisory redraft"
        lines += ["", f"Suggested redraft ({kind})", f"  {rule.suggestion.text}"]
    for key, heading in (("flag", "Flagged, for example"), ("pass", "Not flagged, for example")):
        lines += ["", heading]
        for example in info["examples"][key]:
            dated = f" (as of {example['as_of']})" if example["as_of"] else ""
            lines.append(f"  - {example['text']}{dated}")
    return "\n".join(lines) + "\n"
