"""Synthetic scored calls for the review queue's tests and bench (bench/bench_review.py): JSON reports as
the batch writes them (schema 1.1 fields the store reads), stored through ``Store.save_call``.

Each call's transcript is drawn from call-center lines, so a search's right answer is known by reading the
generated text (never written into the tests by hand).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Iterator

from qa_pipeline.store import Store, call_rows

AGENT_LINES = ["您好，很高兴为您服务，请问有什么可以帮您", "请您稍等，我帮您查询一下", "您的保单已经生效了",
               "这个问题我帮您登记，稍后回电", "请问还有其他可以帮您的吗", "感谢您的来电，祝您生活愉快",
               "您的理赔申请已经受理", "我的工号是一二三四", "这个我不知道", "续保的保费是三千二百元"]
CUSTOMER_LINES = ["我想查一下我的保单", "你们的服务太差了我要投诉", "理赔什么时候到账", "好的谢谢",
                  "我要退保", "车险到期了怎么续保", "你们上次说会回电话的", "我的银行卡换了", "没有了再见"]
TEAMS = ["寿险一组", "寿险二组", "车险组", "理赔组"]
QUEUES = ["售后", "理赔", "续保"]


def synthetic_report(i: int, rng: random.Random) -> tuple[dict, dict]:
    """One call's JSON report and its metadata (agent, team, queue, direction, started_at)."""
    n = rng.randint(6, 24)
    t, transcript = 0.0, []
    for k in range(n):
        speaker = "agent" if k % 2 == 0 else "customer"
        text = rng.choice(AGENT_LINES if speaker == "agent" else CUSTOMER_LINES)
        d = len(text) * 0.22
        transcript.append({"speaker": speaker, "start": round(t, 2), "end": round(t + d, 2), "text": text})
        t += d + rng.uniform(0.2, 2.0)
    agent_text = " ".join(u["text"] for u in transcript if u["speaker"] == "agent")
    fatal = "不知道" in agent_text
    score = round(rng.uniform(55, 100) - (30 if fatal else 0), 1)
    flagged = fatal or score < 75
    checks = [{"id": "language.banned_phrase", "status": "fail" if fatal else "pass", "points": 0 if fatal else 10,
               "points_possible": 10, "fatal": fatal, "hits": int(fatal),
               "findings": [{"span": {"start": 1.0, "end": 2.0}, "speaker": "agent", "quote": "这个我不知道",
                             "why": "taboo phrase 不知道"}] if fatal else []}]
    report = {"schema_version": "1.1", "call_id": f"call-{i:06d}", "duration_s": round(t, 1), "score": score,
              "flagged": flagged, "flag_reasons": ["fatal: language.banned_phrase"] if fatal else
              (["score below 75"] if flagged else []), "score_detail": {"fatal": fatal}, "checks": checks,
              "transcript": transcript, "audio": {"sample_rate": 8000, "channels": 2, "format": "WAV"}}
    agent = rng.randint(1, 60)
    meta = {"agent_id": f"A{agent:03d}", "agent_name": f"坐席{agent:03d}", "team": TEAMS[agent % len(TEAMS)],
            "queue": rng.choice(QUEUES), "direction": rng.choice(["inbound", "inbound", "outbound"]),
            "started_at": (dt.datetime(2026, 11, 1, 8) + dt.timedelta(minutes=7 * i)).isoformat()}
    return report, meta


def synthetic_calls(n: int, *, seed: int = 15) -> Iterator[tuple[dict, dict]]:
    rng = random.Random(seed)
    for i in range(n):
        yield synthetic_report(i, rng)


def fill_store(store: Store, n: int, *, seed: int = 15) -> list[dict]:
    """Store ``n`` synthetic calls the way the batch does (one ``save_call`` per call); returns the reports
    with their metadata under ``"meta"``."""
    out = []
    for report, meta in synthetic_calls(n, seed=seed):
        row, children = call_rows(report, path=f"/calls/{report['call_id']}.wav", size=None, sha256=None, meta=meta,
                                  run_id=None, model_key=None)
        store.save_call(row, children)
        out.append({**report, "meta": meta})
    return out
