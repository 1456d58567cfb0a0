"""A reviewer's day, end to end in a real browser: Debian's chromium (Playwright) under the app's real CSP,
`qa review` as a process with a users file (reviewer, senior, agents; one token each), over a store made by a
real `qa batch` (the `review_db` fixture), and `qa report` as a user runs it at the end.

claim → score every section of the sheet (typing reasons; a reload and the language switch lose nothing) →
the live total equals the server's → 提交并下一通 → a keyboard-only review of the next call → the agent sees only
their own calls and every verdict, appeals two items → the senior overturns → the agent cannot appeal again →
`qa report` shows the final scores. Every score is checked against figures computed here from the stored
report. Screenshots of each step go to $QA_SCREENSHOTS_DIR (else the test's temp folder); the README's are
made this way (1280×800, each under 300 KB):

    QA_SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest -q tests/test_reviewer_day.py
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from qa_pipeline.store import Store

from .test_review_web import CHROMIUM, review_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed "
                                                                     "(apt-get install chromium; .ci/run does)")
TOKENS = {"王质检": "reviewer-token-0123456", "陈主管": "senior-token-01234567", "A001": "agent-token-A001-0123",
          "A003": "agent-token-A003-0123"}
ROLES = {"王质检": "reviewer", "陈主管": "senior", "A001": "agent", "A003": "agent"}
VIEWPORT = {"width": 1280, "height": 800}
MAX_SHOT_BYTES = 300_000

# The reviewer's sheet for c08 (the fatal call of agent A001): (item, verdict, points, reason), at least one item
# in every section. The fatal failure is disputed (the customer gave the number themselves), the others agreed.
SHEET = {
    "信息内容": [("privacy.confidential_disclosed", "dispute", None, "客户本人来电并已报出保单号，未泄露保密信息"),
             ("privacy.identity_verification", "agree", None, None), ("info.complete", None, 4, None)],
    "语音语调语速": [("voice.clear", None, 1.5, None)],
    "服务用语": [("language.banned_phrase", "agree", None, None), ("language.apology", "agree", None, None),
             ("attitude.soothe", "agree", None, None), ("language.casual", "agree", None, None),
             ("wording.thanks", "dispute", None, "结尾说了“谢谢您”，转写漏了")],
    "服务态度": [("attitude.no_shirking", "agree", None, None), ("attitude.impatient", "agree", None, None),
             ("attitude.warm", None, 5, None)],
    "理解能力": [("understanding.guiding", None, 4, None)],
    "应答技巧": [("answer.tactful", "agree", None, None), ("answer.timely", "dispute", None, "坐席在查询期间已告知客户进度")],
    "主动服务意识": [("proactive.recommend", None, 2, None)],
    "服务流程（等待）": [("process.hold_etiquette", "agree", None, None)],
}
COMMENT = "禁语和等待礼仪需改进；一票否决项经核实不成立"
APPEALED = ["answer.tactful", "process.hold_etiquette"]
APPEAL_REASON = "我说的是“请您稍等”，语气是婉转的"
RULING_REASON = "录音核实：坐席已请客户稍等，表述婉转"
DECIDED = "kind not in ('claim', 'release')"  # review events that judge or submit (claims are not decisions)


def shot(page, name: str, folder: Path) -> Path:
    """The viewport (1280×800) as ``NAME.png``, in 256 colours (a third of the size, no visible loss)."""
    from PIL import Image

    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    assert path.stat().st_size < MAX_SHOT_BYTES, (name, path.stat().st_size)
    return path


def section_totals(report: dict, points: dict[str, float]) -> dict[str, float]:
    """Each section's points after the reviewer: the scorer's own section figures (score_detail) plus, per item
    given new points, the difference to its automatic points; floored at 0 and capped at the section's points."""
    auto = {c["id"]: c for c in report["checks"]}
    out = {}
    for s in report["score_detail"]["sections"]:
        got = s["earned"] + sum(p - auto[i]["points"] for i, p in points.items() if auto[i]["section"] == s["name"])
        out[s["name"]] = min(max(got, 0.0), s["points"])
    return out


def effective_points(report: dict, sheet: dict) -> dict[str, float]:
    """Item → the points it counts once reviewed, for the items the reviewer changed: their points, or the full
    points of a disputed automatic failure."""
    auto = {c["id"]: c for c in report["checks"]}
    out = {}
    for rows in sheet.values():
        for item, verdict, points, _ in rows:
            if points is not None:
                out[item] = float(points)
            elif verdict == "dispute" and auto[item]["status"] == "fail":
                out[item] = float(auto[item]["points_possible"])
    return out


@dataclass
class Day:
    """The day's shared parts: the app's URL, its database, the browser, the screenshot folder."""

    url: str
    db: Path
    browser: object
    shots: Path
    refused: list[str] = field(default_factory=list)  # Content-Security-Policy violations reported by any page

    def open_as(self, user: str, path: str):
        """A fresh browser profile (own cookies, own localStorage) for ``user``, on ``path`` with their token."""
        ctx = self.browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        ctx.set_default_timeout(60_000)
        page = ctx.new_page()
        page.on("console", lambda m: self.refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(self.url + path + ("&" if "?" in path else "?") + "token=" + TOKENS[user])
        return page

    def shot(self, page, name: str) -> Path:
        return shot(page, name, self.shots)

    def sql(self, query: str, *args) -> list[tuple]:
        con = sqlite3.connect(self.db)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()

    def report(self, call_id: str) -> dict:
        store = Store(self.db)
        try:
            return store.report(call_id)
        finally:
            store.close()


@pytest.fixture()
def day(review_db, tmp_path):
    from playwright.sync_api import sync_playwright

    db = tmp_path / "qa.db"
    shutil.copy(review_db, db)
    users = tmp_path / "users.yaml"
    users.write_text("users:\n" + "".join(f"  - {{name: {n}, token: {t}, role: {ROLES[n]}}}\n" for n, t in TOKENS.items()),
                     encoding="utf-8")
    shots = Path(os.environ.get("QA_SCREENSHOTS_DIR") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)  # a loaded 2-core machine: ASR tests may run beside this one
    with review_server(db, "--users", str(users)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield Day(url, db, browser, shots)
        browser.close()


def rows(page) -> list[str]:
    return [r.get_attribute("data-call") for r in page.locator("#queue tbody tr").all()]


def unfold_passes(page) -> None:
    """Open every section's folded list of passed items (their points can be changed too)."""
    for box in page.locator("#sections details.passes").all():
        if box.get_attribute("open") is None:
            box.locator("> summary").click()


def item(page, check_id: str):
    return page.locator(f"[data-item='{check_id}']")


def test_a_reviewers_day(day):
    report = day.report("c08")
    assert set(SHEET) == {s["name"] for s in report["score_detail"]["sections"]}, "the plan covers every section"
    assert report["score"] == 0 and any(c["fatal"] and c["status"] == "fail" for c in report["checks"])
    eff = effective_points(report, SHEET)
    reviewed = sum(section_totals(report, eff).values())
    full = {c["id"]: float(c["points_possible"]) for c in report["checks"] if c["id"] in APPEALED}
    ruled = sum(section_totals(report, {**eff, **full}).values())
    assert ruled == pytest.approx(reviewed + 4.5)  # overturned: 语句婉转 3 + 等待礼仪 1.5

    rev = reviewer_claims_and_scores_every_section(day, report, eff, reviewed)
    keyboard_only = keyboard_only_review_of_the_next_call(day, rev)
    show_the_submitted_review(day, rev, reviewed)
    agent = agent_sees_own_calls_and_appeals(day, eff, reviewed)
    senior_overturns(day, report, ruled)
    no_second_appeal(day, agent, ruled)
    report_shows_the_final_scores(day, ruled, keyboard_only)
    assert day.refused == []  # no Content-Security-Policy violation on any page


def reviewer_claims_and_scores_every_section(day: Day, report: dict, eff: dict, want: float):
    """1. The reviewer claims c08 and c01 on the queue, scores every section of c08 (a reload and the language
    switch halfway lose nothing), checks the subtotals and the live total, and submits & goes to the next call."""
    titles = {c["id"]: c["title"] for c in report["checks"]}
    section_of = {c["id"]: c.get("section") for c in report["checks"]}
    rev = day.open_as("王质检", "/")
    expect(rev.locator("#queue tbody tr")).to_have_count(4)
    assert rows(rev)[0] == "c08" and "1 通一票否决" in rev.locator("#counts").inner_text()
    assert rev.locator(".me").inner_text().startswith("王质检 · ")
    for cid in ("c08", "c01"):
        rev.locator(f"#queue tbody tr[data-call='{cid}'] button.claim").click()
        expect(rev.locator(f"#queue tbody tr[data-call='{cid}'] .assignee")).to_have_text("认领人：王质检")
    day.shot(rev, "1-queue-claimed")
    rev.check("input[name=mine]")
    rev.click("#filters button[type=submit]")
    expect(rev.locator("#queue tbody tr")).to_have_count(2)
    assert rows(rev) == ["c08", "c01"] and "mine=true" in rev.url

    rev.click("#queue tbody tr[data-call='c08'] a")
    expect(rev.locator("#attention .item").first).to_be_visible()
    assert rev.locator("#submit").inner_text() == "提交复核"
    assert rev.locator("#total").inner_text() == "0.0"  # an undisputed fatal failure: 一票否决
    unfold_passes(rev)
    typed = {}
    for n, name in enumerate(SHEET):
        for check_id, verdict, points, reason in SHEET[name]:
            row = item(rev, check_id)
            assert section_of[check_id] == name and row.locator(".item-title").inner_text() == titles[check_id]
            if reason:
                row.locator("input.reason").fill(reason)
                typed[check_id] = reason
            if verdict:
                row.locator(f"button.{verdict}").click()
                expect(row.locator(f"button.{verdict}.on")).to_have_count(1)
            if points is not None:
                row.locator("input.points").fill(f"{points:g}")
        if n == len(SHEET) // 2:  # halfway: a reload and the English switch keep everything typed (a draft)
            rev.reload()
            expect(item(rev, "privacy.confidential_disclosed").locator("button.dispute.on")).to_have_count(1)
            rev.click("#lang")
            expect(rev.locator("#submit")).to_have_text("Submit review")
            rev.click("#lang")
            expect(rev.locator("#submit")).to_have_text("提交复核")
            for check_id, text in typed.items():
                assert item(rev, check_id).locator("input.reason").input_value() == text
            assert item(rev, "info.complete").locator("input.points").input_value() == "4"
            unfold_passes(rev)
    rev.fill("#comment", COMMENT)
    assert day.sql(f"select count(*) from review_events where {DECIDED}") == [(0,)]  # all of it is still a draft

    for name, got in section_totals(report, eff).items():  # every section's subtotal and the live total
        sub = rev.locator(f"[data-section='{name}'] > summary .subtotal").inner_text()
        assert float(sub.split("/")[0]) == pytest.approx(got), (name, sub)
    assert float(rev.locator("#total").inner_text()) == pytest.approx(want)
    item(rev, "answer.timely").scroll_into_view_if_needed()
    day.shot(rev, "2-scoring-form")
    rev.locator("[data-section='信息内容']").scroll_into_view_if_needed()
    day.shot(rev, "2-scoring-sections")

    rev.click("#submit-next")  # 提交并下一通: stores the sheet, opens the next call of my queue
    rev.wait_for_url(day.url + "/call/c01")
    [(status, final)] = day.sql("select status, final_score from call_reviews where call_id = 'c08'")
    assert status == "reviewed" and final == pytest.approx(want)  # the server's figure is the page's
    assert dict((t, (v, r)) for t, v, r in day.sql(
        "select target, value, reason from review_events where call_id = 'c08' and kind = 'check'")) == {
        i: (v, typed.get(i)) for rows_ in SHEET.values() for i, v, _, _ in rows_ if v}
    assert dict(day.sql("select target, cast(value as real) from review_events where call_id = 'c08' and kind = 'points'")
                ) == {i: float(p) for r in SHEET.values() for i, _, p, _ in r if p is not None}
    assert day.sql("select reason from review_events where call_id = 'c08' and kind = 'comment'") == [(COMMENT,)]
    assert day.sql(f"select count(distinct at) from review_events where call_id = 'c08' and {DECIDED}") == [(1,)]
    return rev


def keyboard_only_review_of_the_next_call(day: Day, rev) -> float:
    """The next call of my queue (c01), reviewed with N, A, D, typing and Ctrl+Enter only; returns its score."""
    r01 = day.report("c01")
    assert [c["id"] for c in r01["checks"] if c["status"] == "fail"] == ["proactive.recommend", "proactive.selling_points"]
    expect(rev.locator("#attention .item.open")).to_have_count(2)
    seen = []
    for _ in range(10):
        if not rev.locator("#attention .item.open").count():
            break
        rev.keyboard.press("n")
        current = rev.locator("body").get_attribute("data-current")
        if current == "proactive.selling_points":
            rev.keyboard.press("d")  # D disputes and puts the cursor in the reason
            expect(item(rev, current).locator("input.reason")).to_be_focused()
            rev.keyboard.type("客户明确表示不需要其他产品")
            break
        rev.keyboard.press("a")
        seen.append(current)
    assert seen == ["proactive.recommend"]
    want = r01["score"] + next(c["points_possible"] for c in r01["checks"] if c["id"] == "proactive.selling_points")
    expect(rev.locator("#total")).to_have_text(f"{want:.1f}")
    rev.keyboard.press("Control+Enter")  # submits from the text field too
    expect(rev.locator("#status")).to_have_attribute("data-status", "reviewed")
    assert day.sql("select final_score from call_reviews where call_id = 'c01'") == [(want,)]
    assert dict((t, (v, r)) for t, v, r in day.sql(
        "select target, value, reason from review_events where call_id = 'c01' and kind = 'check'")) == {
        "proactive.recommend": ("agree", None), "proactive.selling_points": ("dispute", "客户明确表示不需要其他产品")}
    return want


def show_the_submitted_review(day: Day, rev, want: float) -> None:
    """c08 reviewed: its score, and the history in Beijing time."""
    rev.goto(day.url + "/call/c08")
    expect(rev.locator("#status")).to_have_attribute("data-status", "reviewed")
    assert float(rev.locator("#final-score").inner_text()) == pytest.approx(want)
    [(at,)] = day.sql("select at from review_events where call_id = 'c08' and kind = 'status'")
    beijing = (dt.datetime.fromisoformat(str(at).rstrip("Z")) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{beijing} · 王质检 (reviewer) · 状态 已复核" in rev.locator("#history").inner_text()
    rev.locator("#history").scroll_into_view_if_needed()
    day.shot(rev, "3-submitted")


def agent_sees_own_calls_and_appeals(day: Day, eff: dict, want: float):
    """2. Agent A001 sees only their call, every verdict, points, reason and the comment, and appeals two items."""
    agent = day.open_as("A001", "/")
    expect(agent.locator("#queue tbody tr")).to_have_count(1)
    assert rows(agent) == ["c08"] and agent.locator("button.claim").count() == 0
    assert agent.locator("#queue tbody tr").inner_text().count(f"→ {want:.1f}") == 1
    hdr = {"authorization": "Bearer " + TOKENS["A001"]}
    assert [x["call_id"] for x in httpx.get(day.url + "/api/queue", headers=hdr).json()["items"]] == ["c08"]
    assert httpx.get(day.url + "/api/calls/c01", headers=hdr).status_code == 404  # another agent's call
    search = {"text": "安心保险"}  # the company's name: in every call's greeting
    found = {x["call_id"] for x in httpx.get(day.url + "/api/queue", params=search, headers=hdr).json()["items"]}
    everyone = httpx.get(day.url + "/api/queue", params=search, headers={"authorization": "Bearer " + TOKENS["王质检"]})
    assert found == {"c08"} and {"c01", "c08"} <= {x["call_id"] for x in everyone.json()["items"]}
    other = day.open_as("A003", "/")  # and the other agent sees only theirs
    expect(other.locator("#queue tbody tr")).to_have_count(2)
    assert sorted(rows(other)) == ["c01", "x_html"]
    other.context.close()

    assert not agent.locator("nav a[href='/calibration']").is_visible()  # a reviewers' page (403 for an agent)
    agent.click("#queue tbody tr a")
    expect(agent.locator("#appeal")).to_be_visible()
    assert not agent.locator("#submit").is_visible() and agent.locator("#comment").is_disabled()  # read-only
    assert agent.locator("#draft-note").inner_text() == ""  # nothing of a read-only sheet is a draft
    assert item(agent, "answer.tactful").locator("button.agree").is_disabled()
    for rows_ in SHEET.values():
        for check_id, verdict, points, reason in rows_:
            row = item(agent, check_id)
            if verdict:
                assert row.locator(f"button.{verdict}.on").count() == 1, check_id
            shown = points if points is not None else eff.get(check_id)
            if shown is not None:  # in view, not folded away with the passes
                assert row.locator(".eff").is_visible() and row.locator(".eff").inner_text().startswith(
                    f"= {shown:.1f} / "), check_id
            if reason:
                assert row.locator("input.reason").input_value() == reason
    assert agent.locator("#comment").input_value() == COMMENT
    assert agent.locator("#final-score").inner_text() == f"{want:.1f}"
    day.shot(agent, "4-agent-verdicts")
    for check_id in APPEALED:
        agent.check(f".appeal-item input[value='{check_id}']")
    agent.fill("#appeal-reason", APPEAL_REASON)
    agent.locator("#appeal").scroll_into_view_if_needed()
    day.shot(agent, "5-appeal")
    agent.click("#appeal")
    expect(agent.locator("#status")).to_have_attribute("data-status", "appealed")
    assert day.sql("select target, reason from review_events where kind = 'appeal'") == [(",".join(APPEALED), APPEAL_REASON)]
    return agent


def senior_overturns(day: Day, report: dict, want: float) -> None:
    """3. The senior finds the appeal, sees it side by side and overturns it: the score is recomputed."""
    titles = {c["id"]: c["title"] for c in report["checks"]}
    senior = day.open_as("陈主管", "/?status=appealed")
    expect(senior.locator("#queue tbody tr")).to_have_count(1)
    senior.click("#queue tbody tr[data-call='c08'] a")
    expect(senior.locator("#banner tr[data-appealed]")).to_have_count(2)
    banner = senior.locator("#banner").inner_text()
    assert "坐席已申诉，请主管裁决" in banner and "A001 提出申诉：" in banner and APPEAL_REASON in banner
    for check_id in APPEALED:
        cells = senior.locator(f"#banner tr[data-appealed='{check_id}'] td").all_inner_texts()
        assert cells == [titles[check_id], "自动 0.0 → 复核 0.0", "同意"], cells
    senior.fill("#ruling-reason", RULING_REASON)
    day.shot(senior, "6-senior-ruling")
    senior.click("#overturn")
    expect(senior.locator("#status")).to_have_attribute("data-status", "ruled")
    expect(senior.locator("#final-score")).to_have_text(f"{want:.1f}")
    assert "申诉成立，已改判" in senior.locator("#banner").inner_text()
    for check_id in APPEALED:
        assert item(senior, check_id).locator("button.dispute.on").count() == 1
    assert day.sql("select status, final_score from call_reviews where call_id = 'c08'") == [("ruled", want)]
    day.shot(senior, "7-ruled")


def no_second_appeal(day: Day, agent, want: float) -> None:
    """4. The ruling is final: the agent has no appeal control and the API refuses; they acknowledge it."""
    agent.reload()
    expect(agent.locator("#banner .ruled")).to_contain_text("不可再次复核或申诉")
    assert agent.locator("#appeal").count() == 0 and agent.locator("#appeal-reason").count() == 0
    assert agent.locator("#final-score").inner_text() == f"{want:.1f}"
    r = httpx.post(day.url + "/api/calls/c08/events", json={"kind": "appeal", "reason": "再申诉一次"},
                   headers={"authorization": "Bearer " + TOKENS["A001"]})
    assert r.status_code == 403 and "cannot be appealed again" in r.json()["error"]
    r = httpx.post(day.url + "/api/calls/c08/review", json={"items": {}, "comment": "改一下"},
                   headers={"authorization": "Bearer " + TOKENS["王质检"]})
    assert r.status_code == 403
    agent.click("#ack")
    expect(agent.locator("#acked")).to_contain_text("A001 已确认阅读复核结果")
    day.shot(agent, "8-agent-final")
    assert day.sql("select count(*) from review_events where kind = 'appeal'") == [(1,)]


def report_shows_the_final_scores(day: Day, c08: float, c01: float) -> None:
    """5. `qa report`, as a user runs it: agents' and teams' mean and minimum scores are the final ones."""
    out = day.db.parent / "report"
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "report", "--db", str(day.db), "--view", "agents",
                        "--view", "teams", "--format", "csv", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    agents = {x["agent_id"]: x for x in csv.DictReader((out / "agents.csv").open(encoding="utf-8-sig"))}
    assert float(agents["A001"]["mean_score"]) == pytest.approx(c08) and agents["A001"]["reviewed"] == "1"
    assert float(agents["A001"]["mean_auto_score"]) == 0.0
    [(x_html,)] = day.sql("select score from calls where call_id = 'x_html'")
    assert float(agents["A003"]["mean_score"]) == pytest.approx((c01 + x_html) / 2)
    assert float(agents["A003"]["min_score"]) == pytest.approx(min(c01, x_html))
    teams = {x["team"]: x for x in csv.DictReader((out / "teams.csv").open(encoding="utf-8-sig"))}
    [(c03,)] = day.sql("select score from calls where call_id = 'c03'")
    assert float(teams["车险一组"]["mean_score"]) == pytest.approx((c08 + c03) / 2)
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "report", "--db", str(day.db), "--view", "agents"],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr[-2000:]
    line = next(x for x in r.stdout.splitlines() if "A001" in x)
    assert "王芳" in line and f"{c08:.1f}" in line
