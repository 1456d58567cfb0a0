"""Which calls a human should hear: every flagged and fatal call, plus a balanced random sample.

From the seeds (002): QA listens to 0.5–2% of calls, 5–15 per agent per month; the minimum
sample is n = z²σ²/E² (概率度² × 标准差² / 极限误差²); and the sample must be balanced by the
MITLA check: Time (busy/quiet hours and days), Length (long/short calls) and Application type
(queue or direction). The random part is allocated to strata in proportion to their calls.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError


@dataclass(frozen=True)
class SampleOptions:
    """How many calls to draw and how.

    Attributes
    ----------
    rate : share of the period's calls to review at random (seed: 0.005–0.02).
    margin_points : E, the error on the mean score you accept (score points); with it the
        sample is at least n = z²σ²/E².
    confidence : gives z (0.95 → 1.96).
    sigma_points : σ, the score's standard deviation; ``None`` estimates it from the calls.
    per_agent_min : at least this many calls of each agent (flagged ones count).
    include_flagged : every flagged and fatal call is in (default).
    seed : random seed, so the same night gives the same sample.
    """

    rate: float = 0.02
    margin_points: float | None = None
    confidence: float = 0.95
    sigma_points: float | None = None
    per_agent_min: int = 0
    include_flagged: bool = True
    seed: int = 0


@dataclass(frozen=True)
class Sample:
    calls: pd.DataFrame  # call_id, agent_id, started_at, duration_s, score, reason, stratum
    balance: pd.DataFrame  # dimension, level, population_share, sample_share
    n_target: int
    formula: dict


def required_n(z: float, sigma: float, margin: float) -> int:
    """n = z²σ²/E², rounded up."""
    if margin <= 0:
        raise InputError("the margin of error must be above 0 score points")
    return int(math.ceil((z * sigma) ** 2 / margin ** 2))


def strata(calls: pd.DataFrame) -> pd.DataFrame:
    """Label each call busy/quiet day, busy/quiet hour, long/short and its application type."""
    out = calls.copy()
    when = pd.to_datetime(out["started_at"])
    day, hour = when.dt.date, when.dt.hour
    per_day = day.map(day.value_counts())
    per_hour = hour.map(hour.value_counts())
    out["time_day"] = np.where(per_day >= per_day.median(), "busy day", "quiet day")
    out["time_hour"] = np.where(per_hour >= per_hour.median(), "busy hour", "quiet hour")
    out["length"] = np.where(out["duration_s"] >= out["duration_s"].median(), "long", "short")
    kind = out["queue"].fillna(out["direction"]) if "queue" in out else out["direction"]
    out["app_type"] = kind.fillna("(unknown)").astype(str)
    out["stratum"] = out["time_day"] + "/" + out["time_hour"] + "/" + out["length"] + "/" + out["app_type"]
    return out


def _allocate(sizes: pd.Series, n: int) -> pd.Series:
    """Largest-remainder proportional allocation of ``n`` over strata of ``sizes`` (capped at each size)."""
    if n <= 0 or sizes.sum() == 0:
        return sizes * 0
    n = min(n, int(sizes.sum()))
    exact = sizes / sizes.sum() * n
    got = np.floor(exact).astype(int)
    for idx in (exact - got).sort_values(ascending=False).index[: n - got.sum()]:
        got[idx] += 1
    return got.clip(upper=sizes)


def draw_sample(calls: pd.DataFrame, options: SampleOptions = SampleOptions()) -> Sample:
    """The review sample of ``calls`` (scored calls of a period, as from :func:`reports.load_calls`)."""
    if not 0 < options.confidence < 1:
        raise InputError(f"confidence {options.confidence} must be between 0 and 1 (0.95 = 95%)")
    if not 0 <= options.rate <= 1:
        raise InputError(f"rate {options.rate} must be between 0 and 1 (0.02 = 2%)")
    if calls.empty:
        empty = pd.DataFrame(columns=["call_id", "agent_id", "started_at", "duration_s", "score", "reason", "stratum"])
        return Sample(empty, pd.DataFrame(columns=["dimension", "level", "population_share", "sample_share"]), 0, {})
    rng = np.random.default_rng(options.seed)
    df = strata(calls).set_index("call_id", drop=False)
    z = NormalDist().inv_cdf(0.5 + options.confidence / 2)
    sigma = options.sigma_points if options.sigma_points is not None else float(df["score"].std(ddof=1) or 0.0)
    formula = {"N": len(df), "rate": options.rate, "n_rate": int(math.ceil(options.rate * len(df))),
               "z": round(z, 3), "sigma": round(sigma, 2), "E": options.margin_points}
    n_target = formula["n_rate"]
    if options.margin_points is not None:
        formula["n_formula"] = required_n(z, sigma, options.margin_points)
        n_target = max(n_target, formula["n_formula"])
    n_target = min(n_target, len(df))
    reason = pd.Series("", index=df.index, dtype=object)
    if options.include_flagged:
        reason[df["flagged"].astype(bool)] = "flagged"
        reason[df["fatal"].astype(bool)] = "fatal"
    pool = df[reason == ""]
    alloc = _allocate(pool.groupby("stratum").size(), n_target)
    for stratum, k in alloc.items():
        if k > 0:
            members = pool.index[pool["stratum"] == stratum]
            reason[rng.choice(members, size=int(k), replace=False)] = "sampled"
    if options.per_agent_min > 0:
        for agent, idx in df.groupby(df["agent_id"].fillna("(unknown)")).groups.items():
            have = int((reason[idx] != "").sum())
            free = [i for i in idx if reason[i] == ""]
            need = min(options.per_agent_min - have, len(free))
            if need > 0:
                reason[rng.choice(free, size=need, replace=False)] = "agent-minimum"
    chosen = df[reason != ""].assign(reason=reason[reason != ""])
    order = {"fatal": 0, "flagged": 1, "sampled": 2, "agent-minimum": 3}
    chosen = chosen.sort_values(by=["reason", "started_at"], key=lambda s: s.map(order) if s.name == "reason" else s)
    cols = ["call_id", "agent_id", "agent_name", "team", "started_at", "duration_s", "score", "reason", "stratum"]
    random_part = df.loc[reason == "sampled"]
    balance = []
    for dim in ("time_day", "time_hour", "length", "app_type"):
        pop = pool[dim].value_counts(normalize=True)
        smp = random_part[dim].value_counts(normalize=True)
        for level in pop.index:
            balance.append({"dimension": dim, "level": level, "population_share": float(pop[level]),
                            "sample_share": float(smp.get(level, 0.0))})
    return Sample(chosen[[c for c in cols if c in chosen]].reset_index(drop=True), pd.DataFrame(balance),
                  int(n_target), formula)
