"""Evaluate conditions on one call.

A condition evaluates to an :class:`Outcome`: whether it holds (``None`` when it
cannot be decided for this call, e.g. a speaker-specific rule on a mono recording),
the evidence that makes it hold (``hits``) and the evidence that it does not
(``misses``: unheard phrases with the nearest thing said, violations, thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..types import Interval, Metrics, Utterance
from . import schema as S
from .loader import Cond, RuleSet
from .match import Match, find, nearest


@dataclass(frozen=True)
class Ev:
    """One piece of evidence (becomes a :class:`~qa_pipeline.types.Finding`)."""

    span: Interval | None
    speaker: str | None
    quote: str
    why: str
    heard: str | None = None
    matched: str | None = None
    similarity: float | None = None


@dataclass
class Outcome:
    holds: bool | None
    hits: list[Ev] = field(default_factory=list)
    misses: list[Ev] = field(default_factory=list)
    reason: str = ""


@dataclass
class Hit:
    index: int          # utterance index in the call
    utt: Utterance
    match: Match

    @property
    def start(self) -> float:
        u, m = self.utt, self.match
        n = max(len(u.text), 1)
        return u.start + (u.end - u.start) * m.start / n

    def ev(self, why: str) -> Ev:
        m = self.match
        how = "" if m.how == "exact" else f" ({m.how}: heard 「{m.heard}」, similarity {m.similarity:.2f})"
        return Ev(self.utt.span, self.utt.speaker, self.utt.text, why + how, m.heard, m.phrase, m.similarity)


class Context:
    """One call as the rules see it: the transcript, the measurements, the rule set."""

    def __init__(self, utterances: tuple[Utterance, ...], metrics: Metrics, rules: RuleSet) -> None:
        self.utts = tuple(utterances)
        self.metrics = metrics
        self.rules = rules
        self.roles_known = any(u.speaker in ("agent", "customer") for u in self.utts)

    @cached_property
    def entities(self) -> list[list]:
        from ..entities import find_entities

        opts = self.rules.entity_options()
        return [find_entities(u.text, opts) for u in self.utts]

    # -- scope -------------------------------------------------------------------------
    def scope(self, spec: S.Scope | S.Phrases) -> list[int] | None:
        """Indexes of the utterances a spec looks at; None when its speaker is unknown here."""
        who = spec.speaker
        if who != "any" and not self.roles_known:
            return None
        idx = [i for i, u in enumerate(self.utts) if who == "any" or u.speaker == who]
        if spec.utterances:
            t = spec.utterances
            idx = idx[:t.first] if t.first else idx[-t.last:] if t.last else idx[t.skip:]
        if spec.window and idx:
            w = spec.window
            pool = [self.utts[i] for i in idx] if w.of == "speaker" else list(self.utts)
            if pool:
                if w.first_s is not None:
                    limit = min(u.start for u in pool) + w.first_s
                    idx = [i for i in idx if self.utts[i].start < limit]
                else:
                    limit = max(u.end for u in pool) - w.last_s
                    idx = [i for i in idx if self.utts[i].end > limit]
        return idx

    def hits(self, spec: S.Phrases, idx: list[int], phrases: list[str] | None = None) -> list[Hit]:
        tol = self.rules.tolerance if spec.tolerance is None else spec.tolerance
        out: list[Hit] = []
        for i in idx:
            u = self.utts[i]
            allowed = [m for p in spec.unless for m in find(p, u.text, tolerance=0.0)]
            for p in phrases or spec.listed:
                for m in find(p, u.text, tolerance=tol):
                    if not any(a.start < m.end and m.start < a.end for a in allowed):
                        out.append(Hit(i, u, m))
        return sorted(out, key=lambda h: (h.index, h.match.start))

    def nearest_miss(self, phrases: list[str], idx: list[int], what: str) -> list[Ev]:
        best: tuple[Match, Utterance] | None = None
        for i in idx:
            m = nearest(phrases, self.utts[i].text)
            if m and (best is None or m.similarity > best[0].similarity):
                best = (m, self.utts[i])
        if best is None:
            return [Ev(None, None, "", f"no {what} heard: nothing was said in the window")]
        m, u = best
        return [Ev(u.span, u.speaker, u.text, f"no {what} heard; nearest: 「{m.heard}」 for 「{m.phrase}」 "
                   f"(similarity {m.similarity:.2f})", m.heard, m.phrase, m.similarity)]


def _counted(n: int, at_least: int | None, at_most: int | None) -> bool:
    lo = at_least if at_least is not None else (0 if at_most is not None else 1)
    return n >= lo and (at_most is None or n <= at_most)


def _speaker_text(spec) -> str:
    return {"agent": "the agent", "customer": "the customer"}.get(spec.speaker, "anyone")


def evaluate(cond: Cond, ctx: Context) -> Outcome:
    """Evaluate a parsed condition on a call."""
    fn = _OPS[cond.op]
    return fn(cond, ctx)


def _all(cond: Cond, ctx: Context) -> Outcome:
    outs = [evaluate(c, ctx) for c in cond.children]
    if any(o.holds is False for o in outs):
        return Outcome(False, [e for o in outs for e in o.hits], [e for o in outs if o.holds is False for e in o.misses])
    if any(o.holds is None for o in outs):
        return Outcome(None, reason=_reasons(outs))
    return Outcome(True, [e for o in outs for e in o.hits])


def _any(cond: Cond, ctx: Context) -> Outcome:
    outs = [evaluate(c, ctx) for c in cond.children]
    if any(o.holds for o in outs):
        return Outcome(True, [e for o in outs if o.holds for e in o.hits])
    if any(o.holds is None for o in outs):
        return Outcome(None, reason=_reasons(outs))
    return Outcome(False, [], [e for o in outs for e in o.misses])


def _reasons(outs: list[Outcome]) -> str:
    return "; ".join(dict.fromkeys(o.reason for o in outs if o.holds is None))


def _not(cond: Cond, ctx: Context) -> Outcome:
    o = evaluate(cond.children[0], ctx)
    return Outcome(None if o.holds is None else not o.holds, o.misses, o.hits, o.reason)


def _unknown_speaker(spec) -> Outcome:
    return Outcome(None, reason=f"needs {_speaker_text(spec)}'s speech, but speaker roles are unknown "
                                "(mono recording without speaker separation)")


def _phrases(cond: Cond, ctx: Context) -> Outcome:
    spec: S.Phrases = cond.spec
    idx = ctx.scope(spec)
    if idx is None:
        return _unknown_speaker(spec)
    hits = ctx.hits(spec, idx)
    who = _speaker_text(spec)
    if spec.all is not None:
        missing = [p for p in spec.all if not any(h.match.phrase == p for h in hits)]
        evs = [h.ev(f"{who} said 「{h.match.phrase}」") for h in hits]
        if missing:
            return Outcome(False, evs, ctx.nearest_miss(missing, idx, "「" + "」/「".join(missing) + "」"))
        return Outcome(True, evs)
    if spec.none is not None:
        evs = [h.ev(f"{who} said 「{h.match.phrase}」") for h in hits]
        return Outcome(not hits, [], evs) if hits else Outcome(True)
    evs = [h.ev(f"{who} said 「{h.match.phrase}」") for h in hits]
    if _counted(len(hits), spec.at_least, spec.at_most):
        return Outcome(True, evs)
    if not hits:
        listed = "/".join(spec.listed[:6]) + ("…" if len(spec.listed) > 6 else "")
        return Outcome(False, [], ctx.nearest_miss(spec.listed, idx, f"「{listed}」 from {who}"))
    return Outcome(False, [], evs + [Ev(None, None, "", f"heard {len(hits)} time(s); the rule wants "
                                     f"{spec.at_least or 0}–{spec.at_most if spec.at_most is not None else '∞'}")])


def _regex(cond: Cond, ctx: Context) -> Outcome:
    import re

    spec: S.Regex = cond.spec
    idx = ctx.scope(spec)
    if idx is None:
        return _unknown_speaker(spec)
    rx = re.compile(spec.pattern)
    evs = [Ev(ctx.utts[i].span, ctx.utts[i].speaker, ctx.utts[i].text, f"matches /{spec.pattern}/", m.group(0))
           for i in idx for m in rx.finditer(ctx.utts[i].text)]
    ok = _counted(len(evs), spec.at_least, spec.at_most)
    return Outcome(ok, evs if ok else [], [] if ok else (evs or [Ev(None, None, "", f"nothing matches /{spec.pattern}/")]))


def _before(cond: Cond, ctx: Context) -> Outcome:
    spec: S.Before = cond.spec
    a_idx, b_idx = ctx.scope(spec.first), ctx.scope(spec.then)
    if a_idx is None or b_idx is None:
        return _unknown_speaker(spec.first if a_idx is None else spec.then)
    a, b = ctx.hits(spec.first, a_idx), ctx.hits(spec.then, b_idx)
    if not b:
        return Outcome(True)
    if a and a[0].start < b[0].start:
        return Outcome(True, [a[0].ev("heard first"), b[0].ev("heard after it")])
    return Outcome(False, [], [b[0].ev(f"heard before any of 「{'/'.join(spec.first.listed[:4])}」")])


def _followed_by(cond: Cond, ctx: Context) -> Outcome:
    spec: S.FollowedBy = cond.spec
    t_idx, r_idx = ctx.scope(spec.trigger), ctx.scope(spec.response)
    if t_idx is None or r_idx is None:
        return _unknown_speaker(spec.trigger if t_idx is None else spec.response)
    triggers = ctx.hits(spec.trigger, t_idx)
    hits, misses, done = [], [], set()
    for t in triggers:
        if t.index in done:
            continue
        done.add(t.index)
        nxt = [i for i in r_idx if i != t.index and ctx.utts[i].start > t.utt.start][:spec.within_turns]
        answers = ctx.hits(spec.response, nxt)
        if answers:
            hits += [answers[0].ev(f"{_speaker_text(spec.response)} answered 「{t.match.heard}」 with "
                                   f"「{answers[0].match.phrase}」"), t.ev("the trigger")]
        else:
            near = ctx.nearest_miss(spec.response.listed, nxt, "response") if nxt else []
            tail = f"; nearest in the next turns: 「{near[0].heard}」" if near and near[0].heard else ""
            misses.append(t.ev(f"「{t.match.phrase}」 got no 「{'/'.join(spec.response.listed[:4])}」 from "
                               f"{_speaker_text(spec.response)} within the next {spec.within_turns} turn(s){tail}"))
    return Outcome(not misses, hits, misses)


def _none_after(cond: Cond, ctx: Context) -> Outcome:
    spec: S.NoneAfter = cond.spec
    a_idx, f_idx = ctx.scope(spec.anchor), ctx.scope(spec.forbidden)
    if a_idx is None or f_idx is None:
        return _unknown_speaker(spec.anchor if a_idx is None else spec.forbidden)
    anchors = ctx.hits(spec.anchor, a_idx)
    if not anchors:
        return Outcome(True)
    late = [h for h in ctx.hits(spec.forbidden, f_idx) if h.start > anchors[0].start]
    return Outcome(not late, [], [h.ev(f"heard after 「{anchors[0].match.heard}」") for h in late])


def _entity(cond: Cond, ctx: Context) -> Outcome:
    spec: S.EntityCond = cond.spec
    idx = ctx.scope(spec)
    if idx is None:
        return _unknown_speaker(spec)
    evs = [Ev(ctx.utts[i].span, ctx.utts[i].speaker, ctx.utts[i].text, f"{e.type}: {e.why}", e.text)
           for i in idx for e in ctx.entities[i] if e.type in spec.types]
    ok = len(evs) >= spec.at_least
    return Outcome(ok, evs if ok else [], [] if ok else [Ev(None, None, "", f"fewer than {spec.at_least} of "
                                                          f"{', '.join(spec.types)}")])


def _around_silence(cond: Cond, ctx: Context) -> Outcome:
    spec: S.AroundSilence = cond.spec
    if spec.speaker != "any" and not ctx.roles_known:
        return _unknown_speaker(spec)
    tol = ctx.rules.tolerance if spec.tolerance is None else spec.tolerance
    mine = [i for i, u in enumerate(ctx.utts) if spec.speaker == "any" or u.speaker == spec.speaker]
    long = [s for s in ctx.metrics.silence.spans if s.duration > spec.min_s]
    hits, misses = [], []
    phr = S.Phrases
    for gap in long:
        label = f"{gap.duration:.1f} s silence at {gap.start:.1f}–{gap.end:.1f} s"
        for side, words in (("before", spec.before), ("after", spec.after)):
            if not words:
                continue
            near = ([i for i in mine if ctx.utts[i].end <= gap.start + 0.05][-spec.within_turns:] if side == "before"
                    else [i for i in mine if ctx.utts[i].start >= gap.end - 0.05][:spec.within_turns])
            found = ctx.hits(phr(any=words, tolerance=tol), near)
            if found:
                hits.append(found[0].ev(f"said {side} the {label}"))
            else:
                miss = ctx.nearest_miss(words, near, f"「{'/'.join(words[:3])}」 {side} the {label}")
                misses += [Ev(gap, m.speaker, m.quote, m.why, m.heard, m.matched, m.similarity) for m in miss]
    return Outcome(not misses, hits, misses)


def _metric(cond: Cond, ctx: Context) -> Outcome:
    from .metric_values import metric_value

    spec: S.Metric = cond.spec
    if spec.speaker != "any" and not ctx.roles_known:
        return _unknown_speaker(spec)
    value, spans, label, reason = metric_value(spec, ctx.utts, ctx.metrics)
    if value is None:
        return Outcome(None, reason=reason)
    checks = []
    if spec.above is not None:
        checks.append((value > spec.above, f"> {spec.above:g}"))
    if spec.at_least is not None:
        checks.append((value >= spec.at_least, f"≥ {spec.at_least:g}"))
    if spec.below is not None:
        checks.append((value < spec.below, f"< {spec.below:g}"))
    if spec.at_most is not None:
        checks.append((value <= spec.at_most, f"≤ {spec.at_most:g}"))
    if spec.outside is not None:
        lo, hi = spec.outside
        checks.append((not lo <= value <= hi, f"outside {lo:g}–{hi:g}"))
    ok = all(c for c, _ in checks)
    text = " and ".join(t for _, t in checks)
    spk = None if spec.speaker == "any" else spec.speaker
    evs = [Ev(s, spk, "", f"{label} = {value:.3g} ({'' if ok else 'not '}{text})") for s in (spans or [None])]
    return Outcome(ok, evs if ok else [], [] if ok else evs)


def _privacy(cond: Cond, ctx: Context) -> Outcome:
    from .privacy import confidential_readout, identity_verified

    if ctx.rules.privacy is None:
        return Outcome(None, reason="no 'privacy' block is loaded (tiers and identifiers); add one to the rules")
    if cond.spec.speaker != "any" and not ctx.roles_known:
        return _unknown_speaker(cond.spec)
    fn = identity_verified if cond.op == "identity_verified" else confidential_readout
    return fn(cond.spec, ctx)


_OPS = {"all": _all, "any": _any, "not": _not, "phrases": _phrases, "regex": _regex, "before": _before,
        "followed_by": _followed_by, "none_after": _none_after, "entity": _entity, "metric": _metric,
        "around_silence": _around_silence, "identity_verified": _privacy, "confidential_readout": _privacy}

from .sheet_ops import OPS as _SHEET_OPS  # noqa: E402  (knowledge, response_gap)

_OPS.update(_SHEET_OPS)

