"""The measurements a ``metric`` condition can test, with the spans behind each value."""

from __future__ import annotations

from collections.abc import Sequence

from ..metrics import last_speech_window, speech_rate
from ..timeline import clip, total
from ..types import Interval, Metrics, Utterance
from . import schema as S
from .voice_values import VOICE_METRICS, voice_value

MIN_REST_SPEECH_S = 10.0


def metric_value(spec: S.Metric, utts: Sequence[Utterance], metrics: Metrics
                 ) -> tuple[float | None, list[Interval], str, str]:
    """``(value, spans, label, reason)``; value is None (with a reason) when it cannot be measured."""
    who = spec.speaker
    mine = [u for u in utts if who == "any" or u.speaker == who]
    name = spec.name
    if name in VOICE_METRICS:
        return voice_value(spec, utts, metrics)
    if name == "speech_rate_cpm":
        rate = speech_rate(mine) if mine else None
        return rate, [], f"{who} speech rate (characters/min)", f"{who} did not speak"
    if name == "closing_rate_ratio":
        return _closing_ratio(mine, spec.window_s, who)
    if name == "talk_share":
        share = metrics.talk_share.get(who) if who != "any" else 1.0
        return share, [], f"{who} talk share", f"no talk time for {who}"
    if name in ("longest_silence_s", "silence_total_s", "silence_count"):
        spans = [s for s in metrics.silence.spans if s.duration > spec.min_span_s]
        if name == "longest_silence_s":
            longest = max(spans, key=lambda s: s.duration, default=None)
            return (longest.duration if longest else 0.0), ([longest] if longest else []), "longest silence (s)", ""
        if name == "silence_total_s":
            return total(spans), spans, f"total of silences longer than {spec.min_span_s:g} s", ""
        return float(len(spans)), spans, f"silences longer than {spec.min_span_s:g} s", ""
    ot = metrics.overtalk
    if not ot.available:
        return None, [], "", ot.reason or "overtalk is not available for this recording"
    if name == "interruptions":
        spans = [Interval(o.start, o.end) for o in ot.spans
                 if (who == "any" or o.interrupter == who) and o.end - o.start >= spec.min_span_s]
        return float(len(spans)), spans, f"overlaps of ≥ {spec.min_span_s:g} s started by {who}", ""
    spans = [Interval(o.start, o.end) for o in ot.spans if o.end - o.start >= spec.min_span_s]
    return total(spans), spans, "overtalk (s)", ""


def _closing_ratio(mine: list[Utterance], window_s: float, who: str):
    label = f"{who} rate over the last {window_s:g} s of speech ÷ rate before it"
    win = last_speech_window([u.span for u in mine], window_s)
    if win is None:
        return None, [], label, f"{who} did not speak"
    before = Interval(min(u.start for u in mine), win.start)
    rest_s = total(clip((u.span for u in mine), before))
    if rest_s < MIN_REST_SPEECH_S:
        return None, [], label, (f"{who} spoke only {rest_s:.0f} s before the last {window_s:g} s; at least "
                                 f"{MIN_REST_SPEECH_S:g} s are needed to compare")
    closing, rest = speech_rate(mine, win), speech_rate(mine, before)
    if not closing or not rest:
        return None, [], label, "no words with times to compare"
    return closing / rest, [win], f"{label} ({closing:.0f} vs {rest:.0f} cpm)", ""

