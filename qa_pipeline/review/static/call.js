// One call's review: player, timeline and transcript on the left (sticky), the scoring sheet on the right.
// The reviewer's input lives in a draft (localStorage) until 提交复核 stores it in one request; the page
// never re-creates an input while the reviewer works, so typed text stays where it was typed.
const callId = decodeURIComponent(location.pathname.replace(/^\/call\//, ""));
const DRAFT_KEY = "qa-draft:" + callId;
let player = document.getElementById("player");
let data, me, duration = 1, currentItem = null, markers = [], markerIdx = -1;
let loopSpan = null;  // {start, end}: the finding being played in a loop (R, or its ⟲ button)
const LOW_CONFIDENCE = 0.6;

// -- the draft ------------------------------------------------------------------------------------
function loadDraft() { try { return Object.assign({items: {}}, JSON.parse(localStorage.getItem(DRAFT_KEY) || "{}")); } catch (e) { return {items: {}}; } }
let draft = loadDraft();
function saveDraft() {
  localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  document.getElementById("draft-note").textContent = t("draft_kept");
}
function dItem(id) { return draft.items[id] || (draft.items[id] = {}); }

// -- what the reviewer decided (draft first, then what is stored) ------------------------------------
function storedVerdict(id) {
  const d = data.review.decisions;
  if (d[id]) return d[id].value;
  const vals = Object.entries(d).filter(([k]) => k.split("#")[0] === id).map(([, v]) => v.value);
  return vals.includes("agree") ? "agree" : vals.length ? "dispute" : null;
}
function verdictOf(id) { const x = draft.items[id]; return x && x.verdict !== undefined ? x.verdict : storedVerdict(id); }
function pointsOf(id) {
  const x = draft.items[id];
  if (x && x.points !== undefined && x.points !== null && x.points !== "") return Number(x.points);
  return data.review.points && data.review.points[id] !== undefined ? data.review.points[id] : undefined;
}
function reasonOf(id) {
  const x = draft.items[id];
  if (x && x.reason !== undefined) return x.reason;
  const d = data.review.decisions[id];
  return d && d.reason ? d.reason : "";
}
function needsDecision(c) {  // as qa_pipeline/review/sheet.py needs_decision
  if (c.status === "fail" || c.status === "partial") return true;
  return c.confidence !== null && c.confidence !== undefined && c.status !== "manual" && c.confidence < LOW_CONFIDENCE &&
    c.points_possible !== null && c.points_possible !== undefined;
}
function onSheet(c) { return !!c.section && c.points_possible !== null && c.points_possible !== undefined; }
function derivedPoints(c) {  // what an item counts without reviewer's points
  if (verdictOf(c.id) === "dispute" && (c.status === "fail" || c.status === "partial")) return Number(c.points_possible);
  if (c.status !== "manual" && c.points !== null && c.points !== undefined) return Number(c.points);
  return undefined;
}
// The same arithmetic as qa_pipeline/review/sheet.py (final_score): the server recomputes it on submit.
function sheetTotal() {
  const sections = new Map(), fatal = [];
  for (const c of data.report.checks || []) {
    if (!onSheet(c)) continue;
    if (!sections.has(c.section)) sections.set(c.section, {name: c.section, earned: 0, possible: 0, items: 0});
    const s = sections.get(c.section), own = pointsOf(c.id);
    const got = own !== undefined ? own : derivedPoints(c);
    if (got === undefined) continue;
    if (c.fatal && c.status === "fail" && verdictOf(c.id) !== "dispute" && own === undefined) fatal.push(c.id);
    s.earned += got; s.possible += Number(c.points_possible); s.items += 1;
  }
  const detail = data.report.score_detail || {};
  const caps = Object.fromEntries((detail.sections || []).map(s => [s.name, s.points]));
  let earned = 0, possible = 0;
  for (const s of sections.values()) {
    if (s.items) s.earned = Math.max(s.earned, 0);
    if (caps[s.name] !== null && caps[s.name] !== undefined) s.earned = Math.min(s.earned, Number(caps[s.name]));
    earned += s.earned; possible += s.possible;
  }
  const rescaled = !detail.method || String(detail.method).includes("÷");
  let total = rescaled ? (possible <= 0 ? null : Math.round(1000 * Math.max(earned, 0) / possible) / 10)
                       : (sections.size ? Math.round(10 * Math.max(earned, 0)) / 10 : null);
  if (fatal.length) total = 0;
  return {total, sections, fatal};
}
function undecided() {
  return (data.report.checks || []).filter(c => needsDecision(c) && !verdictOf(c.id) && pointsOf(c.id) === undefined);
}

// -- player ----------------------------------------------------------------------------------------
function seek(t) { if (!player.play) return; player.currentTime = Math.max(0, t); player.play().catch(() => {}); }
function setError(e) { document.getElementById("error").textContent = e ? e.message || e : ""; }
async function send(kind, target, value, reason) {
  try {
    await api("/api/calls/" + encodeURIComponent(callId) + "/events", {method: "POST", body: JSON.stringify({kind, target, value, reason})});
    setError(""); if (kind === "appeal") delete draft.appeal; if (kind === "ruling") delete draft.ruling; saveDraft();
    await load(false);
  } catch (e) { setError(e); }
}

// -- the left column -------------------------------------------------------------------------------
function renderSummary() {
  const {call, report, review} = data;
  document.getElementById("summary").replaceChildren(...[el("h2", {}, t("call") + " " + call.call_id),
    el("div", {}, (call.agent_id || "–") + " " + (call.agent_name || "") + " · " + (call.team || t("no_team")) + " · " +
      (call.started_at || "") + " · " + fmtTime(call.duration_s) + " · " + (call.channels === 2 ? t("stereo") : t("mono"))),
    el("div", {}, t("auto_score") + " ", el("b", {id: "auto-score"}, fmtNum(report.score)), " ",
      call.fatal ? el("span", {class: "tag fatal"}, t("fatal")) : null, call.flagged ? el("span", {class: "tag flagged"}, t("flagged")) : null,
      (report.flag_reasons || []).map(r => el("span", {class: "tag reason"}, tFlag(r)))),
    el("div", {}, review.assignee ? el("span", {class: "muted", id: "assignee"}, t("claimed_by", review.assignee) + " ") : null,
      me.role !== "agent" && review.assignee !== me.name && ["pending", "in_review"].includes(review.status) ?
        el("button", {type: "button", id: "claim", onclick: () => send("claim", "", null, null)}, t("claim")) : null,
      review.assignee && (review.assignee === me.name || ["senior", "admin"].includes(me.role)) &&
      ["pending", "in_review"].includes(review.status) ?
        el("button", {type: "button", id: "release", onclick: () => send("release", "", null, null)}, t("release")) : null),
    review.final_score !== null ? el("div", {}, t("final_score") + " ", el("b", {id: "final-score"}, fmtNum(review.final_score)),
      " · ", el("span", {class: "tag"}, t(review.status))) : null].filter(Boolean));
}

function renderTimeline() {
  const report = data.report;
  const svg = document.getElementById("timeline");
  const NS = "http://www.w3.org/2000/svg";
  const x = s => 1000 * s / duration;
  const r = (x0, x1, y, h, cls, label) => {
    const e = document.createElementNS(NS, "rect");
    e.setAttribute("x", x(x0)); e.setAttribute("width", Math.max(1, x(x1) - x(x0)));
    e.setAttribute("y", y); e.setAttribute("height", h); e.setAttribute("class", cls);
    if (label) { const tt = document.createElementNS(NS, "title"); tt.textContent = label; e.append(tt); }
    return e;
  };
  const parts = [];
  const m = report.metrics || {};
  for (const s of (m.silence || {}).spans || []) parts.push(r(s.start, s.end, 14, 60, "tl-silence", t("silence") + " " + fmtNum(s.end - s.start) + " s"));
  for (const s of (m.silence || {}).holds || []) parts.push(r(s.start, s.end, 14, 60, "tl-hold", t("hold") + " " + fmtNum(s.end - s.start) + " s"));
  for (const u of report.transcript || []) parts.push(r(u.start, u.end, u.speaker === "customer" ? 48 : 18, 22, "tl-" + (u.speaker || "unknown"), u.text));
  for (const o of (m.overtalk || {}).spans || []) parts.push(r(o.start, o.end, 40, 8, "tl-overtalk", t("overtalk")));
  // finding markers: every located finding of an item that did not pass
  markers = [];
  for (const c of report.checks || []) {
    if (!(c.status === "fail" || c.status === "partial" || needsDecision(c))) continue;
    (c.findings || []).forEach((f, n) => { if (f.span) markers.push({start: f.span.start, end: f.span.end, id: c.id, n, reviewer: f.source === "reviewer"}); });
  }
  markers.sort((a, b) => a.start - b.start);
  for (const mk of markers) {
    const e = r(mk.start, Math.max(mk.end, mk.start + duration / 200), 0, 12, "tl-marker" + (mk.reviewer ? " reviewer" : ""), title(mk.id));
    e.dataset.marker = mk.id;
    e.addEventListener("click", ev => { ev.stopPropagation(); focusItem(mk.id); seek(mk.start); });
    parts.push(e);
  }
  // the time axis
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800];
  const step = steps.find(s => duration / s <= 10) || 3600;
  for (let s = 0; s <= duration + 1e-9; s += step) {
    const tick = document.createElementNS(NS, "line");
    tick.setAttribute("x1", x(s)); tick.setAttribute("x2", x(s)); tick.setAttribute("y1", 76); tick.setAttribute("y2", 80); tick.setAttribute("class", "tl-tick");
    const lab = document.createElementNS(NS, "text");
    lab.setAttribute("x", Math.min(x(s) + 2, 975)); lab.setAttribute("y", 92); lab.setAttribute("class", "tl-label"); lab.textContent = fmtTime(s);
    parts.push(tick, lab);
  }
  const axis = document.createElementNS(NS, "line");
  axis.setAttribute("x1", 0); axis.setAttribute("x2", 1000); axis.setAttribute("y1", 76); axis.setAttribute("y2", 76); axis.setAttribute("class", "tl-tick");
  parts.push(axis);
  const wave = document.createElementNS(NS, "path"); wave.id = "waveform"; wave.setAttribute("class", "tl-wave");
  parts.unshift(wave);  // filled in by loadWaveform (behind the speech bars)
  const head = document.createElementNS(NS, "rect"); head.id = "playhead";
  head.setAttribute("x", 0); head.setAttribute("width", 2); head.setAttribute("y", 0); head.setAttribute("height", 76); head.setAttribute("fill", "#000");
  parts.push(head);
  svg.replaceChildren(...parts);
  svg.onclick = e => { const b = svg.getBoundingClientRect(); seek((e.clientX - b.left) / b.width * duration); };
}

let peaks = null;
async function loadWaveform() {  // the recording's loudness per slice: agent above the middle line, customer below
  const call = data.call;
  if (call.format === "transcript" || !call.sample_rate) return;
  try { peaks = peaks || await api("/api/calls/" + encodeURIComponent(callId) + "/peaks?n=500"); } catch (e) { return; }
  drawWaveform();
}
function drawWaveform() {
  const w = document.getElementById("waveform");
  if (!w || !peaks) return;
  const [top, bottom] = [peaks.channels[0], peaks.channels[peaks.channels.length - 1]];
  const step = 1000 * (peaks.duration_s / duration) / peaks.n, mid = 44;
  let d = "";
  top.forEach((v, i) => { d += `M${(i * step).toFixed(1)} ${mid} v${(-v * 30).toFixed(1)} `; });
  bottom.forEach((v, i) => { d += `M${(i * step).toFixed(1)} ${mid} v${(v * 30).toFixed(1)} `; });
  w.setAttribute("d", d);
}

function speakerName(s) { return s === "agent" ? t("agent_speaker") : s === "customer" ? t("customer_speaker") : t("unknown_speaker"); }
function renderTranscript() {  // a segment's row, with the reviewer's corrections and tools: annotate.js
  document.getElementById("transcript").replaceChildren(...(data.report.transcript || []).map(transcriptRow));
}

// -- the scoring sheet -----------------------------------------------------------------------------
function itemRow(c) {
  const judged = ["pass", "fail", "partial"].includes(c.status);
  const low = c.confidence !== null && c.confidence !== undefined && c.confidence < LOW_CONFIDENCE && c.status !== "manual";
  const head = el("div", {class: "item-head"},
    el("span", {class: "tag " + c.status.replace("/", "")}, t(c.status)),
    c.fatal ? el("span", {class: "tag fatal"}, t("fatal")) : null,
    low ? el("span", {class: "tag low"}, t("low_conf") + " " + Math.round(c.confidence * 100) + "%") : null,
    el("b", {class: "item-title"}, c.title || title(c.id)),
    el("span", {class: "muted small"}, " " + (c.section || "")),
    onSheet(c) ? el("span", {class: "auto-pts muted small"}, " · " + t("auto") + " " + (c.points === null || c.points === undefined ? "–" : fmtNum(c.points)) + "/" + fmtNum(c.points_possible)) : null);
  const row = el("div", {class: "item " + c.status.replace("/", ""), "data-item": c.id, onclick: () => { currentItem = c.id; }}, head);
  if (c.summary && c.status !== "manual") row.append(el("div", {class: "why"}, tWhy(c.summary, c.summary_zh)));
  const controls = el("div", {class: "decide"});
  if (judged || low) {
    controls.append(
      el("button", {type: "button", class: "agree", onclick: e => { e.stopPropagation(); setVerdict(c.id, "agree"); }}, t("agree")),
      el("button", {type: "button", class: "dispute", onclick: e => { e.stopPropagation(); setVerdict(c.id, "dispute"); }}, t("dispute")));
  }
  if (onSheet(c)) {
    const input = el("input", {type: "number", class: "points", "data-points": c.id, min: Math.min(0, c.points || 0), max: c.points_possible, step: 0.5,
      oninput: e => { dItem(c.id).points = e.target.value; saveDraft(); refresh(c.id); }});
    controls.append(input, el("span", {class: "eff"}));
  }
  if (judged || low) {
    controls.append(el("input", {type: "text", class: "reason", placeholder: t("reason_ph"), maxlength: 2000,
      oninput: e => { dItem(c.id).reason = e.target.value; saveDraft(); }}));
  }
  if (controls.childNodes.length) row.append(controls);
  const items = [...(c.findings || []).map(f => ["finding", f]), ...(c.evidence || []).map(f => ["evidence", f])];
  items.forEach(([kind, f], n) => {
    const span = f.span;
    row.append(el("div", {class: "finding-item", "data-finding": c.id + "#" + n, onclick: () => { currentItem = c.id; if (span) seek(span.start); }},
      el("div", {}, span ? el("span", {class: "when"}, fmtTime(span.start) + "–" + fmtTime(span.end)) : null, " ",
        span ? el("button", {type: "button", class: "loop small", title: t("loop_title"), "aria-pressed": "false",
          onclick: e => { e.stopPropagation(); currentItem = c.id; toggleLoop(span); }}, "⟲") : null, " ",
        f.speaker ? "(" + speakerName(f.speaker) + ") " : "", f.quote ? el("span", {class: "quote"}, f.quote) : null, " ", reviewerMark(f)),
      el("div", {class: "why"}, (kind === "evidence" ? t("evidence") + "：" : "") + tWhy(f.why || "", f.why_zh))));
  });
  return row;
}

function toggleLoop(span) {  // play a finding's span over and over (again: stop)
  const same = loopSpan && span && loopSpan.start === span.start && loopSpan.end === span.end;
  loopSpan = same || !span ? null : {start: span.start, end: Math.max(span.end, span.start + 0.5)};
  document.querySelectorAll("button.loop").forEach(b => b.setAttribute("aria-pressed", "false"));
  document.body.dataset.loop = loopSpan ? loopSpan.start.toFixed(2) + "-" + loopSpan.end.toFixed(2) : "";
  if (loopSpan) {
    const row = document.querySelector(`[data-item="${CSS.escape(currentItem || "")}"]`);
    (row ? [...row.querySelectorAll("button.loop")] : []).forEach(b => {
      if (b.closest(".finding-item").querySelector(".when").textContent.startsWith(fmtTime(loopSpan.start))) b.setAttribute("aria-pressed", "true"); });
    seek(loopSpan.start);
  }
}
function firstSpan(id) { const mk = markers.find(m => m.id === id); return mk ? {start: mk.start, end: mk.end} : null; }

function setPointsKey(id, digit) {  // a digit key: the current item's points (within its range)
  const input = document.querySelector(`[data-points="${CSS.escape(id)}"]`);
  if (!input || input.disabled) return false;
  const v = Math.min(Number(input.max), Math.max(Number(input.min), digit));
  input.value = String(v); dItem(id).points = input.value; saveDraft(); refresh(id);
  return true;
}

function setVerdict(id, v) {
  dItem(id).verdict = verdictOf(id) === v ? null : v;  // a second click takes the verdict back
  currentItem = id;
  saveDraft(); refresh(id);
  if (v === "dispute" && verdictOf(id) === "dispute") {
    const r = document.querySelector(`[data-item="${CSS.escape(id)}"] input.reason`);
    if (r && !r.value) r.focus();
  }
}

// Update one item's controls (or all) and the totals, without re-creating inputs.
function refresh(only) {
  const tot = sheetTotal();
  for (const c of data.report.checks || []) {
    if (only && c.id !== only) continue;
    const row = document.querySelector(`[data-item="${CSS.escape(c.id)}"]`);
    if (!row) continue;
    const v = verdictOf(c.id);
    row.querySelectorAll("button.agree").forEach(b => b.classList.toggle("on", v === "agree"));
    row.querySelectorAll("button.dispute").forEach(b => b.classList.toggle("on", v === "dispute"));
    const input = row.querySelector("input.points");
    if (input) {
      const own = pointsOf(c.id), der = derivedPoints(c);
      if (document.activeElement !== input) input.value = own === undefined ? "" : own;
      input.placeholder = der === undefined ? "–" : fmtNum(der);
      const eff = own !== undefined ? own : der;
      row.querySelector(".eff").textContent = "= " + (eff === undefined ? "–" : fmtNum(eff)) + " / " + fmtNum(c.points_possible) + " " + t("points");
    }
    const reason = row.querySelector("input.reason");
    if (reason && document.activeElement !== reason) reason.value = reasonOf(c.id);
    row.classList.toggle("open", needsDecision(c) && !v && pointsOf(c.id) === undefined);
  }
  for (const s of tot.sections.values()) {
    const e = document.querySelector(`[data-section="${CSS.escape(s.name)}"] .subtotal`);
    if (e) e.textContent = fmtNum(s.earned) + " / " + fmtNum(s.possible);
  }
  document.getElementById("total").textContent = fmtNum(tot.total);
  document.getElementById("auto-total").textContent = "(" + t("auto") + " " + fmtNum(data.report.score) + ")";
}

function renderSheet() {
  const checks = data.report.checks || [];
  const top = checks.filter(c => needsDecision(c) || (c.fatal && c.status === "fail"));
  top.sort((a, b) => (b.fatal && b.status === "fail") - (a.fatal && a.status === "fail") || (b.status === "fail") - (a.status === "fail"));
  document.getElementById("attention").replaceChildren(...top.map(itemRow));
  document.getElementById("attention-card").hidden = !top.length;
  const sections = new Map();
  for (const c of checks) if (onSheet(c)) { if (!sections.has(c.section)) sections.set(c.section, []); sections.get(c.section).push(c); }
  const blocks = [];
  for (const [name, items] of sections) {
    const rest = items.filter(c => !top.includes(c));
    // passes are folded away, except those the review changed (their points must show, to the agent too)
    const folded = c => c.status === "pass" && pointsOf(c.id) === undefined && !verdictOf(c.id);
    const passes = rest.filter(folded), others = rest.filter(c => !folded(c));
    const det = el("details", {class: "section", "data-section": name, open: true},
      el("summary", {}, el("b", {}, name), " ", el("span", {class: "subtotal"}), items.some(c => top.includes(c)) ? el("span", {class: "muted small"}, " ↑") : null),
      ...others.map(itemRow),
      passes.length ? el("details", {class: "passes"}, el("summary", {class: "muted"}, t("passes", passes.length)), ...passes.map(itemRow)) : null);
    blocks.push(det);
  }
  const extra = checks.filter(c => !onSheet(c) && !top.includes(c));
  if (extra.length) blocks.push(el("details", {class: "section other"}, el("summary", {}, t("other_checks")), ...extra.map(itemRow)));
  document.getElementById("sections").replaceChildren(...blocks);
  const comment = document.getElementById("comment");
  comment.value = draft.comment !== undefined ? draft.comment : (data.review.comment || "");
  comment.oninput = () => { draft.comment = comment.value; saveDraft(); };
  refresh();
}

function renderState() {
  const {review} = data;
  const final = review.status === "ruled" || review.status === "appealed";
  const readOnly = me.role === "agent" || final;
  document.getElementById("sheet-fields").disabled = readOnly;
  document.getElementById("submit").hidden = readOnly;
  document.getElementById("submit-next").hidden = readOnly;
  if (readOnly) document.getElementById("draft-note").textContent = "";  // nothing of a read-only sheet is kept as a draft
  document.getElementById("status").textContent = t(review.status);
  document.getElementById("status").dataset.status = review.status;
  const banner = document.getElementById("banner"), parts = [];
  if (review.status === "appealed") {
    parts.push(el("div", {class: "banner appealed"}, el("b", {}, t("appeal_banner")), " · ", t("appeal_by", review.appeal.by),
      el("span", {class: "quote"}, review.appeal.reason)));
    const named = (review.appeal.target || "").split(",").filter(Boolean);
    const items = (data.report.checks || []).filter(c => named.length ? named.includes(c.id) : (c.status === "fail" || c.status === "partial"));
    const tot = sheetTotal();
    parts.push(el("table", {class: "side-by-side"}, el("tbody", {}, items.map(c => {
      const own = pointsOf(c.id), eff = own !== undefined ? own : derivedPoints(c), d = review.decisions[c.id];
      return el("tr", {"data-appealed": c.id}, el("td", {}, c.title || title(c.id)),
        el("td", {}, t("auto_vs_reviewer", fmtNum(c.points), fmtNum(eff))),
        el("td", {}, d ? t(d.value) + (d.reason ? "：" + d.reason : "") : "–"));
    }))), el("div", {class: "muted"}, t("final_score") + " " + fmtNum(review.final_score !== null ? review.final_score : tot.total)));
  }
  if (review.status === "ruled") {
    parts.push(el("div", {class: "banner ruled"}, el("b", {}, t("ruling_by", review.ruling.by) + t(review.ruling.value)),
      review.ruling.reason ? " — " + review.ruling.reason : "", el("div", {class: "small"}, t("ruling_final"))));
  }
  banner.replaceChildren(...parts);

  const box = document.getElementById("appeal-box"), ap = [];
  if (review.appeal) ap.push(el("div", {}, t("appeal_by", review.appeal.by), el("span", {class: "quote"}, review.appeal.reason)));
  if (review.ruling) ap.push(el("div", {}, t("ruling_by", review.ruling.by) + t(review.ruling.value) + " — ", el("span", {class: "quote"}, review.ruling.reason || "")));
  if (review.acknowledged) ap.push(el("div", {class: "muted", id: "acked"}, t("acked", review.acknowledged.by, fmtWhen(review.acknowledged.at))));
  else if (me.role === "agent" && ["reviewed", "ruled"].includes(review.status))
    ap.push(el("button", {type: "button", id: "ack", onclick: () => send("ack", "", null, null)}, t("ack")));
  if (review.status === "reviewed" && (me.role === "agent" || me.role === "admin")) {
    const draftAp = draft.appeal || {};
    const choices = (data.report.checks || []).filter(c => c.status === "fail" || c.status === "partial" || pointsOf(c.id) !== undefined);
    const boxes = choices.map(c => el("label", {class: "appeal-item"}, el("input", {type: "checkbox", value: c.id, checked: (draftAp.items || []).includes(c.id),
      onchange: () => { draft.appeal = Object.assign(draft.appeal || {}, {items: [...box.querySelectorAll(".appeal-item input:checked")].map(x => x.value)}); saveDraft(); }}), " " + (c.title || title(c.id))));
    const reason = el("textarea", {rows: 2, id: "appeal-reason", placeholder: t("appeal_ph"),
      oninput: e => { draft.appeal = Object.assign(draft.appeal || {}, {reason: e.target.value}); saveDraft(); }});
    reason.value = draftAp.reason || "";
    ap.push(el("h2", {}, t("appeal")), me.appeal_days !== null && me.appeal_days !== undefined ? el("div", {class: "muted small"}, t("appeal_window", me.appeal_days)) : null,
      el("div", {class: "muted small"}, t("appeal_items")), ...boxes, reason,
      el("button", {type: "button", id: "appeal", class: "primary", onclick: () => send("appeal", [...box.querySelectorAll(".appeal-item input:checked")].map(x => x.value).join(","), null, reason.value)}, t("appeal")));
  }
  if (review.status === "appealed" && (me.role === "senior" || me.role === "admin")) {
    const reason = el("input", {id: "ruling-reason", placeholder: t("ruling_ph"), value: draft.ruling || "",
      oninput: e => { draft.ruling = e.target.value; saveDraft(); }});
    banner.append(el("div", {class: "rule"}, reason,
      el("button", {type: "button", id: "uphold", onclick: () => send("ruling", "", "upheld", reason.value)}, t("uphold")),
      el("button", {type: "button", id: "overturn", onclick: () => send("ruling", "", "overturned", reason.value)}, t("overturn"))));
  }
  box.replaceChildren(...ap.filter(Boolean));
  document.getElementById("appeal-card").hidden = !ap.length;
}

function renderHistory() {
  document.getElementById("history").replaceChildren(...data.history.slice().reverse().map(h =>
    el("li", {}, fmtWhen(h.at) + " · " + h.user + " (" + h.role + ") · " + t("kinds." + h.kind) + " " +
      (h.target ? h.target.split(",").map(x => title(x.split("#")[0]) + (x.includes("#") ? " #" + x.split("#")[1] : "")).join("、") : "") + " " +
      (h.value ? (["agree", "dispute", "upheld", "overturned", "reviewed", "in_review"].includes(h.value) ? t(h.value) : h.value) : "") +
      (h.reason ? " — " + h.reason : ""))));
}

async function nextCall() {
  for (const q of ["mine=true&status=pending", "status=pending", "mine=true&status=in_review"]) {
    const page = await api("/api/queue?size=5&" + q);
    const next = page.items.find(x => x.call_id !== callId);
    if (next) { location.href = "/call/" + encodeURIComponent(next.call_id); return; }
  }
  document.getElementById("draft-note").textContent = t("no_next");
}

async function submitReview(andNext) {
  const err = document.getElementById("submit-error");
  const open = undecided();
  if (open.length) {
    err.textContent = t("undecided", open.length, open.map(c => c.title || title(c.id)).join("、"));
    refresh();
    return;
  }
  const items = {};
  for (const [id, d] of Object.entries(draft.items)) {
    const x = {};
    if (d.verdict) { x.verdict = d.verdict; x.reason = reasonOf(id); }
    if (d.points !== undefined && d.points !== null && d.points !== "") x.points = Number(d.points);
    if (Object.keys(x).length) items[id] = x;
  }
  // stored decisions whose reason was edited in the draft travel again with the new reason
  for (const [id, d] of Object.entries(draft.items)) if (!d.verdict && d.reason !== undefined && storedVerdict(id)) items[id] = Object.assign(items[id] || {}, {verdict: storedVerdict(id), reason: d.reason});
  try {
    await api("/api/calls/" + encodeURIComponent(callId) + "/review", {method: "POST",
      body: JSON.stringify({items, comment: draft.comment !== undefined ? draft.comment : null})});
    err.textContent = "";
    draft = {items: {}};
    localStorage.removeItem(DRAFT_KEY);
    await load(false);
    document.getElementById("draft-note").textContent = t("submitted");
  } catch (e) { err.textContent = e.message || e; return; }
  if (andNext === true) await nextCall();
}

function focusItem(id) {
  currentItem = id;
  document.body.dataset.current = id;
  document.querySelectorAll(".item.focus").forEach(x => x.classList.remove("focus"));
  const row = document.querySelector(`[data-item="${CSS.escape(id)}"]`);
  if (row) { row.scrollIntoView({block: "center"}); row.classList.add("focus"); setTimeout(() => row.classList.remove("focus"), 1200); }
}

async function load(first) {
  try { data = await api("/api/calls/" + encodeURIComponent(callId)); } catch (e) { setError(e); return; }
  me = data.me; TZ = me.tz || TZ;
  if (first) await loadTitles();
  const {call, report} = data;
  duration = report.duration_s || 1;
  document.querySelector(".me").textContent = me.name + " · " + t("role_" + me.role) + (me.sensitive ? " · " + t("sees_sensitive") : "");
  document.body.classList.add("role-" + me.role);  // an agent reads the review and may appeal; no decision controls
  document.title = t("app") + " · " + call.call_id;
  render();
  if (first && (call.format === "transcript" || !call.sample_rate)) {
    player.replaceWith(el("div", {class: "muted", id: "player"}, t("no_recording")));
    player = document.getElementById("player");
    document.getElementById("channel").disabled = true;
  } else if (first) {
    const chan = document.getElementById("channel");
    if (call.channels !== 2) chan.disabled = true;
    const setSrc = () => { const tm = player.currentTime; player.src = "/api/calls/" + encodeURIComponent(callId) + "/audio?channel=" + chan.value; player.currentTime = tm; };
    chan.onchange = setSrc; setSrc();
    document.getElementById("speed").onchange = e => { player.playbackRate = Number(e.target.value); };
    loadWaveform();
  }
}
function render() {
  applyI18n();
  renderSummary(); renderTimeline(); drawWaveform(); renderTranscript(); renderAnnotTools(); renderSheet(); renderState(); renderHistory();
}
if (player.addEventListener) player.addEventListener("timeupdate", () => {
  const tm = player.currentTime;
  if (loopSpan && (tm >= loopSpan.end || tm < loopSpan.start - 1)) { player.currentTime = loopSpan.start; return; }
  const head = document.getElementById("playhead"); if (head) head.setAttribute("x", 1000 * tm / duration);
  document.querySelectorAll(".utt").forEach(u => u.classList.toggle("playing", tm >= +u.dataset.start && tm <= +u.dataset.end));
});
document.getElementById("sheet").addEventListener("submit", e => e.preventDefault());  // no inline handler: the CSP forbids it
document.getElementById("submit").onclick = () => submitReview(false);
document.getElementById("submit-next").onclick = () => submitReview(true);
document.getElementById("back").href = document.referrer && document.referrer.includes("/?") ? document.referrer : "/";
document.addEventListener("keydown", e => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && !document.getElementById("submit").hidden) { e.preventDefault(); submitReview(false); return; }
  if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test((e.target || {}).tagName || "")) return;
  const k = e.key.toLowerCase();
  if (k === " " && player.paused !== undefined) { e.preventDefault(); player.paused ? player.play().catch(() => {}) : player.pause(); }
  else if (k === "j" && player.play) player.currentTime = Math.max(0, player.currentTime - 5);
  else if (k === "l" && player.play) player.currentTime = player.currentTime + 5;
  else if (k === "n" || k === "p") {
    // the next/previous item on top (failed, fatal, uncertain), hearing its first located finding
    const ids = [...document.querySelectorAll("#attention .item")].map(x => x.dataset.item);
    if (!ids.length) return;
    markerIdx = (markerIdx + (k === "n" ? 1 : ids.length - 1)) % ids.length;
    if (markerIdx < 0) markerIdx = 0;
    const id = ids[markerIdx], mk = markers.find(m => m.id === id);
    focusItem(id); if (mk) seek(mk.start);
  } else if ((k === "a" || k === "d") && currentItem && !document.getElementById("sheet-fields").disabled) {
    e.preventDefault(); setVerdict(currentItem, k === "a" ? "agree" : "dispute");
  } else if (k === "r" && currentItem) {
    e.preventDefault(); toggleLoop(loopSpan ? null : firstSpan(currentItem));
  } else if (/^[0-9]$/.test(k) && currentItem && !document.getElementById("sheet-fields").disabled) {
    if (setPointsKey(currentItem, Number(k))) e.preventDefault();
  }
});
langSwitch(() => { if (data) render(); });
load(true);
