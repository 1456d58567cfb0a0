"""The coaching loop (seed 002: 监听录音 → 是否为共性问题 → 共性问题统计 → 提出培训需求 / 座席辅导改进 → 改进后跟进).

1. **Training needs**: for each team and check, the fail rate this period and the one before it
   (same length). A failure most of a team's agents share (``common_share``, default 30% of its
   agents, at least 2) is a *common problem*: a training need for the team (培训需求). Others are
   an agent's own (座席辅导). Ranked by failures, then by how much the rate rose; each comes with
   example calls (the lowest-scoring calls that failed it).
2. **Coaching tasks**: a reviewer assigns an agent a check to work on, with calls attached
   (``qa coach assign``); the agent acknowledges it on the review page (or ``qa coach ack``).
3. **Follow-up**: the coached check's fail rate for that agent in the ``days`` before the task
   against the ``days`` after it was acknowledged (改进后跟进).
4. **Case library**: calls tagged 优秀 (excellent) or 不合格 (poor) with a comment; listed,
   filtered and exported with masked transcripts (每月挑选优秀录音以及不合格的录音…点评).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

TAGS = {"excellent": "excellent", "优秀": "excellent", "good": "excellent",
        "poor": "poor", "不合格": "poor", "bad": "poor"}
TAG_LABELS = {"excellent": "优秀", "poor": "不合格"}


@dataclass(frozen=True)
class NeedsOptions:
    """common_share : share of a team's agents failing a check that makes it a common problem.
    min_agents : a common problem needs at least this many agents failing it.
    examples : example calls per need.
    """

    common_share: float = 0.3
    min_agents: int = 2
    examples: int = 3


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())


def training_needs(store, start: dt.date, end: dt.date, options: NeedsOptions | None = None) -> pd.DataFrame:
    """Ranked training needs of the period; see the module docstring."""
    from .store.kpi import check_results

    options = options or NeedsOptions()
    lo, hi = _day_bounds(start, end)
    span = hi - lo
    now = check_results(store, lo, hi)
    before = check_results(store, lo - span, lo)
    cols = ["rank", "kind", "team", "agent_id", "check_id", "title", "applicable", "fails", "fail_rate",
            "prev_fail_rate", "change", "agents_failing", "agents", "example_calls"]
    if now.empty:
        return pd.DataFrame(columns=cols)
    for df in (now, before):
        df["team"] = df["team"].fillna("(none)")
        df["agent_id"] = df["agent_id"].fillna("(unknown)")
    titles = now.groupby("check_id")["title"].first()
    needs = []
    team_agents = now.groupby("team")["agent_id"].nunique()
    for (team, check), g in now.groupby(["team", "check_id"]):
        prev = before[(before["team"] == team) & (before["check_id"] == check)]
        failing = g.loc[g["fail"] == 1, "agent_id"].nunique()
        common = failing >= options.min_agents and failing / team_agents[team] >= options.common_share
        if common:
            needs.append(_need("training (培训需求)", team, None, check, titles[check], g, prev, failing,
                               int(team_agents[team]), options))
            continue
        for agent, ga in g.groupby("agent_id"):
            if ga["fail"].sum() == 0:
                continue
            pa = prev[prev["agent_id"] == agent]
            needs.append(_need("coaching (座席辅导)", team, agent, check, titles[check], ga, pa, 1, 1, options))
    out = pd.DataFrame(needs, columns=cols[1:])
    if out.empty:
        return pd.DataFrame(columns=cols)
    out = out.sort_values(["fails", "change", "fail_rate"], ascending=False, na_position="last").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def _need(kind, team, agent, check, title, g, prev, failing, agents, options) -> dict:
    rate = g["fail"].mean()
    prev_rate = prev["fail"].mean() if len(prev) else np.nan
    examples = g[g["fail"] == 1].sort_values(["score", "started_at"])["call_id"].head(options.examples).tolist()
    return {"kind": kind, "team": team, "agent_id": agent, "check_id": check, "title": title,
            "applicable": int(len(g)), "fails": int(g["fail"].sum()), "fail_rate": float(rate),
            "prev_fail_rate": float(prev_rate) if prev_rate == prev_rate else np.nan,
            "change": float(rate - prev_rate) if prev_rate == prev_rate else np.nan,
            "agents_failing": int(failing), "agents": int(agents), "example_calls": ", ".join(examples)}


def _local(utc: dt.datetime) -> dt.datetime:
    """A stored UTC time (coaching, reviews) as the call center's local time (calls' ``started_at``)."""
    return utc.replace(tzinfo=dt.timezone.utc).astimezone().replace(tzinfo=None)


def follow_up(store, task: dict, *, days: int = 30, min_calls: int = 3) -> dict:
    """The coached check's fail rate for the task's agent before the task and after it was acknowledged
    (task times are stored in UTC and compared with calls in local time).

    Returns ``{before: {calls, fails, fail_rate}, after: {…}, change, verdict}``; verdict is
    ``improved``, ``not improved``, ``too few calls`` or ``no check`` (a task without one).
    """
    from .store.kpi import check_results

    out: dict = {"task_id": task["task_id"], "agent_id": task["agent_id"], "check_id": task["check_id"],
                 "days": days}
    if not task.get("check_id"):
        return {**out, "before": None, "after": None, "change": None, "verdict": "no check"}
    assigned = _local(task["assigned_at"])
    pivot = _local(task.get("acknowledged_at") or task["assigned_at"])
    window = dt.timedelta(days=days)
    res = {}
    for side, (lo, hi) in {"before": (assigned - window, assigned),
                           "after": (pivot, pivot + window)}.items():
        df = check_results(store, lo, hi)
        df = df[(df["agent_id"] == task["agent_id"]) & (df["check_id"] == task["check_id"])]
        res[side] = {"calls": int(len(df)), "fails": int(df["fail"].sum()),
                     "fail_rate": float(df["fail"].mean()) if len(df) else None}
    b, a = res["before"]["fail_rate"], res["after"]["fail_rate"]
    if res["before"]["calls"] < min_calls or res["after"]["calls"] < min_calls:
        verdict, change = "too few calls", (a - b if a is not None and b is not None else None)
    else:
        change = a - b
        verdict = "improved" if change < 0 else "not improved"
    return {**out, **res, "change": change, "verdict": verdict}


def coaching_view(store, *, days: int = 30) -> pd.DataFrame:
    """Every coaching task with its status and follow-up figures."""
    from .store.kpi import list_tasks

    rows = []
    for task in list_tasks(store):
        f = follow_up(store, task, days=days)
        rows.append({"task_id": task["task_id"], "agent_id": task["agent_id"], "check_id": task["check_id"],
                     "status": task["status"], "assigned_by": task["assigned_by"], "assigned_at": task["assigned_at"],
                     "acknowledged_at": task["acknowledged_at"], "calls": ", ".join(task["calls"]),
                     "before_calls": (f["before"] or {}).get("calls"), "before_fail_rate": (f["before"] or {}).get("fail_rate"),
                     "after_calls": (f["after"] or {}).get("calls"), "after_fail_rate": (f["after"] or {}).get("fail_rate"),
                     "change": f["change"], "verdict": f["verdict"]})
    return pd.DataFrame(rows, columns=["task_id", "agent_id", "check_id", "status", "assigned_by", "assigned_at",
                                       "acknowledged_at", "calls", "before_calls", "before_fail_rate", "after_calls",
                                       "after_fail_rate", "change", "verdict"])


def normalize_tag(tag: str) -> str:
    key = tag.strip().lower()
    if key not in TAGS:
        raise InputError(f"tag '{tag}': use excellent (优秀) or poor (不合格)")
    return TAGS[key]


def export_cases(store, out: Path, cases: pd.DataFrame) -> Path:
    """Write the cases with their transcripts, masked by :func:`qa_pipeline.redact.redact_text`
    (the one redaction of every output), as CSV (UTF-8 with BOM), XLSX or JSON Lines."""
    from .redact import redact_text
    from .rules import load_rules
    from .store.kpi import transcripts

    entity_options = load_rules(None).entity_options()
    texts = transcripts(store, cases["call_id"].tolist())
    rows = []
    for r in cases.itertuples(index=False):
        lines = [f"[{u['start_s']:.1f}] {'坐席' if u['speaker'] == 'agent' else '客户' if u['speaker'] == 'customer' else '?'}: "
                 f"{redact_text(u['text'], entity_options)}" for u in texts.get(r.call_id, [])]
        rows.append({"case_id": r.case_id, "call_id": r.call_id, "tag": TAG_LABELS.get(r.tag, r.tag),
                     "check_id": r.check_id, "comment": redact_text(r.comment or "", entity_options),
                     "agent_id": r.agent_id, "agent_name": r.agent_name, "team": r.team,
                     "started_at": str(r.started_at) if r.started_at is not None else None, "score": r.score,
                     "added_by": r.added_by, "transcript": "\n".join(lines)})
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        pd.DataFrame(rows).to_excel(out, index=False)
    elif suffix in (".jsonl", ".ndjson"):
        out.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows), "utf-8")
    elif suffix == ".csv":
        pd.DataFrame(rows).to_csv(out, index=False, encoding="utf-8-sig")
    else:
        raise InputError(f"{out}: write the case library as .csv, .xlsx or .jsonl")
    return out
