"""Evaluate rules on one call: the evaluators of the built-in operators, and a rule's result.

Each evaluator takes a parsed :class:`~.context.Cond` and the call's :class:`~.context.Context`
and returns an :class:`~.context.Outcome`; :mod:`.operators` pairs each with its schema model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..messages import ENTITY_ZH, Text, entity_types, join, msg, same, why_of
from ..types import CheckResult, Finding, Metrics, Utterance
from . import schema as S
from .context import Cond, Context, Outcome, counted, evaluate, evidence, speaker_text, unknown_speaker
from .patterns import PatternTimeout, finditer

__all__ = ["Context", "Outcome", "evaluate", "run_checks", "run_rule"]


# -- combinators --------------------------------------------------------------------------
def all_of(cond: Cond, ctx: Context) -> Outcome:
    outs = [evaluate(c, ctx) for c in cond.children]
    if any(o.holds is False for o in outs):
        return Outcome(False, [e for o in outs for e in o.hits],
                       [e for o in outs if o.holds is False for e in o.misses])
    if any(o.holds is None for o in outs):
        return Outcome(None, reason=_reasons(outs))
    return Outcome(True, [e for o in outs for e in o.hits])


def any_of(cond: Cond, ctx: Context) -> Outcome:
    outs = [evaluate(c, ctx) for c in cond.children]
    if any(o.holds for o in outs):
        return Outcome(True, [e for o in outs if o.holds for e in o.hits])
    if any(o.holds is None for o in outs):
        return Outcome(None, reason=_reasons(outs))
    return Outcome(False, [], [e for o in outs for e in o.misses])


def _reasons(outs: list[Outcome]) -> Text:
    return join((o.reason for o in outs if o.holds is None), unique=True)


def not_(cond: Cond, ctx: Context) -> Outcome:
    o = evaluate(cond.children[0], ctx)
    return Outcome(None if o.holds is None else not o.holds, o.misses, o.hits, o.reason)


# -- operators ----------------------------------------------------------------------------
def phrases(cond: Cond, ctx: Context) -> Outcome:
    spec: S.Phrases = cond.spec
    idx = ctx.scope(spec)
    if idx is None:
        return unknown_speaker(spec)
    hits = ctx.hits(spec, idx)
    who = speaker_text(spec)
    evs = [h.ev(msg("phrases.said", who=who, phrase=h.match.phrase)) for h in hits]
    if spec.all is not None:
        missing = [p for p in spec.all if not any(h.match.phrase == p for h in hits)]
        if missing:
            return Outcome(False, evs, ctx.nearest_miss(missing, idx, same("「" + "」/「".join(missing) + "」")))
        return Outcome(True, evs)
    if spec.none is not None:
        return Outcome(False, [], evs) if hits else Outcome(True)
    if counted(len(hits), spec.at_least, spec.at_most):
        return Outcome(True, evs)
    if not hits:
        listed = "/".join(spec.listed[:6]) + ("…" if len(spec.listed) > 6 else "")
        return Outcome(False, [], ctx.nearest_miss(spec.listed, idx, msg("phrases.listed_from", listed=listed, who=who)))
    return Outcome(False, [], evs + [evidence(None, None, "", msg(
        "phrases.count", n=len(hits), low=spec.at_least or 0, high=spec.at_most if spec.at_most is not None else "∞"))])


def regex(cond: Cond, ctx: Context) -> Outcome:
    spec: S.Regex = cond.spec
    idx = ctx.scope(spec)
    if idx is None:
        return unknown_speaker(spec)
    try:
        evs = [evidence(ctx.utts[i].span, ctx.utts[i].speaker, ctx.utts[i].text, msg("regex.matches", pattern=spec.pattern),
                        m.group(0)) for i in idx for m in finditer(spec.compiled, ctx.utts[i].text)]
    except PatternTimeout as exc:
        return Outcome(None, reason=msg("regex.timeout", error=exc))
    ok = counted(len(evs), spec.at_least, spec.at_most)
    return Outcome(ok, evs if ok else [],
                   [] if ok else (evs or [evidence(None, None, "", msg("regex.nothing", pattern=spec.pattern))]))


def _two_scopes(ctx: Context, first: S.Phrases, second: S.Phrases) -> tuple[list[int], list[int]] | Outcome:
    """The utterances two phrase specs look at, or ``n/a`` when one of their speakers is unknown."""
    a, b = ctx.scope(first), ctx.scope(second)
    if a is None or b is None:
        return unknown_speaker(first if a is None else second)
    return a, b


def before(cond: Cond, ctx: Context) -> Outcome:
    spec: S.Before = cond.spec
    if isinstance(scopes := _two_scopes(ctx, spec.first, spec.then), Outcome):
        return scopes
    a_idx, b_idx = scopes
    a, b = ctx.hits(spec.first, a_idx), ctx.hits(spec.then, b_idx)
    if not b:
        return Outcome(True)
    if a and a[0].start < b[0].start:
        return Outcome(True, [a[0].ev(msg("before.first")), b[0].ev(msg("before.then"))])
    return Outcome(False, [], [b[0].ev(msg("before.too_early", listed="/".join(spec.first.listed[:4])))])


def followed_by(cond: Cond, ctx: Context) -> Outcome:
    spec: S.FollowedBy = cond.spec
    if isinstance(scopes := _two_scopes(ctx, spec.trigger, spec.response), Outcome):
        return scopes
    t_idx, r_idx = scopes
    hits, misses, done = [], [], set()
    for t in ctx.hits(spec.trigger, t_idx):
        if t.index in done:
            continue
        done.add(t.index)
        nxt = [i for i in r_idx if i != t.index and ctx.utts[i].start > t.utt.start][:spec.within_turns]
        answers = ctx.hits(spec.response, nxt)
        if answers:
            hits += [answers[0].ev(msg("followed.answered", who=speaker_text(spec.response), heard=t.match.heard,
                                       phrase=answers[0].match.phrase)), t.ev(msg("followed.trigger"))]
        else:
            near = ctx.nearest_miss(spec.response.listed, nxt, msg("followed.response")) if nxt else []
            tail = msg("followed.nearest", heard=near[0].heard) if near and near[0].heard else same("")
            misses.append(t.ev(msg("followed.missing", phrase=t.match.phrase, listed="/".join(spec.response.listed[:4]),
                                   who=speaker_text(spec.response), turns=spec.within_turns, tail=tail)))
    return Outcome(not misses, hits, misses)


def none_after(cond: Cond, ctx: Context) -> Outcome:
    spec: S.NoneAfter = cond.spec
    if isinstance(scopes := _two_scopes(ctx, spec.anchor, spec.forbidden), Outcome):
        return scopes
    a_idx, f_idx = scopes
    anchors = ctx.hits(spec.anchor, a_idx)
    if not anchors:
        return Outcome(True)
    late = [h for h in ctx.hits(spec.forbidden, f_idx) if h.start > anchors[0].start]
    return Outcome(not late, [], [h.ev(msg("none_after.late", anchor=anchors[0].match.heard)) for h in late])


def entity(cond: Cond, ctx: Context) -> Outcome:
    spec: S.EntityCond = cond.spec
    idx = ctx.scope(spec)
    if idx is None:
        return unknown_speaker(spec)
    evs = [evidence(ctx.utts[i].span, ctx.utts[i].speaker, ctx.utts[i].text,
                    msg("entity.found", type=e.type, why=e.why, type_zh=ENTITY_ZH.get(e.type, e.type), value=e.text),
                    e.text)
           for i in idx for e in ctx.entities[i] if e.type in spec.types]
    ok = len(evs) >= spec.at_least
    fewer = msg("entity.fewer", n=spec.at_least, types=", ".join(spec.types), types_zh=entity_types(spec.types).zh)
    return Outcome(ok, evs if ok else [], [] if ok else [evidence(None, None, "", fewer)])


def around_silence(cond: Cond, ctx: Context) -> Outcome:
    spec: S.AroundSilence = cond.spec
    if spec.speaker != "any" and not ctx.roles_known:
        return unknown_speaker(spec)
    tol = ctx.rules.tolerance if spec.tolerance is None else spec.tolerance
    mine = [i for i, u in enumerate(ctx.utts) if spec.speaker == "any" or u.speaker == spec.speaker]
    long = [s for s in ctx.metrics.silence.spans if s.duration > spec.min_s]
    hits, misses = [], []
    for gap in long:
        label = msg("silence.label", duration=gap.duration, start=gap.start, end=gap.end)
        for side_name, words in (("before", spec.before), ("after", spec.after)):
            side = msg(f"side.{side_name}")
            if not words:
                continue
            near = ([i for i in mine if ctx.utts[i].end <= gap.start + 0.05][-spec.within_turns:] if side_name == "before"
                    else [i for i in mine if ctx.utts[i].start >= gap.end - 0.05][:spec.within_turns])
            found = ctx.hits(S.Phrases(any=words, tolerance=tol), near)
            if found:
                hits.append(found[0].ev(msg("silence.said", side=side, label=label)))
            else:
                miss = ctx.nearest_miss(words, near, msg("silence.words", words="/".join(words[:3]), side=side,
                                                         label=label))
                misses += [replace(m, span=gap) for m in miss]
    return Outcome(not misses, hits, misses)


def metric(cond: Cond, ctx: Context) -> Outcome:
    from .metric_values import metric_value

    spec: S.Metric = cond.spec
    if spec.speaker != "any" and not ctx.roles_known:
        return unknown_speaker(spec)
    value, spans, label, reason = metric_value(spec, ctx.utts, ctx.metrics)
    if value is None:
        return Outcome(None, reason=reason)
    checks: list[tuple[bool, Text]] = []
    if spec.above is not None:
        checks.append((value > spec.above, same(f"> {spec.above:g}")))
    if spec.at_least is not None:
        checks.append((value >= spec.at_least, same(f"≥ {spec.at_least:g}")))
    if spec.below is not None:
        checks.append((value < spec.below, same(f"< {spec.below:g}")))
    if spec.at_most is not None:
        checks.append((value <= spec.at_most, same(f"≤ {spec.at_most:g}")))
    if spec.outside is not None:
        lo, hi = spec.outside
        checks.append((not lo <= value <= hi, msg("metric.outside", low=lo, high=hi)))
    ok = all(c for c, _ in checks)
    text = join((t for _, t in checks), msg("and").en, msg("and").zh)
    spk = None if spec.speaker == "any" else spec.speaker
    conf = None
    if spec.confidence is not None:
        from .voice_values import data_confidence

        conf = spec.confidence * (data_confidence(ctx.metrics, spec.speaker, spec.name)
                                  if spec.name in S.VOICE_METRICS else 1.0)
        text += msg("metric.confidence", confidence=conf)
    line = msg("metric.holds" if ok else "metric.fails", label=label, value=value, test=text)
    evs = [replace(evidence(s, spk, "", line), confidence=conf)
           for s in (spans or [None])]
    return Outcome(ok, evs if ok else [], [] if ok else evs)


# -- a rule's result ----------------------------------------------------------------------
def _findings(rule_id: str, evs: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(replace(e, check=rule_id) for e in evs)


def run_rule(rule, ctx: Context) -> CheckResult:
    """One :class:`~.loader.LoadedRule` on one call: ``pass``/``fail``/``n/a`` with the evidence."""
    base = dict(id=rule.id, title=rule.title, points=None, points_possible=None, severity=rule.severity,
                fatal=rule.severity == "critical")
    if rule.when is not None:
        w = evaluate(rule.when, ctx)
        if w.holds is not True:
            why = w.reason or join(why_of(e) for e in w.misses) or msg("rule.condition_not_held")
            return _result("n/a", msg("rule.does_not_apply", why=why), base)
    out = evaluate(rule.test, ctx)
    if out.holds is None:
        return _result("n/a", msg("rule.undecided", reason=out.reason), base)
    failed = (out.holds is False) if rule.mode == "require" else (out.holds is True)
    bad, good = (out.misses, out.hits) if rule.mode == "require" else (out.hits, out.misses)
    if failed:
        required = msg("rule.required_not_held")
        findings = _findings(rule.id, bad) or (Finding(rule.id, None, None, "", required.en, why_zh=required.zh),)
        return _result("fail", why_of(findings[0]), base, hits=len(findings), findings=findings)
    found = _findings(rule.id, good)
    # a forbid rule that passes because no phrase was heard carries only the nearest miss
    # (it has a similarity): context for the curious, not the reason for the pass
    reason = found and (rule.mode == "require" or found[0].similarity is None)
    summary = why_of(found[0]) if reason else msg("rule.no_violation")
    return _result("pass", summary, base, evidence=found)


def _result(status: str, summary: Text, base: dict, **more) -> CheckResult:
    return CheckResult(status=status, summary=summary.en, summary_zh=summary.zh, **base, **more)


def run_checks(utterances: Sequence[Utterance], metrics: Metrics, rules, call: dict | None = None
               ) -> tuple[CheckResult, ...]:
    """Every loaded rule (of a :class:`~.loader.RuleSet`) on one call, in rule-file order; ``call``: its
    metadata (``direction``) for the ``call`` operator."""
    ctx = Context(tuple(utterances), metrics, rules, call)
    return tuple(run_rule(rule, ctx) for rule in rules.rules.values())
