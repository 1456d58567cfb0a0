"""Two operators the whole scoring sheet needs: ``knowledge`` and ``response_gap``.

``knowledge`` judges 信息内容准确/全面 against a knowledge file (``rules/knowledge.yaml``):
topics with the phrases that raise them and the key points an answer must contain::

    knowledge:
      topics:
        - id: policy_status
          title: 保单状态查询
          triggers: [保单状态, 保单有效吗]        # said by the customer (as written or homophones)
          key_points:                           # the agent's answer contains each of these
            - {name: 保单状态, any: [有效状态, 已经失效, 已失效]}
          contradictions:                       # said by the agent: wrong or forbidden
            - {any: [永久有效], why: 车险保险期限为一年}

A call no topic matches cannot be judged: the condition is undecided (the check is
``n/a`` with confidence 0, never a silent pass).

``response_gap`` judges 及时回答客户问题: after the customer speaks (a run of customer
turns), the agent's next turn starts within ``max_s``, unless the agent had just asked the
customer to wait (请稍等…); a question (a turn with a question marker) the agent never
answers fails too::

    response_gap: {max_s: 5, wait: ["@ask_wait"]}

Both are registered in ``schema.OPERATORS`` and ``engine._OPS`` (one line each).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..types import Interval


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyPoint(_Strict):
    """One thing an answer on the topic must say: any of the phrases."""

    name: str
    any: list[str] = Field(min_length=1)


class Contradiction(_Strict):
    """Something the agent must not say on the topic (wrong, or a promise the rules forbid)."""

    any: list[str] = Field(min_length=1)
    unless: list[str] = Field(default_factory=list, description="a hit inside one of these is ignored")
    why: str


class Topic(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    triggers: list[str] = Field(min_length=1, description="customer phrases that raise the topic")
    key_points: list[KeyPoint] = Field(min_length=1)
    contradictions: list[Contradiction] = Field(default_factory=list)


class Knowledge(_Strict):
    """The knowledge file: topics, and contradictions that are wrong on any topic."""

    tolerance: float = Field(0.15, ge=0, le=0.5, description="pinyin tolerance of every phrase")
    topics: list[Topic] = Field(min_length=1)
    contradictions: list[Contradiction] = Field(default_factory=list)


class KnowledgeCheck(_Strict):
    """``complete``: every matched topic's key points said (share ≥ ``min_coverage``);
    ``accurate``: no contradiction said."""

    aspect: Literal["complete", "accurate"]
    min_coverage: float = Field(1.0, gt=0, le=1)


QUESTION = r"[？?吗]|怎么|什么|多少|哪|几[天个号点]|能不能|可不可以|是不是|有没有|要不要|请问"


class ResponseGap(_Strict):
    """The agent replies to the customer within ``max_s`` seconds (or asked them to wait first)."""

    max_s: float = Field(5.0, gt=0)
    question: str = Field(QUESTION, description="regex marking a customer turn as a question")
    wait: list[str] = Field(default_factory=list, description="agent phrases that excuse a gap (请稍等…)")

    @field_validator("question")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return v


# -- evaluation ------------------------------------------------------------------------

def _find(phrases: list[str], text: str, tol: float, unless: list[str] = ()):
    from .match import find

    allowed = [m for p in unless for m in find(p, text, tolerance=0.0)]
    out = []
    for p in phrases:
        for m in find(p, text, tolerance=tol):
            if not any(a.start < m.end and m.start < a.end for a in allowed):
                out.append(m)
    return out


def matched_topics(ctx, kn: Knowledge) -> list[tuple[Topic, int]]:
    """Topics raised in the call (by the customer when roles are known): (topic, utterance index)."""
    who = "customer" if ctx.roles_known else None
    out = []
    for t in kn.topics:
        for i, u in enumerate(ctx.utts):
            if (who is None or u.speaker == who) and _find(t.triggers, u.text, 0.0):
                out.append((t, i))
                break
    return out


def _knowledge(cond, ctx):
    from .engine import Ev, Outcome

    kn: Knowledge | None = ctx.rules.knowledge
    if kn is None:
        return Outcome(None, reason="no 'knowledge' file is loaded; add rules/knowledge.yaml")
    topics = matched_topics(ctx, kn)
    if not topics:
        return Outcome(None, reason="no knowledge topic matches this call: a reviewer must judge the information")
    agent = [i for i, u in enumerate(ctx.utts) if u.speaker == "agent" or not ctx.roles_known]
    hits, misses = [], []
    for topic, ti in topics:
        tu = ctx.utts[ti]
        raised = Ev(tu.span, tu.speaker, tu.text, f"topic 「{topic.title}」 raised here")
        if cond.spec.aspect == "complete":
            covered, missing = [], []
            for kp in topic.key_points:
                found = [(i, m) for i in agent for m in _find(kp.any, ctx.utts[i].text, kn.tolerance)]
                if found:
                    i, m = max(found, key=lambda x: x[1].similarity)
                    u = ctx.utts[i]
                    covered.append(Ev(u.span, u.speaker, u.text, f"「{topic.title}」: key point {kp.name} said "
                                      f"(「{m.heard}」)", m.heard, m.phrase, m.similarity))
                else:
                    missing.append(Ev(None, "agent", "", f"「{topic.title}」: key point {kp.name} never said "
                                      f"(any of 「{'/'.join(kp.any[:4])}」)"))
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
                        misses.append(Ev(u.span, u.speaker, u.text, f"「{topic.title}」: agent said 「{m.heard}」: "
                                         f"{c.why}", m.heard, m.phrase, m.similarity))
            hits.append(raised)
    # one finding per distinct statement
    seen, uniq = set(), []
    for e in misses:
        key = (e.span, e.why)
        if key not in seen:
            seen.add(key)
            uniq.append(e)
    return Outcome(not uniq, hits, uniq)


def _response_gap(cond, ctx):
    from .engine import Ev, Outcome

    spec: ResponseGap = cond.spec
    if not ctx.roles_known:
        return Outcome(None, reason="needs the agent's and the customer's speech, but speaker roles are unknown")
    rx = re.compile(spec.question)
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
        asked = [u for u in run if rx.search(u.text)]
        end = max(u.end for u in run)
        nxt = next((u for u in utts[j + 1:] if u.speaker == "agent"), None)
        before = [u for u in utts[:i] if u.speaker == "agent"][-1:]
        excused = bool(before and spec.wait and _find(spec.wait, before[0].text, ctx.rules.tolerance))
        q = (asked or run)[-1]
        if nxt is None:
            if asked:
                misses.append(Ev(q.span, "customer", q.text, "the customer's question got no answer from the agent"))
        else:
            gap = max(0.0, nxt.start - end)
            if longest is None or gap > longest[0]:
                longest = (gap, q, nxt)
            if gap > spec.max_s and not excused:
                misses.append(Ev(Interval(end, nxt.start), "agent", q.text,
                                 f"the agent answered the customer after {gap:.1f} s of silence "
                                 f"(> {spec.max_s:g} s) without asking them to wait"))
        i = j + 1
    if misses:
        return Outcome(False, [], misses)
    if longest is None:
        return Outcome(True, [Ev(None, None, "", "the customer never waited for the agent")])
    gap, q, nxt = longest
    return Outcome(True, [Ev(nxt.span, "agent", nxt.text, f"slowest reply to the customer: {gap:.1f} s "
                             f"(≤ {spec.max_s:g} s or announced)")])


OPS = {"knowledge": _knowledge, "response_gap": _response_gap}
