"""``qa report``: what the night's scores say, per agent, team, check and day (pandas).

Indicators follow the seeds: 通话均长 (average handle time, ``aht_s``), 静音率 (share of call
time in silence, ``silence_rate``), 抢话率 (share of calls where the agent talked over the
customer, ``agent_interrupt_rate``), and the fail (hit) rate of every check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .store import Store, results

VIEWS = ("days", "agents", "teams", "checks", "check_days", "calibration")
METRICS = {"silence_total_s": "", "silence_max_s": "", "hold_total_s": "", "overtalk_total_s": "",
           "overtalk_count": "", "overtalk_agent_interruptions": "", "overtalk_customer_interruptions": "",
           "speech_rate_cpm": "agent"}


@dataclass(frozen=True)
class Period:
    """Calls started from ``start`` (inclusive) to ``end`` (inclusive, whole day); ``None`` = open."""

    start: dt.date | None = None
    end: dt.date | None = None

    def label(self) -> str:
        return f"{self.start or 'first call'} to {self.end or 'last call'}"


def parse_day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-22") from None


def load_calls(store: Store, period: Period = Period(), status: str | None = "scored") -> pd.DataFrame:
    """One row per call in the period, with the metrics the reports use as columns."""
    calls = results.calls_frame(store, start=period.start, end=period.end, status=status)
    calls["started_at"] = pd.to_datetime(calls["started_at"])
    names = list(METRICS)
    metrics = results.metrics_frame(store, names, start=period.start, end=period.end)
    metrics = metrics[[METRICS[n] == s for n, s in zip(metrics["name"], metrics["speaker"])]]
    if not metrics.empty:
        wide = metrics.pivot_table(index="call_id", columns="name", values="value", aggfunc="first")
        calls = calls.merge(wide, left_on="call_id", right_index=True, how="left")
    for name in names:
        if name not in calls:
            calls[name] = np.nan
    calls["day"] = calls["started_at"].dt.date
    _final_scores(store, calls)
    for col in ("flagged", "fatal"):
        calls[col] = calls[col].fillna(False).astype(bool)
    return calls


def _final_scores(store: Store, calls: pd.DataFrame) -> None:
    """Add ``auto_score``, ``final_score`` (the submitted review's, else the automatic one) and ``reviewed``."""
    from .store import reviews

    calls["auto_score"] = calls["score"]
    done = reviews.final_scores(store).set_index("call_id")["reviewed_score"] if len(calls) else pd.Series(dtype=float)
    given = calls["call_id"].map(done)
    calls["reviewed"] = given.notna()
    calls["final_score"] = given.where(given.notna(), calls["score"]).astype(float)


def load_checks(store: Store, period: Period = Period()) -> pd.DataFrame:
    """One row per (scored call, check), with the call's agent, team and day."""
    df = results.checks_frame(store, start=period.start, end=period.end)
    df["day"] = pd.to_datetime(df["started_at"]).dt.date
    return df


def _indicators(g: pd.DataFrame) -> pd.Series:
    overtalk_known = g["overtalk_count"].notna()
    return pd.Series({
        "calls": len(g),
        "audio_h": g["duration_s"].sum() / 3600,
        "aht_s": g["duration_s"].mean(),
        "mean_score": g["final_score"].mean(),  # the reviewed score where a review was submitted
        "min_score": g["final_score"].min(),
        "mean_auto_score": g["auto_score"].mean(),
        "reviewed": int(g["reviewed"].sum()),
        "flagged": int(g["flagged"].sum()),
        "flagged_rate": g["flagged"].mean(),
        "fatal": int(g["fatal"].sum()),
        "silence_rate": g["silence_total_s"].sum() / g["duration_s"].sum() if g["duration_s"].sum() else np.nan,
        "longest_silence_s": g["silence_max_s"].max(),
        "hold_s_per_call": g["hold_total_s"].mean(),
        "overtalk_s_per_call": g["overtalk_total_s"].mean(),
        "agent_interrupt_rate": ((g["overtalk_agent_interruptions"] > 0) & overtalk_known).sum() / overtalk_known.sum()
        if overtalk_known.any() else np.nan,
        "agent_speech_rate_cpm": g["speech_rate_cpm"].mean(),
    })


def _fail_rates(checks: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    applicable = checks[checks["status"].isin(["pass", "partial", "fail"])]  # partial: a failure with partial credit
    if applicable.empty:
        return pd.DataFrame()
    rates = applicable.assign(fail=applicable["status"].isin(["fail", "partial"])).pivot_table(
        index=by, columns="check_id", values="fail", aggfunc="mean")
    rates.columns = [f"fail_rate:{c}" for c in rates.columns]
    return rates


def _group(calls: pd.DataFrame, checks: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if calls.empty:
        return pd.DataFrame(columns=by + ["calls"])
    out = calls.groupby(by, dropna=False).apply(_indicators, include_groups=False)
    rates = _fail_rates(checks, by)
    if not rates.empty:
        out = out.join(rates, how="left")
    for col in ("calls", "reviewed", "flagged", "fatal"):
        out[col] = out[col].astype(int)
    return out.reset_index()


def _trend_per_week(days: pd.Series, values: pd.Series) -> float:
    """Least-squares slope of a daily rate, in rate change per week (NaN with fewer than 3 days)."""
    ok = values.notna()
    if ok.sum() < 3:
        return np.nan
    x = np.array([d.toordinal() for d in days[ok]], dtype=float)
    return float(np.polyfit(x, values[ok].to_numpy(dtype=float), 1)[0] * 7)


def check_view(checks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per check: how often it applies and fails, hits, trend; and the daily fail rate of each check."""
    if checks.empty:
        return pd.DataFrame(), pd.DataFrame()
    auto = checks[checks["status"] != "manual"]
    status = auto.assign(
        applicable=auto["status"].isin(["pass", "partial", "fail"]), fail=auto["status"].isin(["fail", "partial"]),
        na=auto["status"].eq("n/a"))
    per = status.groupby(["check_id"]).agg(title=("title", "first"), calls=("call_id", "nunique"),
                                           applicable=("applicable", "sum"), fails=("fail", "sum"),
                                           not_applicable=("na", "sum"), hits=("hits", "sum"),
                                           fatal_items=("fatal", "max"))
    per["fail_rate"] = per["fails"] / per["applicable"].where(per["applicable"] > 0)
    daily = (status[status["applicable"]].groupby(["day", "check_id"])["fail"].mean()
             .unstack("check_id").sort_index())
    per["trend_per_week"] = [_trend_per_week(pd.Series(daily.index), daily[cid].reset_index(drop=True))
                             if cid in daily else np.nan for cid in per.index]
    per = per.sort_values(["fail_rate", "fails"], ascending=False, na_position="last").reset_index()
    daily.columns.name = None
    return per, daily.reset_index()


def build_report(store: Store, period: Period = Period()) -> dict[str, pd.DataFrame]:
    """All views of a period: ``days``, ``agents``, ``teams``, ``checks`` and ``check_days``."""
    calls = load_calls(store, period)
    checks = load_checks(store, period)
    failed = load_calls(store, period, status="failed")
    days = _group(calls, checks, ["day"])
    if not days.empty:
        days = days[[c for c in days.columns if not c.startswith("fail_rate:")]]
        fails = failed.groupby("day").size().rename("failed_files")
        days = days.merge(fails, left_on="day", right_index=True, how="left").fillna({"failed_files": 0})
    agents = _group(calls.fillna({"agent_id": "(unknown)"}), checks.fillna({"agent_id": "(unknown)"}), ["agent_id"])
    if not agents.empty:
        names = calls.dropna(subset=["agent_id"]).groupby("agent_id")[["agent_name", "team"]].first()
        agents = agents.merge(names, left_on="agent_id", right_index=True, how="left")
        lead = ["agent_id", "agent_name", "team"]
        agents = agents[lead + [c for c in agents.columns if c not in lead]]
    teams = _group(calls.fillna({"team": "(none)"}), checks.fillna({"team": "(none)"}), ["team"])
    per_check, check_days = check_view(checks)
    return {"days": days, "agents": agents, "teams": teams, "checks": per_check, "check_days": check_days,
            "calibration": calibration_view(store)}


def calibration_view(store: Store) -> pd.DataFrame:
    """Per check: how often reviewers confirm the automatic result, and Cohen's kappa (see ``qa calibrate``)."""
    from .review.calibration import agreement

    rows = []
    for c in agreement(store)["checks"]:
        rows.append({"check_id": c["check_id"], "calls_judged": c["n_calls"], "agreed": c["agreed"],
                     "disputed": c["disputed"], "precision_rate": c["precision"]["value"],
                     "precision_n": c["precision"]["n"], "kappa_auto_human": c["kappa_auto_human"]["kappa"],
                     "kappa_reviewers": c["kappa_reviewers"]["kappa"],
                     "kappa_note": c["kappa_auto_human"]["reason"] or c["kappa_reviewers"]["reason"]})
    return _with_double_review(pd.DataFrame(rows), store)


def _with_double_review(view: pd.DataFrame, store: Store) -> pd.DataFrame:
    """Add the blind double review's per-item columns (review/double_review.py): ``double_pairs``,
    ``double_agreement``, ``double_kappa``, ``double_machine_agreement``, ``double_points_spread``."""
    from .review.double_review import double_review

    names = {"n_pairs": "double_pairs", "reviewer_agreement": "double_agreement", "kappa_reviewers": "double_kappa",
             "machine_agreement": "double_machine_agreement", "points_spread_mean": "double_points_spread"}
    items = pd.DataFrame([{"check_id": i["check_id"], **{v: i[k] for k, v in names.items()}}
                          for i in double_review(store)["items"]], columns=["check_id", *names.values()])
    if view.empty:
        return items if not items.empty else view
    return view.merge(items, on="check_id", how="left")


def write_report(views: dict[str, pd.DataFrame], fmt: str, out: Path, *, entity_options=None) -> list[Path]:
    """Write the views as CSV files / Parquet files (``out`` is a folder) or one XLSX (a sheet per view).

    Every text cell goes through :func:`qa_pipeline.redact.redact_data`; CSV and XLSX cells that
    start like a formula get a leading apostrophe (:func:`qa_pipeline.sanitize.csv_safe`)."""
    from .redact import redact_data
    from .sanitize import csv_safe

    views = {name: redact_data(df, entity_options) for name, df in views.items()}
    if fmt in ("csv", "xlsx"):
        views = {name: csv_safe(df) for name, df in views.items()}
    written: list[Path] = []
    if fmt == "xlsx":
        out = out if out.suffix == ".xlsx" else out / "qa-report.xlsx"
        out.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(out, engine="openpyxl") as xw:
            for name, df in views.items():
                df.to_excel(xw, sheet_name=name, index=False)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    for name, df in views.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False, encoding="utf-8-sig")  # Excel opens UTF-8 with BOM correctly
        else:
            df.assign(**{c: df[c].astype(str) for c in ("day",) if c in df}).to_parquet(path, index=False)
        written.append(path)
    return written


def write_charts(views: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """PNG trends: calls and mean score per day, flagged and silence rates per day, check fail rates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig, name: str) -> Path:
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        return folder / name

    days = views["days"]
    if not days.empty:
        fig, ax = plt.subplots(figsize=(9, 4))
        x = pd.to_datetime(days["day"])
        ax.bar(x, days["calls"], color="#c8d6e5", label="calls")
        ax.set_ylabel("calls")
        ax2 = ax.twinx()
        ax2.plot(x, days["mean_score"], marker="o", color="#2e86de", label="mean score")
        ax2.set_ylabel("mean score")
        ax2.set_ylim(0, 100)
        ax.set_title("Calls and mean score per day")
        fig.autofmt_xdate()
        written.append(save(fig, "days_score.png"))

        fig, ax = plt.subplots(figsize=(9, 4))
        for col, label in (("flagged_rate", "flagged"), ("silence_rate", "silence share of call time"),
                           ("agent_interrupt_rate", "calls with agent interrupting")):
            ax.plot(x, days[col] * 100, marker="o", label=label)
        ax.set_ylabel("% of calls / call time")
        ax.set_title("Flagged, silence and overtalk rates per day")
        ax.legend()
        fig.autofmt_xdate()
        written.append(save(fig, "days_rates.png"))
    checks = views["checks"]
    if not checks.empty:
        top = checks.dropna(subset=["fail_rate"]).sort_values("fail_rate")
        fig, ax = plt.subplots(figsize=(9, max(3, 0.35 * len(top) + 1)))
        ax.barh(top["check_id"], top["fail_rate"] * 100, color="#ee5253")
        ax.set_xlabel("fail rate, % of calls where the check applies")
        ax.set_title("Check fail rates")
        written.append(save(fig, "checks_fail_rate.png"))
    return written
