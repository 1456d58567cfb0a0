"""What every operator works with: a parsed condition, one call as the rules see it, an outcome.

A condition evaluates to an :class:`Outcome`: whether it holds (``None`` when it cannot be
decided for this call, e.g. a speaker-specific rule on a mono recording), the evidence that
makes it hold (``hits``) and the evidence that it does not (``misses``: unheard phrases with
the nearest thing said, violations, thresholds). Evidence is a
:class:`~qa_pipeline.types.Finding` whose ``check`` is filled in when the rule's result is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..messages import EMPTY, Text, msg, who
from ..types import Finding, Interval, Metrics, Utterance
from . import schema as S
from .match import Match, find, nearest

if TYPE_CHECKING:
    from .loader import RuleSet


@dataclass(frozen=True)
class Operator:
    """One rule operator: its name, the schema model of its keys, and how it is evaluated.

    Combinators (``all``, ``any``, ``not``) have no model; their ``children`` are conditions.
    """

    name: str
    model: type[S.BaseModel] | None
    evaluate: Callable[[Cond, Context], Outcome]
    combinator: str | None = None  # "list" (all/any) or "one" (not)
    doc: str = ""


@dataclass(frozen=True)
class Cond:
    """A parsed condition: an operator with its validated parameters, or a combinator."""

    op: str
    spec: Any = None
    children: tuple[Cond, ...] = ()
    operator: Operator | None = field(default=None, compare=False, repr=False)


@dataclass
class Outcome:
    holds: bool | None
    hits: list[Finding] = field(default_factory=list)
    misses: list[Finding] = field(default_factory=list)
    reason: Text = EMPTY  # why it cannot be decided (holds is None), in both languages


def evidence(span: Interval | None, speaker: str | None, quote: str, why: Text, heard: str | None = None,
             matched: str | None = None, similarity: float | None = None) -> Finding:
    """A finding not yet tied to a rule (its ``check`` is set by the rule that reports it); ``why`` is a
    :func:`~qa_pipeline.messages.msg` (English in ``why``, Chinese in ``why_zh``)."""
    return Finding("", span, speaker, quote, why.en, heard, matched, similarity, why_zh=why.zh)


def evaluate(cond: Cond, ctx: Context) -> Outcome:
    """Evaluate a parsed condition on a call (through its operator)."""
    return cond.operator.evaluate(cond, ctx)


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

    def ev(self, why: Text) -> Finding:
        m = self.match
        how = EMPTY if m.how == "exact" else msg("match.how", how=msg(f"how.{m.how}"), heard=m.heard,
                                                 similarity=m.similarity)
        return evidence(self.utt.span, self.utt.speaker, self.utt.text, why + how, m.heard, m.phrase, m.similarity)


class Context:
    """One call as the rules see it: the transcript, the measurements, the rule set."""

    def __init__(self, utterances: tuple[Utterance, ...], metrics: Metrics, rules: RuleSet,
                 call: dict[str, Any] | None = None) -> None:
        self.utts = tuple(utterances)
        self.call = dict(call or {})  # the manifest's metadata the rules may test (direction)
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

    def nearest_miss(self, phrases: list[str], idx: list[int], what: Text) -> list[Finding]:
        best: tuple[Match, Utterance] | None = None
        for i in idx:
            m = nearest(phrases, self.utts[i].text)
            if m and (best is None or m.similarity > best[0].similarity):
                best = (m, self.utts[i])
        if best is None:
            return [evidence(None, None, "", msg("miss.nothing_said", what=what))]
        m, u = best
        return [evidence(u.span, u.speaker, u.text, msg("miss.nearest", what=what, heard=m.heard, phrase=m.phrase,
                                                        similarity=m.similarity), m.heard, m.phrase, m.similarity)]


def counted(n: int, at_least: int | None, at_most: int | None) -> bool:
    lo = at_least if at_least is not None else (0 if at_most is not None else 1)
    return n >= lo and (at_most is None or n <= at_most)


def speaker_text(spec) -> Text:
    return who(spec.speaker)


def unknown_speaker(spec) -> Outcome:
    return Outcome(None, reason=msg("roles.unknown", who=speaker_text(spec)))
