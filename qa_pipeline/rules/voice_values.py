"""The voice measurements a ``metric`` condition can test (``rules/voice.yaml``), with their spans.

Each value comes from ``metrics.prosody`` (see :mod:`qa_pipeline.prosody`) or, for the
customer's sentiment, from :mod:`qa_pipeline.sentiment`; each also says how far it can be
trusted (:func:`data_confidence`): a pitch range over 5 s of voiced speech means less than one
over a minute.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..messages import EMPTY, Text, join, msg, speaker
from ..types import Interval, Metrics, Utterance

# name -> (attribute of SpeakerProsody, needs audio); the label is the message ``voice.<name>``
PROSODY_FEATURES: dict[str, tuple[str, bool]] = {
    "pitch_range_st": ("pitch_range_st", True),
    "pitch_sd_st": ("pitch_sd_st", True),
    "energy_sd_db": ("energy_sd_db", True),
    "brightness_db": ("brightness_db", True),
    "level_dbfs": ("level_dbfs", True),
    "snr_db": ("snr_db", True),
    "held_syllables": ("held", False),
    "held_final_syllables": ("held_final", False),
    "pauses_per_min": ("pauses_per_min", False),
    "long_pauses": ("long_pauses", False),
    "longest_run_s": ("longest_run_s", False),
    "articulation_rate_sps": ("articulation_rate_sps", False),
    "word_prob_mean": ("word_prob_mean", False),
    "low_prob_share": ("low_prob_share", False),
    "avg_logprob": ("avg_logprob", False),
}
SENTIMENT_METRICS = ("sentiment_change", "sentiment_end", "negative_turns")
VOICE_METRICS: tuple[str, ...] = tuple(PROSODY_FEATURES) + ("level_vs_other_db",) + SENTIMENT_METRICS

FULL_VOICED_S = 20.0     # voiced seconds for full trust in a pitch/level number
FULL_SYLLABLES = 60      # syllables for full trust in a word-timing/probability number


def data_confidence(metrics: Metrics, speaker: str, name: str) -> float:
    """How much speech stands behind a voice number, 0–1 (1 = enough for the number to be stable)."""
    p = (metrics.prosody or {}).get(speaker)
    if p is None:
        return 0.0
    if name in SENTIMENT_METRICS:
        return 1.0
    if name == "level_vs_other_db" or PROSODY_FEATURES.get(name, ("", False))[1]:
        return min(1.0, p.voiced_s / FULL_VOICED_S)
    return min(1.0, p.syllables / FULL_SYLLABLES)


def voice_value(spec, utts: Sequence[Utterance], metrics: Metrics
                ) -> tuple[float | None, list[Interval], Text, Text]:
    """``(value, spans, label, reason)`` of a voice metric, as :func:`metric_value` returns them."""
    who, name = spec.speaker, spec.name
    spk = speaker(who)
    if name in SENTIMENT_METRICS:
        return _sentiment(spec, utts, metrics)
    prosody = metrics.prosody or {}
    p = prosody.get(who)
    if p is None:
        return None, [], EMPTY, msg("voice.no_measurements", who=spk)
    if name == "level_vs_other_db":
        other = next((v for k, v in prosody.items() if k != who), None)
        if p.level_dbfs is None or other is None or other.level_dbfs is None:
            return None, [], EMPTY, msg("voice.needs_both")
        return p.level_dbfs - other.level_dbfs, [], msg("voice.level_vs_other_db", who=spk), EMPTY
    attr, audio = PROSODY_FEATURES[name]
    value = getattr(p, attr)
    label = msg(f"voice.{name}", who=spk)
    if not audio and not p.syllables:
        return None, [], label, msg("voice.needs_words", who=spk)
    if attr in ("held", "long_pauses"):
        items = list(value)
        spans = [Interval(h.start, h.end) for h in items]
        if attr == "held" and items:
            held = join((msg("voice.held_item", start=h.start, end=h.end, ratio=h.ratio)
                         + (msg("voice.phrase_final") if h.final else EMPTY) for h in items[:5]), ", ", "，")
            label += " [" + held + "]"
        return float(len(items)), spans, label, EMPTY
    if attr == "held_final":
        spans = [Interval(h.start, h.end) for h in p.held if h.final]
        return float(value), spans, label, EMPTY
    if value is None:
        why = msg("voice.needs_voiced", who=spk) if audio else msg("voice.needs_words", who=spk)
        return None, [], label, why
    spans = [p.longest_run] if attr == "longest_run_s" and p.longest_run else []
    if attr == "level_dbfs" and p.noise_floor_dbfs is not None:
        label += msg("voice.noise_floor", dbfs=p.noise_floor_dbfs)
    if attr == "pitch_range_st" and p.pitch_median_hz:
        label += msg("voice.pitch_median", hz=p.pitch_median_hz, voiced_s=p.voiced_s)
    return float(value), spans, label, EMPTY


def _sentiment(spec, utts: Sequence[Utterance], metrics: Metrics):
    from ..sentiment import call_sentiment

    spk = speaker(spec.speaker)
    s = call_sentiment(utts, metrics.prosody, speaker=spec.speaker)
    if s is None:
        return None, [], EMPTY, msg("voice.too_little_mood", who=spk)
    heard = [q for q in s.quarters if q.score is not None]
    if spec.name == "sentiment_change":
        spans = [Interval(q.start, q.end) for q in (heard[0], heard[-1])]
        return (s.change, spans, msg("voice.sentiment_change", who=spk, end=s.end_score, start=s.start_score), EMPTY)
    if spec.name == "sentiment_end":
        q = next(q for q in reversed(s.quarters) if q.score is not None)
        return q.score, [Interval(q.start, q.end)], msg("voice.sentiment_end", who=spk), EMPTY
    neg = [t for t in s.turns if t.score <= -0.3]
    return float(len(neg)), [Interval(t.start, t.end) for t in neg], msg("voice.negative_turns", who=spk), EMPTY
