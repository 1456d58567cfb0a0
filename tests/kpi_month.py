"""A generated month of ACD call records and agent states, with every KPI computed independently.

The expected figures are computed here with plain Python loops over the generated rows, straight
from the README's formulas, never with the package's code (``qa_pipeline.kpi`` uses pandas).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections import defaultdict
from pathlib import Path

AGENTS = {"A001": ("王芳", "车险一组"), "A002": ("李娜", "车险一组"), "A003": ("张伟", "车险一组"),
          "A004": ("刘洋", "寿险二组"), "A005": ("陈静", "寿险二组"), "A006": ("杨磊", "寿险二组")}
QUEUES = ("车险", "寿险", "理赔")
MONTH = dt.date(2026, 11, 1)
DAYS = 30
HEADER_ZH = ["通话编号", "来电号码", "工号", "坐席姓名", "班组", "技能组", "呼叫方向", "进线时间", "接通时间", "挂机时间",
             "保持时长(秒)", "话后处理时长", "是否转接", "满意度"]
FIELDS = ["call_id", "caller", "agent_id", "agent_name", "team", "queue", "direction", "offered_at", "answered_at",
          "ended_at", "hold_s", "acw_s", "transferred", "survey_score"]


def generate(seed: int = 7, calls_per_day: int = 60, days: int = DAYS, start: dt.date = MONTH,
             callers: int = 400) -> list[dict]:
    """Call records as the ACD would export them (values as Python objects)."""
    rnd = random.Random(seed)
    pool = [f"13{rnd.randrange(10**8, 10**9)}" for _ in range(callers)]
    rows = []
    n = 0
    for d in range(days):
        day = start + dt.timedelta(days=d)
        for _ in range(calls_per_day):
            n += 1
            offered = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(seconds=rnd.randrange(0, 12 * 3600))
            agent = rnd.choice(list(AGENTS))
            r = {"call_id": f"C{n:06d}", "caller": rnd.choice(pool) if rnd.random() > 0.03 else "",
                 "agent_id": agent, "agent_name": AGENTS[agent][0], "team": AGENTS[agent][1],
                 "queue": rnd.choice(QUEUES), "direction": rnd.choice(["呼入"] * 18 + ["呼出", ""]),
                 "offered_at": offered, "answered_at": None, "ended_at": None, "hold_s": None, "acw_s": None,
                 "transferred": False, "survey_score": None}
            u = rnd.random()
            if u < 0.78:  # answered
                wait = rnd.choice([rnd.uniform(0, 9.9), rnd.uniform(10.1, 19.9), rnd.uniform(20.1, 90)])
                wait = round(wait)
                r["answered_at"] = offered + dt.timedelta(seconds=wait)
                talk = rnd.randrange(40, 600)
                r["ended_at"] = r["answered_at"] + dt.timedelta(seconds=talk)
                r["hold_s"] = float(rnd.choice([0, 0, 0, rnd.randrange(5, min(60, talk))]))
                r["acw_s"] = float(rnd.randrange(0, 90))
                r["transferred"] = rnd.random() < 0.1
                r["survey_score"] = rnd.choice([None, None, 1, 2, 3, 4, 5, 5, 4])
            else:  # abandoned: in the queue (no agent) or missed at the agent (漏接)
                waited = rnd.choice([rnd.randrange(0, 5), rnd.randrange(5, 120)])
                r["ended_at"] = offered + dt.timedelta(seconds=waited)
                if u < 0.9:
                    r["agent_id"] = r["agent_name"] = r["team"] = None
            rows.append(r)
    return rows


def states(seed: int = 7, days: int = DAYS, start: dt.date = MONTH) -> list[dict]:
    """Agent state log: signed in 8 h a day, 示忙 spells (some days over 30 min), 小休."""
    rnd = random.Random(seed + 1)
    out = []
    for d in range(days):
        day = start + dt.timedelta(days=d)
        for agent in AGENTS:
            if rnd.random() < 0.15:
                continue  # day off
            t0 = dt.datetime.combine(day, dt.time(8, rnd.randrange(0, 30)))
            out.append({"agent_id": agent, "state": "签入", "start_at": t0, "end_at": t0 + dt.timedelta(hours=8)})
            t = t0 + dt.timedelta(minutes=30)
            for _ in range(rnd.randrange(0, 4)):
                t += dt.timedelta(minutes=rnd.randrange(20, 80))
                out.append({"agent_id": agent, "state": "示忙", "start_at": t,
                            "end_at": t + dt.timedelta(minutes=rnd.randrange(3, 25))})
            out.append({"agent_id": agent, "state": "小休", "start_at": t0 + dt.timedelta(hours=4),
                        "end_at": t0 + dt.timedelta(hours=4, minutes=15)})
    return out


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y/%m/%d %H:%M:%S")
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def write_csv_gbk(rows: list[dict], path: Path, bad_lines: list[list[str]] = ()) -> dict[int, str]:
    """Rows in GBK with Chinese headers; ``bad_lines`` (raw cells) are put every 97 rows. Returns
    ``{line number: call_id or cell}`` of the bad rows."""
    bad_at = {}
    with open(path, "w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER_ZH)
        line = 1
        bad = list(bad_lines)
        for i, r in enumerate(rows):
            if bad and i % 97 == 50:
                cells = bad.pop(0)
                line += 1
                w.writerow(cells)
                bad_at[line] = cells[0]
            line += 1
            w.writerow([_fmt(r[k]) for k in FIELDS])
    return bad_at


def write_jsonl(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in r.items()},
                               ensure_ascii=False) + "\n")


def write_states(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工号", "状态", "开始时间", "结束时间"])
        for r in rows:
            w.writerow([r["agent_id"], r["state"], _fmt(r["start_at"]), _fmt(r["end_at"])])


# -- the expected KPIs, computed the slow and obvious way -------------------------------------

def expected(rows: list[dict], state_rows: list[dict], scored: set[str], reviewed: set[str],
             *, short_s=5, sl_s=20, sl_short_s=10, fcr_h=24, until: dt.datetime | None = None) -> dict:
    inbound = [r for r in rows if r["direction"] in ("呼入", "", None, "inbound")]
    by_caller = defaultdict(list)
    for r in inbound:
        if r["caller"]:
            by_caller[r["caller"]].append((r["offered_at"], r["call_id"]))
    for v in by_caller.values():
        v.sort()

    def repeated(r) -> bool:  # the caller's next record (by time, then call id) within the window
        calls = by_caller[r["caller"]]
        i = calls.index((r["offered_at"], r["call_id"]))
        return i + 1 < len(calls) and calls[i + 1][0] <= r["ended_at"] + dt.timedelta(hours=fcr_h)

    groups: dict[tuple, dict] = defaultdict(lambda: defaultdict(float))
    for r in inbound:
        if until is not None and r["offered_at"] >= until:
            continue
        ans = r["answered_at"] is not None
        waited = (r["ended_at"] - r["offered_at"]).total_seconds()
        if not ans and waited < short_s:
            continue
        keys = [("day", r["offered_at"].date().isoformat()), ("agent", r["agent_id"] or "(none)"),
                ("team", r["team"] or "(none)"), ("queue", r["queue"])]
        for key in keys:
            g = groups[key]
            g["offered"] += 1
            if ans:
                wait = (r["answered_at"] - r["offered_at"]).total_seconds()
                g["answered"] += 1
                g["sl"] += wait <= sl_s
                g["sl_short"] += wait <= sl_short_s
                g["handle"] += (r["ended_at"] - r["answered_at"]).total_seconds() + (r["acw_s"] or 0)
                g["transferred"] += bool(r["transferred"])
                if r["caller"]:
                    g["fcr_known"] += 1
                    g["fcr_ok"] += not repeated(r)
                if r["survey_score"] is not None:
                    g["surveys"] += 1
                    g["survey_sum"] += r["survey_score"]
                    g["survey_good"] += r["survey_score"] >= 4
                g["scored"] += r["call_id"] in scored
                g["reviewed"] += r["call_id"] in reviewed
            else:
                g["abandoned"] += 1
    busy = defaultdict(lambda: [0.0, 0.0])
    team_of = {a: t for a, (_, t) in AGENTS.items()}
    for s in state_rows:
        secs = (s["end_at"] - s["start_at"]).total_seconds()
        for key in (("day", s["start_at"].date().isoformat()), ("agent", s["agent_id"]), ("team", team_of[s["agent_id"]])):
            if s["state"] == "示忙":
                busy[key][0] += secs
            elif s["state"] == "签入":
                busy[key][1] += secs

    def div(a, b):
        return a / b if b else None

    out = {}
    for key, g in groups.items():
        out[key] = {
            "offered": g["offered"], "answered": g["answered"], "answer_rate": div(g["answered"], g["offered"]),
            "service_level_20s": div(g["sl"], g["offered"]), "service_level_10s": div(g["sl_short"], g["offered"]),
            "abandon_rate": div(g["abandoned"], g["offered"]), "aht_s": div(g["handle"], g["answered"]),
            "fcr_rate": div(g["fcr_ok"], g["fcr_known"]), "transfer_rate": div(g["transferred"], g["answered"]),
            "csat_mean": div(g["survey_sum"], g["surveys"]), "csat_rate": div(g["survey_good"], g["surveys"]),
            "busy_rate": div(*busy[key]) if key in busy else None,
            "qa_coverage": div(g["scored"], g["answered"]), "qa_review_coverage": div(g["reviewed"], g["answered"]),
        }
    return out


# -- a month of scored calls with checks, for the appraisal, coaching and the monthly report --------

CHECKS = ("opening.greeting", "language.banned_phrase", "speech.rate")


def check_outcome(i: int, agent: str, day: dt.date, check: str) -> str:
    """Deterministic pass/fail: banned phrases are a team-wide problem of 车险一组 in the second half of
    the month; A005 talks too fast; greetings fail now and then."""
    if check == "language.banned_phrase":
        return "fail" if AGENTS[agent][1] == "车险一组" and day.day > 15 and i % 3 == 0 else "pass"
    if check == "speech.rate":
        return "fail" if agent == "A005" and i % 2 == 0 else "pass"
    return "fail" if i % 11 == 0 else "pass"


def add_scored_calls(db: Path, rows: list[dict], *, every: int = 3) -> list[str]:
    """Store every ``every``-th answered call as a scored recording with three checks (real Store writes)."""
    from qa_pipeline.store import Store

    store = Store(db)
    ids = []
    for i, r in enumerate([r for r in rows if r["answered_at"] is not None and r["agent_id"]][::every]):
        outcomes = {c: check_outcome(i, r["agent_id"], r["offered_at"].date(), c) for c in CHECKS}
        fails = sum(o == "fail" for o in outcomes.values())
        score = round(100 - 25 * fails, 1)
        children = {"checks": [{"check_id": c, "title": c, "status": o, "points": 0.0 if o == "fail" else 5.0,
                                "points_possible": 5.0, "severity": "minor", "fatal": False, "hits": int(o == "fail"),
                                "summary": ""} for c, o in outcomes.items()],
                    "utterances": [{"idx": 0, "speaker": "agent", "start_s": 0.0, "end_s": 3.0, "text": "您好，工号1234"},
                                   {"idx": 1, "speaker": "customer", "start_s": 3.5, "end_s": 8.0,
                                    "text": "我的手机号是13812345678"}]}
        store.save_call({"call_id": r["call_id"], "status": "scored", "path": f"/rec/{r['call_id']}.wav",
                         "scored_at": dt.datetime(2026, 12, 1), "agent_id": r["agent_id"],
                         "agent_name": r["agent_name"], "team": r["team"], "started_at": r["answered_at"],
                         "score": score, "flagged": score < 80, "fatal": False, "duration_s": 120.0}, children)
        ids.append(r["call_id"])
    store.close()
    return ids
