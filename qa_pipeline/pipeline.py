"""``score_call``: one recording in, a :class:`~qa_pipeline.types.CallReport` out.

The batch, the CLI and the review page all call this one function.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal, Mapping, Sequence


from .audio import AudioOptions, load_audio
from .correct import CorrectionOptions, correct_channels
from .bleed import BleedOptions
from .denoise import DenoiseOptions
from .diarize import DiarizeOptions
from .errors import ConfigError, TranscriptError
from .messages import msg, summary_of
from .metrics import MetricsOptions, measure
from .mono import CONTENT_OVERTALK
from .prosody import ProsodyOptions, measure_prosody, prosody_from_dict
from .provenance import options_record
from .rules import RuleSet, load_rules, run_checks
from .scoring import score_checks
from .separation import name_speakers, separate
from .sheet_calibration import SheetCalibration, load_calibration
from .sentiment import call_sentiment
from .asr_cache import transcribe_cached
from .transcribe import TranscribeOptions, model_info
from .transcript_io import LoadedTranscript, is_transcript, load_transcript, transcript_from_report
from .types import AudioInfo, CallReport, CheckResult, Finding, Interval, OvertalkStats, SpeakerAssignment


@dataclass(frozen=True)
class PipelineOptions:
    """Everything ``score_call`` needs besides the file.

    Attributes
    ----------
    agent_channel : which stereo channel carries the agent (``left`` = first); ``auto`` decides
        from what each channel said (:mod:`qa_pipeline.channels`).
    rules_dir : a project's rules folder, loaded over the default rules.
    audio, asr, metrics, diarize, prosody, bleed, denoise : options of each stage (``diarize``: mono
        calls; ``prosody``: the voice measurements behind rules/voice.yaml; ``bleed``: echo between
        stereo channels; ``denoise``: noisy stereo channels).
    correct : the transcript correction pass (ASR homophones → vocabulary terms).
    """

    agent_channel: Literal["auto", "left", "right"] = "auto"
    rules_dir: str | None = None
    audio: AudioOptions = field(default_factory=AudioOptions)
    asr: TranscribeOptions = field(default_factory=TranscribeOptions)
    metrics: MetricsOptions = field(default_factory=MetricsOptions)
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)
    prosody: ProsodyOptions = field(default_factory=ProsodyOptions)
    correct: CorrectionOptions = field(default_factory=CorrectionOptions)
    bleed: BleedOptions = field(default_factory=BleedOptions)
    denoise: DenoiseOptions = field(default_factory=DenoiseOptions)
    calibration: str | None = None  # a `qa calibrate` model (JSON): items refitted to reviewers' decisions


def score_call(path: str | Path, options: PipelineOptions | None = None, *, call_id: str | None = None,
               rules: RuleSet | None = None, direction: str | None = None) -> CallReport:
    """Transcribe, measure, check and score one call.

    Parameters
    ----------
    path : a recording (WAV/μ-law/A-law/FLAC/MP3/OGG/M4A…), mono or stereo; or a
        transcript (``.json`` report of ours, ``.jsonl`` dialogue), re-scored without ASR.
    options : see :class:`PipelineOptions`.
    call_id : defaults to the file name without extension.
    rules : loaded rules (default: :func:`load_rules` of ``options.rules_dir``).

    Returns
    -------
    CallReport

    Raises
    ------
    AudioError
        The file cannot be used as a recording.
    ModelError
        The speech model is missing or cannot be loaded.
    RuleError
        A rule file is invalid.

    Example
    -------
    >>> report = score_call("sample_audio/call01_clean_ulaw.wav")  # doctest: +SKIP
    >>> report.metrics.speech_rate_cpm["agent"]  # doctest: +SKIP
    251.3
    """
    options = options or PipelineOptions()
    rules = rules or load_rules(options.rules_dir)
    _calibration(options.calibration)  # a bad model file is a config error before any ASR
    if is_transcript(path):
        return score_transcript(path, options, call_id=call_id, rules=rules, direction=direction)
    t0 = time.perf_counter()
    rec = load_audio(path, options.audio)
    t1 = time.perf_counter()

    asr = options.asr
    if not asr.vocabulary:
        asr = replace(asr, vocabulary=rules.vocabulary)
    sep = separate(rec, asr, agent_channel=options.agent_channel, diarize=options.diarize, bleed=options.bleed,
                   noise=options.denoise)
    t2 = time.perf_counter()
    channels = transcribe_cached(sep.tracks, asr, sep.speech)  # transcribe_tracks, or $QA_PIPELINE_ASR_CACHE
    t3 = time.perf_counter()
    sep, channels = name_speakers(sep, channels, rules=rules, tolerance=rules.tolerance,
                                  content_roles=options.diarize.content_roles)
    speakers = sep.assignment
    channels = correct_channels(channels, rules.vocabulary + rules.corrections, options.correct)
    utterances = sorted((u for r in channels.values() for u in r.utterances), key=lambda u: (u.start, u.speaker))
    metrics = measure(utterances, sep.speech, sep.tracks, rec.duration_s, options.metrics,
                      overtalk_method=sep.overtalk_method)
    if speakers.method == "mono, roles by content":
        metrics = replace(metrics, overtalk=OvertalkStats(available=False, reason=CONTENT_OVERTALK))
    t4 = time.perf_counter()
    metrics = replace(metrics, prosody=measure_prosody(sep.tracks, sep.speech, utterances, options.prosody))
    t5 = time.perf_counter()

    info = AudioInfo(sample_rate=rec.sample_rate, channels=rec.n_channels, format=rec.format, codec=rec.codec,
                     duration_s=rec.duration_s, sha256=rec.sha256,
                     agent_channel=sep.agent_channel)
    diagnostics = {
        "speakers": speakers.detail,
        "vad_spans": {s: len(r.speech) for s, r in channels.items()},
        "retried_spans": {s: r.retried for s, r in channels.items()},
        "untranscribed_spans": [{"speaker": s, "start": round(i.start, 3), "end": round(i.end, 3)}
                                for s, r in channels.items() for i in r.untranscribed],
        "dropped_hallucinations": [{"speaker": s, "text": t} for s, r in channels.items() for t in r.dropped],
        **sep.diagnostics,
    }
    report = CallReport(
        call_id=call_id or Path(path).stem, file=str(path), duration_s=rec.duration_s, audio=info,
        transcript=tuple(utterances), metrics=metrics, model=model_info(asr), diagnostics=diagnostics,
        speakers=speakers,
        timings_s={"decode_s": t1 - t0, ("vad_diarize_s" if sep.split else "vad_s"): t2 - t1, "asr_s": t3 - t2,
                   "metrics_s": t4 - t3, "prosody_s": t5 - t4})
    calibration = _calibration(options.calibration)
    report = _with_direction(report, direction)
    report = apply_rules(report, rules, calibration, direction=direction)
    report.timings_s["total_s"] = time.perf_counter() - t0
    return replace(report, options=_with_calibration(options_record(replace(options, asr=asr)), calibration))


def _calibration(path: str | None) -> SheetCalibration | None:
    """The ``qa calibrate`` model named by the options (read once per file and modification time)."""
    if not path:
        return None
    p = Path(path).expanduser()
    return _load_calibration(str(p), p.stat().st_mtime if p.exists() else None)


@lru_cache(maxsize=4)
def _load_calibration(path: str, _mtime: float | None) -> SheetCalibration:
    return load_calibration(path)


def _with_direction(report: CallReport, direction: str | None) -> CallReport:
    """The manifest's call direction (inbound/outbound), kept in the diagnostics so a re-score keeps it."""
    if direction not in (None, "", "inbound", "outbound"):
        raise ConfigError(f"call direction '{direction}' is not inbound or outbound")
    return replace(report, diagnostics={**report.diagnostics, "direction": direction}) if direction else report


def _with_calibration(record: dict, calibration: SheetCalibration | None) -> dict:
    return {**record, "calibration_version": calibration.version if calibration else None}


def apply_rules(report: CallReport, rules: RuleSet, calibration: SheetCalibration | None = None, *,
                direction: str | None = None, reviewer: Mapping[str, Sequence[Finding]] | None = None) -> CallReport:
    """Check a call against the rules and score it on the checklist (no audio needed); ``calibration``:
    the items refitted to reviewers' decisions (:mod:`qa_pipeline.sheet_calibration`); ``reviewer``: check id →
    violations a reviewer marked that the rules missed (each fails its check and counts as a hit)."""
    t0 = time.perf_counter()
    call = {"direction": direction} if direction else None
    results = with_reviewer_findings(run_checks(report.transcript, report.metrics, rules, call), reviewer or {})
    scored = score_checks(results, rules, calibration, transcript=report.transcript)  # the doubt signals read it
    timings = {**report.timings_s, "rules_s": time.perf_counter() - t0}
    flagged, reasons = scored.flagged, scored.flag_reasons
    sp = report.speakers
    if sp is not None and sp.role_level == "low" and sp.method == "stereo channels":
        flagged, reasons = True, reasons + (f"the agent's channel of this stereo call is uncertain (confidence "
                                            f"{sp.role_confidence:.2f}): check which channel is the agent",)
    elif sp is not None and sp.role_level == "low":
        flagged, reasons = True, reasons + (f"speaker roles of this mono call are uncertain (confidence "
                                            f"{sp.role_confidence:.2f}): check which voice is the agent",)
    elif sp is not None and sp.method == "mono, not separated" and sp.voice_similarity is not None:
        flagged, reasons = True, reasons + ("the voices of this mono call could not be told apart: "
                                            "speaker checks are n/a",)
    sentiment = call_sentiment(report.transcript, report.metrics.prosody)
    return replace(report, checks=scored.checks, score=scored.score, score_detail=scored.detail, sentiment=sentiment,
                   flagged=flagged, flag_reasons=reasons, timings_s=timings,
                   rules={"version": rules.version, "files": [Path(f).name for f in rules.files],
                          "checklist": rules.checklist.name if rules.checklist else None})


def with_reviewer_findings(checks: tuple[CheckResult, ...], reviewer: Mapping[str, Sequence[Finding]]
                           ) -> tuple[CheckResult, ...]:
    """The rules' results with the violations a reviewer marked: each check named fails, its findings end with
    the reviewer's (one hit each), and a check the rules had passed says it was failed by a reviewer."""
    out = []
    for r in checks:
        extra = tuple(reviewer.get(r.id, ()))
        if extra:
            failed = r.status in ("fail", "partial")
            summary = (summary_of(r) + msg("review.more_marked", n=len(extra)) if failed
                       else msg("review.marked_only", n=len(extra)))
            r = replace(r, status="fail", hits=r.hits + len(extra), findings=(r.findings if failed else ()) + extra,
                        source=r.source if failed else "reviewer", summary=summary.en, summary_zh=summary.zh)
        out.append(r)
    return tuple(out)


def score_transcript(path: str | Path, options: PipelineOptions | None = None, *, call_id: str | None = None,
                     rules: RuleSet | None = None, direction: str | None = None) -> CallReport:
    """Re-apply the rules to a transcript file (our JSON report or a JSONL dialogue), without ASR."""
    t0 = time.perf_counter()
    return _score_loaded(load_transcript(path), str(path), options, t0, call_id=call_id, rules=rules,
                         direction=direction)


def rescore_report(report: dict, options: PipelineOptions | None = None, *, rules: RuleSet | None = None,
                   reviewer: Mapping[str, Sequence[Finding]] | None = None) -> CallReport:
    """Re-apply the rules to a stored report's transcript (a reviewer's corrected text, swapped speakers), without
    ASR, as ``qa score report.json`` does (a few ms): metrics come from the utterances' times, the stored voice
    measurements are kept. ``reviewer``: violations a reviewer marked (:func:`apply_rules`).

    Example
    -------
    >>> again = rescore_report(store.report("c01"), rules=rules)  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    tx = transcript_from_report(report, f"call {report.get('call_id') or ''}".strip())
    return _score_loaded(tx, str(report.get("file") or ""), options, t0, call_id=report.get("call_id"), rules=rules,
                         reviewer=reviewer)


def _score_loaded(tx: LoadedTranscript, path: str, options: PipelineOptions | None, t0: float, *,
                  call_id: str | None = None, rules: RuleSet | None = None, direction: str | None = None,
                  reviewer: Mapping[str, Sequence[Finding]] | None = None) -> CallReport:
    options = options or PipelineOptions()
    rules = rules or load_rules(options.rules_dir)
    roles = {u.speaker for u in tx.utterances}
    speakers = ["agent", "customer"] if roles & {"agent", "customer"} else ["unknown"]
    speech = {s: [u.span for u in tx.utterances if u.speaker == s] for s in speakers}
    metrics = measure(tx.utterances, speech, None, tx.duration_s, options.metrics,
                      overtalk_method="transcript: from the utterances' times")
    stored_metrics = tx.source.get("metrics")
    if stored_metrics is not None and not isinstance(stored_metrics, dict):
        raise TranscriptError(f"{path}: 'metrics' must be an object")
    raw_prosody = (stored_metrics or {}).get("prosody")
    try:
        stored = prosody_from_dict(raw_prosody) if raw_prosody is not None else {}
    except ValueError as exc:
        raise TranscriptError(f"{path}: metrics.prosody: {exc}") from None
    metrics = replace(metrics, prosody=stored or measure_prosody(None, speech, tx.utterances, options.prosody))
    audio = tx.source.get("audio") or {}
    info = AudioInfo(sample_rate=int(audio.get("sample_rate") or 0), channels=int(audio.get("channels") or 0),
                     format=str(audio.get("format") or "transcript"), codec=str(audio.get("codec") or "none"),
                     duration_s=tx.duration_s, sha256=str(audio.get("sha256") or ""),
                     agent_channel=audio.get("agent_channel"))
    report = CallReport(
        call_id=call_id or tx.source.get("call_id") or Path(path).stem, file=str(path), duration_s=tx.duration_s,
        audio=info, transcript=tx.utterances, metrics=metrics, model={"name": "none (transcript input)", "device": "none"},
        diagnostics={"input": "transcript", "speakers": ", ".join(speakers),
                     "source_redacted": bool(tx.source.get("redacted"))},
        timings_s={"load_s": time.perf_counter() - t0}, redacted=bool(tx.source.get("redacted")),
        speakers=SpeakerAssignment(method="transcript", detail=f"speakers as labelled in the transcript: "
                                                               f"{', '.join(speakers)}"))
    calibration = _calibration(options.calibration)
    direction = direction or tx.source.get("direction")
    report = _with_direction(report, direction)
    report = apply_rules(report, rules, calibration, direction=direction, reviewer=reviewer)
    report.timings_s["total_s"] = time.perf_counter() - t0
    return replace(report, options=_with_calibration(options_record(options), calibration))


def speech_spans(report: CallReport) -> dict[str, list[Interval]]:
    """Speech spans per speaker as seen in a report's transcript."""
    out: dict[str, list[Interval]] = {}
    for u in report.transcript:
        out.setdefault(u.speaker, []).append(u.span)
    return out
