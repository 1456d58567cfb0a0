"""The evaluators of the two scoring-sheet operators (their models and helpers are in :mod:`.sheet_ops`)."""

from __future__ import annotations

from ..messages import msg
from ..types import Interval
from .context import Outcome
from .patterns import finditer
from .context import evidence as Ev
from .sheet_ops import Knowledge, _find, matched_topics


def knowledge(cond, ctx):
    kn: Knowledge | None = ctx.rules.knowledge
    if kn is None:
        return Outcome(None, reason=msg("knowledge.none"))
    topics = matched_topics(ctx, kn)
    if not topics:
        return Outcome(None, reason=msg("knowledge.no_topic"))
    agent = [i for i, u in enumerate(ctx.utts) if u.speaker == "agent" or not ctx.roles_known]
    hits, misses = [], []
    for topic, ti in topics:
        tu = ctx.utts[ti]
        raised = Ev(tu.span, tu.speaker, tu.text, msg("knowledge.raised", title=topic.title))
        if cond.spec.aspect == "complete":
            covered, missing = [], []
            for kp in topic.key_points:
                found = [(i, m) for i in agent for m in _find(kp.any, ctx.utts[i].text, kn.tolerance)]
                if found:
                    i, m = max(found, key=lambda x: x[1].similarity)
                    u = ctx.utts[i]
                    covered.append(Ev(u.span, u.speaker, u.text, msg("knowledge.covered", title=topic.title,
                                      name=kp.name, heard=m.heard), m.heard, m.phrase, m.similarity))
                else:
                    missing.append(Ev(None, "agent", "", msg("knowledge.missing", title=topic.title, name=kp.name,
                                                            listed="/".join(kp.any[:4]))))
            share = len(covered) / len(topic.key_points)
            if share + 1e-9 < cond.spec.min_coverage:
                misses += missing
            hits += [raised] + covered
        else:
            for c in topic.contradictions + kn.contradictions:
                for i in agent:
                    if ctx.utts[i].start < tu.start and c in topic.contradictions:
                        continue
                    for m in _find(c.any, ctx.utts[i].text, kn.tolerance, c.unless):
                        u = ctx.utts[i]
                        misses.append(Ev(u.span, u.speaker, u.text, msg("knowledge.wrong", title=topic.title,
                                         heard=m.heard, why=c.why), m.heard, m.phrase, m.similarity))
            hits.append(raised)
    # one finding per distinct statement
    seen, uniq = set(), []
    for e in misses:
        key = (e.span, e.why)
        if key not in seen:
            seen.add(key)
            uniq.append(e)
    return Outcome(not uniq, hits, uniq)


def response_gap(cond, ctx):
    spec: ResponseGap = cond.spec
    if not ctx.roles_known:
        return Outcome(None, reason=msg("gap.roles"))
    utts = sorted(ctx.utts, key=lambda u: u.start)
    misses, longest = [], None
    i = 0
    while i < len(utts):
        if utts[i].speaker != "customer":
            i += 1
            continue
        j = i
        while j + 1 < len(utts) and utts[j + 1].speaker == "customer":
            j += 1
        run = utts[i:j + 1]
        asked = [u for u in run if finditer(spec.rx, u.text)]
        end = max(u.end for u in run)
        nxt = next((u for u in utts[j + 1:] if u.speaker == "agent"), None)
        before = [u for u in utts[:i] if u.speaker == "agent"][-1:]
        excused = bool(before and spec.wait and _find(spec.wait, before[0].text, ctx.rules.tolerance))
        q = (asked or run)[-1]
        if nxt is None:
            if asked:
                misses.append(Ev(q.span, "customer", q.text, msg("gap.unanswered")))
        else:
            gap = max(0.0, nxt.start - end)
            if longest is None or gap > longest[0]:
                longest = (gap, q, nxt)
            if gap > spec.max_s and not excused:
                misses.append(Ev(Interval(end, nxt.start), "agent", q.text,
                                 msg("gap.slow", gap=gap, max=spec.max_s)))
        i = j + 1
    if misses:
        return Outcome(False, [], misses)
    if longest is None:
        return Outcome(True, [Ev(None, None, "", msg("gap.never_waited"))])
    gap, q, nxt = longest
    return Outcome(True, [Ev(nxt.span, "agent", nxt.text, msg("gap.slowest", gap=gap, max=spec.max_s))])
