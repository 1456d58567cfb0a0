"""Mono calls: two voices out of one track, then which voice is the agent.

``split_voices`` diarizes the track (:mod:`qa_pipeline.diarize`) and gives each voice
its own track: the mono audio with everything but that voice's speech faded out, so
the rest of the pipeline transcribes and measures a mono call exactly as a stereo one.
``name_roles`` then reads both transcripts and renames the voices ``agent`` and
``customer`` (:mod:`qa_pipeline.roles`), and says how sure it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .diarize import Diarization, DiarizeOptions, diarize
from .roles import assign_roles
from .transcribe import RATE, ChannelResult
from .types import Interval, SpeakerAssignment, SpeakerCue

VOICES = ("voice0", "voice1")
FADE_S = 0.02

OVERLAP_METHOD = (
    "mono estimate: overlaps found where the speech resembles both voices for 0.8 s or more at a change of "
    "speaker; the voice that took over is the interrupter. Shorter overlaps and backchannels are not seen. "
    "On the sample calls it found both interruptions and nothing else (bench/bench_diarize.py); "
    "stereo recordings measure overtalk exactly")


@dataclass(frozen=True)
class MonoSplit:
    """Each voice's track and speech spans, and the diarization behind them."""

    tracks: dict[str, np.ndarray]
    speech: dict[str, list[Interval]]
    diarization: Diarization


def _mask(n: int, spans: tuple[Interval, ...]) -> np.ndarray:
    """1 over the spans, 0 elsewhere, with linear fades of ``FADE_S`` just outside them."""
    fade = int(FADE_S * RATE)
    mask = np.zeros(n, np.float32)
    for s in spans:
        mask[max(int(s.start * RATE) - fade // 2, 0): int(s.end * RATE) + fade // 2] = 1.0
    return np.convolve(mask, np.full(fade, 1.0 / fade, np.float32), mode="same").astype(np.float32)


def split_voices(track: np.ndarray, speech: list[Interval], options: DiarizeOptions) -> MonoSplit:
    """Diarize a mono track into two voices, each with its own masked track."""
    d = diarize(track, speech, options)
    tracks = {v: track * _mask(track.size, spans) for v, spans in zip(VOICES, d.speech)}
    return MonoSplit(tracks, {v: list(spans) for v, spans in zip(VOICES, d.speech)}, d)


def name_roles(channels: dict[str, ChannelResult], split: MonoSplit, *, tolerance: float = 0.2):
    """Rename the two voices ``agent``/``customer`` by what they said.

    Returns
    -------
    (channels, tracks, speech, SpeakerAssignment, overtalk_method)
        The first three keyed by role.
    """
    d = split.diarization
    by_voice = [channels[v].utterances for v in VOICES]
    roles = assign_roles(by_voice, tolerance=tolerance)
    name = {VOICES[roles.agent_voice]: "agent", VOICES[1 - roles.agent_voice]: "customer"}
    renamed = {name[v]: replace(r, speaker=name[v], utterances=[replace(u, speaker=name[v]) for u in r.utterances])
               for v, r in channels.items()}
    tracks = {name[v]: t for v, t in split.tracks.items()}
    speech = {name[v]: s for v, s in split.speech.items()}
    cues = tuple(SpeakerCue(c.cue, c.role, c.weight, name[VOICES[c.voice]], c.start, c.quote)
                 for c in roles.cues)  # quotes are masked with every output (redact_data)
    said = sorted({c.cue for c in cues if c.points_to == "agent" and c.speaker == "agent"})
    why = ("spoke first (no role cue was heard)" if roles.fallback
           else f"said {', '.join(said)}" if said else "gave fewer customer cues")
    detail = f"mono: 2 voices by {d.method}; the agent is the voice that {why}"
    assignment = SpeakerAssignment(
        method="mono diarization", detail=detail, role_confidence=roles.confidence, role_level=roles.level,
        voice_similarity=round(d.similarity, 3), clear_share=round(d.clear_share, 3), cues=cues)
    return renamed, tracks, speech, assignment, OVERLAP_METHOD


def unseparated(split: MonoSplit, dual_mono: bool) -> SpeakerAssignment:
    """What the report says when the two voices could not be told apart."""
    d = split.diarization
    return SpeakerAssignment(
        method="mono, not separated",
        detail=("dual mono (both channels identical)" if dual_mono else "mono")
        + f": the voices could not be told apart (voice similarity {d.similarity:.2f}, "
          f"{d.clear_share:.0%} of speech clearly one voice), so speaker checks are n/a: one voice, "
          "or two voices too alike for the encoder",
        voice_similarity=round(d.similarity, 3), clear_share=round(d.clear_share, 3))
