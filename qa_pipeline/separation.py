"""One stage that says who is on which track: :func:`separate` before ASR, :func:`name_speakers` after.

Stereo: each channel is one party. Echo of the other party (a line's echo canceller leaves
it 24–32 dB down) is found and taken out of each channel's speech (:mod:`qa_pipeline.bleed`),
after a noisy channel's stationary noise is subtracted (:mod:`qa_pipeline.denoise`);
which channel is the agent is forced (``left``/``right``) or decided from what each channel
said (``auto``, :mod:`qa_pipeline.channels`). Mono: two voices by diarization
(:mod:`qa_pipeline.mono`), named by what each said.

The stage returns one :class:`Separation` value; ``pipeline.py`` never reassigns tuples::

    rec ──separate──▶ Separation(tracks, speech)          keys: agent/customer, left/right or voice0/voice1
            │  transcribe_tracks(tracks, speech)
            ▼
        name_speakers ──▶ Separation(tracks, speech, assignment, overtalk_method), channels by role
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .audio import Recording
from .bleed import BleedOptions, remove_bleed
from .channels import channel_assignment, decide_agent_channel
from .denoise import DenoiseOptions, denoise
from .diarize import DiarizeOptions
from .errors import ConfigError
from .mono import MonoSplit, name_roles, roles_by_content, split_voices, unseparated, verify_roles
from .transcribe import ChannelResult, TranscribeOptions, detect_speech
from .types import Interval, SpeakerAssignment

STEREO_OVERTALK = "stereo channels: each party on its own channel"
CHANNEL_CHOICES = ("auto", "left", "right")


@dataclass(frozen=True)
class Separation:
    """Who is on which track, and how that was decided.

    Attributes
    ----------
    tracks : speaker → 16 kHz track that ASR hears (before :func:`name_speakers` the keys
        may be provisional: ``left``/``right`` for stereo with ``auto``, ``voice0``/``voice1`` for mono).
    speech : speaker → VAD speech spans (s), echo of the other channel removed.
    assignment : how the speakers were assigned (``None`` until :func:`name_speakers`).
    overtalk_method : how overtalk can be measured on these tracks (``None``: it cannot).
    agent_channel : ``left``/``right`` for stereo once known, else ``None``.
    diagnostics : facts for ``report.diagnostics`` (echo level, spans dropped as echo…).
    split : the mono diarization behind the tracks (``None`` for stereo).
    dual_mono : the recording was two identical channels (scored as mono).
    """

    tracks: dict[str, np.ndarray]
    speech: dict[str, list[Interval]]
    assignment: SpeakerAssignment | None = None
    overtalk_method: str | None = None
    agent_channel: str | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    split: MonoSplit | None = None
    dual_mono: bool = False

    @property
    def stereo(self) -> bool:
        return self.split is None and len(self.tracks) == 2


def separate(rec: Recording, asr: TranscribeOptions, *, agent_channel: str = "auto",
             diarize: DiarizeOptions | None = None, bleed: BleedOptions | None = None,
             noise: DenoiseOptions | None = None) -> Separation:
    """Tracks and speech spans per speaker, before ASR.

    Parameters
    ----------
    rec : the decoded recording.
    asr : VAD settings (and threads for diarization).
    agent_channel : ``auto``, ``left`` or ``right`` (stereo only).
    diarize : mono diarization settings.
    bleed : echo detection settings (stereo only).
    noise : noisy-channel cleaning (stereo only).

    Raises
    ------
    ConfigError
        ``agent_channel`` is not one of ``auto``/``left``/``right``.
    """
    if agent_channel not in CHANNEL_CHOICES:
        raise ConfigError(f"agent channel '{agent_channel}' is not valid; use 'auto', 'left' or 'right'")
    diarize = diarize or DiarizeOptions()
    if rec.n_channels == 2 and not rec.dual_mono:
        t0 = time.perf_counter()
        names = ("left", "right") if agent_channel == "auto" else (
            ("agent", "customer") if agent_channel == "left" else ("customer", "agent"))
        quiet = [denoise(t, noise) for t in rec.channels]
        t1 = time.perf_counter()
        cleaned = remove_bleed(quiet[0][0], quiet[1][0], bleed)
        t2 = time.perf_counter()
        tracks = dict(zip(names, cleaned.tracks))
        speech = {n: detect_speech(t, asr) for n, t in tracks.items()}
        speech = dict(zip(names, cleaned.trim((speech[names[0]], speech[names[1]]))))
        diag = {"bleed": {**cleaned.describe(), "seconds_s": round(t2 - t1, 3)},
                "denoise": {**{side: {"snr_db": round(snr, 1), "applied": applied}
                               for side, (_, snr, applied) in zip(("left", "right"), quiet)},
                            "seconds_s": round(t1 - t0, 3)}}
        if agent_channel == "auto":
            # ASR packs the tracks in this order; the side heard first goes first, so a call with
            # its channels swapped is decoded exactly as the original
            order = sorted(names, key=lambda n: speech[n][0].start if speech[n] else math.inf)
            return Separation({n: tracks[n] for n in order}, {n: speech[n] for n in order},
                              overtalk_method=STEREO_OVERTALK, diagnostics=diag)
        assignment = SpeakerAssignment(method="stereo channels", detail=f"agent on the {agent_channel} channel "
                                                                        "(forced: option, config or manifest)")
        return Separation(_by_role(tracks), _by_role(speech), assignment, STEREO_OVERTALK, agent_channel, diag)
    track = (rec.channels[0] + rec.channels[1]) / 2 if rec.n_channels == 2 else rec.channels[0]
    speech = {"unknown": detect_speech(track, asr)}
    if not diarize.enabled:
        return Separation({"unknown": track}, speech, SpeakerAssignment(
            method="mono, not separated",
            detail=("dual mono (both channels identical)" if rec.dual_mono else "mono: one track")
            + ", speakers not separated (diarization is off)"), dual_mono=rec.dual_mono)
    dia = diarize if diarize.threads else replace(diarize, threads=asr.threads)
    split = split_voices(track, speech["unknown"], dia)
    if split.diarization.separable:
        return Separation(split.tracks, split.speech, split=split, dual_mono=rec.dual_mono)
    return Separation({"unknown": track}, speech, unseparated(split, rec.dual_mono), split=split,
                      dual_mono=rec.dual_mono)


def name_speakers(sep: Separation, channels: dict[str, ChannelResult], *, rules=None, tolerance: float = 0.2,
                  content_roles: bool = True) -> tuple[Separation, dict[str, ChannelResult]]:
    """Name provisional tracks ``agent``/``customer`` from what was said on them.

    Parameters
    ----------
    sep : the result of :func:`separate`.
    channels : ASR results keyed as ``sep.tracks``.
    rules : the loaded rules (their ``role_cues`` decide the agent channel on ``auto``).
    tolerance : pinyin tolerance for the cues.
    content_roles : mono: check diarized roles against what each turn says, and give look-alike
        voices roles turn by turn (:func:`qa_pipeline.mono.roles_by_content`).

    Returns
    -------
    (Separation, channels)
        Both keyed by role.
    """
    if sep.split is not None and sep.split.diarization.separable:
        renamed, tracks, speech, assignment, method = name_roles(channels, sep.split, rules=rules,
                                                                  tolerance=tolerance)
        if content_roles:  # look-alike voices split wrongly: roles by content instead
            _, by_content = verify_roles(renamed, sep.split, sep.dual_mono)
            if by_content is not None:
                renamed, tracks, speech, assignment = by_content
        return replace(sep, tracks=tracks, speech=speech, assignment=assignment, overtalk_method=method), renamed
    if sep.split is not None and content_roles and channels["unknown"].utterances:
        renamed, tracks, speech, assignment = roles_by_content(channels["unknown"], sep.tracks["unknown"], sep.split,
                                                               sep.dual_mono)
        return replace(sep, tracks=tracks, speech=speech, assignment=assignment), renamed
    if sep.assignment is not None:
        return sep, channels
    decision = decide_agent_channel(channels["left"].utterances, channels["right"].utterances,
                                    rules=rules, tolerance=tolerance)
    name = {"left": "agent", "right": "customer"} if decision.agent == "left" else \
        {"left": "customer", "right": "agent"}
    renamed = _by_role(rename(channels, name))
    assignment = channel_assignment(decision, name)
    return replace(sep, tracks=_by_role({name[k]: v for k, v in sep.tracks.items()}),
                   speech=_by_role({name[k]: v for k, v in sep.speech.items()}), assignment=assignment,
                   agent_channel=decision.agent), renamed


def _by_role(d: dict) -> dict:
    """The same mapping with ``agent`` first (reports list speakers in one order, whatever the channels)."""
    return {k: d[k] for k in sorted(d, key=lambda k: k != "agent")}


def rename(channels: dict[str, ChannelResult], name: dict[str, str]) -> dict[str, ChannelResult]:
    """ASR results under new speaker names (every utterance relabelled)."""
    return {name[k]: replace(r, speaker=name[k], utterances=[replace(u, speaker=name[k]) for u in r.utterances])
            for k, r in channels.items()}
