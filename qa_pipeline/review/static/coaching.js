// Coaching tasks: the agent opens the attached calls and acknowledges the task. Words through i18n.js,
// checks by their titles, times in the configured time zone; text only via el()/textContent.
let TASKS = null;
function renderTasks() {
  if (!TASKS) return;
  const body = document.querySelector("#tasks tbody");
  body.replaceChildren();
  for (const task of TASKS.tasks) {
    const calls = task.calls.map(c => el("a", {href: "/call/" + encodeURIComponent(c)}, c));
    const mine = TASKS.me.name === task.agent_id;
    const action = task.status === "open" && mine
      ? el("span", {}, el("input", {class: "ack-comment", placeholder: t("coach_ack_ph")}),
           el("button", {class: "ack", onclick: async (e) => {
             const comment = e.target.parentNode.querySelector(".ack-comment").value || null;
             try { await api("/api/coaching/" + task.task_id + "/ack", {method: "POST", body: JSON.stringify({comment})}); await load(); }
             catch (err) { document.getElementById("error").textContent = err.message; }
           }}, t("coach_ack")))
      : (task.acknowledged_at ? t("coach_acked_at", fmtWhen(task.acknowledged_at)) + (task.ack_comment ? " · " + task.ack_comment : "") : "");
    body.append(el("tr", {"data-task": task.task_id}, el("td", {}, task.task_id), el("td", {}, task.agent_id),
      el("td", {}, task.check_id ? title(task.check_id) : "–"), el("td", {}, task.note || ""),
      el("td", {}, ...calls.flatMap((a, i) => i ? [" ", a] : [a])),
      el("td", {}, task.assigned_by + " · " + fmtWhen(task.assigned_at)),
      el("td", {class: "status", "data-status": task.status}, t("coach_" + task.status)), el("td", {}, action)));
  }
}
async function load() {
  TASKS = await api("/api/coaching");
  renderTasks();
}
function checkChoices() {  // the check field takes an id or a title; the list offers titles
  document.getElementById("check-titles").replaceChildren(...Object.entries(TITLES).map(([id, name]) => el("option", {value: name}, id)));
}
function checkId(text) {
  const hit = Object.entries(TITLES).find(([id, name]) => name === text);
  return hit ? hit[0] : text;
}
document.getElementById("new-assign").addEventListener("click", async () => {
  const v = id => document.getElementById(id).value.trim();
  try {
    await api("/api/coaching", {method: "POST", body: JSON.stringify({agent_id: v("new-agent"), check_id: checkId(v("new-check")) || null,
      note: v("new-note") || null, calls: v("new-calls").split(/[,，\s]+/).filter(Boolean)})});
    document.getElementById("error").textContent = "";
    await load();
  } catch (err) { document.getElementById("error").textContent = err.message; }
});
applyI18n();
langSwitch(renderTasks);
Promise.all([showMe(), loadTitles()]).then(([me]) => { document.getElementById("assign").hidden = me.role === "agent"; checkChoices(); return load(); })
  .catch(err => { document.getElementById("error").textContent = err.message; });
