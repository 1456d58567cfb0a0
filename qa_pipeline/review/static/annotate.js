// Reviewer annotations on the call page: mark a violation the machine missed on a selected span of a segment,
// correct a segment's text (kept beside the machine's), swap the speakers of a mono call. Each is one event
// (POST /api/calls/ID/events); the server re-scores the call and the page reloads it. Loaded before call.js,
// whose globals (data, me, callId, send, title, seek) it uses once the page has loaded.
let annotSel = null;  // {seg, a, b, quote}: the span chosen for a violation

function canAnnotate() {
  return !!me && me.role !== "agent" && data.review.status !== "ruled" && !(data.review.status === "appealed" && me.role === "reviewer");
}
function isMono() { return data.call.channels !== 2; }

function transcriptRow(u, i) {
  const who = el("div", {class: "who"}, speakerName(u.speaker) + " · " + fmtTime(u.start),
    u.machine_speaker ? el("span", {class: "tag swapped"}, " " + t("swapped")) : null);
  const text = el("span", {class: "utt-text", "data-seg": i}, u.text);
  const bubble = el("div", {class: "bubble"}, who, text);
  if (u.machine_text !== undefined) {
    bubble.classList.add("corrected");
    bubble.append(el("div", {class: "machine-text small muted"}, t("machine_text") + "：", el("span", {class: "quote"}, u.machine_text)),
      el("div", {class: "small muted corrected-by"}, t("corrected_by", u.corrected.by, fmtWhen(u.corrected.at))));
  }
  if (canAnnotate()) {
    const tools = el("div", {class: "utt-tools"},
      el("button", {type: "button", class: "edit-seg small", title: t("edit_text"), onclick: e => { e.stopPropagation(); editSegment(i, bubble, u); }}, t("edit_text")),
      el("button", {type: "button", class: "mark-seg small", title: t("mark_violation"), onclick: e => { e.stopPropagation(); chooseSpan(i, null, null); }}, t("mark_violation")),
      isMono() ? el("button", {type: "button", class: "swap-seg small", title: t("swap_one"), onclick: e => { e.stopPropagation(); send("swap", String(i), null, null); }}, "⇄") : null);
    bubble.append(tools);
  }
  return el("div", {class: "utt " + u.speaker, "data-start": u.start, "data-end": u.end, id: "utt-" + i, "data-seg": i,
    onclick: () => { if (!String(window.getSelection() || "")) seek(u.start); }}, bubble);
}

function editSegment(i, bubble, u) {
  const box = el("textarea", {class: "seg-edit", rows: 2, maxlength: 4000});
  box.value = u.text;
  const save = el("button", {type: "button", class: "primary save-seg", onclick: e => { e.stopPropagation(); send("correction", String(i), null, box.value); }}, t("save_text"));
  const cancel = el("button", {type: "button", onclick: e => { e.stopPropagation(); renderTranscript(); }}, t("cancel"));
  const form = el("div", {class: "seg-form", onclick: e => e.stopPropagation()}, box, save, cancel);
  bubble.replaceChildren(...[bubble.firstChild, form]);
  box.focus();
}

// The span for a violation: a selection inside one segment's text, or the whole segment.
function chooseSpan(seg, a, b) {
  const text = data.report.transcript[seg].text;
  annotSel = a === null ? {seg, a: null, b: null, quote: text} : {seg, a, b, quote: text.slice(a, b)};
  renderAnnotPanel();
}
function onTranscriptSelect() {
  if (!canAnnotate()) return;
  const s = window.getSelection();
  if (!s || s.isCollapsed || !s.rangeCount) return;
  const r = s.getRangeAt(0);
  const host = n => (n.nodeType === 1 ? n : n.parentElement).closest(".utt-text");
  const h1 = host(r.startContainer), h2 = host(r.endContainer);
  if (!h1 || h1 !== h2) return;
  const a = Math.min(r.startOffset, r.endOffset), b = Math.max(r.startOffset, r.endOffset);
  if (b > a) chooseSpan(Number(h1.dataset.seg), a, b);
}

function renderAnnotPanel() {
  const panel = document.getElementById("annotate");
  if (!annotSel || !canAnnotate()) { panel.hidden = true; panel.replaceChildren(); return; }
  const checks = (data.report.checks || []).filter(c => c.status !== "manual");
  const pick = el("select", {id: "annot-item"}, el("option", {value: ""}, t("choose_item")),
    checks.map(c => el("option", {value: c.id}, (c.title || title(c.id)) + (c.section ? " · " + c.section : ""))));
  const reason = el("input", {id: "annot-reason", placeholder: t("violation_reason_ph"), maxlength: 2000});
  const err = el("span", {class: "error", id: "annot-error"});
  const mark = el("button", {type: "button", class: "primary", id: "annot-mark", onclick: async () => {
    if (!pick.value || !reason.value.trim()) { err.textContent = t("violation_needs"); return; }
    const value = annotSel.a === null ? String(annotSel.seg) : annotSel.seg + ":" + annotSel.a + "-" + annotSel.b;
    annotSel = null;
    await send("violation", pick.value, value, reason.value);
  }}, t("mark_violation"));
  panel.replaceChildren(el("div", {class: "small"}, t("segment_n", annotSel.seg + 1) + "：", el("span", {class: "quote", id: "annot-quote"}, annotSel.quote)),
    el("div", {class: "annot-row"}, pick, reason, mark, el("button", {type: "button", onclick: () => { annotSel = null; renderAnnotPanel(); }}, t("cancel"))), err);
  panel.hidden = false;
}

function renderAnnotTools() {
  const swap = document.getElementById("swap-all");
  swap.hidden = !(canAnnotate() && isMono());
  swap.onclick = () => send("swap", "", null, null);
  const note = document.getElementById("annot-note"), ann = data.report.annotations;
  note.textContent = ann ? t("annotated", fmtNum(data.report.machine.score), (data.report.rescored || []).length) : "";
  renderAnnotPanel();
}

// A reviewer's finding in the sheet: who marked it, and the way to take it back.
function reviewerMark(f) {
  if (f.source !== "reviewer") return null;
  return el("span", {class: "tag reviewer"}, t("reviewer_mark", f.by),
    canAnnotate() && f.annotation !== null ? el("button", {type: "button", class: "unmark small", onclick: e => { e.stopPropagation(); send("unmark", String(f.annotation), null, null); }}, t("unmark")) : null);
}

document.addEventListener("mouseup", e => { if (e.target.closest && e.target.closest("#transcript")) setTimeout(onTranscriptSelect, 0); });
