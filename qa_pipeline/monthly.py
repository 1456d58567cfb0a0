"""The monthly report QA managers hand upward (``qa report --period month --format html``).

One self-contained HTML file, readable offline: the month's KPIs for the center, per team, queue and
agent; daily trends (inline SVG charts); the appraisal table; the top failing checks; training needs;
coaching follow-ups; the case library of the month. Every text is escaped, every quote and comment
goes through :func:`qa_pipeline.redact.redact_text`. Each figure's cell carries ``data-key``
(``view|row|column``) so that it can be checked against the database.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
from pathlib import Path

import pandas as pd

from .appraisal import Weights, agent_measures, appraise, load_weights
from .kpi import NONE, KpiOptions, aggregate, load_period

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px auto;max-width:1200px;
color:#222;line-height:1.45}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;border-bottom:2px solid #2e86de;padding-bottom:3px;margin-top:32px}
.sub{color:#666;margin-top:0}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #d8e2ef;border-radius:6px;padding:8px 12px;min-width:120px;background:#f7faff}
.card .v{font-size:22px;font-weight:600}.card .l{font-size:12px;color:#555}.card .p{font-size:11px;color:#888}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #d0d7e2;padding:3px 7px}
th{background:#eef3fa;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts figure{margin:0}.note{color:#666;font-size:12px}
@media print{body{margin:0}h2{page-break-after:avoid}table{page-break-inside:auto}}
"""

KPI_LABELS = {"offered": "进线量 offered", "answered": "接通量 answered", "answer_rate": "接通率",
              "abandon_rate": "放弃率", "aht_s": "通话均长 (s)", "fcr_rate": "一次解决率", "transfer_rate": "转接率",
              "csat_mean": "满意度均分", "csat_rate": "满意率", "busy_rate": "示忙率", "qa_coverage": "质检覆盖率",
              "qa_review_coverage": "人工复核率"}


def fmt(value, column: str) -> str:
    """A figure as the report prints it: rates as 81.2%, counts as integers, seconds and scores with one decimal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool,)):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or (column in ("offered", "answered", "calls", "fails", "applicable", "rank",
                                             "agents_failing", "agents", "before_calls", "after_calls", "task_id")
                                  and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        if "rate" in column or column.startswith("service_level") or "coverage" in column or column == "change":
            return f"{value * 100:.1f}%"
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def _table(df: pd.DataFrame, view: str, key: str | tuple[str, ...] | None, *, labels: dict | None = None, limit: int | None = None,
           redact: tuple[str, ...] = ()) -> str:
    from .redact import redact_text

    if df is None or df.empty:
        return '<p class="note">none this month</p>'
    labels = labels or {}
    rows = df.head(limit) if limit else df
    head = "".join(f"<th>{html.escape(labels.get(c, c))}</th>" for c in rows.columns)
    body = []
    for _, r in rows.iterrows():
        keys = (key,) if isinstance(key, str) else key or ()
        rk = "/".join("" if pd.isna(r[k]) else str(r[k]) for k in keys)
        cells = []
        for c in rows.columns:
            v = r[c]
            numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
            text = fmt(v, c)
            if c in redact and isinstance(v, str):
                text = redact_text(v)
            attr = f' class="n" data-key="{html.escape(f"{view}|{rk}|{c}")}"' if numeric else ""
            cells.append(f"<td{attr}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table data-view="{html.escape(view)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: inline SVG


def _charts(days: pd.DataFrame, qa_days: pd.DataFrame, checks: pd.DataFrame, sl_column: str) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    if not days.empty:
        x = pd.to_datetime(days["day"])
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        ax.plot(x, days["answer_rate"] * 100, marker="o", ms=3, label="answer rate")
        ax.plot(x, days[sl_column] * 100, marker="o", ms=3, label=sl_column.replace("_", " "))
        ax.plot(x, days["abandon_rate"] * 100, marker="o", ms=3, label="abandon rate")
        ax.set_ylabel("% of offered")
        ax.set_ylim(0, 100)
        ax.legend(fontsize=8)
        ax.set_title("Answer rate, service level, abandons per day")
        fig.autofmt_xdate()
        out.append(("接通率 / 服务水平 / 放弃率", _svg(fig)))
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        ax.bar(x, days["offered"], color="#c8d6e5", label="offered")
        ax.set_ylabel("calls offered")
        ax2 = ax.twinx()
        ax2.plot(x, days["aht_s"], color="#ee5253", marker="o", ms=3, label="AHT (s)")
        ax2.set_ylabel("AHT, s")
        ax.set_title("Calls offered and average handle time per day")
        fig.autofmt_xdate()
        out.append(("进线量 / 通话均长", _svg(fig)))
    if not qa_days.empty:
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        x = pd.to_datetime(qa_days["day"])
        ax.plot(x, qa_days["mean_score"], marker="o", ms=3, color="#2e86de")
        ax.set_ylim(0, 100)
        ax.set_ylabel("mean QA score")
        ax.set_title("Mean QA score per day")
        fig.autofmt_xdate()
        out.append(("质检均分", _svg(fig)))
    if not checks.empty:
        top = checks.dropna(subset=["fail_rate"]).head(10).iloc[::-1]
        fig, ax = plt.subplots(figsize=(6.4, max(2.4, 0.3 * len(top) + 1)))
        ax.barh(top["check_id"], top["fail_rate"] * 100, color="#ee5253")
        ax.set_xlabel("fail rate, %")
        ax.set_title("Top failing checks")
        out.append(("主要扣分项", _svg(fig)))
    return out


def build_monthly(store, start: dt.date, end: dt.date, *, weights: Weights | None = None,
                  options: KpiOptions | None = None) -> dict:
    """Every table of the monthly report as DataFrames (what :func:`write_monthly` renders)."""
    from .coaching import coaching_view, training_needs
    from .reports import Period, check_view, load_calls, load_checks
    from .store.kpi import list_cases

    options = options or KpiOptions()
    weights = weights or load_weights()
    teams, prepared, busy, lo, hi = load_period(store, start, end, options)
    out: dict = {"options": options}
    if prepared.empty:
        empty = pd.DataFrame(columns=options.columns())
        out.update(center=empty, days=empty, teams=empty, queues=empty, agents=empty)
    else:
        out["center"] = aggregate(prepared.assign(center="center"), ["center"], options, busy)
        out["days"] = aggregate(prepared, ["day"], options, busy)
        out["teams"] = aggregate(prepared, ["team"], options, busy)
        out["queues"] = aggregate(prepared, ["queue"], options, busy)
        out["agents"] = aggregate(prepared[prepared["agent_id"] != NONE], ["agent_id"], options, busy)
    # the month before, for the cards' comparison
    prev_end = start - dt.timedelta(days=1)
    prev_start = prev_end.replace(day=1) if end - start >= dt.timedelta(days=27) else prev_end - (end - start)
    _, prev, pbusy, _, _ = load_period(store, prev_start, prev_end, options)
    out["prev_center"] = (aggregate(prev.assign(center="center"), ["center"], options, pbusy) if not prev.empty
                          else pd.DataFrame(columns=options.columns()))
    out["prev_label"] = f"{prev_start:%Y-%m}" if prev_start.day == 1 else f"{prev_start} – {prev_end}"
    period = Period(start, end)
    calls = load_calls(store, period)
    out["qa"] = {"calls": len(calls), "mean_score": float(calls["score"].mean()) if len(calls) else float("nan"),
                 "flagged": int(calls["flagged"].sum()) if len(calls) else 0,
                 "fatal": int(calls["fatal"].sum()) if len(calls) else 0}
    out["qa_days"] = (calls.groupby("day").agg(calls=("call_id", "size"), mean_score=("score", "mean")).reset_index()
                      if len(calls) else pd.DataFrame(columns=["day", "calls", "mean_score"]))
    checks, _ = check_view(load_checks(store, period))
    out["checks"] = checks
    measures, center = agent_measures(store, start, end, options, weights)
    out["appraisal"], out["appraisal_detail"] = appraise(measures, weights)
    out["center_aht_s"] = center["aht_s"]
    out["needs"] = training_needs(store, start, end)
    coaching = coaching_view(store)
    out["coaching"] = coaching
    out["cases"] = list_cases(store, start=lo, end=hi)
    return out


def render_monthly(data: dict, start: dt.date, end: dt.date, *, label: str = "") -> str:
    opts: KpiOptions = data["options"]
    esc = html.escape
    parts = [f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>质检月报 {start:%Y-%m}</title>'
             f"<style>{CSS}</style></head><body>",
             f"<h1>质检月报 QA monthly report · {start:%Y-%m}</h1>",
             f'<p class="sub">{start} – {end}{" · " + esc(label) if label else ""} · generated '
             f'{dt.datetime.now():%Y-%m-%d %H:%M}</p>']
    center = data["center"]
    c = center.iloc[0] if not center.empty else None
    prev = data.get("prev_center")
    p = prev.iloc[0] if prev is not None and not prev.empty else None
    cards = []
    for col in ("offered", "answered", "answer_rate", opts.sl_column, "abandon_rate", "aht_s", "fcr_rate",
                "transfer_rate", "csat_mean", "csat_rate", "busy_rate", "qa_coverage", "qa_review_coverage"):
        v = c[col] if c is not None else None
        pv = p[col] if p is not None else None
        cards.append(f'<div class="card"><div class="v" data-key="center||{esc(col)}">{esc(fmt(v, col))}</div>'
                     f'<div class="l">{esc(KPI_LABELS.get(col, col.replace("_", " ")))}</div>'
                     f'<div class="p">上月 {esc(data.get("prev_label", ""))}: '
                     f'<span data-key="prev||{esc(col)}">{esc(fmt(pv, col))}</span></div></div>')
    qa = data["qa"]
    for key, lab in (("calls", "质检通话 scored calls"), ("mean_score", "质检均分 mean score"),
                     ("flagged", "需复核 flagged"), ("fatal", "一票否决 fatal")):
        cards.append(f'<div class="card"><div class="v" data-key="qa||{key}">{esc(fmt(qa[key], key))}</div>'
                     f'<div class="l">{esc(lab)}</div></div>')
    parts.append('<h2>本月概览 The month</h2><div class="cards">' + "".join(cards) + "</div>")
    parts.append('<p class="note">Formulas: see the README (Call-center KPIs). Offered excludes abandons under '
                 f"{opts.short_abandon_s:g} s; first-contact resolution: no repeat call within {opts.fcr_window_h:g} h."
                 "</p>")
    charts = _charts(data["days"], data["qa_days"], data["checks"], opts.sl_column)
    if charts:
        parts.append('<h2>趋势 Trends</h2><div class="charts">' + "".join(
            f"<figure>{svg}<figcaption>{esc(cap)}</figcaption></figure>" for cap, svg in charts) + "</div>")
    parts.append("<h2>班组 Teams</h2>" + _table(data["teams"], "teams", "team", labels=KPI_LABELS))
    parts.append("<h2>技能组 Queues</h2>" + _table(data["queues"], "queues", "queue", labels=KPI_LABELS))
    parts.append("<h2>坐席 Agents</h2>" + _table(data["agents"], "agents", "agent_id", labels=KPI_LABELS))
    parts.append("<h2>坐席考核 Appraisal</h2>"
                 f'<p class="note">Center 通话均长 {fmt(data["center_aht_s"], "aht_s")} s. Targets per component below.</p>'
                 + _table(data["appraisal"], "appraisal", "agent_id"))
    det = data["appraisal_detail"]
    if not det.empty:
        targets = det.drop_duplicates("component")[["component", "title", "weight", "measure", "target"]]
        parts.append(_table(targets, "appraisal_targets", "component"))
    checks = data["checks"]
    if not checks.empty:
        checks = checks[["check_id", "title", "applicable", "fails", "fail_rate", "hits", "trend_per_week"]]
    parts.append("<h2>主要扣分项 Top failures</h2>" + _table(checks, "checks", "check_id", limit=10))
    needs = data["needs"]
    parts.append("<h2>培训需求 Training needs</h2>" + _table(needs, "needs", ("team", "agent_id", "check_id"), limit=15))
    parts.append("<h2>辅导跟进 Coaching follow-up</h2>" + _table(data["coaching"], "coaching", "task_id"))
    cases = data["cases"]
    if not cases.empty:
        cases = cases[["case_id", "call_id", "tag", "agent_id", "team", "check_id", "score", "comment"]]
        cases = cases.assign(tag=cases["tag"].map({"excellent": "优秀", "poor": "不合格"}).fillna(cases["tag"]))
    parts.append("<h2>案例库 Case library</h2>" + _table(cases, "cases", "case_id", redact=("comment",)))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_monthly(store, start: dt.date, end: dt.date, out: Path, *, weights: Weights | None = None,
                  options: KpiOptions | None = None) -> Path:
    """Write the monthly report of ``start``–``end`` to ``out`` (one HTML file); returns the path."""
    data = build_monthly(store, start, end, weights=weights, options=options)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_monthly(data, start, end), encoding="utf-8")
    return out
