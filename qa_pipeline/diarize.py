"""Who spoke when on a mono recording: speaker embeddings clustered into two voices.

The encoder is resemblyzer's GE2E model (its 17 MB ``pretrained.pt`` ships in the PyPI
package, so nothing is downloaded). Every VAD speech span is covered by short windows
(``window_s`` long, every ``hop_s``); each window gets a 256-d voice embedding, the
windows are clustered into two voices (scikit-learn, average-linkage on cosine
distance, then refined to the two centroids), and every 10 ms frame of speech takes
the voice its covering windows lean to. Runs shorter than ``min_turn_s`` are merged
into their neighbours. Which voice is the agent is decided later, from what each voice
*said* (:mod:`qa_pipeline.roles`).

Overlapped speech: a window holding both voices lands between the two centroids.
Stretches of speech whose windows resemble *both* voices for at least ``overlap_min_s``
*across a change of speaker* are reported as overlaps, and the voice that took over is
the interrupter. A clean change of speaker also gives a short mixed stretch (windows
straddle it), so short overlaps and backchannels are missed by design; what detection is
worth is measured in ``bench/bench_diarize.py`` and said in every mono report.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .errors import ModelError
from .types import Interval

RATE = 16000
FRAME_S = 0.01  # the encoder's mel hop


@dataclass(frozen=True)
class DiarizeOptions:
    """Mono speaker separation settings.

    Attributes
    ----------
    enabled : split mono calls into two speakers (off: speaker roles stay unknown).
    window_s : length of each embedding window (the encoder was trained on 1.6 s).
    hop_s : step between windows.
    min_turn_s : a speaker run shorter than this inside speech joins its neighbours.
    max_similarity, min_clear_share : the two voices are told apart only when their
        centroids are less cosine-similar than ``max_similarity`` and at least
        ``min_clear_share`` of the speech leans clearly to one of them. Otherwise the call
        is left unseparated (one voice, or two this encoder cannot tell apart).
    clear_margin : frames leaning to one voice by at least this are clear.
    overlap_margin, overlap_both : a frame is *mixed* when its lean is below ``overlap_margin``
        and its windows resemble both voices by at least ``overlap_both`` (cosine).
    overlap_min_s : mixed speech at a speaker change at least this long is a possible overlap.
    threads : CPU threads for the encoder (0 = torch's default).
    content_roles : when the voices cannot be told apart, give each turn a role by what it
        says (:mod:`qa_pipeline.role_classifier`) instead of leaving speakers unknown.
    """

    enabled: bool = True
    content_roles: bool = True
    window_s: float = 1.2
    hop_s: float = 0.2
    min_turn_s: float = 0.5
    max_similarity: float = 0.8
    min_clear_share: float = 0.9
    clear_margin: float = 0.1
    overlap_margin: float = 0.12
    overlap_both: float = 0.62
    overlap_min_s: float = 0.8
    threads: int = 0


@dataclass(frozen=True)
class Diarization:
    """Two voices' speech on one track.

    ``speech[k]`` are voice ``k``'s speech spans (k = 0 speaks first). ``similarity`` is
    the cosine similarity of the two voices' centroids (lower = easier to tell apart);
    ``clear_share`` the share of speech frames that lean clearly to one voice.
    ``separable`` is False when the two could not be told apart: ``speech[0]`` then
    holds all the speech.
    """

    speech: tuple[tuple[Interval, ...], tuple[Interval, ...]]
    similarity: float
    clear_share: float
    windows: int
    separable: bool = True
    overlaps: tuple[Interval, ...] = ()
    method: str = "resemblyzer GE2E embeddings, 2 clusters (scikit-learn)"


_ENCODER: list = []
_LOCK = threading.Lock()


def load_encoder():
    """resemblyzer's pretrained GE2E voice encoder, loaded once per process."""
    with _LOCK:
        if not _ENCODER:
            try:
                from resemblyzer import VoiceEncoder
            except Exception as exc:  # torch or resemblyzer missing/broken
                raise ModelError(f"the speaker encoder cannot be loaded ({type(exc).__name__}: {exc}); "
                                 "reinstall with the README's install command") from None
            _ENCODER.append(VoiceEncoder("cpu", verbose=False))
        return _ENCODER[0]


def _mel(track: np.ndarray) -> np.ndarray:
    from resemblyzer.audio import normalize_volume, wav_to_mel_spectrogram

    wav = track.astype(np.float32)
    if np.any(wav):  # digital silence cannot be normalized
        wav = normalize_volume(wav, -30, increase_only=True)
    return wav_to_mel_spectrogram(wav)  # (n_frames(track), 40), 10 ms hop


def n_frames(track: np.ndarray) -> int:
    """Mel frames of a track (librosa's centred frames: one per hop, plus one)."""
    return track.size // int(RATE * FRAME_S) + 1


def _span_frames(span: Interval, n: int) -> tuple[int, int]:
    return int(span.start / FRAME_S), min(int(np.ceil(span.end / FRAME_S)), n)


def _windows(speech: list[Interval], n: int, options: DiarizeOptions) -> list[tuple[int, int]]:
    """Frame ranges of the embedding windows covering every speech span."""
    w = int(round(options.window_s / FRAME_S))
    hop = max(1, int(round(options.hop_s / FRAME_S)))
    out = []
    for span in speech:
        a, b = _span_frames(span, n)
        if b - a <= w:
            starts = [(a + b) // 2 - w // 2]
        else:
            starts = list(range(a, b - w + 1, hop))
            if starts[-1] != b - w:
                starts.append(b - w)
        for s in starts:
            s = min(max(s, 0), max(n - w, 0))
            out.append((s, min(s + w, n)))
    return out


def _embed(mel: np.ndarray, windows: list[tuple[int, int]], options: DiarizeOptions) -> np.ndarray:
    import torch

    encoder = load_encoder()
    w = int(round(options.window_s / FRAME_S))
    batch = np.zeros((len(windows), w, mel.shape[1]), np.float32)
    for i, (s, e) in enumerate(windows):
        batch[i, : e - s] = mel[s:e]
    if options.threads:
        torch.set_num_threads(options.threads)
    out = []
    with torch.inference_mode():
        for i in range(0, len(batch), 256):
            out.append(encoder(torch.from_numpy(batch[i: i + 256])).numpy())
    return np.concatenate(out) if out else np.zeros((0, 256), np.float32)


def _cluster(emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two centroids (unit vectors) and each window's label."""
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(n_clusters=2, metric="cosine", linkage="average").fit_predict(emb)
    for _ in range(5):  # refine: a tiny outlier cluster is absorbed, the split moves to the voices
        cents = np.stack([emb[labels == k].mean(0) if np.any(labels == k) else emb.mean(0) for k in (0, 1)])
        cents /= np.linalg.norm(cents, axis=1, keepdims=True) + 1e-9
        new = np.argmax(emb @ cents.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return cents, labels


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, end, label) runs of a label array."""
    if labels.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(labels)) + 1
    edges = np.concatenate([[0], cuts, [labels.size]])
    return [(int(a), int(b), int(labels[a])) for a, b in zip(edges[:-1], edges[1:])]


def _smooth(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """Merge runs shorter than ``min_frames`` into the neighbour they lean to (longest first)."""
    labels = labels.copy()
    while True:
        runs = _runs(labels)
        short = [r for r in runs if r[1] - r[0] < min_frames]
        if not short or len(runs) == 1:
            return labels
        a, b, _ = min(short, key=lambda r: r[1] - r[0])
        i = runs.index(next(r for r in runs if r[0] == a))
        left = runs[i - 1] if i > 0 else None
        right = runs[i + 1] if i + 1 < len(runs) else None
        nb = max([r for r in (left, right) if r], key=lambda r: r[1] - r[0])
        labels[a:b] = nb[2]


def diarize(track: np.ndarray, speech: list[Interval], options: DiarizeOptions | None = None) -> Diarization:
    """Split one track's speech between two voices.

    Parameters
    ----------
    track : 16 kHz mono audio.
    speech : VAD speech spans of the track.

    Returns
    -------
    Diarization
        Voice 0 is the one heard first. With fewer than two windows, or voices that
        cannot be told apart (see :class:`DiarizeOptions`), all speech is voice 0 and
        ``separable`` is False.
    """
    options = options or DiarizeOptions()
    speech = sorted(speech, key=lambda s: s.start)
    n = n_frames(track)
    windows = _windows(speech, n, options)
    if len(windows) < 2:
        return Diarization((tuple(speech), ()), 1.0, 0.0, len(windows), separable=False)
    emb = _embed(_mel(track), windows, options)
    cents, _ = _cluster(emb)
    similarity = float(cents[0] @ cents[1])

    # Each frame's lean: mean over covering windows of sim(voice 0) - sim(voice 1),
    # weighted towards the window's centre.
    sims = emb @ cents.T
    lean, both, weight = np.zeros(n), np.zeros(n), np.zeros(n)
    for (s, e), (s0, s1) in zip(windows, sims):
        tri = 1.0 - np.abs(np.linspace(-1, 1, e - s)) * 0.9
        lean[s:e] += tri * (s0 - s1)
        both[s:e] += tri * min(s0, s1)
        weight[s:e] += tri
    lean = np.divide(lean, weight, out=np.zeros(n), where=weight > 0)
    both = np.divide(both, weight, out=np.zeros(n), where=weight > 0)

    in_speech = np.zeros(n, bool)
    for span in speech:
        a, b = _span_frames(span, n)
        in_speech[a:b] = True
    frames = np.flatnonzero(in_speech)
    clear = float(np.mean(np.abs(lean[frames]) >= options.clear_margin)) if frames.size else 1.0

    if similarity >= options.max_similarity or clear < options.min_clear_share:
        return Diarization((tuple(speech), ()), similarity, clear, len(windows), separable=False)

    labels = np.where(lean >= 0, 0, 1)
    min_frames = int(round(options.min_turn_s / FRAME_S))
    per = ([], [])
    overlaps = []
    for span in speech:
        a, b = _span_frames(span, n)
        if b <= a:
            continue
        lab = _smooth(labels[a:b], min_frames)
        runs = _runs(lab)
        for i, (ra, rb, k) in enumerate(runs):
            lo = span.start if i == 0 else (a + ra) * FRAME_S
            hi = span.end if i == len(runs) - 1 else (a + rb) * FRAME_S
            per[k].append(Interval(round(lo, 3), round(hi, 3)))
        overlaps += _overlaps(lean[a:b], both[a:b], lab, a, options)
    for ov in overlaps:  # both voices speak over the whole overlap
        for k in (0, 1):
            per[k][:] = [Interval(min(x.start, ov.start), max(x.end, ov.end)) if x.start <= ov.end and x.end >= ov.start
                         else x for x in per[k]]
    if per[0] and per[1] and per[1][0].start < per[0][0].start:
        per = (per[1], per[0])
    return Diarization((tuple(per[0]), tuple(per[1])), similarity, clear, len(windows),
                       overlaps=tuple(overlaps))


def _overlaps(lean: np.ndarray, both: np.ndarray, labels: np.ndarray, offset: int,
              options: DiarizeOptions) -> list[Interval]:
    """Mixed stretches at least ``overlap_min_s`` long that straddle a change of speaker.

    ``labels`` are one speech span's smoothed voice labels; the others are its frames too.
    """
    out = []
    amb = (np.abs(lean) < options.overlap_margin) & (both >= options.overlap_both)
    for ra, rb, amb_flag in _runs(amb.astype(int)):
        if not amb_flag or (rb - ra) * FRAME_S < options.overlap_min_s or ra == 0 or rb >= labels.size:
            continue
        # One voice before, the other after: a take-over. The same voice on both sides is
        # a short interjection inside one turn (a backchannel), which is not attributed.
        changes = np.any(labels[ra + 1: rb] != labels[ra: rb - 1])
        if labels[ra - 1] != labels[rb] and changes:
            out.append(Interval(round((offset + ra) * FRAME_S, 3), round((offset + rb) * FRAME_S, 3)))
    return out


def speaker_error(truth: dict[str, list[Interval]], hyp: dict[str, list[Interval]]) -> dict[str, float]:
    """How much speech time a diarization gave the wrong speaker, against known turns.

    Only time where exactly one truth speaker talks and the hypothesis names exactly one
    speaker is judged (overlaps and missed or extra speech are reported apart), in 10 ms
    frames. Speakers are compared by name, so swapped roles count as errors.

    Returns
    -------
    dict
        ``error`` (share of judged time given the wrong speaker), ``judged_s``,
        ``missed_s`` (truth speech nobody was given) and ``overlap_s`` (truth overlap).
    """
    names = sorted(set(truth) | set(hyp))
    end = max([s.end for spans in list(truth.values()) + list(hyp.values()) for s in spans], default=0.0)
    n = int(np.ceil(end / FRAME_S)) + 1

    def frames(spans):
        m = np.zeros(n, bool)
        for s in spans:
            m[int(round(s.start / FRAME_S)): int(round(s.end / FRAME_S))] = True
        return m

    t = np.stack([frames(truth.get(k, [])) for k in names])
    h = np.stack([frames(hyp.get(k, [])) for k in names])
    judged = (t.sum(0) == 1) & (h.sum(0) == 1)
    wrong = judged & ~np.any(t & h, axis=0)
    return {"error": float(wrong.sum() / judged.sum()) if judged.any() else 0.0,
            "judged_s": judged.sum() * FRAME_S,
            "missed_s": float(((t.sum(0) >= 1) & (h.sum(0) == 0)).sum() * FRAME_S),
            "overlap_s": float((t.sum(0) >= 2).sum() * FRAME_S)}
