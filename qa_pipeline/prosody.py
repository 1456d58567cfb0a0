"""How each party's voice sounded: pitch, held syllables, pauses, clarity, level.

The 语音语调 items of the scoring sheet (seed 002: 吐字清晰, 语调适当起伏, 声音修饰, 是否拖音,
停顿适当, 普通话, 服务热情, 微笑服务, 声音过小) are judged from these numbers by the rules in
``rules/voice.yaml``; this module only measures.

Pitch comes from Praat's autocorrelation tracker (praat-parselmouth), run on the speaker's
speech spans only: on a 145 s call it costs 0.2 s where librosa's ``pyin`` costs about 55 s,
and unlike ``yin`` it decides which frames are voiced. Everything else is numpy over 20 ms
frames and the words' timestamps::

    track ──speech spans──> frames (20 ms) ──> f0 (voiced only) ──> semitones ──> range, sd
                                           └─> level dB ──────────> level, noise floor, energy sd
    words (times, probs) ──> syllables ──> median length, held syllables (拖音)
                         └─> gaps inside a turn ──> pauses, longest run without a pause
                         └─> probabilities ──> mean, low-probability share, mean log-probability

Example
-------
>>> p = measure_prosody(tracks, speech, utterances)          # doctest: +SKIP
>>> p["agent"].pitch_range_st                                 # doctest: +SKIP
7.9
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from .text import count_chars
from .timeline import support
from .types import Interval, Utterance

RATE = 16000
HOP_S = 0.02
PITCH_RATE = 8000   # the telephone band; pitch at 8 kHz costs half of 16 kHz
_PUNCT_END = tuple("。？！?!，,；;、…")


@dataclass(frozen=True)
class ProsodyOptions:
    """How the voice is measured.

    Attributes
    ----------
    pitch_floor_hz, pitch_ceiling_hz : the pitch tracker's search range.
    drawl_ratio : a syllable held at least this many times the speaker's median syllable is drawn out.
    drawl_min_s : … and at least this long.
        With audio, the length that counts is the longest run of voiced frames inside the
        syllable (a held vowel, not a pause that the recognizer's timestamps swallowed).
    pause_min_s : a gap inside one party's turn at least this long is a pause.
    long_pause_s : a pause at least this long is a hesitation …
    hold_s : … unless it is at least this long (a hold, judged by the hold rules).
    low_prob : a word the recognizer gives less than this probability counts as unclear.
    min_voiced_s : with less voiced speech than this, pitch numbers are not reported.
    """

    pitch_floor_hz: float = 75.0
    pitch_ceiling_hz: float = 500.0
    drawl_ratio: float = 3.0
    drawl_min_s: float = 0.6
    pause_min_s: float = 0.25
    long_pause_s: float = 1.5
    hold_s: float = 10.0
    low_prob: float = 0.4
    min_voiced_s: float = 3.0


@dataclass(frozen=True)
class HeldSyllable:
    """One syllable held far beyond the speaker's own median (拖音).

    No text is kept: the span is the evidence (a syllable can be part of a name or number,
    and every output is masked).
    """

    start: float
    end: float
    ratio: float
    final: bool


@dataclass(frozen=True)
class TurnVoice:
    """The voice in one utterance, against the speaker's own first turns (for sentiment)."""

    start: float
    end: float
    pitch_st: float | None
    level_db: float | None


@dataclass(frozen=True)
class SpeakerProsody:
    """One party's voice over the call. ``None`` where there was too little speech to tell.

    Attributes
    ----------
    voiced_s : seconds of voiced frames.
    pitch_median_hz : median f0 of voiced frames.
    pitch_range_st : 90th minus 10th percentile of f0, in semitones (语调起伏).
    pitch_sd_st : standard deviation of f0 in semitones around the median.
    level_dbfs : RMS level of the speech, dB full scale.
    noise_floor_dbfs : level of the quietest 10% of the channel's non-speech frames.
    snr_db : speech level over the noise floor.
    energy_sd_db : standard deviation of the voiced frames' level (emphasis, liveliness).
    brightness_db : energy of 1–3.4 kHz over 0–1 kHz in voiced frames (raised formants when smiling).
    syllables : syllables (characters) with times.
    syllable_median_s : the speaker's median syllable length.
    held : syllables held far beyond that median; ``held_final`` of them phrase-final.
    pauses : pauses inside the speaker's turns (≥ ``pause_min_s``, shorter than a hold).
    long_pauses : of them, the ones of at least ``long_pause_s`` (hesitations).
    pauses_per_min : pauses per minute of the speaker's speech.
    longest_run_s : the longest stretch of speech without a pause (一气讲完).
    articulation_rate_sps : syllables per second of speech, pauses excluded.
    word_prob_mean : mean recognizer probability per syllable.
    low_prob_share : share of syllables under ``low_prob``.
    avg_logprob : mean natural-log probability per syllable.
    turns : per-utterance pitch (semitones over the speaker's first turns) and level.
    """

    speaker: str
    voiced_s: float = 0.0
    pitch_median_hz: float | None = None
    pitch_range_st: float | None = None
    pitch_sd_st: float | None = None
    level_dbfs: float | None = None
    noise_floor_dbfs: float | None = None
    snr_db: float | None = None
    energy_sd_db: float | None = None
    brightness_db: float | None = None
    syllables: int = 0
    syllable_median_s: float | None = None
    held: tuple[HeldSyllable, ...] = ()
    held_final: int = 0
    pauses: tuple[Interval, ...] = ()
    long_pauses: tuple[Interval, ...] = ()
    pauses_per_min: float | None = None
    longest_run: Interval | None = None
    longest_run_s: float | None = None
    articulation_rate_sps: float | None = None
    word_prob_mean: float | None = None
    low_prob_share: float | None = None
    avg_logprob: float | None = None
    turns: tuple[TurnVoice, ...] = field(default=(), repr=False)


# -- frames -----------------------------------------------------------------------------

def frame_levels_db(x: np.ndarray, times_s: np.ndarray | None = None, *, sr: int = RATE, hop_s: float = HOP_S,
                    win_s: float = 0.04) -> np.ndarray:
    """RMS level in dB full scale of ``win_s`` frames centred on ``times_s`` (default: every ``hop_s``).

    Returns an array of shape ``(n_frames,)``; silence reads -100 dB.

    >>> round(float(frame_levels_db(np.full(1600, 0.5, np.float32))[0]), 1)
    -6.0
    """
    if times_s is None:
        times_s = np.arange(win_s / 2, x.size / sr - win_s / 2 + 1e-9, hop_s)
    if x.size == 0 or len(times_s) == 0:
        return np.zeros(0)
    c = np.concatenate([[0.0], np.cumsum(np.square(x, dtype=np.float64))])
    half = int(sr * win_s / 2)
    mid = np.round(np.asarray(times_s) * sr).astype(int)
    a, b = np.clip(mid - half, 0, x.size), np.clip(mid + half, 0, x.size)
    ms = (c[b] - c[a]) / np.maximum(b - a, 1)
    return 10 * np.log10(np.maximum(ms, 1e-10))


def pitch_hz(x: np.ndarray, *, sr: int = RATE, floor_hz: float = 75.0, ceiling_hz: float = 500.0,
             hop_s: float = HOP_S) -> tuple[np.ndarray, np.ndarray]:
    """f0 of a signal by Praat's autocorrelation method.

    Returns
    -------
    times_s, f0_hz : arrays of the same length; ``f0_hz`` is 0 where the frame is unvoiced.
    """
    import parselmouth

    if x.size < int(sr * 3 / floor_hz) + 1:
        return np.zeros(0), np.zeros(0)
    if sr > PITCH_RATE:
        import soxr

        x, sr = soxr.resample(x.astype(np.float32), sr, PITCH_RATE), PITCH_RATE
    snd = parselmouth.Sound(x.astype(np.float64), sampling_frequency=sr)
    p = snd.to_pitch_ac(time_step=hop_s, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)
    return np.asarray(p.xs()), np.asarray(p.selected_array["frequency"])


def semitones(f0_hz: np.ndarray, ref_hz: float) -> np.ndarray:
    """f0 in semitones relative to ``ref_hz`` (12 per octave).

    >>> semitones(np.array([220.0, 440.0]), 220.0).tolist()
    [0.0, 12.0]
    """
    return 12 * np.log2(f0_hz / ref_hz)


def _brightness_db(x: np.ndarray, starts: np.ndarray, sr: int) -> float | None:
    """Energy at 1–3.4 kHz over energy below 1 kHz, summed over the given frame starts."""
    n = 512
    starts = starts[starts + n <= x.size][::2]
    if starts.size < 20:
        return None
    frames = x[starts[:, None] + np.arange(n)[None, :]] * np.hanning(n)
    spec = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / sr)
    lo = spec[:, (freqs >= 80) & (freqs < 1000)].sum()
    hi = spec[:, (freqs >= 1000) & (freqs < 3400)].sum()
    return float(10 * np.log10(max(hi, 1e-12) / max(lo, 1e-12)))


@dataclass
class _Voice:
    """Frame-level measurements of one track over its speech spans."""

    t: np.ndarray       # frame times (s)
    f0: np.ndarray      # Hz, 0 = unvoiced
    db: np.ndarray      # frame level
    brightness_db: float | None
    noise_floor_dbfs: float | None
    level_dbfs: float | None


def _voice(track: np.ndarray, speech: Sequence[Interval], opts: ProsodyOptions, sr: int) -> _Voice:
    ts, fs, ds = [], [], []
    total_sq, total_n = 0.0, 0
    in_speech = np.zeros(track.size, bool)
    for span in support(speech):
        a, b = max(int(span.start * sr), 0), min(int(span.end * sr), track.size)
        if b - a < int(0.1 * sr):
            continue
        seg = track[a:b]
        in_speech[a:b] = True
        total_sq += float(np.sum(np.square(seg, dtype=np.float64)))
        total_n += seg.size
        t, f0 = pitch_hz(seg, sr=sr, floor_hz=opts.pitch_floor_hz, ceiling_hz=opts.pitch_ceiling_hz)
        if t.size == 0:
            continue
        ts.append(t + a / sr)
        fs.append(f0)
        ds.append(frame_levels_db(seg, t, sr=sr))
    t = np.concatenate(ts) if ts else np.zeros(0)
    f0 = np.concatenate(fs) if fs else np.zeros(0)
    db = np.concatenate(ds) if ds else np.zeros(0)
    voiced = f0 > 0
    starts = (t[voiced] * sr).astype(int) - 256
    bright = _brightness_db(track, starts[starts >= 0], sr)
    rest = track[~in_speech]
    floor = None
    if rest.size >= int(0.5 * sr):
        lv = frame_levels_db(rest, sr=sr)
        floor = float(np.percentile(lv, 10)) if lv.size else None
    level = 10 * math.log10(max(total_sq / total_n, 1e-10)) if total_n else None
    return _Voice(t, f0, db, bright, floor, level)


# -- words ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Syl:
    start: float
    end: float
    text: str
    prob: float
    final: bool


def _syllables(utts: Sequence[Utterance]) -> list[list[_Syl]]:
    """Per utterance, its syllables (one per counted character) with times clipped to the utterance.

    A word's time is shared equally by its characters; the last word runs to the utterance's end.
    """
    out = []
    for u in utts:
        syls: list[_Syl] = []
        words = [w for w in u.words if count_chars(w.text) > 0]
        for k, w in enumerate(words):
            n = count_chars(w.text)
            a, b = max(w.start, u.start), min(w.end, u.end)
            if k == len(words) - 1:
                # the recognizer ends the last word where the text ends, not where the sound
                # does: a held final syllable runs on to the end of the speech (VAD) span
                b = max(b, u.end)
            if b <= a:
                continue
            step = (b - a) / n
            chars = [c for c in w.text if count_chars(c)]
            last_word = k == len(words) - 1 or w.text.rstrip().endswith(_PUNCT_END)
            for i in range(n):
                syls.append(_Syl(a + i * step, a + (i + 1) * step, chars[i] if i < len(chars) else "",
                                 float(w.prob), last_word and i == n - 1))
        out.append(syls)
    return out


def _turns(utts: Sequence[Utterance], other: Sequence[Interval]) -> list[list[int]]:
    """Group a speaker's utterances (indexes) into turns: consecutive ones with no other speech between."""
    groups: list[list[int]] = []
    for i, u in enumerate(utts):
        if groups:
            prev = utts[groups[-1][-1]]
            if not any(o.start < u.start and o.end > prev.end for o in other):
                groups[-1].append(i)
                continue
        groups.append([i])
    return groups


def _voiced_run_s(voice: _Voice, a: float, b: float) -> float:
    """The longest stretch of consecutive voiced frames between ``a`` and ``b`` seconds."""
    m = (voice.t >= a) & (voice.t < b)
    v = voice.f0[m] > 0
    best = cur = 0
    for on in v:
        cur = cur + 1 if on else 0
        best = max(best, cur)
    return best * HOP_S


# -- the public measurement --------------------------------------------------------------

def speaker_prosody(speaker: str, track: np.ndarray | None, speech: Sequence[Interval], utts: Sequence[Utterance],
                    other_speech: Sequence[Interval] = (), options: ProsodyOptions | None = None, *,
                    sr: int = RATE) -> SpeakerProsody:
    """Measure one party's voice.

    Parameters
    ----------
    speaker : ``agent``/``customer``/``unknown``.
    track : the party's audio at ``sr`` (None: only the word-based numbers are measured).
    speech : the party's VAD speech spans, seconds.
    utts : the party's utterances (with word timestamps and probabilities).
    other_speech : the other party's speech spans (a gap they speak in is not a pause).

    Returns
    -------
    SpeakerProsody
    """
    opts = options or ProsodyOptions()
    utts = sorted(utts, key=lambda u: u.start)
    out: dict = {"speaker": speaker}
    voice = _voice(track, speech, opts, sr) if track is not None and track.size else None
    if voice is not None:
        voiced = voice.f0 > 0
        out["voiced_s"] = float(voiced.sum() * HOP_S)
        out["level_dbfs"] = voice.level_dbfs
        out["noise_floor_dbfs"] = voice.noise_floor_dbfs
        if voice.level_dbfs is not None and voice.noise_floor_dbfs is not None:
            out["snr_db"] = voice.level_dbfs - voice.noise_floor_dbfs
        out["brightness_db"] = voice.brightness_db
        if out["voiced_s"] >= opts.min_voiced_s:
            f = voice.f0[voiced]
            med = float(np.median(f))
            st = semitones(f, med)
            st = st[np.abs(st) <= 12]        # octave errors of the tracker
            p10, p90 = np.percentile(st, [10, 90])
            out["pitch_median_hz"] = med
            out["pitch_range_st"] = float(p90 - p10)
            out["pitch_sd_st"] = float(np.sqrt(np.mean(st * st)))
            out["energy_sd_db"] = float(np.std(voice.db[voiced]))
        out["turns"] = tuple(_turn_voice(voice, u, opts) for u in utts)

    syl_by_utt = _syllables(utts)
    syls = [s for ss in syl_by_utt for s in ss]
    out["syllables"] = len(syls)
    if syls:
        probs = np.array([s.prob for s in syls])
        out["word_prob_mean"] = float(probs.mean())
        out["low_prob_share"] = float(np.mean(probs < opts.low_prob))
        out["avg_logprob"] = float(np.mean(np.log(np.maximum(probs, 1e-4))))
        lengths = np.array([s.end - s.start for s in syls])
        med = float(np.median(lengths))
        out["syllable_median_s"] = med
        held = []
        need = max(opts.drawl_ratio * med, opts.drawl_min_s)
        for s, d in zip(syls, lengths):
            if d < need:
                continue
            # the recognizer's times can swallow a pause: the sound itself must be held
            sound = _voiced_run_s(voice, s.start, s.end) if voice is not None else float(d)
            if sound >= need:
                held.append(HeldSyllable(float(s.start), float(s.end), float(sound / med), s.final))
        out["held"] = tuple(held)
        out["held_final"] = sum(h.final for h in held)

    # pauses inside a turn: between words of an utterance and between utterances of one turn
    # (without word times, e.g. a plain dialogue, pauses are not measured)
    pauses, runs, spoken = [], [], 0.0
    for group in _turns(utts, other_speech) if syls else ():
        pieces: list[Interval] = []
        for i in group:
            u, ss = utts[i], syl_by_utt[i]
            if not ss:
                pieces.append(u.span)
                continue
            cur = Interval(u.start, ss[0].end)
            for s in ss[1:]:
                if s.start - cur.end >= opts.pause_min_s:
                    pieces.append(cur)
                    cur = Interval(s.start, s.end)
                else:
                    cur = Interval(cur.start, max(cur.end, s.end))
            pieces.append(Interval(cur.start, max(cur.end, u.end if i == group[-1] else cur.end)))
        pieces = sorted(pieces)
        for a, b in zip(pieces, pieces[1:]):
            gap = b.start - a.end
            if opts.pause_min_s <= gap < opts.hold_s:
                pauses.append(Interval(a.end, b.start))
        runs += pieces
        spoken += sum(p.duration for p in pieces)
    talk = sum(u.end - u.start for u in utts)
    out["pauses"] = tuple(pauses)
    out["long_pauses"] = tuple(p for p in pauses if p.duration >= opts.long_pause_s)
    if talk > 0 and syls:
        out["pauses_per_min"] = len(pauses) / talk * 60
    if runs:
        longest = max(runs, key=lambda r: r.duration)
        out["longest_run"] = longest
        out["longest_run_s"] = longest.duration
    if spoken > 0 and syls:
        out["articulation_rate_sps"] = len(syls) / spoken
    return SpeakerProsody(**out)


def _turn_voice(voice: _Voice, u: Utterance, opts: ProsodyOptions) -> TurnVoice:
    m = (voice.t >= u.start) & (voice.t < u.end) & (voice.f0 > 0)
    if m.sum() < 10:
        return TurnVoice(u.start, u.end, None, None)
    return TurnVoice(u.start, u.end, float(np.median(semitones(voice.f0[m], 100.0))),
                     float(np.mean(voice.db[m])))


def measure_prosody(tracks: Mapping[str, np.ndarray] | None, speech: Mapping[str, Sequence[Interval]],
                    utterances: Sequence[Utterance], options: ProsodyOptions | None = None
                    ) -> dict[str, SpeakerProsody]:
    """Every party's voice (see :func:`speaker_prosody`); keyed by speaker.

    Parameters
    ----------
    tracks : 16 kHz audio per speaker (None for a transcript: word-based numbers only).
    speech : VAD speech spans per speaker.
    utterances : the transcript.
    """
    out = {}
    for spk, spans in speech.items():
        other = [s for k, v in speech.items() if k != spk for s in v]
        track = tracks.get(spk) if tracks else None
        out[spk] = speaker_prosody(spk, track, spans, [u for u in utterances if u.speaker == spk], other, options)
    return out


def prosody_from_dict(data: Mapping) -> dict[str, SpeakerProsody]:
    """Read back the ``metrics.prosody`` block of a stored report (for re-scoring without audio).

    Raises
    ------
    ValueError
        A field is not what the report schema says (a number, a list of spans…); the message
        names it, e.g. ``agent.held[0].start must be a number``.
    """
    if not isinstance(data, Mapping):
        raise ValueError("must be an object keyed by speaker")
    out = {}
    simple = {f.name: f.type for f in fields(SpeakerProsody)
              if f.name not in ("speaker", "held", "pauses", "long_pauses", "longest_run", "turns")}
    for spk, d in data.items():
        if spk not in ("agent", "customer", "unknown"):
            raise ValueError(f"unknown speaker {str(spk)[:20]!r}")
        if not isinstance(d, Mapping):
            raise ValueError(f"{spk} must be an object")
        kw: dict = {"speaker": spk}
        for k, typ in simple.items():
            if k in d:
                kw[k] = _number(d[k], f"{spk}.{k}", optional="None" in typ, whole=typ == "int")
        kw["held"] = tuple(HeldSyllable(*(_number(h.get(k), f"{spk}.held[{i}].{k}") for k in ("start", "end", "ratio")),
                                        _flag(h.get("final"), f"{spk}.held[{i}].final"))
                           for i, h in enumerate(_items(d.get("held"), f"{spk}.held")))
        for k in ("pauses", "long_pauses"):
            kw[k] = tuple(_span(x, f"{spk}.{k}[{i}]") for i, x in enumerate(_items(d.get(k), f"{spk}.{k}")))
        kw["longest_run"] = _span(d["longest_run"], f"{spk}.longest_run") if d.get("longest_run") is not None else None
        kw["turns"] = tuple(
            TurnVoice(*(_number(t.get(k), f"{spk}.turns[{i}].{k}", optional=k in ("pitch_st", "level_db"))
                        for k in ("start", "end", "pitch_st", "level_db")))
            for i, t in enumerate(_items(d.get("turns"), f"{spk}.turns")))
        out[spk] = SpeakerProsody(**kw)
    return out


def _number(v, where: str, *, optional: bool = False, whole: bool = False):
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (whole and v != int(v)):
        raise ValueError(f"{where} must be a {'whole ' if whole else ''}number")
    return int(v) if whole else float(v)


def _flag(v, where: str) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"{where} must be true or false")
    return v


def _items(v, where: str) -> list:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, Mapping) for x in v):
        raise ValueError(f"{where} must be a list of objects")
    return v


def _span(v, where: str) -> Interval:
    if not isinstance(v, Mapping):
        raise ValueError(f"{where} must be an object with start and end")
    return Interval(_number(v.get("start"), f"{where}.start"), _number(v.get("end"), f"{where}.end"))


_COUNTED = {"held": "held syllables", "held_final": "phrase-final held syllables", "long_pauses": "hesitations"}


def voice_for_test(values: Mapping[str, Mapping[str, float]]) -> dict[str, SpeakerProsody]:
    """Voice measurements stated by a rule test's ``(voice agent pitch_range_st=2.5 …)`` lines.

    Numbers not stated are unknown (their items are n/a), except ``voiced_s`` (30) and
    ``syllables`` (100), which default to enough speech for full confidence. ``held``,
    ``held_final`` and ``long_pauses`` are counts.

    Raises
    ------
    ValueError
        An unknown name; the message lists the known ones.
    """
    numeric = {f.name for f in fields(SpeakerProsody)
               if f.type in ("float | None", "float", "int") and f.name not in _COUNTED}
    out = {}
    for spk, given in values.items():
        unknown = sorted(set(given) - numeric - set(_COUNTED))
        if unknown:
            raise ValueError(f"unknown voice measurement {', '.join(unknown)}; expected one of: "
                             f"{', '.join(sorted(numeric | set(_COUNTED)))}")
        kw: dict = {"voiced_s": 30.0, "syllables": 100, "syllable_median_s": 0.2}
        kw.update({k: v for k, v in given.items() if k in numeric})
        n_final, n_other = int(given.get("held_final", 0)), int(given.get("held", 0))
        kw["held"] = tuple(HeldSyllable(1.0 + i, 1.8 + i, 4.0, i < n_final) for i in range(n_final + n_other))
        kw["held_final"] = n_final
        kw["long_pauses"] = tuple(Interval(10.0 + 3 * i, 12.0 + 3 * i) for i in range(int(given.get("long_pauses", 0))))
        if "longest_run_s" in given:
            kw["longest_run"] = Interval(0.5, 0.5 + given["longest_run_s"])
        out[spk] = SpeakerProsody(spk, **kw)
    return out
