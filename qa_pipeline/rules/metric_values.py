"""The measurements a ``metric`` condition can test, with the spans behind each value."""

from __future__ import annotations

from collections.abc import Sequence

from ..messages import EMPTY, Text, msg, speaker
from ..metrics import last_speech_window, speech_rate
from ..timeline import clip, total
from ..types import Interval, Metrics, Utterance
from . import schema as S
from .voice_values import VOICE_METRICS, voice_value

MIN_REST_SPEECH_S = 10.0


def metric_value(spec: S.Metric, utts: Sequence[Utterance], metrics: Metrics
                 ) -> tuple[float | None, list[Interval], Text, Text]:
    """``(value, spans, label, reason)``; value is None (with a reason) when it cannot be measured. The label and
    the reason are :mod:`qa_pipeline.messages` texts."""
    who = spec.speaker
    spk = speaker(who)
    mine = [u for u in utts if who == "any" or u.speaker == who]
    name = spec.name
    if name in VOICE_METRICS:
        return voice_value(spec, utts, metrics)
    if name == "speech_rate_cpm":
        rate = speech_rate(mine) if mine else None
        return rate, [], msg("metric.speech_rate_cpm", who=spk), msg("metric.did_not_speak", who=spk)
    if name == "closing_rate_ratio":
        return _closing_ratio(mine, spec.window_s, spk)
    if name == "talk_share":
        share = metrics.talk_share.get(who) if who != "any" else 1.0
        return share, [], msg("metric.talk_share", who=spk), msg("metric.no_talk_time", who=spk)
    if name in ("longest_silence_s", "silence_total_s", "silence_count"):
        spans = [s for s in metrics.silence.spans if s.duration > spec.min_span_s]
        if name == "longest_silence_s":
            longest = max(spans, key=lambda s: s.duration, default=None)
            return ((longest.duration if longest else 0.0), ([longest] if longest else []),
                    msg("metric.longest_silence_s"), EMPTY)
        if name == "silence_total_s":
            return total(spans), spans, msg("metric.silence_total_s", min_s=spec.min_span_s), EMPTY
        return float(len(spans)), spans, msg("metric.silence_count", min_s=spec.min_span_s), EMPTY
    ot = metrics.overtalk
    if not ot.available:
        return None, [], EMPTY, (msg("metric.no_overtalk", reason=ot.reason) if ot.reason
                                 else msg("metric.overtalk_unavailable"))
    if name == "interruptions":
        spans = [Interval(o.start, o.end) for o in ot.spans
                 if (who == "any" or o.interrupter == who) and o.end - o.start >= spec.min_span_s]
        return float(len(spans)), spans, msg("metric.interruptions", min_s=spec.min_span_s, who=spk), EMPTY
    spans = [Interval(o.start, o.end) for o in ot.spans if o.end - o.start >= spec.min_span_s]
    return total(spans), spans, msg("metric.overtalk_s"), EMPTY


def _closing_ratio(mine: list[Utterance], window_s: float, who: Text):
    label = msg("metric.closing_rate_ratio", who=who, window_s=window_s)
    win = last_speech_window([u.span for u in mine], window_s)
    if win is None:
        return None, [], label, msg("metric.did_not_speak", who=who)
    before = Interval(min(u.start for u in mine), win.start)
    rest_s = total(clip((u.span for u in mine), before))
    if rest_s < MIN_REST_SPEECH_S:
        return None, [], label, msg("metric.closing_too_short", who=who, rest_s=rest_s, window_s=window_s,
                                    min_s=MIN_REST_SPEECH_S)
    closing, rest = speech_rate(mine, win), speech_rate(mine, before)
    if not closing or not rest:
        return None, [], label, msg("metric.no_word_times")
    return closing / rest, [win], label + msg("metric.closing_rates", closing=closing, rest=rest), EMPTY

