const callId = decodeURIComponent(location.pathname.replace(/^\/call\//, ""));
const player = document.getElementById("player");
let data, duration = 1;

function seek(t) { player.currentTime = Math.max(0, t); player.play().catch(() => {}); }
function setError(e) { document.getElementById("error").textContent = e ? e.message || e : ""; }
async function send(kind, target, value, reason) {
  try {
    await api("/api/calls/" + encodeURIComponent(callId) + "/events", {method: "POST", body: JSON.stringify({kind, target, value, reason})});
    setError(""); await load(false);
  } catch (e) { setError(e); }
}

function renderSummary(call, report, review) {
  const s = document.getElementById("summary");
  s.replaceChildren(...[el("h2", {}, "Call " + call.call_id),
    el("div", {}, (call.agent_id || "–") + " " + (call.agent_name || "") + " · " + (call.team || "no team") + " · " +
      (call.started_at || "") + " · " + fmtTime(call.duration_s) + " · " + (call.channels === 2 ? "stereo" : "mono")),
    el("div", {}, "Automatic score ", el("b", {}, fmtNum(report.score)),
      call.fatal ? el("span", {class: "tag fatal"}, "fatal") : null, call.flagged ? el("span", {class: "tag flagged"}, "flagged") : null,
      (report.flag_reasons || []).map(r => el("span", {class: "tag"}, r))),
    review.final_score !== null ? el("div", {}, "Reviewer's final score ", el("b", {}, fmtNum(review.final_score))) : null].filter(Boolean));
}

function renderTimeline(report) {
  const svg = document.getElementById("timeline");
  const NS = "http://www.w3.org/2000/svg";
  const r = (x0, x1, y, h, color, title) => {
    const e = document.createElementNS(NS, "rect");
    e.setAttribute("x", 1000 * x0 / duration); e.setAttribute("width", Math.max(1, 1000 * (x1 - x0) / duration));
    e.setAttribute("y", y); e.setAttribute("height", h); e.setAttribute("fill", color);
    if (title) { const t = document.createElementNS(NS, "title"); t.textContent = title; e.append(t); }
    return e;
  };
  const parts = [];
  const m = report.metrics || {};
  for (const s of (m.silence || {}).spans || []) parts.push(r(s.start, s.end, 0, 70, "#e5e7ea", "silence " + fmtNum(s.end - s.start) + " s"));
  for (const s of (m.silence || {}).holds || []) parts.push(r(s.start, s.end, 0, 70, "#f5d90a88", "hold " + fmtNum(s.end - s.start) + " s"));
  for (const u of report.transcript || []) parts.push(r(u.start, u.end, u.speaker === "customer" ? 40 : 8, 22, u.speaker === "customer" ? "#9aa4b1" : "#1f6feb", u.speaker + ": " + u.text));
  for (const o of (m.overtalk || {}).spans || []) parts.push(r(o.start, o.end, 30, 10, "#d1242f", "overtalk: " + o.interrupter + " " + o.kind));
  const head = document.createElementNS(NS, "rect"); head.id = "playhead";
  head.setAttribute("x", 0); head.setAttribute("width", 2); head.setAttribute("y", 0); head.setAttribute("height", 70); head.setAttribute("fill", "#000");
  parts.push(head);
  svg.replaceChildren(...parts);
  svg.onclick = e => { const b = svg.getBoundingClientRect(); seek((e.clientX - b.left) / b.width * duration); };
}

function renderTranscript(report) {
  document.getElementById("transcript").replaceChildren(...(report.transcript || []).map((u, i) =>
    el("div", {class: "utt " + u.speaker, "data-start": u.start, "data-end": u.end, id: "utt-" + i, onclick: () => seek(u.start)},
      el("div", {class: "bubble"}, el("div", {class: "who"}, (u.speaker === "agent" ? "坐席 agent" : u.speaker === "customer" ? "客户 customer" : "speaker ?") + " · " + fmtTime(u.start)), u.text))));
}

function decisionRow(target, review) {
  const d = review.decisions[target];
  const reason = el("input", {placeholder: "reason (needed to dispute)", value: d && d.reason ? d.reason : "", style: "flex:1"});
  return el("div", {class: "decide"},
    el("button", {class: "agree" + (d && d.value === "agree" ? " on" : ""), "data-target": target, onclick: e => { e.stopPropagation(); send(target.includes("#") ? "finding" : "check", target, "agree", reason.value); }}, "Agree"),
    el("button", {class: "dispute" + (d && d.value === "dispute" ? " on" : ""), "data-target": target, onclick: e => { e.stopPropagation(); send(target.includes("#") ? "finding" : "check", target, "dispute", reason.value); }}, "Dispute"),
    reason, d ? el("span", {class: "muted"}, d.user) : null);
}

function renderFindings(report, review) {
  const out = [];
  for (const c of report.checks || []) {
    if (c.status === "manual") continue;
    const items = [...(c.findings || []).map(f => ["finding", f]), ...(c.evidence || []).map(f => ["evidence", f])];
    const head = el("div", {}, el("span", {class: "tag " + c.status}, c.status), el("b", {}, c.title || c.id), " ",
      el("span", {class: "muted"}, c.id + (c.points_possible ? " · " + fmtNum(c.points) + "/" + c.points_possible + " pts" : "")));
    const block = el("div", {class: "finding " + c.status, "data-check": c.id}, head, el("div", {class: "why"}, c.summary || ""));
    if (c.status === "pass" || (c.status === "fail" && !(c.findings || []).length)) block.append(decisionRow(c.id, review));
    if (c.status === "fail" || c.status === "partial" || c.status === "pass") {
      items.forEach(([kind, f], n) => {
        const span = f.span;
        block.append(el("div", {class: "finding-item", "data-finding": c.id + "#" + n, onclick: () => span && seek(span.start)},
          el("div", {}, span ? fmtTime(span.start) + "–" + fmtTime(span.end) + " " : "", f.speaker ? "(" + f.speaker + ") " : "",
            f.quote ? el("span", {class: "quote"}, f.quote) : null),
          el("div", {class: "why"}, kind === "evidence" ? "evidence: " + (f.why || "") : f.why || ""),
          kind === "finding" && (c.status === "fail" || c.status === "partial") ? decisionRow(c.id + "#" + n, review) : null));
      });
    }
    out.push(block);
  }
  document.getElementById("findings").replaceChildren(...out);
}

function renderChecklist(report, review) {
  const rows = (report.checks || []).map(c => {
    let pts = c.points !== null && c.points !== undefined ? fmtNum(c.points) + " / " + c.points_possible : "– / " + (c.points_possible || "–");
    let cell = pts;
    if (c.status === "manual" || (c.confidence !== null && c.confidence !== undefined && c.confidence < 0.6)) {
      const input = el("input", {type: "number", min: 0, max: c.points_possible, step: 0.5, style: "width:70px", "data-manual": c.id,
        value: review.manual[c.id] !== undefined ? review.manual[c.id] : ""});
      cell = el("span", {}, input, " / " + c.points_possible, el("button", {onclick: () => send("manual", c.id, input.value)}, "Save"));
    }
    return el("tr", {}, el("td", {}, c.title || c.id), el("td", {}, el("span", {class: "tag " + c.status}, c.status)), el("td", {}, cell));
  });
  document.querySelector("#checklist tbody").replaceChildren(...rows);
}

function renderDecision(review, me, call) {
  document.getElementById("final-score").value = review.final_score !== null ? review.final_score : "";
  if (review.comment && !document.getElementById("comment").value) document.getElementById("comment").value = review.comment;
  document.getElementById("status").textContent = review.status;
  const box = document.getElementById("appeal-box");
  const parts = [];
  if (review.appeal) parts.push(el("div", {}, "Appeal by " + review.appeal.by + ": ", el("span", {class: "quote"}, review.appeal.reason)));
  if (review.ruling) parts.push(el("div", {}, "Ruling by " + review.ruling.by + ": " + review.ruling.value + " — ", el("span", {class: "quote"}, review.ruling.reason || "")));
  if (review.status === "reviewed" && (me.role === "agent" || me.role === "admin")) {
    const t = el("input", {placeholder: "why the agent disputes this review", style: "width:70%", id: "appeal-reason"});
    parts.push(el("div", {}, t, el("button", {id: "appeal", onclick: () => send("appeal", "", null, t.value)}, "Appeal")));
  }
  if (review.status === "appealed" && (me.role === "senior" || me.role === "admin")) {
    const t = el("input", {placeholder: "ruling reason", style: "width:50%", id: "ruling-reason"});
    parts.push(el("div", {}, t, el("button", {onclick: () => send("ruling", "", "upheld", t.value)}, "Uphold review"),
      el("button", {onclick: () => send("ruling", "", "overturned", t.value)}, "Overturn")));
  }
  box.replaceChildren(...parts);
}

function renderHistory(history) {
  document.getElementById("history").replaceChildren(...history.slice().reverse().map(h =>
    el("li", {}, h.at.replace("T", " ").replace("Z", " UTC") + " · " + h.user + " (" + h.role + ") · " + h.kind + " " + h.target + " " + (h.value || "") + (h.reason ? " — " + h.reason : ""))));
}

async function load(first) {
  try { data = await api("/api/calls/" + encodeURIComponent(callId)); } catch (e) { setError(e); return; }
  const {call, report, review, history, me} = data;
  duration = report.duration_s || 1;
  document.querySelector(".me").textContent = me.name + " · " + me.role;
  document.body.classList.add("role-" + me.role);  // an agent reads the review and may appeal; no decision controls
  document.title = "QA review · " + call.call_id;
  renderSummary(call, report, review); renderTimeline(report); renderTranscript(report);
  renderFindings(report, review); renderChecklist(report, review); renderDecision(review, me, call); renderHistory(history);
  if (first && (call.format === "transcript" || !call.sample_rate)) {
    player.replaceWith(el("div", {class: "muted", id: "player"}, "No recording: this call was scored from a transcript."));
    document.getElementById("channel").disabled = true;
  } else if (first) {
    const chan = document.getElementById("channel");
    if (call.channels !== 2) chan.disabled = true;
    const setSrc = () => { const t = player.currentTime; player.src = "/api/calls/" + encodeURIComponent(callId) + "/audio?channel=" + chan.value; player.currentTime = t; };
    chan.onchange = setSrc; setSrc();
  }
}
if (player.addEventListener) player.addEventListener("timeupdate", () => {
  const t = player.currentTime;
  const head = document.getElementById("playhead"); if (head) head.setAttribute("x", 1000 * t / duration);
  document.querySelectorAll(".utt").forEach(u => u.classList.toggle("playing", t >= +u.dataset.start && t <= +u.dataset.end));
});
document.getElementById("save-score").onclick = () => send("score", "", document.getElementById("final-score").value);
document.getElementById("save-comment").onclick = () => send("comment", "", null, document.getElementById("comment").value);
document.getElementById("mark-reviewed").onclick = () => send("status", "", "reviewed");
document.getElementById("back").href = document.referrer && document.referrer.includes("/?") ? document.referrer : "/";
load(true);
