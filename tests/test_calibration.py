"""Calibration (reviewers vs the automatic checks, reviewers vs each other), review exports and the
queue ranker, over a real store filled by a real batch (JSONL dialogues, no ASR).

40 calls in four groups whose automatic results are known:

- ``b00``–``b09``: the agent says "这是规定，没办法" → language.banned_phrase fails, the call is flagged;
- ``g10``–``g19``: no greeting → opening.greeting fails (not flagged);
- ``d20``–``d24``: a phone number read out → privacy.confidential_disclosed fails (fatal);
- ``p25``–``p39``: clean, every automatic check passes.

Reviewer decisions are then recorded through ``state.record`` in patterns whose precision and
kappa are worked out by hand below.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sqlite3
import subprocess
import sys
from fractions import Fraction as F
from io import BytesIO

import pandas as pd
import pytest

from qa_pipeline.errors import InputError
from qa_pipeline.review import calibration as cal
from qa_pipeline.review.exports import EVENT_COLUMNS, review_summary_frame, reviews_frame, to_bytes
from qa_pipeline.review.state import User, record
from qa_pipeline.store import Store

GROUPS = {"b": range(0, 10), "g": range(10, 20), "d": range(20, 25), "p": range(25, 40)}
IDS = {g: [f"{g}{i:02d}" for i in r] for g, r in GROUPS.items()}
B, G, D, P = IDS["b"], IDS["g"], IDS["d"], IDS["p"]
BANNED, GREETING, DISCLOSED = "language.banned_phrase", "opening.greeting", "privacy.confidential_disclosed"
AGENTS = {"A01": ("王芳", "车险一组"), "A02": ("李娜", "车险一组"), "A03": ("刘洋", "寿险二组"), "A04": ("陈静", "寿险二组")}
ALICE, BOB, CAROL = User("alice", "senior"), User("bob"), User("carol")


def dialogue(rng: random.Random, group: str) -> list[dict]:
    lines = [("agent", "说吧什么事。" if group == "g" else "您好，安心保险客服中心，工号1234，很高兴为您服务。"),
             ("customer", "你好，我想问一下车险理赔的进度。"),
             ("agent", "好的，请问您的保单号是多少？"),
             ("customer", "保单号是88623457。")]
    for _ in range(rng.choice([0, 1, 2, 4])):
        lines += [("agent", rng.choice(["好的，我这边帮您查询一下。", "理赔材料已经收到了，正在审核。"])),
                  ("customer", rng.choice(["好的。", "明白了。"]))]
    if group == "b":
        lines.append(("agent", "这是规定，没办法。"))
    if group == "d":
        lines.append(("agent", "您登记的联系电话是13912345678。"))
    lines += [("customer", "好的，谢谢。"), ("agent", "感谢您的来电，祝您生活愉快，再见。")]
    out, t = [], 0.5
    for speaker, text in lines:
        dur = round(len(text) / 4.2, 2)
        out.append({"speaker": speaker, "start": round(t, 2), "end": round(t + dur, 2), "text": text})
        t += dur + 0.6
    return out


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """The 40 dialogues batch-scored into one SQLite file (copied per scenario)."""
    root = tmp_path_factory.mktemp("calib")
    folder = root / "calls"
    folder.mkdir()
    rng = random.Random(11)
    for group, ids in IDS.items():
        for cid in ids:
            text = "\n".join(json.dumps(x, ensure_ascii=False) for x in dialogue(rng, group)) + "\n"
            (folder / f"{cid}.jsonl").write_text(text, encoding="utf-8")
    manifest = root / "manifest.csv"
    rows = []
    for i, cid in enumerate(c for ids in IDS.values() for c in ids):
        agent = list(AGENTS)[i % len(AGENTS)]
        rows.append({"录音文件": f"{cid}.jsonl", "通话编号": cid, "工号": agent, "坐席姓名": AGENTS[agent][0],
                     "技能组": AGENTS[agent][1], "开始时间": f"2026-11-{1 + i % 9:02d} 10:{i:02d}:00"})
    with manifest.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    db = root / "qa.db"
    # the figures below are about the checks these dialogues were written for: the sheet's text
    # checks (qa_pipeline/scoring.py, rules/wording.yaml …) are switched off for this store
    from qa_pipeline.rules import load_rules

    first = {"opening.greeting", "closing.farewell", "language.banned_phrase", "language.apology", "speech.rate",
             "speech.hasty_closing", "speech.hold_silence", "speech.interruption", "process.hold_etiquette",
             "privacy.identity_verification", "privacy.confidential_disclosed"}
    (root / "rules").mkdir()
    (root / "rules" / "calibration.yaml").write_text(
        "version: 1\ndisable: [" + ", ".join(sorted(set(load_rules().rules) - first)) + "]\n", "utf-8")
    run = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(folder), "--db", str(db), "--manifest",
                          str(manifest), "--include", "*.jsonl", "--workers", "1", "--rules", str(root / "rules")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    con = sqlite3.connect(db)
    fails = {}
    for cid, check in con.execute("select call_id, check_id from checks where status = 'fail'"):
        fails.setdefault(cid, set()).add(check)
    flagged = {cid for cid, in con.execute("select call_id from calls where flagged")}
    fatal = {cid for cid, in con.execute("select call_id from calls where fatal")}
    # the automatic results the hand calculations below rely on
    assert all(fails.get(c) == {BANNED} for c in B)
    assert all(fails.get(c) == {GREETING} for c in G)
    assert all(DISCLOSED in fails.get(c, ()) for c in D)
    assert not any(c in fails for c in P)
    assert flagged == set(B) | set(D) and fatal == set(D)
    assert con.execute("select count(distinct agent_name) from calls").fetchone()[0] == len(AGENTS)
    con.close()
    return db


def copy_store(src, dst) -> Store:
    shutil.copy(src, dst)
    return Store(dst)


# (reviewer, calls, kind, target, value): applied in order; later events override earlier ones
AGREEMENT_EVENTS = [
    # banned phrase, auto fail on b00-b09: alice agrees on 8, bob on 7
    (ALICE, B[:8], "check", BANNED, "agree"),
    (ALICE, B[8:], "check", BANNED, "dispute"),
    (BOB, B[:7], "finding", BANNED + "#0", "agree"),
    (BOB, B[7:], "finding", BANNED + "#0", "dispute"),
    # greeting, auto fail on g10-g19: alice confirms g10-g17 by every route the verdict rule knows
    (ALICE, G[0:4], "finding", GREETING + "#0", "agree"),
    (ALICE, G[4:6], "check", GREETING, "agree"),
    (ALICE, G[6:7], "finding", GREETING + "#0", "dispute"),  # one finding disputed, another agreed → agree
    (ALICE, G[6:7], "finding", GREETING + "#1", "agree"),
    (ALICE, G[7:8], "check", GREETING, "dispute"),  # changed her mind: the latest (agree) counts
    (ALICE, G[7:8], "check", GREETING, "agree"),
    (ALICE, G[8:9], "finding", GREETING + "#0", "agree"),  # a check-level dispute beats an agreed finding
    (ALICE, G[8:9], "check", GREETING, "dispute"),
    (ALICE, G[9:10], "finding", GREETING + "#0", "dispute"),  # only disputes → dispute
    (ALICE, G[9:10], "finding", GREETING + "#1", "dispute"),
    # greeting, auto pass on p25-p34: alice agrees on 9, says p34 should have failed
    (ALICE, P[:9], "check", GREETING, "agree"),
    (ALICE, P[9:10], "check", GREETING, "dispute"),
    # carol also judges g10-g14: confirms 3, disputes 2
    (CAROL, G[:3], "check", GREETING, "agree"),
    (CAROL, G[3:5], "check", GREETING, "dispute"),
    # bob confirms the disclosure on three fatal calls
    (BOB, D[:3], "check", DISCLOSED, "agree"),
]


def apply(store: Store, events) -> None:
    for user, calls, kind, target, value in events:
        for cid in calls:
            record(store, cid, user, kind, target, value, "不同意" if value == "dispute" else None)


@pytest.fixture(scope="module")
def calibrated(scored, tmp_path_factory):
    store = copy_store(scored, tmp_path_factory.mktemp("a") / "qa.db")
    apply(store, AGREEMENT_EVENTS)
    # events that are no verdicts: a score, a comment (starting with '=', for the export test), a status
    record(store, B[0], ALICE, "score", "", "70")
    record(store, B[0], ALICE, "comment", "", None, "=HYPERLINK(\"http://x\") 电话13912345678")
    record(store, B[0], ALICE, "status", "", "reviewed")
    return store, agreement_result(store)


def agreement_result(store):
    result = cal.agreement(store)
    json.dumps(result)  # JSON-serializable as it is
    return result


def by_check(result) -> dict:
    return {c["check_id"]: c for c in result["checks"]}


def kappa(po: F, pe: F) -> float:
    return float((po - pe) / (1 - pe))


# Hand-worked figures. Human labels: agree keeps the automatic label, dispute flips it.
# banned: 20 judgements of auto fails, 15 confirmed. alice fail×8 pass×2, bob fail×7 pass×3 on the
#   same calls; they agree on b00-b06 (fail) and b08-b09 (pass): po = 9/10, pe = .8·.7 + .2·.3 = .62
# greeting: alice 20 judgements (10 auto fail, 8 confirmed; 10 auto pass, 9 agreed, p34 missed);
#   auto fail×10 pass×10 vs human fail×9 pass×11: po = 17/20, pe = .5·.45 + .5·.55 = .5 → κ = .7;
#   carol 5 judgements of auto fails, 3 confirmed. All 25: auto fail 15 pass 10, human fail 12
#   (8+3+1) pass 13: po = 20/25, pe = (15·12 + 10·13)/625 = 310/625.
#   alice vs carol on g10-g14: alice all 'fail' (constant), carol fail×3 → agreement 3/5, no kappa.
# disclosure: bob 3 of 3 → precision 1, too few for kappa.
# totals: 48 judgements; auto fail 38 (29 confirmed), auto pass 10 (9 agreed); human fail 30, pass 18:
#   po = 38/48, pe = (38·30 + 10·18)/48² → κ = 504/984. Pairs: alice-bob 10 + alice-carol 5 = 15;
#   alice fail×13 pass×2, other fail×10 pass×5, agree on 12: po = 12/15, pe = (13·10 + 2·5)/225.
EXPECTED = [
    # check, n_calls, n_judgements, agreed, auto-fail n, confirmed, auto-pass n, missed, κ auto-human, pairs, κ reviewers
    (BANNED, 10, 20, 15, 20, 15, 0, 0, None, 10, kappa(F(9, 10), F(62, 100))),
    (GREETING, 20, 25, 20, 15, 11, 10, 1, kappa(F(20, 25), F(310, 625)), 5, None),
    (DISCLOSED, 3, 3, 3, 3, 3, 0, 0, None, 0, None),
]


@pytest.mark.parametrize("check, n_calls, n_j, agreed, nf, confirmed, np_, missed, k_ah, n_pairs, k_rr", EXPECTED)
def test_agreement_per_check(calibrated, check, n_calls, n_j, agreed, nf, confirmed, np_, missed, k_ah, n_pairs,
                             k_rr):
    row = by_check(calibrated[1])[check]
    assert (row["n_calls"], row["n_judgements"], row["agreed"], row["disputed"]) == (n_calls, n_j, agreed, n_j - agreed)
    assert (row["precision"]["n"], row["precision"]["confirmed"]) == (nf, confirmed)
    assert row["precision"]["value"] == pytest.approx(confirmed / nf, abs=1e-4)
    lo, hi = row["precision"]["ci95"]
    assert lo <= confirmed / nf <= hi
    assert (row["auto_pass"]["n"], row["auto_pass"]["missed"]) == (np_, missed)
    ka = row["kappa_auto_human"]
    assert ka["n"] == n_j
    if k_ah is None:
        assert ka["kappa"] is None and ka["reason"]
    else:
        assert ka["kappa"] == pytest.approx(k_ah, abs=1e-4) and ka["reason"] is None
    kr = row["kappa_reviewers"]
    assert kr["n_pairs"] == n_pairs
    if k_rr is None:
        assert kr["kappa"] is None and kr["reason"]
    else:
        assert kr["kappa"] == pytest.approx(k_rr, abs=1e-4) and kr["reason"] is None


def test_agreement_reasons_say_why_kappa_is_missing(calibrated):
    checks = by_check(calibrated[1])
    assert "all 'fail'" in checks[BANNED]["kappa_auto_human"]["reason"]  # only auto failures were judged
    assert "only 3" in checks[DISCLOSED]["kappa_auto_human"]["reason"]  # too few
    assert "only 0" in checks[DISCLOSED]["kappa_reviewers"]["reason"]
    greeting = checks[GREETING]["kappa_reviewers"]
    assert "all 'fail'" in greeting["reason"] and greeting["agreement"] == pytest.approx(0.6)
    assert greeting["n_calls"] == 5


def test_agreement_totals_and_reviewers(calibrated):
    result = calibrated[1]
    tot = result["totals"]
    assert (tot["n_calls"], tot["n_reviewers"], tot["n_judgements"], tot["agreed"], tot["disputed"]) == \
        (33, 3, 48, 38, 10)
    assert (tot["precision"]["n"], tot["precision"]["confirmed"]) == (38, 29)
    assert tot["precision"]["value"] == pytest.approx(29 / 38, abs=1e-4)
    assert (tot["auto_pass"]["n"], tot["auto_pass"]["agreed"], tot["auto_pass"]["missed"]) == (10, 9, 1)
    assert tot["kappa_auto_human"]["kappa"] == pytest.approx(504 / 984, abs=1e-4)
    assert tot["kappa_auto_human"]["agreement"] == pytest.approx(38 / 48, abs=1e-4)
    kr = tot["kappa_reviewers"]
    assert (kr["n_calls"], kr["n_pairs"]) == (15, 15)
    assert kr["kappa"] == pytest.approx(kappa(F(12, 15), F(140, 225)), abs=1e-4)
    pairs = {(p["a"], p["b"]): p for p in result["reviewer_pairs"]}
    assert set(pairs) == {("alice", "bob"), ("alice", "carol")}
    assert pairs["alice", "bob"]["n_pairs"] == 10
    assert pairs["alice", "bob"]["kappa"] == pytest.approx(kappa(F(9, 10), F(62, 100)), abs=1e-4)
    assert pairs["alice", "carol"]["kappa"] is None and pairs["alice", "carol"]["agreement"] == pytest.approx(0.6)
    reviewers = {r["user"]: (r["n_judgements"], r["agreed"], r["disputed"]) for r in result["reviewers"]}
    assert reviewers == {"alice": (30, 25, 5), "bob": (13, 10, 3), "carol": (5, 3, 2)}


def test_agreement_and_export_on_a_store_without_decisions(scored, tmp_path):
    store = copy_store(scored, tmp_path / "qa.db")
    assert reviews_frame(store).empty and to_bytes(reviews_frame(store), "xlsx")[0][:2] == b"PK"
    record(store, P[0], CAROL, "comment", "", None, "开场白很标准")  # an event, but no verdict
    result = agreement_result(store)
    assert result["checks"] == [] and result["totals"]["n_judgements"] == 0
    assert result["totals"]["precision"]["value"] is None and result["totals"]["kappa_auto_human"]["reason"]
    df = reviews_frame(store)
    assert df[["call_id", "kind", "reason"]].values.tolist() == [[P[0], "comment", "开场白很标准"]]
    assert df["check_id"].isna().all() and df["auto_status"].isna().all()
    assert "开场白很标准" in to_bytes(df, "csv")[0].decode("utf-8-sig")


def test_reviews_export_matches_the_events_table(calibrated):
    store, _ = calibrated
    df = reviews_frame(store)
    con = sqlite3.connect(store.url.removeprefix("sqlite:///"))
    events = con.execute('select event_id, call_id, user, role, kind, target, value, reason from review_events '
                         'order by event_id').fetchall()
    calls = {r[0]: r[1:] for r in con.execute("select call_id, agent_id, score, flagged, fatal, agent_name, team, "
                                              "started_at from calls")}
    status = {(c, k): s for c, k, s in con.execute("select call_id, check_id, status from checks")}
    con.close()
    assert list(df.columns) == EVENT_COLUMNS and len(df) == len(events) == 1 + sum(len(e[1]) for e in
                                                                                  AGREEMENT_EVENTS) + 2
    for row, ev in zip(df.itertuples(index=False), events):
        assert (row.event_id, row.call_id, row.user, row.role, row.kind, row.target) == ev[:6]
        assert (row.value if isinstance(row.value, str) else None) == ev[6]
        assert (row.reason if isinstance(row.reason, str) else None) == ev[7]
        agent, score, flagged, fatal, name, team, started = calls[row.call_id]
        assert (row.agent_id, row.agent_name, row.team, row.auto_score, bool(row.flagged), bool(row.fatal)) == \
            (agent, name, team, score, bool(flagged), bool(fatal))
        assert row.started_at == pd.Timestamp(started)
        if row.kind in ("finding", "check"):
            assert row.auto_status == status[row.call_id, row.target.split("#")[0]]
    assert pd.api.types.is_datetime64_any_dtype(df["at"])
    masked = reviews_frame(store, redact=True)
    comment = masked.loc[masked["kind"] == "comment", "reason"].iloc[0]
    assert "13912345678" not in comment and "5678" in comment

    summary = review_summary_frame(store)
    b00 = summary.set_index("call_id").loc[B[0]]
    assert (b00["status"], b00["reviewer"], b00["final_score"], bool(b00["confirmed"])) == ("reviewed", "alice", 70.0,
                                                                                         True)
    assert b00["score_change"] == pytest.approx(70.0 - calls[B[0]][1], abs=0.01)
    assert len(summary) == len({c for _, cs, *_ in AGREEMENT_EVENTS for c in cs})


def test_export_bytes_csv_and_xlsx(calibrated):
    store, _ = calibrated
    df = reviews_frame(store)
    data, media = to_bytes(df, "csv")
    assert media.startswith("text/csv") and data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == EVENT_COLUMNS and len(back) == len(df)
    assert back["event_id"].tolist() == df["event_id"].tolist()
    assert back["reason"].fillna("").tolist() == [("'" + r if r.startswith("=") else r) for r in
                                                  df["reason"].fillna("")]  # no formula reaches Excel
    data, media = to_bytes(df, "xlsx", calls=review_summary_frame(store))
    assert media.endswith("spreadsheetml.sheet")
    sheets = pd.read_excel(BytesIO(data), sheet_name=None)
    assert set(sheets) == {"events", "calls"}
    events = sheets["events"]
    assert len(events) == len(df) and events["target"].fillna("").tolist() == df["target"].fillna("").tolist()
    assert events["reason"].fillna("").tolist() == df["reason"].fillna("").tolist()  # '=…' stays text
    assert events["agent_name"].tolist() == df["agent_name"].tolist() and set(df["agent_name"]) <= {
        n for n, _ in AGENTS.values()}
    assert (pd.to_datetime(events["started_at"]) == df["started_at"]).all()
    with pytest.raises(InputError):
        to_bytes(df, "pdf")


def test_ranker_learns_which_flags_reviewers_confirm(scored, tmp_path):
    store = copy_store(scored, tmp_path / "qa.db")
    out = tmp_path / "model"
    # few labels: not trained, nothing written
    apply(store, [(BOB, B[:5], "check", BANNED, "agree")])
    res = cal.train_ranker(store, out)
    assert res["trained"] is False and "only 5" in res["reason"] and res["n"] == 5
    assert not out.exists()
    # 21 labelled calls, all confirmed: one class only
    apply(store, [(BOB, B[5:8], "check", BANNED, "agree"), (BOB, D[:3], "check", DISCLOSED, "agree"),
                  (BOB, G, "finding", GREETING + "#0", "agree")])
    res = cal.train_ranker(store, out)
    assert res["trained"] is False and "0 disputed" in res["reason"] and res["n_confirmed"] == 21
    # bob changes his mind on the greeting-only calls: confirmation now depends on what failed
    apply(store, [(BOB, G, "check", GREETING, "dispute")])
    res = cal.train_ranker(store, out)
    json.dumps(res)
    assert res["trained"] is True
    assert (res["n"], res["n_confirmed"], res["n_disputed"], res["cv_folds"]) == (21, 11, 10, 5)
    assert res["baseline_accuracy"] == pytest.approx(11 / 21, abs=1e-4)
    assert res["accuracy"] > res["baseline_accuracy"] and res["beats_baseline"]
    assert res["roc_auc"] > 0.9
    assert {"fail:" + GREETING, "fail:" + BANNED, "score", "fatal", "max_similarity"} <= set(res["features"])
    assert res["coefficients"]["fail:" + GREETING] < 0  # a greeting-only flag is the one that gets disputed
    assert json.loads((out / cal.METRICS_FILE).read_text("utf-8"))["accuracy"] == res["accuracy"]
    import joblib

    bundle = joblib.load(out / cal.MODEL_FILE)
    assert bundle["features"] == res["features"] and bundle["metrics"]["roc_auc"] == res["roc_auc"]

    # the queue: flagged calls nobody has finished reviewing
    ranks = cal.rank_calls(store, out / cal.MODEL_FILE)
    assert set(ranks) == {*B[8:], *D[3:]}
    assert all(0.5 < p <= 1 for p in ranks.values())
    assert list(ranks.values()) == sorted(ranks.values(), reverse=True)
    every = cal.rank_calls(store, out / cal.MODEL_FILE, include_reviewed=True)
    assert set(every) == set(B) | set(D)
    with pytest.raises(InputError):
        cal.rank_calls(store, tmp_path / "missing.joblib")


    # `qa calibrate` does the same from the command line and fills the queue's 'likely confirmed' sort
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "calibrate", "--db", str(tmp_path / "qa.db"),
                        "--models-dir", str(tmp_path / "models")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "cross-validated accuracy" in r.stdout and "baseline" in r.stdout and GREETING in r.stdout
    assert (tmp_path / "models" / cal.MODEL_FILE).exists()
    from fastapi.testclient import TestClient

    from qa_pipeline.review.app import create_app

    q = TestClient(create_app(Store(tmp_path / "qa.db"))).get("/api/queue?sort=likely&flagged=true").json()
    top = [x["p_confirmed"] for x in q["items"] if x["p_confirmed"] is not None]
    assert top and top == sorted(top, reverse=True) and len(top) == len(ranks)
