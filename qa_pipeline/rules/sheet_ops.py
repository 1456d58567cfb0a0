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

Their evaluators are in :mod:`.sheet_eval`, registered in :mod:`.operators`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from ..types import Interval
from .patterns import compile_pattern


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

    _rx: Any = PrivateAttr(None)

    @field_validator("question")
    @classmethod
    def _compiles(cls, v: str) -> str:
        compile_pattern(v)  # ValueError with the fix (bounded: the regex module, probed at load)
        return v

    def model_post_init(self, __context: Any) -> None:
        self._rx = compile_pattern(self.question)  # compiled once, at load

    @property
    def rx(self):
        return self._rx


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
