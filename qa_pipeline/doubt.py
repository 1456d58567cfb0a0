"""Doubt: signals that make a checklist verdict less sure than its item's prior.

The scorer multiplies an item's prior (``confidence:`` in ``checklist.yaml``) by the quality of
its evidence (:func:`qa_pipeline.scoring.evidence_quality`) and by :func:`doubt`, the product of
the signals below that fire for the verdict. Each signal is a reason a reviewer can check; they
were chosen from the verdicts the rules got wrong on the annotated dev set (``tests/data/sheet``),
never from the held-out set:

- **borderline** (``BORDERLINE``, ×0.65): a ``partial`` verdict is one violation away from a pass
  (one key point missing, one correction): the measurement sits at its threshold; likewise a pass
  of a rule that counts (``at_least: N``) with N − 1 hits heard (one 你 where two fail 礼貌用语).
- **contradicted** (``CONTRADICTED``, ×0.6): a pass that another signal in the same call speaks
  against — ``info.accurate`` passes while ``info.no_exaggeration`` fails (an absolute promise is
  seldom accurate); an attitude item passes while the customer complains of the agent
  (``attitude.soothe`` applies: anger words in a negative turn); ``wording.address`` is n/a (no
  name heard) while the agent does say X先生/X女士 (the customer gave one in words the cue list
  lacks).

- **garbled** (``GARBLED_BELOW``, 0.5): the utterance a verdict rests on (its evidence for a pass,
  its findings — the nearest miss too — for a fail) was heard with a mean ASR word probability
  under 0.5 (``words[].prob`` of a transcript from audio): the factor is that mean / 0.5, at least
  ``GARBLED_FLOOR`` (0.4): garbled words may hide the phrase, or invent it. Not fitted: the
  annotated dialogues carry no word probabilities; a default to refit from reviewers' decisions.

The weak proxies carry lower priors in ``checklist.yaml`` instead (``understanding.guiding``:
"the agent asks no question" misses guidance given in statements).

Example
-------
>>> doubt(check, by_id)  # doctest: +SKIP
(0.6, (Text(en='contradicted: info.no_exaggeration is fail in the same call', zh='有矛盾：…'),))
"""

from __future__ import annotations

import re

from .messages import Text, msg
from .types import CheckResult, Utterance

BORDERLINE = 0.65
CONTRADICTED = 0.6
GARBLED_BELOW = 0.5
GARBLED_FLOOR = 0.4

# pass of key ← a failing (or applying) item in the same call that speaks against it
_ATTITUDE = ("attitude.impatient", "attitude.no_shirking", "answer.tactful", "language.casual")
CONTRADICTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "info.accurate": (("info.no_exaggeration", ("fail", "partial")),),
    **{a: (("attitude.soothe", ("fail", "pass")),) for a in _ATTITUDE},
}
_SURNAME_TITLE = re.compile(r"[\u4e00-\u9fff](?<![位的个这那])(先生|女士)")  # 林先生, not 这位先生


def doubt(r: CheckResult, by_id: dict[str, CheckResult], *, rule=None, agent_text: str = "",
          transcript: tuple[Utterance, ...] = ()) -> tuple[float, tuple[Text, ...]]:
    """The factor (0–1] by which the signals lower ``r``'s confidence, and their reasons.

    Parameters
    ----------
    r : the item's result, its status already the sheet's (``partial`` set).
    by_id : every check result of the call, by id.
    rule : the item's loaded rule (``RuleSet.rules[id]``), for the counted conditions; optional.
    agent_text : everything the agent said (for the address cross-check); optional.
    transcript : the call's utterances (their word probabilities); optional.

    Returns
    -------
    (factor, reasons): the product of the signals that fire, and one reason per signal.
    """
    factor, why = 1.0, []
    if r.status == "partial":
        factor *= BORDERLINE
        why.append(msg("doubt.one_from_pass"))
    elif r.status == "pass" and rule is not None and rule.mode == "forbid" and _one_short(r, rule.test):
        factor *= BORDERLINE
        why.append(msg("doubt.one_from_fail"))
    if r.status == "pass":
        for other, statuses in CONTRADICTIONS.get(r.id, ()):
            o = by_id.get(other)
            if o is not None and o.status in statuses:
                factor *= CONTRADICTED
                why.append(msg("doubt.contradicted", other=other, status=msg(f"status.{o.status}")))
                break
    if r.id == "wording.address" and r.status == "n/a":
        if _SURNAME_TITLE.search(agent_text):
            factor *= CONTRADICTED
            why.append(msg("doubt.surname"))
    p = _heard_prob(r, transcript)
    if p is not None and p < GARBLED_BELOW:
        factor *= max(p / GARBLED_BELOW, GARBLED_FLOOR)
        why.append(msg("doubt.garbled", p=p))
    return factor, tuple(why)


def _heard_prob(r: CheckResult, transcript: tuple[Utterance, ...]) -> float | None:
    """The lowest mean word probability of the utterances the verdict's evidence comes from (None: no words)."""
    lines = r.findings if r.status in ("fail", "partial") else r.evidence if r.status == "pass" else ()
    low = None
    for f in lines:
        if f.span is None:
            continue
        for u in transcript:
            if u.words and u.speaker == f.speaker and u.start < f.span.end and f.span.start < u.end:
                mean = sum(w.prob for w in u.words) / len(u.words)
                low = mean if low is None else min(low, mean)
    return low


def _counted(cond) -> list:
    """The counted conditions (``at_least`` ≥ 2) of a condition tree."""
    spec = getattr(cond, "spec", None)
    own = [spec] if getattr(spec, "at_least", None) and spec.at_least >= 2 and hasattr(spec, "pattern") else []
    return own + [s for c in getattr(cond, "children", ()) for s in _counted(c)]


def _one_short(r: CheckResult, test) -> bool:
    """A forbidden pattern that fails from N hits was heard N − 1 times (the pass is one hit from a fail)."""
    for spec in _counted(test):
        heard = sum(1 for e in r.evidence if e.why.startswith("matches /") and f"/{spec.pattern}/" in e.why)
        if heard == spec.at_least - 1:
            return True
    return False
