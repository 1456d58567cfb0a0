"""The monthly agent appraisal (坐席月度考核): QA and the KPIs turned into 100 points per agent.

The weights file says, per component, which measure it reads, how many points it is worth and how
the measure becomes points. The default is seed 002's 呼叫中心质量考核标准: 质检 70, 示忙率 10,
漏接率 5, 通话均长 5, 满意度 5, 培训考试 5 (see :data:`DEFAULT_WEIGHTS`).

A component's points, in order:

1. ``bands``: the first band whose ``at_least`` / ``at_most`` holds gives its ``points``;
2. else ``deduct``: ``weight − each × value``, not below ``floor``;
3. else ``scale``: ``weight × value ÷ full_at``, capped at ``weight``;
4. else ``otherwise`` (default 0).

A measure with no data for an agent gives ``if_missing`` points (default 0), shown as "no data".
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Literal, Optional

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError
from .kpi import NONE, KpiOptions, load_period, missed_calls

DEFAULT_WEIGHTS = """\
# 呼叫中心质量考核标准 (seed 002): 质检 70 / 示忙 10 / 漏接 5 / 通话均长 5 / 满意度 5 / 培训考试 5
busy_day_limit_min: 30        # a day with more 示忙 than this counts once
components:
  - id: qa
    title: 质检
    weight: 70
    measure: qa_score         # mean QA score of the month (the reviewer's final score where reviewed)
    scale: {full_at: 100}     # 100 → 70 points
  - id: busy
    title: 示忙率
    weight: 10
    measure: busy_days        # days with 示忙 over 30 minutes: −2 each, none left after 5, 8 or more: −10
    bands: [{at_least: 8, points: -10}]
    deduct: {each: 2, floor: 0}
  - id: missed
    title: 漏接率
    weight: 5
    measure: missed_rate      # calls routed to the agent and not answered ÷ routed
    bands: [{at_most: 0.05, points: 5}, {at_most: 0.10, points: 4}, {at_most: 0.20, points: 2},
            {at_most: 0.30, points: 1}]
  - id: aht
    title: 通话均长
    weight: 5
    measure: aht_vs_center    # the agent's 通话均长 ÷ the center's: at most the center's gets full points
    bands: [{at_most: 1.0, points: 5}]
  - id: csat
    title: 满意度
    weight: 5
    measure: csat_rate        # surveys scoring 4–5
    bands: [{at_least: 0.90, points: 5}, {at_least: 0.80, points: 3}]
  - id: exam
    title: 培训考试
    weight: 5
    measure: exam_score       # the latest exam within the quarter up to the month's end
    bands: [{at_least: 90, points: 5}, {at_least: 80, points: 4}, {at_least: 75, points: 3},
            {at_least: 66, points: 2}, {at_least: 60, points: 1}]
"""

RATE_MEASURES = {"missed_rate", "csat_rate", "answer_rate", "fcr_rate", "transfer_rate", "abandon_rate", "busy_rate",
                 "qa_coverage", "qa_review_coverage", "service_level"}
MEASURES = ("qa_score", "busy_days", "missed_rate", "aht_vs_center", "aht_s", "csat_rate", "csat_mean", "exam_score",
            "answer_rate", "fcr_rate", "transfer_rate", "busy_rate", "qa_coverage", "qa_review_coverage", "answered")


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at_least: Optional[float] = None
    at_most: Optional[float] = None
    points: float

    @model_validator(mode="after")
    def _one_bound(self):
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a band needs exactly one of at_least, at_most")
        return self

    def holds(self, v: float) -> bool:
        return v >= self.at_least if self.at_least is not None else v <= self.at_most  # type: ignore[operator]


class Deduct(BaseModel):
    model_config = ConfigDict(extra="forbid")
    each: float = Field(gt=0)
    floor: float = 0.0


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_at: float = Field(gt=0)


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    weight: float = Field(ge=0)
    measure: Literal[MEASURES]  # type: ignore[valid-type]
    bands: list[Band] = []
    deduct: Optional[Deduct] = None
    scale: Optional[Scale] = None
    otherwise: float = 0.0
    if_missing: float = 0.0

    def points(self, value: float | None) -> float:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.if_missing
        for b in self.bands:
            if b.holds(value):
                return b.points
        if self.deduct:
            return max(self.deduct.floor, self.weight - self.deduct.each * value)
        if self.scale:
            return min(self.weight, self.weight * value / self.scale.full_at)
        return self.otherwise

    def target(self) -> str:
        """The rule in words, e.g. ``≤ 5%: 5 · ≤ 10%: 4 · else 0``."""
        fmt = (lambda v: f"{v * 100:g}%") if self.measure in RATE_MEASURES else (lambda v: f"{v:g}")
        parts = [f"{'≥' if b.at_least is not None else '≤'} {fmt(b.at_least if b.at_least is not None else b.at_most)}: "
                 f"{b.points:g}" for b in self.bands]
        if self.deduct:
            parts.append(f"{self.weight:g} − {self.deduct.each:g} each (≥ {self.deduct.floor:g})")
        elif self.scale:
            parts.append(f"{self.weight:g} × value ÷ {self.scale.full_at:g}")
        else:
            parts.append(f"else {self.otherwise:g}")
        return " · ".join(parts)


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    busy_day_limit_min: float = 30.0
    components: list[Component]

    @model_validator(mode="after")
    def _unique(self):
        ids = [c.id for c in self.components]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"component ids repeat: {', '.join(dup)}")
        return self

    @property
    def total(self) -> float:
        return sum(c.weight for c in self.components)


def load_weights(path: str | Path | None = None) -> Weights:
    """The weights file at ``path`` (YAML), or the seed sheet's default."""
    import yaml

    label = str(path) if path else "default weights"
    try:
        text = Path(path).read_text("utf-8") if path else DEFAULT_WEIGHTS
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{label}: cannot read the weights file ({exc})") from None
    try:
        return Weights.model_validate(data or {})
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"])
        hint = f"; measure must be one of: {', '.join(MEASURES)}" if "measure" in where else ""
        raise ConfigError(f"{label}: {where}: {e['msg']}{hint}") from None


def agent_measures(store, start: dt.date, end: dt.date, options: KpiOptions | None = None,
                   weights: Weights | None = None) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per agent, every measure a component can read, for calls from ``start`` to ``end`` (inclusive);
    and the center's figures (``aht_s``) the relative measures compare with."""
    from .kpi import aggregate
    from .store.kpi import agent_directory, load_exams, qa_scores

    options = options or KpiOptions()
    weights = weights or load_weights()
    teams, prepared, busy, lo, hi = load_period(store, start, end, options)
    qa = qa_scores(store, lo, hi)
    agents = sorted(set(prepared["agent_id"]) - {NONE} | set(qa["agent_id"].dropna()))
    m = pd.DataFrame({"agent_id": agents}).set_index("agent_id")
    center_aht = float(prepared["handle_s"].mean()) if not prepared.empty else float("nan")
    if not prepared.empty:
        k = aggregate(prepared[prepared["agent_id"] != NONE], ["agent_id"], options, busy).set_index("agent_id")
        for col in ("answered", "aht_s", "csat_rate", "csat_mean", "answer_rate", "fcr_rate", "transfer_rate",
                    "busy_rate", "qa_coverage", "qa_review_coverage"):
            m[col] = k[col]
        mc = missed_calls(prepared).set_index("agent_id")
        m["missed_rate"] = mc["missed_rate"]
    m["aht_vs_center"] = m["aht_s"] / center_aht if "aht_s" in m and center_aht > 0 else np.nan
    m["qa_score"] = qa.groupby("agent_id")["qa_score"].mean()
    if not busy.empty:
        limit = weights.busy_day_limit_min * 60
        over = busy[busy["busy_s"] > limit].groupby("agent_id").size()
        logged = set(busy["agent_id"])
        m["busy_days"] = [float(over.get(a, 0)) if a in logged else np.nan for a in m.index]
    else:
        m["busy_days"] = np.nan
    exams = load_exams(store, start - dt.timedelta(days=92), end + dt.timedelta(days=1))
    if not exams.empty:
        exams = exams.sort_values("taken_on")
        m["exam_score"] = exams.groupby("agent_id")["score"].last()
    for col in MEASURES:
        if col not in m:
            m[col] = np.nan
    names = agent_directory(store).set_index("agent_id")
    m.insert(0, "agent_name", m.index.map(names["agent_name"]) if not names.empty else None)
    m.insert(1, "team", m.index.map(lambda a: teams.get(a, NONE)))
    return m.reset_index(), {"aht_s": center_aht}


def appraise(measures: pd.DataFrame, weights: Weights) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(appraisal, detail)``: per agent the points of every component and the total (ranked); and per
    agent × component the measure's value, the target and the points."""
    rows, detail = [], []
    for r in measures.itertuples(index=False):
        row = {"agent_id": r.agent_id, "agent_name": r.agent_name, "team": r.team}
        total = 0.0
        for c in weights.components:
            v = getattr(r, c.measure)
            value = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            pts = round(c.points(value), 2)
            row[f"{c.id}_points"] = pts
            total += pts
            detail.append({"agent_id": r.agent_id, "agent_name": r.agent_name, "team": r.team, "component": c.id,
                           "title": c.title, "weight": c.weight, "measure": c.measure, "value": value,
                           "target": c.target(), "points": pts, "note": "no data" if value is None else ""})
        row["total"] = round(total, 2)
        rows.append(row)
    out = pd.DataFrame(rows)
    if not out.empty:
        out = out.sort_values(["total", "agent_id"], ascending=[False, True]).reset_index(drop=True)
        out.insert(3, "rank", out["total"].rank(method="min", ascending=False).astype(int))
    return out, pd.DataFrame(detail)


def appraisal_views(store, start: dt.date, end: dt.date, *, weights: Weights | None = None,
                    options: KpiOptions | None = None) -> dict[str, pd.DataFrame]:
    """``appraisal`` and ``appraisal_detail`` for the period (normally one month)."""
    weights = weights or load_weights()
    measures, _ = agent_measures(store, start, end, options, weights)
    table, detail = appraise(measures, weights)
    return {"appraisal": table, "appraisal_detail": detail}
