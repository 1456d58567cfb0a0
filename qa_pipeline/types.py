"""Result types: frozen dataclasses, serialized to the public JSON contract.

The JSON contract is ``qa_pipeline/schema/call_report.schema.json``; bump
:data:`SCHEMA_VERSION` on any incompatible change.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = "1.4"

Speaker = Literal["agent", "customer", "unknown"]


@dataclass(frozen=True, order=True)
class Interval:
    """A time span in seconds from the start of the file."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Word:
    """One recognized word (for Chinese usually one or two characters)."""

    start: float
    end: float
    text: str
    prob: float


@dataclass(frozen=True)
class Correction:
    """One ASR homophone replaced by a vocabulary term (宝费 → 保费) in an utterance's text.

    ``start``/``end`` index the corrected ``text``; ``how`` is ``homophone`` (same
    pinyin), ``fuzzy`` (close syllables) or ``digits`` (digit sounds after 工号/尾号).
    """

    heard: str
    term: str
    start: int
    end: int
    how: str


@dataclass(frozen=True)
class Utterance:
    """What one speaker said in one stretch of speech.

    ``start``/``end`` come from voice activity detection (precise), ``words`` from
    Whisper's alignment. ``text`` is normalized (Simplified, half-width, numbers as
    digits) and corrected (ASR homophones → vocabulary terms, each listed in
    ``corrections``); ``raw_text`` is Whisper's text after Simplified conversion only.
    """

    speaker: Speaker
    start: float
    end: float
    text: str
    raw_text: str
    words: tuple[Word, ...] = ()
    rate_cpm: float | None = None
    corrections: tuple[Correction, ...] = ()

    @property
    def span(self) -> Interval:
        return Interval(self.start, self.end)


@dataclass(frozen=True)
class AudioInfo:
    """Facts about the recording as stored."""

    sample_rate: int
    channels: int
    format: str
    codec: str
    duration_s: float
    sha256: str
    agent_channel: Literal["left", "right"] | None


@dataclass(frozen=True)
class OvertalkSpan:
    """Both parties speaking at once. ``interrupter`` started while the other was speaking."""

    start: float
    end: float
    interrupter: Speaker
    kind: Literal["interruption", "backchannel"]
    quote: str = ""


@dataclass(frozen=True)
class SilenceStats:
    """Spans where neither party speaks (between the first and the last speech)."""

    max_s: float
    total_s: float
    spans: tuple[Interval, ...]
    holds: tuple[Interval, ...]
    leading_s: float
    trailing_s: float


@dataclass(frozen=True)
class OvertalkStats:
    """Overtalk between agent and customer.

    ``available`` is False when it cannot be measured (one voice, or a transcript
    without both roles); ``method`` says how it was measured and how far to trust it.
    """

    available: bool
    reason: str | None = None
    method: str | None = None
    total_s: float | None = None
    count: int | None = None
    agent_interruptions: int | None = None
    customer_interruptions: int | None = None
    backchannels: int | None = None
    spans: tuple[OvertalkSpan, ...] = ()


@dataclass(frozen=True)
class Metrics:
    """How the call sounded. Per-speaker dicts are keyed by speaker."""

    speech_rate_cpm: dict[str, float | None]
    speech_rate_last_30s_cpm: dict[str, float | None]
    talk_time_s: dict[str, float]
    talk_share: dict[str, float | None]
    loudness_dbfs: dict[str, float | None]
    silence: SilenceStats
    overtalk: OvertalkStats
    prosody: dict[str, Any] = field(default_factory=dict)  # speaker -> prosody.SpeakerProsody


@dataclass(frozen=True)
class Finding:
    """Evidence for a check result: where, who, what was said, and why it matters.

    For phrase matches ``heard`` is what ASR heard, ``matched`` the rule's phrase and
    ``similarity`` how close (1.0 exact or homophone); for a missing "must say" they
    describe the nearest thing the speaker did say.
    """

    check: str
    span: Interval | None
    speaker: Speaker | None
    quote: str
    why: str
    heard: str | None = None
    matched: str | None = None
    similarity: float | None = None
    confidence: float | None = None
    why_zh: str | None = None  # ``why`` in Chinese (qa_pipeline.messages); None in reports made before 1.4


@dataclass(frozen=True)
class CheckResult:
    """One checklist item's outcome.

    ``status``: ``pass``, ``partial`` (part of the points), ``fail``, ``n/a`` (does not apply
    to this call, or cannot be judged: then ``confidence`` is 0) or ``manual`` (a reviewer
    must judge). ``findings`` explain a failure (or why it is n/a); ``evidence`` shows what
    satisfied a pass. ``hits`` counts violations (per-hit deductions). ``confidence`` (0–1)
    says how likely the verdict is right; ``source`` is ``auto`` or ``reviewer``.
    """

    id: str
    title: str
    status: Literal["pass", "partial", "fail", "n/a", "manual"]
    points: float | None
    points_possible: float | None
    severity: str
    summary: str = ""
    fatal: bool = False
    hits: int = 0
    section: str | None = None
    findings: tuple[Finding, ...] = ()
    evidence: tuple[Finding, ...] = ()
    confidence: float | None = None
    source: Literal["auto", "reviewer"] = "auto"
    summary_zh: str | None = None  # ``summary`` in Chinese (qa_pipeline.messages); None before schema 1.4


@dataclass(frozen=True)
class SpeakerCue:
    """Something a voice said that shows its role (for mono calls)."""

    cue: str
    points_to: Literal["agent", "customer"]
    weight: float
    speaker: Speaker
    start: float
    quote: str


@dataclass(frozen=True)
class SpeakerAssignment:
    """How the transcript's speakers were found.

    ``method``: ``stereo channels``, ``mono diarization``, ``mono, not separated``,
    ``dual mono``… For diarization: ``voice_similarity`` is the cosine similarity of the
    two voices (lower separates better), ``clear_share`` the share of speech that leans
    clearly to one voice, ``role_confidence`` in [0.5, 1) with ``role_level``
    high/medium/low, and ``cues`` the things said that decided the roles.
    """

    method: str
    detail: str
    role_confidence: float | None = None
    role_level: str | None = None
    voice_similarity: float | None = None
    clear_share: float | None = None
    cues: tuple[SpeakerCue, ...] = ()


@dataclass(frozen=True)
class CallReport:
    """Everything known about one call. :meth:`to_dict` gives the public JSON."""

    call_id: str
    file: str
    duration_s: float
    audio: AudioInfo
    transcript: tuple[Utterance, ...]
    metrics: Metrics
    model: dict[str, Any]
    diagnostics: dict[str, Any]
    timings_s: dict[str, float]
    checks: tuple[CheckResult, ...] = ()
    score: float | None = None
    score_detail: dict[str, Any] | None = None
    flagged: bool | None = None
    flag_reasons: tuple[str, ...] = ()
    rules: dict[str, Any] | None = None
    redacted: bool = False
    speakers: SpeakerAssignment | None = None
    sentiment: Any = None  # sentiment.Sentiment of the customer
    schema_version: str = field(default=SCHEMA_VERSION)
    options: dict[str, Any] | None = None  # what it was made with (qa_pipeline.provenance)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (floats rounded to milliseconds)."""
        out = _plain(self)
        order = ["schema_version", "call_id", "file", "duration_s", "audio", "transcript",
                 "metrics", "checks", "score", "score_detail", "flagged", "flag_reasons", "rules", "redacted", "speakers",
                 "sentiment", "model", "diagnostics", "timings_s", "options"]
        return {k: out[k] for k in order}


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, float):
        return None if math.isnan(obj) else round(obj, 3)
    return obj
