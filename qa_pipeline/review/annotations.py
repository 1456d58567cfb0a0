"""Reviewer annotations on a call's transcript, kept in the review event log (append-only, no table of their own).

Three things a reviewer adds to what the machine heard, each a ``review_events`` row:

==============  =====================  =======================  ==========================================
kind            target                 value                    reason
==============  =====================  =======================  ==========================================
``violation``   the sheet item's id    ``SEG`` or ``SEG:A-B``   why (required): a violation the rules
                                       (segment, characters)    missed, on that span of the segment
``unmark``      a violation's event id –                        why (optional): takes the violation back
``correction``  the segment's index    –                        the corrected text (the machine's text
                                                                 again: the correction is taken back)
``swap``        ``""`` (every segment) –                        why (optional): agent ↔ customer of a
                or ``"1,4,5"``                                   mono call; swapping again undoes it
==============  =====================  =======================  ==========================================

A segment is an utterance of the stored report's transcript, by its index. The machine's text and
verdicts are never changed: :func:`annotated` replays the events over the stored report and re-scores
the corrected transcript (:func:`qa_pipeline.pipeline.rescore_report`, a few ms), the marked violations
failing their items as one hit each. The report it returns carries the machine's text beside each
corrected segment, ``source: "reviewer"`` on the reviewer's findings and the machine's result under
``machine``. After each annotation the server logs a ``rescore`` event with the new automatic score.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Sequence

from ..errors import InputError
from ..messages import msg
from ..pipeline import rescore_report
from ..rules import RuleSet, load_rules
from ..scoring import LOW_SCORE, low_score_reason
from ..types import Finding, Interval
from . import sheet

KINDS = ("violation", "unmark", "correction", "swap")
SWAPPED = {"agent": "customer", "customer": "agent"}
MAX_CORRECTION_CHARS = 4000


@dataclass(frozen=True)
class Violation:
    """A violation a reviewer marked on a transcript span (``id``: its event's id)."""

    id: int | None
    check: str
    segment: int
    start_s: float
    end_s: float
    quote: str
    reason: str
    by: str
    at: str
    speaker: str | None = None


@dataclass(frozen=True)
class TextCorrection:
    """A reviewer's text for a segment, beside the machine's."""

    segment: int
    text: str
    machine_text: str
    by: str
    at: str


@dataclass(frozen=True)
class Annotations:
    """The annotations in force after replaying a call's events (:func:`replay`)."""

    violations: tuple[Violation, ...] = ()
    corrections: dict[int, TextCorrection] = field(default_factory=dict)
    swapped: frozenset[int] = frozenset()
    swaps: int = 0  # swap events, undone or not

    def __bool__(self) -> bool:
        return bool(self.violations or self.corrections or self.swapped)

    def to_dict(self) -> dict[str, Any]:
        return {"violations": [asdict(v) for v in self.violations],
                "corrections": [asdict(c) for c in sorted(self.corrections.values(), key=lambda c: c.segment)],
                "swapped": sorted(self.swapped), "swaps": self.swaps}


def parse_span(value: str | None) -> tuple[int, int | None, int | None]:
    """``"3"`` → (3, None, None): the whole segment; ``"3:5-9"`` → (3, 5, 9): its characters 5 to 9."""
    text = (value or "").strip()
    seg, _, chars = text.partition(":")
    try:
        if not chars:
            return int(seg), None, None
        a, _, b = chars.partition("-")
        return int(seg), int(a), int(b)
    except ValueError:
        raise InputError(f"a violation's span is SEGMENT or SEGMENT:FROM-TO (characters), not '{text[:40]}'") from None


def segments(target: str | None, n: int) -> list[int]:
    """The segments a swap names: all of them for ``""``, else the comma-separated indexes."""
    if not (target or "").strip():
        return list(range(n))
    try:
        out = [int(x) for x in str(target).split(",") if x.strip()]
    except ValueError:
        raise InputError("a swap names segments by their index: '3,4,7' (or nothing: every segment)") from None
    bad = [i for i in out if not 0 <= i < n]
    if bad:
        raise InputError(f"the call has no segment {bad[0]} (it has {n})")
    return out


def replay(events: Iterable[dict[str, Any]], transcript: Sequence[dict[str, Any]]) -> Annotations:
    """The annotations in force after ``events`` (oldest first) over a stored ``transcript``."""
    texts = [str(u.get("text") or "") for u in transcript]
    machine = list(texts)
    speakers = [u.get("speaker") for u in transcript]
    violations: dict[Any, Violation] = {}
    corrections: dict[int, TextCorrection] = {}
    swapped: set[int] = set()
    swaps = 0
    for n, ev in enumerate(events):
        kind, target = ev.get("kind"), ev.get("target") or ""
        if kind not in KINDS:
            continue
        try:
            if kind == "correction":
                i = int(target)
                text = (ev.get("reason") or "").strip()
                if text == machine[i] or not text:
                    corrections.pop(i, None)
                    texts[i] = machine[i]
                else:
                    corrections[i] = TextCorrection(i, text, machine[i], ev["user"], str(ev["at"]))
                    texts[i] = text
            elif kind == "swap":
                swaps += 1
                for i in segments(target, len(transcript)):
                    swapped ^= {i}
            elif kind == "violation":
                seg, a, b = parse_span(ev.get("value"))
                u, text = transcript[seg], texts[seg]
                a, b = (0, len(text)) if a is None else (max(0, a), min(len(text), b or 0))
                length = max(len(text), 1)
                start, end = float(u["start"]), float(u["end"])
                key = ev.get("event_id") if ev.get("event_id") is not None else f"new{n}"
                violations[key] = Violation(
                    ev.get("event_id"), target, seg, round(start + (end - start) * a / length, 3),
                    round(start + (end - start) * b / length, 3), text[a:b] or text, ev.get("reason") or "",
                    ev["user"], str(ev["at"]))
            elif kind == "unmark":
                violations.pop(int(target), None)
        except (ValueError, IndexError, InputError, KeyError, TypeError):
            continue  # an event that no longer fits the stored transcript (re-scored since) is left out
    final = [SWAPPED.get(s, s) if i in swapped else s for i, s in enumerate(speakers)]
    vs = tuple(Violation(**{**asdict(v), "speaker": final[v.segment]}) for v in violations.values())
    return Annotations(vs, corrections, frozenset(swapped), swaps)


def validate(kind: str, target: str, value: str | None, reason: str | None, report: dict,
             events: Sequence[dict[str, Any]], *, channels: int | None = None, rules: RuleSet | None = None) -> None:
    """Raise :class:`InputError` unless an annotation fits the call (its items, segments, active violations);
    ``channels``: the recording's (2: stereo, whose speakers are not swapped); ``rules``: what re-scores the call
    (a violation must name an item one of its rules decides)."""
    transcript = report.get("transcript") or []
    n = len(transcript)
    checks = {c["id"]: c for c in report.get("checks") or ()}
    state = replay(events, transcript)
    if kind == "violation":
        item = checks.get(target)
        if item is None:
            raise InputError(f"call has no check '{target}'")
        if item.get("status") == "manual":
            raise InputError(f"'{target}' is a manual item: give it points instead of marking a violation")
        if target not in (rules or default_rules()).rules:
            raise InputError(f"no rule '{target}' is loaded to re-score with: give the item points instead")
        seg, a, b = parse_span(value)
        if not 0 <= seg < n:
            raise InputError(f"the call has no segment {seg} (it has {n})")
        text = state.corrections[seg].text if seg in state.corrections else str(transcript[seg].get("text") or "")
        if a is not None and not (0 <= a < b <= len(text)):
            raise InputError(f"characters {a}-{b} are outside segment {seg} ({len(text)} characters)")
        if not (reason or "").strip():
            raise InputError(f"say why this is a violation of '{target}' (a reason is required)")
    elif kind == "unmark":
        active = {str(v.id) for v in state.violations}
        if str(target) not in active:
            raise InputError(f"there is no marked violation '{target}' on this call to take back")
    elif kind == "correction":
        try:
            seg = int(target)
        except ValueError:
            raise InputError("a correction's target is the segment's index") from None
        if not 0 <= seg < n:
            raise InputError(f"the call has no segment {seg} (it has {n})")
        text = (reason or "").strip()
        if not text:
            raise InputError("the corrected text is empty (send the machine's text to take a correction back)")
        if len(text) > MAX_CORRECTION_CHARS:
            raise InputError(f"a corrected segment holds at most {MAX_CORRECTION_CHARS:,} characters")
    elif kind == "swap":
        if channels == 2:
            raise InputError("the speakers of a stereo call are its channels: swap them only on a mono call")
        segments(target, n)
        if len(target or "") > 255:
            raise InputError("too many segments named: swap every segment (no target) or fewer of them")


@lru_cache(maxsize=4)
def default_rules(rules_dir: str | None = None) -> RuleSet:
    """The rules the review app re-scores with when none are given (loaded once)."""
    return load_rules(rules_dir)


def annotated(report: dict, events: Sequence[dict[str, Any]], rules: RuleSet | None = None) -> dict:
    """The stored ``report`` as the reviewer's annotations in ``events`` leave it (the report itself when there
    are none): corrected text and swapped speakers re-scored, marked violations failing their items.

    Returns a new report: ``transcript`` rows carry ``machine_text``/``corrected`` (who, when) when corrected and
    ``machine_speaker`` when swapped; ``checks``, ``score``, ``score_detail``, ``flagged`` and ``flag_reasons`` are
    the re-scored ones; the reviewer's findings have ``source: "reviewer"``, their ``annotation`` (event id),
    ``segment``, ``by`` and ``at``; ``machine`` holds the machine's score, flags and verdicts; ``annotations`` what
    is in force (:meth:`Annotations.to_dict`); ``rescored`` the items whose verdict changed.
    """
    transcript = report.get("transcript") or []
    state = replay(events, transcript)
    if not state:
        return report
    rows = copy.deepcopy(transcript)
    for i, c in state.corrections.items():
        rows[i].update(text=c.text, raw_text=c.text, machine_text=c.machine_text, words=[], corrections=[],
                       corrected={"by": c.by, "at": c.at})
    for i in state.swapped:
        rows[i]["machine_speaker"] = rows[i].get("speaker")
        rows[i]["speaker"] = SWAPPED.get(rows[i].get("speaker"), rows[i].get("speaker"))
    marked: dict[str, list[Violation]] = {}
    for v in state.violations:
        marked.setdefault(v.check, []).append(v)
    reviewer = {cid: [_marked(cid, v) for v in vs] for cid, vs in marked.items()}
    rules = rules or default_rules()
    scored = rescore_report({**report, "transcript": rows}, rules=rules, reviewer=reviewer).to_dict()
    # Re-scoring the stored text is not always the machine's scoring (a masked store has no digits left; an audio
    # call's silences came from the audio): an item the annotations leave as the re-scored original has it keeps
    # the machine's verdict, so an annotation changes only what it touches.
    base = rescore_report(report, rules=rules).to_dict()
    baseline = {c["id"]: c for c in base["checks"]}
    before = {c["id"]: c for c in report.get("checks") or ()}
    checks = []
    for c in scored["checks"]:
        vs = marked.get(c["id"], [])
        if vs:
            own = c["findings"][len(c["findings"]) - len(vs):]
            for f, v in zip(own, vs):
                f.update(source="reviewer", annotation=v.id, segment=v.segment, by=v.by, at=v.at, reason=v.reason)
            c["confidence"] = 1.0  # a person saw it
        elif c["id"] in before and _same(c, baseline.get(c["id"])):
            c = before[c["id"]]
        checks.append(c)
    out = {**report, "transcript": rows, "checks": checks}
    total = sheet.final_score(out, {}, {})["total"] if report.get("score") is not None else None
    fatal = [c["id"] for c in checks if c.get("fatal") and c.get("status") == "fail"]
    reasons = _flag_reasons(report.get("flag_reasons") or (), base["flag_reasons"], scored["flag_reasons"], total,
                            rules, fatal)
    changed = [{"id": c["id"], "from": before[c["id"]].get("status"), "to": c["status"]}
               for c in checks if c["id"] in before and before[c["id"]].get("status") != c["status"]]
    return {**out, "score": 0.0 if fatal and total is not None else total, "score_detail": report.get("score_detail"),
            "flagged": bool(reasons) or bool(fatal), "flag_reasons": reasons,
            "machine": {"score": report.get("score"), "flagged": report.get("flagged"),
                        "flag_reasons": report.get("flag_reasons"),
                        "checks": {c["id"]: {"status": c.get("status"), "points": c.get("points")} for c in before.values()}},
            "annotations": state.to_dict(), "rescored": changed}


def _flag_reasons(machine: Sequence[str], base: Sequence[str], scored: Sequence[str], total: float | None,
                  rules: RuleSet, fatal: list[str]) -> list[str]:
    """The machine's flag reasons, less those the annotations removed, plus those they added; the score's own
    reason follows the new total."""
    gone, new = set(base) - set(scored), set(scored) - set(base)
    out = [r for r in machine if r not in gone and not r.startswith(LOW_SCORE)]
    out += [r for r in scored if r in new and not r.startswith(LOW_SCORE) and r not in out]
    below = rules.checklist.flag.below_score if rules.checklist else None
    if total is not None and below is not None and total < below and not fatal:
        out.append(low_score_reason(total, below))
    return out


def _same(a: dict, b: dict | None) -> bool:
    """Whether two results of one item say the same (verdict, points, hits)."""
    return b is not None and all(a.get(k) == b.get(k) for k in ("status", "points", "hits"))


def reviewer_marked(check: dict) -> bool:
    """Whether a reviewer's marked violation fails this item (then the item counts as the reviewer agreeing)."""
    return any(f.get("source") == "reviewer" for f in check.get("findings") or ())


def rescore_note(before: dict, after: dict) -> str:
    """What an annotation changed, for the ``rescore`` event's text: ``score 77 → 81; closing.farewell fail → pass``."""
    was = {c["id"]: c.get("status") for c in before.get("checks") or ()}
    parts = [f"score {_num(before.get('score'))} → {_num(after.get('score'))}"]
    parts += [f"{c['id']} {was[c['id']]} → {c['status']}" for c in after.get("checks") or ()
              if c["id"] in was and was[c["id"]] != c["status"]]
    return "; ".join(parts)


def _num(x: Any) -> str:
    return "–" if x is None else f"{float(x):g}"


def _marked(check: str, v: Violation) -> Finding:
    """A violation a reviewer marked, as a finding of ``check`` (its why in both languages)."""
    why = msg("review.marked_by", by=v.by, reason=v.reason)
    return Finding(check, Interval(v.start_s, v.end_s), v.speaker, v.quote, why.en, why_zh=why.zh)
