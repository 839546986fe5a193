"""Apply rule packs to an agent's output and return explainable flags (rule, span, severity).

A rule fires at most once per output, on its first surviving match in field order (answer,
then each next step, then the disclaimer), so a flag names one piece of evidence a reviewer can
read. Matches inside an accepted disclaimer ("not tax advice") never count as topic content.

Each field is scanned up to SCAN_CHARS characters: ~150 patterns cost about 2 s of CPU per
megabyte, and this runs in the write transaction of every ingested output. A longer field gets
the `scan.truncated` flag instead, so a reviewer reads what the rules did not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from keel.evaluate.rules.confidential import (
    Leak,
    Withheld,
    cited_internal,
    named_tool,
    quoted_internal,
)
from keel.evaluate.rules.nearmiss import CHECKS, sentence_bounds
from keel.evaluate.rules.pack import (
    ConfidentialRule,
    DisclaimerRule,
    Pack,
    PatternRule,
    load_packs,
)


@dataclass(frozen=True)
class Span:
    """Where a flag's evidence is: the output field, offsets into it, and the text."""

    field: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class RuleFlag:
    """One finding: which rule (and version) fired, how severe, why, and on what text."""

    rule_id: str
    rule_version: str
    pack: str
    kind: str
    category: str
    severity: str
    message: str
    span: Span

    def as_store_dict(self) -> dict[str, Any]:
        """Return the flag as `keel.store.flags.replace_flags` takes it."""
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "evidence": {
                "field": self.span.field,
                "start": self.span.start,
                "end": self.span.end,
                "text": self.span.text,
                "pack": self.pack,
                "kind": self.kind,
            },
        }


@dataclass(frozen=True)
class _Text:
    field: str
    kind: str
    text: str


#: Longest stretch of one field the rules scan (an answer of some 10,000 words).
SCAN_CHARS = 64_000
SCAN_TRUNCATED = "scan.truncated"


def _texts(output: Mapping[str, Any]) -> list[_Text]:
    """Return the scannable texts of an output (each up to SCAN_CHARS), apostrophes straight."""
    texts = []
    if isinstance(output.get("answer"), str):
        texts.append(_Text("answer", "answer", output["answer"]))
    for index, step in enumerate(output.get("next_steps") or []):
        if isinstance(step, str):
            texts.append(_Text(f"next_steps[{index}]", "next_steps", step))
    if isinstance(output.get("disclaimer"), str):
        texts.append(_Text("disclaimer", "disclaimer", output["disclaimer"]))
    return [_Text(t.field, t.kind, t.text[:SCAN_CHARS].replace("\u2019", "'")) for t in texts]


def _unscanned(output: Mapping[str, Any]) -> list[RuleFlag]:
    """Return a flag for each field longer than the rules scan."""
    fields = [("answer", output.get("answer")), ("disclaimer", output.get("disclaimer"))]
    fields += [(f"next_steps[{i}]", s) for i, s in enumerate(output.get("next_steps") or [])]
    return [
        RuleFlag(
            rule_id=SCAN_TRUNCATED,
            rule_version="1",
            pack="keel",
            kind="limit",
            category="REVIEW",
            severity="medium",
            message=f"{name} is longer than the {SCAN_CHARS} characters content rules scan",
            span=Span(name, SCAN_CHARS, len(text), ""),
        )
        for name, text in fields
        if isinstance(text, str) and len(text) > SCAN_CHARS
    ]


def _disclaimer_spans(
    texts: Sequence[_Text], rules: Sequence[DisclaimerRule]
) -> tuple[dict[str, list[tuple[int, int]]], set[str]]:
    """Return accepted-disclaimer spans per field, and the ids of rules whose form is present."""
    spans: dict[str, list[tuple[int, int]]] = {}
    present: set[str] = set()
    for rule in rules:
        for item in texts:
            for pattern in rule.compiled_accepted:
                for match in pattern.finditer(item.text):
                    spans.setdefault(item.field, []).append(match.span())
                    present.add(rule.id)
    return spans, present


def _candidates(rule: PatternRule, item: _Text) -> Iterator[tuple[int, int]]:
    found = {m.span() for p in rule.compiled for m in p.finditer(item.text) if m.end() > m.start()}
    yield from sorted(found)


def _survives(
    rule: PatternRule, item: _Text, span: tuple[int, int], masked: list, checks: Sequence[str]
) -> bool:
    start, end = span
    if any(start < m_end and m_start < end for m_start, m_end in masked):
        return False
    first, last = sentence_bounds(item.text, start, end)
    sentence = item.text[first:last]
    if any(p.search(sentence) for p in rule.compiled_unless):
        return False
    return not any(CHECKS[check](item.text, start, end) for check in checks)


def _first_match(
    rule: PatternRule,
    texts: Sequence[_Text],
    masks: Mapping[str, list],
    extra_checks: Sequence[str] = (),
) -> Span | None:
    """Return the first match of `rule` that survives its exceptions and near-miss checks."""
    checks = [*rule.skip_when, *extra_checks]
    for item in texts:
        if item.kind not in rule.fields:
            continue
        for start, end in _candidates(rule, item):
            if _survives(rule, item, (start, end), list(masks.get(item.field, [])), checks):
                return Span(item.field, start, end, item.text[start:end])
    return None


def _flag(
    rule: PatternRule | DisclaimerRule | ConfidentialRule, pack: Pack, span: Span
) -> RuleFlag:
    return RuleFlag(
        rule_id=rule.id,
        rule_version=pack.version,
        pack=pack.pack,
        kind=rule.kind,
        category=rule.category,
        severity=rule.severity,
        message=rule.message,
        span=span,
    )


def _disclaimer_flag(
    rule: DisclaimerRule,
    pack: Pack,
    context: _Context,
    output: Mapping[str, Any],
) -> RuleFlag | None:
    if rule.id in context.present:
        return None
    for required in rule.requires_for_rules:
        if required not in context.fired:
            continue
        # The trigger must be asserted: a warning about what scammers promise needs no disclaimer.
        span = _first_match(context.rules[required], context.texts, context.masks, rule.skip_when)
        if span is not None:
            return _flag(rule, pack, span)
    category = output.get("category")
    if isinstance(category, str) and category in rule.requires_for_categories:
        return _flag(rule, pack, Span("category", 0, len(category), category))
    return None


@dataclass(frozen=True)
class _Context:
    """What the disclaimer rules read: the texts, masks, present forms and fired rules."""

    texts: list[_Text]
    masks: dict[str, list[tuple[int, int]]]
    present: set[str]
    fired: set[str]
    rules: dict[str, PatternRule]


def _leak(
    rule: ConfidentialRule, output: Mapping[str, Any], texts: Sequence[_Text], withheld: Withheld
) -> Leak | None:
    scanned = [(item.field, item.text) for item in texts if item.kind != "disclaimer"]
    if rule.check == "cites_internal":
        return cited_internal(output, withheld)
    if rule.check == "quotes_internal":
        return quoted_internal(scanned, withheld)
    return named_tool(scanned, withheld)


def _confidential_flags(
    packs: Sequence[Pack], output: Mapping[str, Any], texts: Sequence[_Text], withheld: Withheld
) -> list[RuleFlag]:
    flags = []
    for pack in packs:
        for rule in pack.rules:
            if isinstance(rule, ConfidentialRule) and (
                leak := _leak(rule, output, texts, withheld)
            ):
                flags.append(_flag(rule, pack, Span(leak.field, leak.start, leak.end, leak.text)))
    return flags


def check_output(
    output: Mapping[str, Any],
    packs: Sequence[Pack] | None = None,
    withheld: Withheld | None = None,
) -> list[RuleFlag]:
    """Return the flags the packs raise on a structured output (answer, next_steps, disclaimer);
    `withheld` is what the run declared its answer must not reveal (confidential rules)."""
    packs = default_packs() if packs is None else packs
    texts = _texts(output)
    disclaimers = [(r, p) for p in packs for r in p.rules if isinstance(r, DisclaimerRule)]
    masks, present = _disclaimer_spans(texts, [r for r, _ in disclaimers])
    patterns = [(r, p) for p in packs for r in p.rules if isinstance(r, PatternRule)]
    flags = [
        _flag(rule, pack, span)
        for rule, pack in patterns
        if (span := _first_match(rule, texts, masks)) is not None
    ]
    context = _Context(
        texts=texts,
        masks=masks,
        present=present,
        fired={flag.rule_id for flag in flags},
        rules={rule.id: rule for rule, _ in patterns},
    )
    for rule, pack in disclaimers:
        if flag := _disclaimer_flag(rule, pack, context, output):
            flags.append(flag)
    if withheld is not None:
        flags += _confidential_flags(packs, output, texts, withheld)
    return flags + _unscanned(output)


def disclaimers_present(output: Mapping[str, Any], packs: Sequence[Pack] | None = None) -> set[str]:
    """Return the ids of the disclaimer rules one of whose accepted forms `output` carries."""
    packs = default_packs() if packs is None else packs
    rules = [r for p in packs for r in p.rules if isinstance(r, DisclaimerRule)]
    return _disclaimer_spans(_texts(output), rules)[1]


def check_text(text: str, packs: Sequence[Pack] | None = None) -> list[RuleFlag]:
    """Return the flags the packs raise on a free-text answer."""
    return check_output({"answer": text}, packs)


@cache
def _builtin_packs() -> tuple[Pack, ...]:
    return tuple(load_packs())


def default_packs() -> list[Pack]:
    """Return keel's built-in packs, loaded and validated once per process."""
    return list(_builtin_packs())
