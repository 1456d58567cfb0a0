"""The rules engine: rule files in, check results with evidence out.

>>> rules = load_rules()                                     # doctest: +SKIP
>>> results = run_checks(report.transcript, report.metrics, rules)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

from ..types import CheckResult, Finding, Metrics, Utterance
from .engine import Context, Ev, evaluate
from .loader import LoadedRule, RuleSet, load_rules

__all__ = ["RuleSet", "load_rules", "run_checks", "run_rule"]


def _findings(rule_id: str, evs: Sequence[Ev]) -> tuple[Finding, ...]:
    return tuple(Finding(rule_id, e.span, e.speaker, e.quote, e.why, e.heard, e.matched, e.similarity,
                         e.confidence) for e in evs)


def run_rule(rule: LoadedRule, ctx: Context) -> CheckResult:
    """One rule on one call: ``pass``/``fail``/``n/a`` with the evidence."""
    base = dict(id=rule.id, title=rule.title, points=None, points_possible=None, severity=rule.severity,
                fatal=rule.severity == "critical")
    if rule.when is not None:
        w = evaluate(rule.when, ctx)
        if w.holds is not True:
            why = w.reason or "; ".join(e.why for e in w.misses) or "its condition did not hold"
            return CheckResult(status="n/a", summary=f"does not apply: {why}", **base)
    out = evaluate(rule.test, ctx)
    if out.holds is None:
        return CheckResult(status="n/a", summary=f"cannot be decided: {out.reason}", **base)
    failed = (out.holds is False) if rule.mode == "require" else (out.holds is True)
    bad, good = (out.misses, out.hits) if rule.mode == "require" else (out.hits, out.misses)
    if failed:
        findings = _findings(rule.id, bad) or _findings(rule.id, [Ev(None, None, "", "the required condition did not hold")])
        return CheckResult(status="fail", summary=findings[0].why, hits=len(findings), findings=findings, **base)
    evidence = _findings(rule.id, good)
    # a forbid rule that passes because no phrase was heard carries only the nearest miss
    # (it has a similarity): context for the curious, not the reason for the pass
    reason = evidence and (rule.mode == "require" or evidence[0].similarity is None)
    summary = evidence[0].why if reason else "no violation found"
    return CheckResult(status="pass", summary=summary,
                       evidence=evidence, **base)


def run_checks(utterances: Sequence[Utterance], metrics: Metrics, rules: RuleSet) -> tuple[CheckResult, ...]:
    """Every loaded rule on one call, in rule-file order."""
    ctx = Context(tuple(utterances), metrics, rules)
    return tuple(run_rule(rule, ctx) for rule in rules.rules.values())
