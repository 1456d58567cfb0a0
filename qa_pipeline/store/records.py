"""Turn a JSON report (schema 1.1) and a call's metadata into the store's rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..version import __version__
from .db import utcnow

META_COLUMNS = ("agent_id", "agent_name", "team", "direction", "queue")


def _when(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)


def _base(call_id: str, path: str, size: int | None, sha256: str | None, meta: dict, run_id: int | None,
          model_key: str | None) -> dict[str, Any]:
    meta = dict(meta or {})
    row = {"call_id": call_id, "path": path, "file_size": size, "content_sha256": sha256, "model_key": model_key,
           "qa_version": __version__, "run_id": run_id, "scored_at": utcnow(),
           "started_at": _when(meta.pop("started_at", None))}
    for col in META_COLUMNS:
        v = meta.pop(col, None)
        row[col] = None if v in (None, "") else str(v)
    row["meta"] = meta or None
    return row


def failure_row(call_id: str, path: str, *, kind: str, error: str, size: int | None = None,
                sha256: str | None = None, meta: dict | None = None, run_id: int | None = None,
                model_key: str | None = None, rules_version: str | None = None) -> dict[str, Any]:
    """The ``calls`` row of a call that could not be scored (kept, with its error, never dropped)."""
    row = _base(call_id, path, size, sha256, meta or {}, run_id, model_key)
    row.update(status="failed", error_kind=kind, error=error, rules_version=rules_version, score=None,
               flagged=None, fatal=None, flag_reasons=None)
    return row


def metric_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten a report's metrics into ``(name, speaker, value)`` rows."""
    rows: list[dict[str, Any]] = []
    for name in ("speech_rate_cpm", "speech_rate_last_30s_cpm", "talk_time_s", "talk_share", "loudness_dbfs"):
        for speaker, value in (metrics.get(name) or {}).items():
            rows.append({"name": name, "speaker": speaker, "value": value})
    sil = metrics.get("silence") or {}
    for key in ("max_s", "total_s", "leading_s", "trailing_s"):
        rows.append({"name": f"silence_{key}", "speaker": "", "value": sil.get(key)})
    rows.append({"name": "silence_count", "speaker": "", "value": len(sil.get("spans") or ())})
    holds = sil.get("holds") or ()
    rows.append({"name": "hold_count", "speaker": "", "value": len(holds)})
    rows.append({"name": "hold_total_s", "speaker": "", "value": sum(h["end"] - h["start"] for h in holds)})
    ot = metrics.get("overtalk") or {}
    if ot.get("available"):
        for key in ("total_s", "count", "agent_interruptions", "customer_interruptions", "backchannels"):
            rows.append({"name": f"overtalk_{key}", "speaker": "", "value": ot.get(key)})
    return rows


def _finding(check_id: str, kind: str, f: dict[str, Any]) -> dict[str, Any]:
    span = f.get("span") or {}
    return {"check_id": check_id, "kind": kind, "start_s": span.get("start"), "end_s": span.get("end"),
            "speaker": f.get("speaker"), "quote": f.get("quote"), "why": f.get("why"), "heard": f.get("heard"),
            "matched": f.get("matched"), "similarity": f.get("similarity")}


def call_rows(report: dict[str, Any], *, path: str, size: int | None, sha256: str | None, meta: dict | None,
              run_id: int | None, model_key: str | None,
              processing_s: float | None = None) -> tuple[dict, dict[str, list[dict]]]:
    """The ``calls`` row and the child rows of one scored call's JSON report (``sha256``: of the input file)."""
    audio = report.get("audio") or {}
    row = _base(report["call_id"], path, size, sha256 or audio.get("sha256"), meta or {}, run_id, model_key)
    detail = report.get("score_detail") or {}
    row.update(status="scored", error_kind=None, error=None, rules_version=(report.get("rules") or {}).get("version"),
               duration_s=report.get("duration_s"), sample_rate=audio.get("sample_rate"), channels=audio.get("channels"),
               format=audio.get("format"), codec=audio.get("codec"), score=report.get("score"),
               flagged=bool(report.get("flagged")), fatal=bool(detail.get("fatal")),
               flag_reasons=list(report.get("flag_reasons") or ()), redacted=bool(report.get("redacted")),
               n_utterances=len(report.get("transcript") or ()), processing_s=processing_s)
    checks, findings = [], []
    for c in report.get("checks") or ():
        checks.append({"check_id": c["id"], "title": c.get("title"), "section": c.get("section"),
                       "status": c["status"], "points": c.get("points"), "points_possible": c.get("points_possible"),
                       "severity": c.get("severity"), "fatal": bool(c.get("fatal")), "hits": int(c.get("hits") or 0),
                       "summary": c.get("summary")})
        findings += [_finding(c["id"], "finding", f) for f in c.get("findings") or ()]
        findings += [_finding(c["id"], "evidence", f) for f in c.get("evidence") or ()]
    utts = [{"idx": i, "speaker": u["speaker"], "start_s": u["start"], "end_s": u["end"], "text": u["text"]}
            for i, u in enumerate(report.get("transcript") or ())]
    children = {"checks": checks, "findings": findings, "metrics": metric_rows(report.get("metrics") or {}),
                "utterances": utts, "reports": [{"schema_version": report.get("schema_version", ""), "report": report}]}
    return row, children
