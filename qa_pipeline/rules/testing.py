"""Rule tests: short annotated dialogues beside each rule file (like semgrep's ``ruleid:``/``ok:``).

``language.yaml`` is tested by ``language.test.txt``; cases are separated by ``---``::

    # ruleid: language.banned_phrase        ← must fail on this dialogue
    # ok: language.apology                  ← must not fail
    # na: process.hold_etiquette            ← must not apply
    A: 这个我不知道。
    C: 好吧。
    ---
    # ok: language.banned_phrase
    A: 不知道您是否方便提供一下保单号？

Lines: ``A:`` agent, ``C:`` customer, ``A@400:`` at 400 characters a minute (default
240), ``[12.0-15.5] A:`` with exact times; ``(silence 35)`` puts 35 s of silence before
the next line and ``(overlap 1.5)`` starts the next line 1.5 s before the previous ends.
``(voice agent pitch_range_st=2.5 held_final=1)`` states the agent's voice measurements for
the case (a dialogue has no audio; see :func:`qa_pipeline.prosody.voice_for_test`).
Other ``#`` lines are comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import RuleError
from ..files import Unreadable, read_text
from ..metrics import measure
from ..prosody import voice_for_test
from ..text import count_chars, normalize, to_simplified
from ..types import Utterance
from .engine import Context, run_rule
from .loader import RuleSet

_LINE = re.compile(r"^(?:\[(?P<s>[\d.]+)\s*-\s*(?P<e>[\d.]+)\]\s*)?(?P<who>[AC])(?:@(?P<cpm>\d+))?\s*[:：]\s*(?P<text>.*)$")
_DIRECTIVE = re.compile(r"^\((silence|overlap)\s+([\d.]+)\)$")
_VOICE = re.compile(r"^\(voice\s+(agent|customer)\s+((?:[a-z_]+\s*=\s*-?[\d.]+[\s,]*)+)\)$")
_CALL = re.compile(r"^\(call\s+direction\s*=\s*(inbound|outbound)\)$")
_EXPECT = re.compile(r"^#\s*(ruleid|ok|na)\s*:\s*(.+)$")
GAP_S = 0.6
MAX_TEST_BYTES = 4 << 20
DEFAULT_CPM = 240.0
EXPECTED_STATUS = {"ruleid": "fail", "na": "n/a"}


@dataclass
class Case:
    file: str
    line: int
    expect: list[tuple[str, str]] = field(default_factory=list)  # (kind, rule id)
    utterances: list[Utterance] = field(default_factory=list)
    voice: dict[str, dict[str, float]] = field(default_factory=dict)  # (voice agent k=v …) lines
    call: dict[str, str] = field(default_factory=dict)  # (call direction=outbound)


@dataclass(frozen=True)
class CaseResult:
    file: str
    line: int
    rule: str
    expected: str
    got: str
    summary: str

    @property
    def ok(self) -> bool:
        return self.got != "fail" if self.expected == "ok" else self.got == EXPECTED_STATUS[self.expected]


def parse_tests(path: Path) -> list[Case]:
    """Read one ``*.test.txt`` file into cases."""
    cases: list[Case] = []
    case: Case | None = None
    clock, pending_gap = 0.0, GAP_S
    try:
        text = read_text(path, max_bytes=MAX_TEST_BYTES, what="rule test file")
    except Unreadable as exc:
        raise RuleError(path, str(exc)) from None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line == "---":
            case, clock, pending_gap = None, 0.0, GAP_S
            continue
        if not line:
            continue
        if case is None:
            case = Case(str(path), n)
            cases.append(case)
        if m := _EXPECT.match(line):
            case.expect += [(m.group(1), rid.strip()) for rid in m.group(2).split(",") if rid.strip()]
            continue
        if line.startswith("#"):
            continue
        if m := _VOICE.match(line):
            pairs = re.findall(r"([a-z_]+)\s*=\s*(-?[\d.]+)", m.group(2))
            case.voice.setdefault(m.group(1), {}).update({k: float(v) for k, v in pairs})
            continue
        if m := _CALL.match(line):
            case.call["direction"] = m.group(1)
            continue
        if m := _DIRECTIVE.match(line):
            pending_gap = float(m.group(2)) if m.group(1) == "silence" else -float(m.group(2))
            continue
        m = _LINE.match(line)
        if not m:
            raise RuleError(path, f"cannot read '{line}'; expected 'A: text', 'C: text', '(silence N)', "
                                  "'(overlap N)', '(voice agent name=value …)', '# ruleid: id', '# ok: id' "
                                  "or '---'", line=n)
        raw_text = to_simplified(m.group("text"))
        if m.group("s"):
            start, end = float(m.group("s")), float(m.group("e"))
        else:
            cpm = float(m.group("cpm") or DEFAULT_CPM)
            start = max(0.0, clock + pending_gap) if case.utterances else 0.5
            end = start + max(count_chars(raw_text), 1) / cpm * 60
        speaker = "agent" if m.group("who") == "A" else "customer"
        case.utterances.append(Utterance(speaker, start, end, normalize(raw_text), raw_text))
        clock, pending_gap = max(clock, end), GAP_S
    for c in cases:
        if not c.expect:
            raise RuleError(path, "a test case has no '# ruleid: …' / '# ok: …' / '# na: …' line", line=c.line)
    return cases


def run_tests(folder: Path, rules: RuleSet) -> list[CaseResult]:
    """Run every ``*.test.txt`` in ``folder`` against ``rules``."""
    results: list[CaseResult] = []
    files = sorted(folder.glob("*.test.txt"))
    for path in files:
        for case in parse_tests(path):
            utts = tuple(sorted(case.utterances, key=lambda u: u.start))
            speech = {s: [u.span for u in utts if u.speaker == s] for s in ("agent", "customer")}
            end = max(u.end for u in utts) + 0.5
            metrics = measure(utts, speech, None, end)
            if case.voice:
                try:
                    metrics = replace(metrics, prosody=voice_for_test(case.voice))
                except ValueError as exc:
                    raise RuleError(path, str(exc), line=case.line) from None
            ctx = Context(utts, metrics, rules, case.call)
            for kind, rid in case.expect:
                if rid not in rules.rules:
                    raise RuleError(path, f"test names unknown rule '{rid}'", line=case.line, rule=rid)
                r = run_rule(rules.rules[rid], ctx)
                results.append(CaseResult(str(path), case.line, rid, kind, r.status, r.summary))
    return results
