"""How the call sounded: speech rate, silence and holds, overtalk, talk time, loudness.

Every number comes with the spans behind it, so a reviewer can check it by ear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .text import count_chars, strip_punct
from .timeline import gaps, intersections, support, total
from .types import Interval, Metrics, OvertalkSpan, OvertalkStats, SilenceStats, Utterance

RATE = 16000
BACKCHANNELS = frozenset({"嗯", "嗯嗯", "嗯嗯嗯", "对", "对对", "对对对", "对的", "好", "好的", "好好",
                          "是", "是的", "是是", "哦", "噢", "啊", "行", "可以", "明白", "了解", "收到", "没错"})


@dataclass(frozen=True)
class MetricsOptions:
    """Thresholds for the measurements.

    Attributes
    ----------
    min_silence_s : gaps shorter than this are turn-taking, not silence.
    hold_min_s : a silence at least this long is reported as a hold.
    min_overlap_s : overlaps shorter than this are VAD jitter, not overtalk.
    backchannel_max_s : an overlapping utterance shorter than this that says only
        嗯/对/好/是的… is a backchannel, not an interruption.
    window_s : length, in the speaker's own speech, of the closing-rate window.
    """

    min_silence_s: float = 1.0
    hold_min_s: float = 10.0
    min_overlap_s: float = 0.2
    backchannel_max_s: float = 1.0
    window_s: float = 30.0


def speech_rate(utterances: Sequence[Utterance], window: Interval | None = None) -> float | None:
    """Characters per minute of the speaker's own speech, optionally inside ``window``.

    Characters are counted on the recognized text before number normalization
    (a spoken 两千四百九十九 is seven syllables), punctuation excluded. Inside a window,
    words count by their midpoint and only the speech inside the window counts as time.

    Example
    -------
    >>> u = Utterance("agent", 0.0, 2.0, "您好", "您好")
    >>> speech_rate([u])
    60.0
    """
    if window is None:
        seconds = total(u.span for u in utterances)
        chars = sum(count_chars(u.raw_text) for u in utterances)
    else:
        seconds = total(s for u in utterances for s in _clip_one(u.span, window))
        chars = sum(_chars_in(u, window) for u in utterances)
    return chars / seconds * 60 if seconds > 0 else None


def _chars_in(u: Utterance, window: Interval) -> float:
    """Characters of ``u`` inside ``window``: by word midpoints, or pro rata when there are no words."""
    if u.words:
        return sum(count_chars(w.text) for w in u.words if window.start <= (w.start + w.end) / 2 <= window.end)
    inside = sum(s.duration for s in _clip_one(u.span, window))
    return count_chars(u.raw_text) * inside / u.span.duration if u.span.duration > 0 else 0.0


def last_speech_window(spans: Sequence[Interval], seconds: float) -> Interval | None:
    """The stretch at the end of a speaker's speech that holds ``seconds`` of their speech."""
    spans = support(spans)
    if not spans:
        return None
    need = seconds
    for span in reversed(spans):
        if span.duration >= need:
            return Interval(span.end - need, spans[-1].end)
        need -= span.duration
    return Interval(spans[0].start, spans[-1].end)


def silence(speech: Sequence[Interval], duration_s: float, options: MetricsOptions) -> SilenceStats:
    """Gaps where nobody speaks between the first and the last speech of the call."""
    merged = support(speech)
    if not merged:
        return SilenceStats(0.0, 0.0, (), (), leading_s=duration_s, trailing_s=0.0)
    inner = Interval(merged[0].start, merged[-1].end)
    spans = gaps(merged, within=inner, min_s=options.min_silence_s)
    return SilenceStats(
        max_s=max((s.duration for s in spans), default=0.0),
        total_s=sum(s.duration for s in spans),
        spans=tuple(spans),
        holds=tuple(s for s in spans if s.duration >= options.hold_min_s),
        leading_s=merged[0].start,
        trailing_s=max(duration_s - merged[-1].end, 0.0),
    )


def overtalk(agent: Sequence[Interval], customer: Sequence[Interval], utterances: Sequence[Utterance],
             options: MetricsOptions) -> OvertalkStats:
    """Spans where both speak, who started each, and which are mere backchannels."""
    text_at = {(u.speaker, round(u.start, 3)): u.text for u in utterances}
    out = []
    for ov in intersections(agent, customer):
        if ov.duration < options.min_overlap_s:
            continue
        a = _containing(agent, ov)
        c = _containing(customer, ov)
        who, span = ("agent", a) if a.start > c.start else ("customer", c)
        quote = text_at.get((who, round(span.start, 3)), "")
        other = c if who == "agent" else a
        short = span.duration < options.backchannel_max_s
        said = strip_punct(quote)
        # A short sound made while the other party talks on is a backchannel; so is a
        # short 嗯/对/好/是的 whatever the timing. (Short blips are often misrecognized.)
        contained = span.start >= other.start and span.end <= other.end
        backchannel = short and (contained or said in BACKCHANNELS or len(said) <= 1)
        out.append(OvertalkSpan(ov.start, ov.end, who, "backchannel" if backchannel else "interruption", quote))
    real = [o for o in out if o.kind == "interruption"]
    return OvertalkStats(
        available=True, total_s=sum(o.end - o.start for o in out), count=len(out),
        agent_interruptions=sum(o.interrupter == "agent" for o in real),
        customer_interruptions=sum(o.interrupter == "customer" for o in real),
        backchannels=len(out) - len(real), spans=tuple(out))


def loudness_dbfs(track: np.ndarray, speech: Sequence[Interval]) -> float | None:
    """RMS level of a track over its speech, in dB relative to full scale."""
    parts = [track[int(s.start * RATE): int(s.end * RATE)] for s in speech]
    samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if samples.size == 0:
        return None
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20 * np.log10(max(rms, 1e-10))


def measure(utterances: Sequence[Utterance], speech: dict[str, list[Interval]], tracks: dict[str, np.ndarray] | None,
            duration_s: float, options: MetricsOptions | None = None, *,
            overtalk_method: str | None = None) -> Metrics:
    """All measurements of one call.

    Parameters
    ----------
    utterances : the transcript (any speakers).
    speech : VAD speech spans per speaker (``agent``/``customer`` or ``unknown``).
    tracks : 16 kHz audio per speaker, for loudness (None for a transcript: no loudness).
    duration_s : length of the recording.
    overtalk_method : how the speakers' spans were separated (stereo channels, a mono
        estimate…), reported with the overtalk.
    """
    options = options or MetricsOptions()
    speakers = list(speech)
    by = {s: [u for u in utterances if u.speaker == s] for s in speakers}
    talk = {s: total(speech[s]) for s in speakers}
    all_talk = sum(talk.values())
    rate, window_rate = {}, {}
    for s in speakers:
        rate[s] = speech_rate(by[s])
        win = last_speech_window([u.span for u in by[s]], options.window_s)
        window_rate[s] = speech_rate(by[s], win) if win else None
    two = "agent" in speech and "customer" in speech
    if two:
        ot = replace(overtalk(speech["agent"], speech["customer"], utterances, options), method=overtalk_method)
    else:
        ot = OvertalkStats(available=False, reason="only one speaker's speech is known (a mono recording with one "
                                                   "voice, or speakers not separated), so overtalk cannot be measured")
    return Metrics(
        speech_rate_cpm=rate,
        speech_rate_last_30s_cpm=window_rate,
        talk_time_s=talk,
        talk_share={s: (talk[s] / all_talk if all_talk else None) for s in speakers},
        loudness_dbfs={s: (loudness_dbfs(tracks[s], speech[s]) if tracks else None) for s in speakers},
        silence=silence([x for s in speakers for x in speech[s]], duration_s, options),
        overtalk=ot,
    )


def _clip_one(span: Interval, window: Interval) -> list[Interval]:
    lo, hi = max(span.start, window.start), min(span.end, window.end)
    return [Interval(lo, hi)] if hi > lo else []


def _containing(spans: Sequence[Interval], ov: Interval) -> Interval:
    """The span that overlaps ``ov`` the most (the one it came from)."""
    return max(spans, key=lambda s: min(s.end, ov.end) - max(s.start, ov.start))
