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
from .role_classifier import ROLES, ContentRoleOptions, default_classifier, label_turns, split_turns
from .roles import assign_roles
from .text import count_chars, normalize
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
    track: np.ndarray | None = None  # the mono track itself
    vad: tuple[Interval, ...] = ()  # its speech spans


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
    return MonoSplit(tracks, {v: list(spans) for v, spans in zip(VOICES, d.speech)}, d, track, tuple(speech))


def name_roles(channels: dict[str, ChannelResult], split: MonoSplit, *, rules=None, tolerance: float = 0.2):
    """Rename the two voices ``agent``/``customer`` by what they said.

    The voices are told apart by :func:`qa_pipeline.roles.assign_roles`: the same cues
    (``role_cues`` of ``rules``, default: the default rules) and scoring as a stereo call's channels.

    Returns
    -------
    (channels, tracks, speech, SpeakerAssignment, overtalk_method)
        The first three keyed by role.
    """
    d = split.diarization
    by_voice = [channels[v].utterances for v in VOICES]
    roles = assign_roles(by_voice, rules=rules, tolerance=tolerance)
    name = {VOICES[roles.agent]: "agent", VOICES[1 - roles.agent]: "customer"}
    renamed = {name[v]: replace(r, speaker=name[v], utterances=[replace(u, speaker=name[v]) for u in r.utterances])
               for v, r in channels.items()}
    tracks = {name[v]: t for v, t in split.tracks.items()}
    speech = {name[v]: s for v, s in split.speech.items()}
    cues = roles.speaker_cues({i: name[v] for i, v in enumerate(VOICES)})  # quotes masked again on output
    said = sorted({c.cue for c in cues if c.points_to == "agent" and c.speaker == "agent"})
    why = ("spoke first (no role cue was heard)" if roles.fallback
           else f"said {', '.join(said)}" if said else "gave fewer customer cues")
    detail = f"mono: 2 voices by {d.method}; the agent is the voice that {why}"
    assignment = SpeakerAssignment(
        method="mono diarization", detail=detail, role_confidence=roles.confidence, role_level=roles.level,
        voice_similarity=round(d.similarity, 3), clear_share=round(d.clear_share, 3), cues=cues)
    return renamed, tracks, speech, assignment, OVERLAP_METHOD


def _join(pieces: list, role: str):
    """Consecutive pieces of one utterance, given one role, as one utterance again."""
    if len(pieces) == 1:
        return replace(pieces[0], speaker=role)
    words = tuple(w for p in pieces for w in p.words)
    raw = "".join(p.raw_text for p in pieces)
    start, end = pieces[0].start, pieces[-1].end
    return replace(pieces[0], speaker=role, end=end, text=normalize(raw), raw_text=raw, words=words,
                   rate_cpm=count_chars(raw) / max(end - start, 0.05) * 60)


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


CONTENT_OVERTALK = ("mono call whose voices could not be told apart: roles were assigned turn by turn from what "
                    "was said, so who talked over whom cannot be measured (overtalk and interruptions are n/a)")


def roles_by_content(channel: ChannelResult, track: np.ndarray, split: MonoSplit, dual_mono: bool,
                     options: ContentRoleOptions | None = None, *, why: str | None = None):
    """Agent and customer of a mono call whose voices sound alike, from what each turn says.

    The one track's utterances are cut into turns (:func:`~qa_pipeline.role_classifier.split_turns`)
    and labelled by the text classifier, smoothed over the dialogue
    (:func:`~qa_pipeline.role_classifier.label_turns`). Speech the ASR gave no text
    goes to the nearest turn's speaker.

    Returns
    -------
    (channels, tracks, speech, SpeakerAssignment)
        Keyed by role; ``channels`` also keeps the track's own ``unknown`` result
        (no utterances) for its VAD, retry and dropped-text diagnostics.
    why : why the voices were not used (default: the encoder could not tell them apart).
    """
    options = options or ContentRoleOptions()
    pieces = [split_turns([u], options) for u in channel.utterances]
    flat = [p for ps in pieces for p in ps]
    gaps = [0.0] + [b.start - a.end for a, b in zip(flat, flat[1:])]
    labels = label_turns([u.text for u in flat], options, gaps_s=gaps)
    turns, post, k = [], [], 0
    for u, ps in zip(channel.utterances, pieces):  # pieces of one utterance that got one role join again
        roles = labels.roles[k: k + len(ps)]
        probs = labels.posterior[k: k + len(ps)]
        k += len(ps)
        if len(set(roles)) == 1:
            turns.append(replace(u, speaker=roles[0]))
            post.append(min(probs))
            continue
        i = 0
        while i < len(ps):
            j = i
            while j + 1 < len(ps) and roles[j + 1] == roles[i]:
                j += 1
            group = ps[i: j + 1]
            turns.append(_join(group, roles[i]))
            post.append(min(probs[i: j + 1]))
            i = j + 1
    speech: dict[str, list[Interval]] = {"agent": [], "customer": []}
    for span in channel.speech:
        inside = [u for u in turns if u.start < span.end and u.end > span.start]
        if not inside:
            mid = (span.start + span.end) / 2
            near = min(turns, key=lambda u: min(abs(u.start - mid), abs(u.end - mid)))
            speech[near.speaker].append(span)
            continue
        for k, u in enumerate(inside):
            lo = span.start if k == 0 else max(u.start, span.start)
            hi = span.end if k == len(inside) - 1 else min(inside[k + 1].start, span.end)
            if hi > lo:
                speech[u.speaker].append(Interval(round(lo, 3), round(hi, 3)))
    for role in speech:  # neighbouring pieces of one speaker join
        merged: list[Interval] = []
        for s in sorted(speech[role]):
            if merged and s.start <= merged[-1].end + 1e-6:
                merged[-1] = Interval(merged[-1].start, max(merged[-1].end, s.end))
            else:
                merged.append(s)
        speech[role] = merged
    tracks = {role: track * _mask(track.size, tuple(spans)) for role, spans in speech.items()}
    channels = {role: ChannelResult(role, speech[role], [u for u in turns if u.speaker == role]) for role in ROLES}
    channels["unknown"] = replace(channel, utterances=[])
    uncertain = [i for i, p in enumerate(post) if p < 0.8]
    strongest = sorted(range(len(turns)), key=lambda i: -post[i] * len(turns[i].text))[:4]
    clf = default_classifier(options.C)
    cues = tuple(
        SpeakerCue(("uncertain turn" if post[i] < 0.8 else "turn") + ": "
                   + (", ".join(clf.explain(turns[i].text)) or "the dialogue around it"),
                   turns[i].speaker, float(post[i]), turns[i].speaker, float(turns[i].start),
                   turns[i].text)  # quotes are masked with every output (redact_data)
        for i in sorted(set(uncertain) | set(strongest)))
    d = split.diarization
    n_agent = sum(u.speaker == "agent" for u in turns)
    why = why or (f"the voices could not be told apart (voice similarity {d.similarity:.2f}, {d.clear_share:.0%} of "
                  "speech clearly one voice)")
    detail = (("dual mono" if dual_mono else "mono") + f": {why}, so each of {len(turns)} turns "
              f"was given a role by what it says (a text classifier trained on annotated dialogues, smoothed over "
              f"the dialogue): {n_agent} agent, {len(turns) - n_agent} customer, {len(uncertain)} uncertain; "
              "overtalk is n/a")
    assignment = SpeakerAssignment(
        method="mono, roles by content", detail=detail, role_confidence=labels.confidence, role_level=labels.level,
        voice_similarity=round(d.similarity, 3), clear_share=round(d.clear_share, 3), cues=cues)
    return channels, tracks, speech, assignment


def verify_roles(channels: dict[str, ChannelResult], split: MonoSplit, dual_mono: bool,
                 options: ContentRoleOptions | None = None, *, min_agreement: float = 0.85):
    """Check the roles of two diarized voices against what each turn says.

    Two voices that sound nearly alike can pass the encoder's test and still be split
    wrongly (one person's turns spread over both "voices"). When the diarized roles agree
    with the turn-by-turn content roles on less than ``min_agreement`` of the words of the
    turns content is sure of, the call is re-assigned by content (:func:`roles_by_content`)
    over the whole track.

    Returns
    -------
    (agreement, None) when the diarization stands, else (agreement, result of
    :func:`roles_by_content`).
    """
    options = options or ContentRoleOptions()
    utts = sorted((u for r in channels.values() for u in r.utterances), key=lambda u: u.start)
    if not utts or split.track is None:
        return 1.0, None
    gaps = [0.0] + [b.start - a.end for a, b in zip(utts, utts[1:])]
    labels = label_turns([u.text for u in utts], options, gaps_s=gaps)
    # judged on the turns content is sure of (posterior >= 0.8): a turn holding both voices
    # (an interruption) or a bare 好的 says nothing either way
    sure = [(max(len(u.text), 1), u.speaker == r) for u, r, p in zip(utts, labels.roles, labels.posterior) if p >= 0.8]
    sure = sure or [(max(len(u.text), 1), u.speaker == r) for u, r in zip(utts, labels.roles)]
    agree = sum(w for w, ok in sure if ok) / sum(w for w, _ in sure)
    if agree >= min_agreement:
        return agree, None
    merged = ChannelResult("unknown", list(split.vad), [replace(u, speaker="unknown") for u in utts],
                           retried=sum(r.retried for r in channels.values()),
                           untranscribed=[i for r in channels.values() for i in r.untranscribed],
                           dropped=[t for r in channels.values() for t in r.dropped])
    d = split.diarization
    why = (f"the encoder found two voices (similarity {d.similarity:.2f}) but their turns matched what was said on "
           f"only {agree:.0%} of the words (two look-alike voices split wrongly)")
    return agree, roles_by_content(merged, split.track, split, dual_mono, options, why=why)
