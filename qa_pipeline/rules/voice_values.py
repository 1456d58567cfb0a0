"""The voice measurements a ``metric`` condition can test (``rules/voice.yaml``), with their spans.

Each value comes from ``metrics.prosody`` (see :mod:`qa_pipeline.prosody`) or, for the
customer's sentiment, from :mod:`qa_pipeline.sentiment`; each also says how far it can be
trusted (:func:`data_confidence`): a pitch range over 5 s of voiced speech means less than one
over a minute.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..types import Interval, Metrics, Utterance

# name -> (attribute of SpeakerProsody, label, needs audio)
PROSODY_FEATURES: dict[str, tuple[str, str, bool]] = {
    "pitch_range_st": ("pitch_range_st", "pitch range, 10th–90th percentile (semitones)", True),
    "pitch_sd_st": ("pitch_sd_st", "pitch variability, sd (semitones)", True),
    "energy_sd_db": ("energy_sd_db", "level variability of voiced speech, sd (dB)", True),
    "brightness_db": ("brightness_db", "voice brightness, 1–3.4 kHz over 0–1 kHz (dB)", True),
    "level_dbfs": ("level_dbfs", "speech level (dBFS)", True),
    "snr_db": ("snr_db", "speech level over the channel's noise floor (dB)", True),
    "held_syllables": ("held", "syllables held ≥ 3× the speaker's median", False),
    "held_final_syllables": ("held_final", "phrase-final syllables held ≥ 3× the speaker's median", False),
    "pauses_per_min": ("pauses_per_min", "pauses inside turns per minute of speech", False),
    "long_pauses": ("long_pauses", "hesitations inside turns (pauses ≥ 1.5 s, shorter than a hold)", False),
    "longest_run_s": ("longest_run_s", "longest speech without a pause (s)", False),
    "articulation_rate_sps": ("articulation_rate_sps", "articulation rate (syllables/s, pauses excluded)", False),
    "word_prob_mean": ("word_prob_mean", "mean recognizer probability per syllable", False),
    "low_prob_share": ("low_prob_share", "share of syllables the recognizer was unsure of (< 0.4)", False),
    "avg_logprob": ("avg_logprob", "mean log-probability per syllable", False),
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
    if name == "level_vs_other_db" or PROSODY_FEATURES.get(name, ("", "", False))[2]:
        return min(1.0, p.voiced_s / FULL_VOICED_S)
    return min(1.0, p.syllables / FULL_SYLLABLES)


def voice_value(spec, utts: Sequence[Utterance], metrics: Metrics
                ) -> tuple[float | None, list[Interval], str, str]:
    """``(value, spans, label, reason)`` of a voice metric, as :func:`metric_value` returns them."""
    who, name = spec.speaker, spec.name
    if name in SENTIMENT_METRICS:
        return _sentiment(spec, utts, metrics)
    prosody = metrics.prosody or {}
    p = prosody.get(who)
    if p is None:
        return None, [], "", (f"no voice measurements for {who} (a transcript without audio, or {who} "
                              "is not a separated speaker)")
    if name == "level_vs_other_db":
        other = next((v for k, v in prosody.items() if k != who), None)
        if p.level_dbfs is None or other is None or other.level_dbfs is None:
            return None, [], "", "needs both parties' audio"
        return p.level_dbfs - other.level_dbfs, [], f"{who} speech level minus the other party's (dB)", ""
    attr, label, audio = PROSODY_FEATURES[name]
    value = getattr(p, attr)
    label = f"{who} {label}"
    if not audio and not p.syllables:
        return None, [], label, f"needs {who}'s words with timestamps and probabilities (a plain dialogue has none)"
    if attr in ("held", "long_pauses"):
        items = list(value)
        spans = [Interval(h.start, h.end) for h in items]
        if attr == "held" and items:
            label += " [" + ", ".join(f"{h.start:.1f}–{h.end:.1f} s ×{h.ratio:.1f}"
                                      + (" phrase-final" if h.final else "") for h in items[:5]) + "]"
        return float(len(items)), spans, label, ""
    if attr == "held_final":
        spans = [Interval(h.start, h.end) for h in p.held if h.final]
        return float(value), spans, label, ""
    if value is None:
        why = (f"needs {who}'s audio with at least 3 s of voiced speech" if audio else
               f"needs {who}'s words with timestamps and probabilities (a plain dialogue has none)")
        return None, [], label, why
    spans = [p.longest_run] if attr == "longest_run_s" and p.longest_run else []
    if attr == "level_dbfs" and p.noise_floor_dbfs is not None:
        label += f" (noise floor {p.noise_floor_dbfs:.0f} dBFS)"
    if attr == "pitch_range_st" and p.pitch_median_hz:
        label += f" (median {p.pitch_median_hz:.0f} Hz, {p.voiced_s:.0f} s voiced)"
    return float(value), spans, label, ""


def _sentiment(spec, utts: Sequence[Utterance], metrics: Metrics):
    from ..sentiment import call_sentiment

    s = call_sentiment(utts, metrics.prosody, speaker=spec.speaker)
    if s is None:
        return None, [], "", f"{spec.speaker} said too little to read their mood"
    heard = [q for q in s.quarters if q.score is not None]
    if spec.name == "sentiment_change":
        spans = [Interval(q.start, q.end) for q in (heard[0], heard[-1])]
        return (s.change, spans, f"{spec.speaker} sentiment, last quarter with speech minus the first "
                f"({s.end_score:+.2f} vs {s.start_score:+.2f}; -1 angry … +1 pleased)", "")
    if spec.name == "sentiment_end":
        q = next(q for q in reversed(s.quarters) if q.score is not None)
        return q.score, [Interval(q.start, q.end)], f"{spec.speaker} sentiment in the last quarter with speech", ""
    neg = [t for t in s.turns if t.score <= -0.3]
    return float(len(neg)), [Interval(t.start, t.end) for t in neg], f"{spec.speaker} negative turns", ""
