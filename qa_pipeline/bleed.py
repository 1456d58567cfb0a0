"""Echo between the two channels of a stereo call: measure it, find it frame by frame, take it out.

A call recorded on two channels rarely has each party alone on its side: the line's echo
canceller leaves the agent's voice on the customer's channel 24–32 dB down, a few
milliseconds late (and the other way round). VAD hears that echo as speech, Whisper
transcribes the agent's words a second time on the customer's side, and every agent
turn becomes an invented overlap. Here, per direction (source channel → the other one):

1. **Measure.** Frame levels (10 ms) of both channels. Over the frames where the source
   clearly speaks, the destination's level minus the source's (at the lag where their
   envelopes correlate best) has its median at the echo's level; leaving out the frames
   far above it (the destination's own speech), the echo is *audible* when the
   destination's level follows the source's syllable by syllable (r ≥ ``min_corr``; on
   clean calls r is about 0, with echo 0.6–0.95)
2. **Find.** A destination frame is echo when the source speaks there and the frame is
   no louder than the predicted echo plus ``margin_db``; the other party's own speech
   (double talk) is 14+ dB louder than echo and stays.
3. **Take out.** Echo frames are brought down to the channel's noise floor before VAD and
   ASR (``gate``), and every VAD span is cut at echo runs, trimmed to its own speech,
   and dropped when it holds less than ``min_own_s`` of it.

Overtalk, interruptions and backchannels then come only from genuine double talk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .types import Interval

RATE = 16000


@dataclass(frozen=True)
class BleedOptions:
    """How echo between the channels is found and removed.

    Attributes
    ----------
    enabled : look for echo at all.
    frame_ms : frame length of the level analysis.
    max_delay_ms : the longest echo delay looked for.
    active_above_floor_db, active_below_peak_db : the source clearly speaks where it is this far
        above its noise floor and at most this far below its peaks (97th percentile).
    own_above_echo_db : while measuring, destination frames this much above the echo level are
        its own speech (double talk) and left out.
    min_corr : the destination's level envelope must follow the source's this well (Pearson r of
        the frame levels over the source's speech: syllables rise and fall in both) for the echo
        to count as audible.
    audible_db : a channel speaks in frames this far above its noise floor.
    margin_db : while the source speaks, destination frames at most this much louder than the
        predicted echo are echo (or noise), not the destination's own speech.
    min_own_s : a VAD span with less of its own speech than this is echo, and dropped.
    split_s : a run of echo at least this long inside a VAD span splits it.
    gate : bring echo frames down to the noise floor before VAD and ASR.
    """

    enabled: bool = True
    frame_ms: int = 10
    max_delay_ms: int = 60
    active_above_floor_db: float = 15.0
    active_below_peak_db: float = 15.0
    own_above_echo_db: float = 10.0
    min_corr: float = 0.4
    audible_db: float = 6.0
    margin_db: float = 9.0
    min_own_s: float = 0.15
    split_s: float = 0.3
    gate: bool = True


@dataclass(frozen=True)
class EchoPath:
    """The echo of one channel in the other.

    Attributes
    ----------
    level_db : echo level relative to the source channel (e.g. -28.0), ``None`` if unmeasurable.
    delay_ms : delay at which the envelopes match best.
    corr : how well the destination's level follows the source's over the source's speech.
    audible : whether the destination follows the source (corr ≥ ``min_corr``); only then is echo removed.
    """

    level_db: float | None
    delay_ms: float
    corr: float
    audible: bool


@dataclass
class BleedResult:
    """Both channels with the echo taken out, and what was found.

    ``tracks[i]`` is channel *i* (0 = left); ``echo[i]`` is channel *i*'s echo in the other;
    ``masks[i]`` marks the frames of channel *i* that are the other's echo.
    """

    tracks: tuple[np.ndarray, np.ndarray]
    echo: tuple[EchoPath, EchoPath]
    masks: tuple[np.ndarray, np.ndarray]
    own: tuple[np.ndarray, np.ndarray]
    options: BleedOptions
    dropped: list[int] = field(default_factory=lambda: [0, 0])
    trimmed_s: list[float] = field(default_factory=lambda: [0.0, 0.0])

    def trim(self, speech: tuple[list[Interval], list[Interval]]) -> tuple[list[Interval], list[Interval]]:
        """Each channel's VAD spans without the other channel's echo."""
        return tuple(self._trim_one(i, spans) for i, spans in enumerate(speech))  # type: ignore[return-value]

    def _trim_one(self, i: int, spans: list[Interval]) -> list[Interval]:
        mask, own = self.masks[i], self.own[i]
        if not mask.any():
            return spans
        o = self.options
        fs = o.frame_ms / 1000
        out = []
        for span in spans:
            a, b = int(span.start / fs), min(int(np.ceil(span.end / fs)), len(mask))
            pieces, k = [], a
            while k < b:  # cut at echo runs of split_s or more
                j = k
                while j < b and not (mask[j] and mask[j: j + int(o.split_s / fs)].all()):
                    j += 1
                if j > k:
                    pieces.append((k, j))
                while j < b and mask[j]:
                    j += 1
                k = j
            kept = []
            for lo, hi in pieces:
                idx = np.flatnonzero(own[lo:hi])
                if idx.size * fs < o.min_own_s:
                    continue
                s = span.start if idx[0] == 0 and lo == a else (lo + idx[0]) * fs
                e = span.end if lo + idx[-1] + 1 >= b else (lo + idx[-1] + 1) * fs
                kept.append(Interval(round(s, 3), round(e, 3)))
            if not kept:
                self.dropped[i] += 1
            self.trimmed_s[i] += span.duration - sum(x.duration for x in kept)
            out += kept
        return out

    def describe(self, names: tuple[str, str] = ("left", "right")) -> dict:
        """What ``report.diagnostics['bleed']`` says: echo level and delay per direction, what was removed.

        ``level_db`` is ``None`` when no echo stands above the destination's noise floor.
        """
        out = {}
        for i, (src, dst) in enumerate((names, names[::-1])):
            e = self.echo[i]
            out[f"{src}_in_{dst}"] = {
                "level_db": round(e.level_db, 1) if e.audible else None,
                "delay_ms": round(e.delay_ms, 1), "envelope_corr": round(e.corr, 2), "removed": e.audible,
                "echo_frames_s": round(float(self.masks[1 - i].sum()) * self.options.frame_ms / 1000, 2),
                "dropped_spans": self.dropped[1 - i], "trimmed_s": round(self.trimmed_s[1 - i], 2)}
        return out


def frame_db(track: np.ndarray, frame_ms: int = 10) -> np.ndarray:
    """Level of each ``frame_ms`` frame of a 16 kHz track, in dBFS (shape ``(len // hop,)``)."""
    hop = RATE * frame_ms // 1000
    n = len(track) // hop
    if n == 0:
        return np.zeros(0)
    frames = track[: n * hop].reshape(n, hop).astype(np.float64)
    return 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)


def noise_floor_db(db: np.ndarray) -> float:
    """A channel's noise floor: the 10th percentile of its frame levels."""
    return float(np.percentile(db, 10)) if db.size else -120.0


def estimate_echo(src_db: np.ndarray, dst_db: np.ndarray, options: BleedOptions | None = None) -> EchoPath:
    """How loud, and how late, the source channel is heard in the destination channel."""
    o = options or BleedOptions()
    n = min(len(src_db), len(dst_db))
    src_db, dst_db = src_db[:n], dst_db[:n]
    floor_s, floor_d = noise_floor_db(src_db), noise_floor_db(dst_db)
    active = src_db > max(floor_s + o.active_above_floor_db, float(np.percentile(src_db, 97)) - o.active_below_peak_db)
    if active.sum() < 50:
        return EchoPath(None, 0.0, 0.0, False)
    best = (-2.0, 0, 0.0)
    for lag in range(0, max(1, o.max_delay_ms // o.frame_ms) + 1):
        act = np.flatnonzero(active[: n - lag])
        x, y = src_db[act], dst_db[act + lag]
        level = float(np.median(y - x))
        keep = y - x < level + o.own_above_echo_db  # not the destination's own speech (double talk)
        if keep.sum() < 50 or x[keep].std() < 1e-6 or y[keep].std() < 1e-6:
            continue
        r = float(np.corrcoef(x[keep], y[keep])[0, 1])
        if r > best[0]:
            # the echo's level from the source's loudest frames, where it stands clear of the noise
            top = keep & (x > np.percentile(x, 75))
            best = (r, lag, float(np.median(y[top] - x[top])) if top.sum() >= 20 else level)
    corr, lag, level = best
    if corr < -1:
        return EchoPath(None, 0.0, 0.0, False)
    audible = corr >= o.min_corr
    return EchoPath(level, lag * o.frame_ms, max(corr, 0.0), audible)


def _echo_frames(src_db, dst_db, path: EchoPath, o: BleedOptions) -> tuple[np.ndarray, np.ndarray]:
    """Frames of ``dst`` that are ``src``'s echo, and frames that are ``dst``'s own sound."""
    floor_d = noise_floor_db(dst_db)
    own = dst_db > floor_d + o.audible_db
    if not path.audible or path.level_db is None:
        return np.zeros(len(dst_db), bool), own
    lag = int(round(path.delay_ms / o.frame_ms))
    src = np.full(len(dst_db), -120.0)
    m = min(len(dst_db) - lag, len(src_db))
    src[lag: lag + m] = src_db[:m]
    # the echo smears over the neighbouring frames (codecs, the echo path's own reverberation)
    near = np.maximum.reduce([np.roll(src, k) for k in (-1, 0, 1, 2)])
    speaking = near > noise_floor_db(src_db) + o.audible_db
    predicted = near + path.level_db
    # while the source speaks, a destination frame not clearly above the echo is echo (or noise)
    echo = speaking & (dst_db < predicted + o.margin_db)
    return echo, own & ~echo


def _gate(track: np.ndarray, db: np.ndarray, echo: np.ndarray, o: BleedOptions) -> np.ndarray:
    """The track with echo frames brought down to its noise floor (gains interpolated, no clicks)."""
    floor = noise_floor_db(db[~echo]) if (~echo).any() else noise_floor_db(db)
    gain_db = np.where(echo, np.minimum(floor - db, 0.0), 0.0)
    hop = RATE * o.frame_ms // 1000
    centers = np.arange(len(gain_db)) * hop + hop / 2
    gains = 10 ** (np.interp(np.arange(len(track)), centers, gain_db) / 20)
    return (track * gains).astype(np.float32)


def remove_bleed(left: np.ndarray, right: np.ndarray, options: BleedOptions | None = None) -> BleedResult:
    """Find each channel's echo in the other and take it out.

    Parameters
    ----------
    left, right : the two 16 kHz channels.
    options : see :class:`BleedOptions`.

    Returns
    -------
    BleedResult
        Tracks with echo frames at the noise floor, the echo paths, and :meth:`BleedResult.trim`
        for the VAD spans.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> syllables = np.repeat(rng.random(200) * (rng.random(200) > 0.4), 320)  # 20 ms steps, pauses
    >>> a = (rng.normal(size=syllables.size) * syllables).astype(np.float32) * 0.3
    >>> b = np.roll(a, 48) * 10 ** (-28 / 20) + rng.normal(size=a.size).astype(np.float32) * 1e-4
    >>> res = remove_bleed(a, b)
    >>> round(res.echo[0].level_db), res.echo[0].audible
    (-28, True)
    """
    o = options or BleedOptions()
    dbs = (frame_db(left, o.frame_ms), frame_db(right, o.frame_ms))
    none = EchoPath(None, 0.0, 0.0, False)
    if not o.enabled:
        own = tuple(d > noise_floor_db(d) + o.audible_db for d in dbs)
        return BleedResult((left, right), (none, none), (np.zeros(len(dbs[0]), bool), np.zeros(len(dbs[1]), bool)),
                           own, o)
    paths = (estimate_echo(dbs[0], dbs[1], o), estimate_echo(dbs[1], dbs[0], o))
    # masks[i]: frames of channel i that are the other channel's echo
    m1, own1 = _echo_frames(dbs[0], dbs[1], paths[0], o)
    m0, own0 = _echo_frames(dbs[1], dbs[0], paths[1], o)
    tracks = [left, right]
    if o.gate:
        for i, (mask, db) in enumerate(((m0, dbs[0]), (m1, dbs[1]))):
            if mask.any():
                tracks[i] = _gate(tracks[i], db, mask, o)
    return BleedResult((tracks[0], tracks[1]), paths, (m0, m1), (own0, own1), o)
