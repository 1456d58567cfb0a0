"""Speech to text per speaker: Silero VAD, then faster-whisper on the speech only.

Why not faster-whisper's own VAD filter: it glues speech chunks together and, on 8 kHz
Mandarin, can silently drop the rest of a chunk. Here every VAD span is a *piece*;
pieces of one channel are packed into clips of at most ``max_clip_s`` (separated by
a short gap), all clips of all channels go through one batched Whisper call, every
word is mapped back to its piece, and every piece that got no text is transcribed
again on its own. What is still silent after that is reported, never hidden.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ModelError
from .text import count_chars, normalize, to_halfwidth, to_simplified
from .types import Interval, Utterance, Word

RATE = 16000

# Whisper's well-known inventions over silence or noise (subtitle credits, video outros).
HALLUCINATIONS = re.compile(
    r"字幕|Amara|amara|点赞|订阅|转发|打赏|请不吝|不吝点赞|谢谢观看|感谢观看|感谢收看|明镜|独播|"
    r"本视频|欢迎订阅|www\.|\.com|字幕组|中文字幕|由.{0,6}提供")

# The same phrase three times in a row: Whisper's repetition loop.
_REPEAT = re.compile(r"(.{3,}?)\1{2,}")

STEERING_PROMPT = "以下是普通话客服电话录音，使用简体中文。"

# Speech at least this long must get text; shorter sounds (breaths, clicks) may not.
MIN_TEXT_SPAN_S = 0.3


@dataclass(frozen=True)
class TranscribeOptions:
    """Speech recognition settings.

    Attributes
    ----------
    model : registry name or path to a CTranslate2 Whisper directory.
    device : ``cpu``, ``cuda`` or ``auto``.
    compute_type : CTranslate2 compute type (``int8``, ``float16``, ``int8_float16``…).
    beam_size : 1 is greedy decoding (fastest); 5 is Whisper's default.
    threads : CPU threads for the model (0 = all cores).
    batch_size : clips decoded together.
    language : Whisper language code.
    vad_threshold : Silero speech probability threshold.
    min_silence_ms : a pause at least this long ends an utterance.
    speech_pad_ms : padding added around each speech span.
    onset_lookback_s, onset_above_floor_db : a span's start moves back (at most this far)
        over frames this much louder than the channel's noise floor.
    min_speech_ms : shorter speech blips are ignored.
    max_clip_s : the longest clip sent to Whisper (it sees 30 s at most).
    glue_gap_s : silence put between pieces packed into one clip.
    asr_pad_s : audio around each span that Whisper also hears.
    vocabulary : phrases that bias recognition (company names, 工号, 保单号…).
    vocabulary_as : ``hotwords`` (Whisper's hotword prefix), ``prompt`` (appended to
        the initial prompt) or ``off``.
    retry_missing : transcribe again every speech span that got no text.
    blip_max_s, blip_min_prob : text of speech shorter than ``blip_max_s`` is kept only if
        its mean word probability reaches ``blip_min_prob`` (Whisper invents text for blips).
    """

    model: str | None = None
    device: str = "cpu"
    compute_type: str = "int8"
    beam_size: int = 1
    threads: int = 0
    batch_size: int = 8
    language: str = "zh"
    vad_threshold: float = 0.5
    min_silence_ms: int = 500
    speech_pad_ms: int = 60
    min_speech_ms: int = 150
    max_clip_s: float = 28.0
    glue_gap_s: float = 0.8
    onset_lookback_s: float = 0.5
    onset_above_floor_db: float = 20.0
    asr_pad_s: float = 0.3
    vocabulary: tuple[str, ...] = ()
    vocabulary_as: str = "hotwords"
    retry_missing: bool = True
    blip_max_s: float = 0.8
    blip_min_prob: float = 0.6


@dataclass
class ChannelResult:
    """One channel's utterances, speech spans and what went wrong on the way."""

    speaker: str
    speech: list[Interval]
    utterances: list[Utterance]
    retried: int = 0
    untranscribed: list[Interval] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


@dataclass
class _Piece:
    channel: int
    span_index: int
    vstart: float
    vend: float
    ostart: float


_MODELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def load_model(options: TranscribeOptions):
    """The faster-whisper model for ``options``, loaded once per process."""
    from .models import resolve_model

    path = resolve_model(options.model)
    key = (str(path), options.device, options.compute_type, options.threads)
    with _LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            try:
                _MODELS[key] = WhisperModel(str(path), device=options.device,
                                            compute_type=options.compute_type, cpu_threads=options.threads)
            except (RuntimeError, ValueError, OSError) as exc:
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ModelError(f"{path}: cannot load model on device '{options.device}' with compute type "
                                 f"'{options.compute_type}': {msg}") from None
    return _MODELS[key]


def model_info(options: TranscribeOptions) -> dict:
    from .models import registry

    name = options.model or registry()["default"]
    return {"name": Path(name).name if Path(name).exists() else name, "device": options.device,
            "compute_type": options.compute_type, "beam_size": options.beam_size, "language": options.language,
            "vocabulary_size": len(options.vocabulary)}


def detect_speech(audio: np.ndarray, options: TranscribeOptions) -> list[Interval]:
    """Silero VAD (shipped inside faster-whisper) on a 16 kHz track."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if audio.size == 0 or float(np.abs(audio).max()) < 1e-4:
        return []
    stamps = get_speech_timestamps(audio, VadOptions(
        threshold=options.vad_threshold, min_silence_duration_ms=options.min_silence_ms,
        speech_pad_ms=options.speech_pad_ms, min_speech_duration_ms=options.min_speech_ms,
        max_speech_duration_s=options.max_clip_s))
    spans = [Interval(s["start"] / RATE, s["end"] / RATE) for s in stamps]
    return _refine_onsets(audio, spans, options)


def _refine_onsets(audio: np.ndarray, spans: list[Interval], options: TranscribeOptions) -> list[Interval]:
    """Move each span's start back to where the sound really begins.

    Silero reacts to voiced speech, so a turn that opens with a soft consonant starts a
    few hundred milliseconds late; the frame energy above the channel's noise floor
    shows the true onset.
    """
    hop = RATE // 100  # 10 ms frames
    n = len(audio) // hop
    if n == 0 or not spans:
        return spans
    frames = audio[: n * hop].reshape(n, hop).astype(np.float64)
    db = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
    floor = float(np.percentile(db, 10))
    loud = db > max(floor + options.onset_above_floor_db, -70.0)
    out, prev_end = [], 0.0
    for span in spans:
        i = earliest = int(span.start * 100)
        limit = max(int(prev_end * 100), i - int(options.onset_lookback_s * 100), 0)
        quiet = 0
        while i - 1 >= limit and quiet < 8:  # tolerate dips up to 80 ms inside a word
            i -= 1
            if loud[min(i, n - 1)]:
                earliest, quiet = i, 0
            else:
                quiet += 1
        out.append(Interval(max(earliest / 100, prev_end), span.end))
        prev_end = span.end
    return out


def one_blas_thread() -> None:
    """numpy's BLAS on one thread, once per process, so a call's transcript never depends on the machine.

    faster-whisper computes the log-mel features with numpy, and the last bit of the result
    depends on how many threads BLAS splits the work over; that was enough to change words
    (宝费 vs 保费) between a Dask worker (its nanny sets ``OMP_NUM_THREADS=1``) and a local
    process using every core. One thread everywhere gives one answer and costs nothing
    measurable (the model runs on its own threads).
    """
    global _BLAS_PINNED
    if not _BLAS_PINNED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
        _BLAS_PINNED = True


_BLAS_PINNED = False


def transcribe_tracks(tracks: dict[str, np.ndarray], options: TranscribeOptions | None = None,
                      speech: dict[str, list[Interval]] | None = None) -> dict[str, ChannelResult]:
    """Transcribe each speaker's track.

    Parameters
    ----------
    tracks : speaker → 16 kHz mono float array (``{"agent": ..., "customer": ...}`` or
        ``{"unknown": ...}`` for mono).
    options : recognition settings.
    speech : precomputed VAD spans per speaker (computed here when omitted).

    Returns
    -------
    dict of speaker → :class:`ChannelResult`
    """
    one_blas_thread()
    options = options or TranscribeOptions()
    speakers = list(tracks)
    speech = speech or {spk: detect_speech(tracks[spk], options) for spk in speakers}
    results = {spk: ChannelResult(spk, speech[spk], []) for spk in speakers}
    spans = [speech[spk] for spk in speakers]
    if not any(spans):
        return results

    model = load_model(options)
    words: list[list[list[Word]]] = [[[] for _ in s] for s in spans]
    wanted = [(c, i) for c, s in enumerate(spans) for i in range(len(s))]
    dropped = _run(model, tracks, speakers, spans, wanted, words, options, pack=True)
    # Whisper sometimes stops early in a packed clip and the pieces after that get no
    # text. Pack the missed pieces again (cheap: usually one clip), then alone.
    for pack in (True, False) if options.retry_missing else ():
        missing = [(c, i) for c, i in wanted if not words[c][i] and spans[c][i].duration >= MIN_TEXT_SPAN_S]
        if not missing:
            break
        dropped += _run(model, tracks, speakers, spans, missing, words, options, pack=pack)
        for c, i in missing:
            results[speakers[c]].retried += 1

    for c, spk in enumerate(speakers):
        res = results[spk]
        res.dropped = [t for cc, t in dropped if cc == c]
        for i, span in enumerate(spans[c]):
            ws = words[c][i]
            raw = _join(w.text for w in ws)
            # A repetition loop, or a sentence invented for a breath or a short 嗯:
            # keep the speech, drop the text.
            blip = span.duration < options.blip_max_s and ws and np.mean([w.prob for w in ws]) < options.blip_min_prob
            if ws and (_REPEAT.search(raw) or blip):
                res.dropped.append(raw)
                ws = []
            if not ws:
                if span.duration >= MIN_TEXT_SPAN_S:
                    res.untranscribed.append(span)
                continue
            res.utterances.append(Utterance(speaker=spk, start=span.start, end=span.end,
                                            text=normalize(raw), raw_text=raw, words=tuple(ws),
                                            rate_cpm=count_chars(raw) / span.duration * 60))
    return results


def _run(model, tracks, speakers, spans, wanted, words, options, *, pack: bool) -> list[tuple[int, str]]:
    """One batched Whisper pass over the wanted (channel, span) pieces; fills ``words``."""
    from faster_whisper import BatchedInferencePipeline

    # Whisper reads digital silence (zeros, like its own padding) as the end of the
    # audio and stops; a faint noise floor between pieces keeps it going.
    gap = np.random.default_rng(0).normal(0, 10 ** (-60 / 20), int(options.glue_gap_s * RATE)).astype(np.float32)
    buf, pieces, clips = [], [], []
    vpos = 0  # samples in the virtual buffer
    clip_start, clip_channel = 0, None
    for c, i in wanted:
        # Feed Whisper a little audio around each span (never into the neighbours) so a soft
        # first syllable that VAD missed is still heard; utterance times stay the VAD's.
        span = spans[c][i]
        lo = max(span.start - options.asr_pad_s, spans[c][i - 1].end if i else 0.0)
        hi = min(span.end + options.asr_pad_s, spans[c][i + 1].start if i + 1 < len(spans[c]) else math.inf)
        audio = tracks[speakers[c]][int(lo * RATE): int(hi * RATE)]
        full = (vpos - clip_start + len(audio)) / RATE > options.max_clip_s
        if vpos > clip_start and (not pack or c != clip_channel or full):
            clips.append({"start": clip_start / RATE, "end": (vpos - len(gap)) / RATE})
            clip_start = vpos
        clip_channel = c
        pieces.append(_Piece(c, i, vpos / RATE, (vpos + len(audio)) / RATE, lo))
        buf += [audio, gap]
        vpos += len(audio) + len(gap)
    clips.append({"start": clip_start / RATE, "end": (vpos - len(gap)) / RATE})
    virtual = np.concatenate(buf)

    prompt = build_prompt(options)
    hotwords = " ".join(options.vocabulary) if options.vocabulary_as == "hotwords" and options.vocabulary else None
    pipeline = BatchedInferencePipeline(model)
    segments, _ = pipeline.transcribe(
        virtual, language=options.language, clip_timestamps=clips, word_timestamps=True,
        batch_size=options.batch_size, beam_size=options.beam_size, initial_prompt=prompt,
        hotwords=hotwords, vad_filter=False, without_timestamps=True)
    dropped = []
    starts = np.array([p.vstart for p in pieces])
    for seg in segments:
        text = to_simplified(seg.text)
        if _hallucinated(seg, text):
            piece = pieces[max(0, int(np.searchsorted(starts, seg.start, "right")) - 1)]
            dropped.append((piece.channel, text.strip()))
            continue
        for w in seg.words or []:
            token = to_halfwidth(to_simplified(w.word)).strip()
            if not token:
                continue
            # Whisper's word starts absorb the silence before a word; its ends are reliable.
            mid = w.end - min(0.1, (w.end - w.start) / 2)
            k = max(0, int(np.searchsorted(starts, mid, "right")) - 1)
            if k + 1 < len(pieces) and mid > pieces[k].vend and pieces[k + 1].vstart - mid < mid - pieces[k].vend:
                k += 1
            p = pieces[k]
            start = p.ostart + min(max(w.start - p.vstart, 0.0), p.vend - p.vstart)
            end = p.ostart + min(max(w.end - p.vstart, 0.0), p.vend - p.vstart)
            words[p.channel][p.span_index].append(Word(start=start, end=max(end, start), text=token,
                                                      prob=float(w.probability)))
    return dropped


def build_prompt(options: TranscribeOptions) -> str:
    """Whisper's initial prompt: a Simplified-Chinese steering sentence plus the vocabulary."""
    if options.vocabulary_as == "prompt" and options.vocabulary:
        return STEERING_PROMPT + " ".join(options.vocabulary)
    return STEERING_PROMPT


def _hallucinated(seg, text: str) -> bool:
    if HALLUCINATIONS.search(text) or _REPEAT.search(text):
        return True
    if seg.compression_ratio > 2.4:  # a repetition loop: its pieces are transcribed again
        return True
    return seg.no_speech_prob > 0.6 and seg.avg_logprob < -1.0


def _join(tokens) -> str:
    out = ""
    for t in tokens:
        if out and out[-1].isascii() and out[-1].isalpha() and t[:1].isascii() and t[:1].isalpha():
            out += " "
        out += t
    return out
