"""Load any recording a call center stores into per-channel 16 kHz float arrays.

libsndfile (via soundfile) reads WAV (PCM, μ-law, A-law), FLAC, OGG/Vorbis/Opus and
MP3; anything else (M4A/AAC, WMA, AMR…) goes through FFmpeg's decoders (PyAV, which
faster-whisper already depends on).
"""

from __future__ import annotations

import hashlib
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import AudioError

TARGET_RATE = 16000

_MAGIC = {b"RIFF": "WAV", b"fLaC": "FLAC", b"OggS": "OGG", b"ID3": "MP3", b"FORM": "AIFF"}


@dataclass(frozen=True)
class AudioOptions:
    """How recordings are read.

    Attributes
    ----------
    min_duration_s : shorter recordings are rejected as not a call.
    max_channels : more channels than this are rejected (agent + customer at most).
    dual_mono_corr : channels this correlated are the same signal twice; treated as mono.
    """

    min_duration_s: float = 0.5
    max_channels: int = 2
    dual_mono_corr: float = 0.995


@dataclass(frozen=True)
class Recording:
    """A decoded recording: ``channels[i]`` is channel *i* at :data:`TARGET_RATE`."""

    path: Path
    channels: tuple[np.ndarray, ...]
    sample_rate: int
    n_channels: int
    format: str
    codec: str
    duration_s: float
    sha256: str
    dual_mono: bool = False

    @property
    def rate(self) -> int:
        return TARGET_RATE


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_audio(path: str | Path, options: AudioOptions | None = None) -> Recording:
    """Decode ``path`` into per-channel arrays at 16 kHz.

    Parameters
    ----------
    path : the recording.
    options : limits; defaults to :class:`AudioOptions`.

    Returns
    -------
    Recording

    Raises
    ------
    AudioError
        Missing, empty, corrupt or non-audio file; more channels than allowed; too short.

    Example
    -------
    >>> rec = load_audio("sample_audio/call01_clean_ulaw.wav")  # doctest: +SKIP
    >>> rec.n_channels, rec.sample_rate
    (2, 8000)
    """
    options = options or AudioOptions()
    path = Path(path)
    if not path.exists():
        raise AudioError(path, "no such file")
    if path.is_dir():
        raise AudioError(path, "is a directory, not a recording (use `qa batch` for folders)")
    if not path.is_file():
        raise AudioError(path, "not a regular file (a pipe or device?); give a recording file")
    try:
        size = path.stat().st_size
        if size == 0:
            raise AudioError(path, "empty file (0 bytes)")
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise AudioError(path, f"cannot read ({exc.strerror or exc})") from None

    try:
        with _quiet_stderr(_looks_like_mp3(path, head)):  # mpg123's "Note: Trying to resync..." chatter
            data, rate, fmt, codec = _read_soundfile(path)
    except _Unreadable:
        try:
            data, rate, fmt, codec = _read_av(path)
        except _Unreadable:
            kind = next((v for k, v in _MAGIC.items() if head.startswith(k)), None)
            if kind:
                raise AudioError(path, f"corrupt or truncated {kind} file (its header cannot be decoded)") from None
            raise AudioError(path, "not an audio file (no decoder recognizes it)") from None

    if data.ndim != 2 or data.shape[0] == 0:
        raise AudioError(path, "contains no audio samples")
    n_ch = data.shape[1]
    if n_ch > options.max_channels:
        raise AudioError(path, f"has {n_ch} channels; expected mono or stereo (agent + customer)")
    duration = data.shape[0] / rate
    if duration < options.min_duration_s:
        raise AudioError(path, f"too short ({duration:.2f} s); a call must last at least {options.min_duration_s} s")
    if not np.isfinite(data).all():
        raise AudioError(path, "contains invalid samples (NaN or infinity)")

    data = _resample(data, rate)
    chans = tuple(np.ascontiguousarray(data[:, i]) for i in range(n_ch))
    dual = n_ch == 2 and _same_signal(chans[0], chans[1], options.dual_mono_corr)
    return Recording(path=path, channels=chans, sample_rate=int(rate), n_channels=n_ch,
                     format=fmt, codec=codec, duration_s=duration, sha256=file_sha256(path),
                     dual_mono=dual)


class _Unreadable(Exception):
    pass


def _looks_like_mp3(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".mp3" or head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


@contextmanager
def _quiet_stderr(quiet: bool = True) -> Iterator[None]:
    """Send what C libraries print to this process's stderr (fd 2) nowhere while decoding: libsndfile's MP3
    decoder (mpg123) prints a note for every damaged frame it skips, which would break the one-line-per-error
    output. Decoding errors still arrive as exceptions."""
    if not quiet:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no fd 2 (embedded, closed): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _read_soundfile(path: Path) -> tuple[np.ndarray, int, str, str]:
    import soundfile as sf

    try:
        with sf.SoundFile(path) as f:
            data = f.read(dtype="float32", always_2d=True)
            return data, f.samplerate, f.format, f.subtype
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError):
        raise _Unreadable from None


def _read_av(path: Path) -> tuple[np.ndarray, int, str, str]:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise _Unreadable
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate or stream.rate
            n_ch = stream.codec_context.channels
            if n_ch > 2:
                # Report the channel count without decoding everything.
                return np.zeros((1, n_ch), np.float32), rate, container.format.name, stream.codec_context.name
            blocks = [frame.to_ndarray().reshape(n_ch, -1) if frame.format.is_planar
                      else frame.to_ndarray().reshape(-1, n_ch).T
                      for frame in container.decode(stream)]
            if not blocks:
                raise _Unreadable
            data = np.concatenate(blocks, axis=1).T
            if data.dtype.kind == "i":
                data = data / float(np.iinfo(data.dtype).max)
            return data.astype(np.float32), int(rate), container.format.name.split(",")[0].upper(), stream.codec_context.name
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, IndexError):
        raise _Unreadable from None


def _resample(data: np.ndarray, rate: int) -> np.ndarray:
    if rate == TARGET_RATE:
        return data.astype(np.float32)
    import soxr

    return soxr.resample(data, rate, TARGET_RATE, quality="HQ").astype(np.float32)


def _same_signal(a: np.ndarray, b: np.ndarray, threshold: float) -> bool:
    if a.std() < 1e-6 or b.std() < 1e-6:
        return False
    step = max(1, len(a) // 200_000)
    return float(np.corrcoef(a[::step], b[::step])[0, 1]) >= threshold
