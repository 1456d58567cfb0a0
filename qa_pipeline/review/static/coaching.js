// Coaching tasks: the agent opens the attached calls and acknowledges the task (textContent only).
async function load() {
  const data = await api("/api/coaching");
  const body = document.querySelector("#tasks tbody");
  body.replaceChildren();
  for (const t of data.tasks) {
    const calls = t.calls.map(c => el("a", {href: "/call/" + encodeURIComponent(c)}, c));
    const mine = data.me.name === t.agent_id;
    let action = t.status === "open" && mine
      ? el("span", {}, el("input", {class: "ack-comment", placeholder: "comment (optional)"}),
           el("button", {class: "ack", onclick: async (e) => {
             const comment = e.target.parentNode.querySelector(".ack-comment").value || null;
             try { await api("/api/coaching/" + t.task_id + "/ack", {method: "POST", body: JSON.stringify({comment})}); await load(); }
             catch (err) { document.getElementById("error").textContent = err.message; }
           }}, "Acknowledge"))
      : (t.acknowledged_at ? "acknowledged " + t.acknowledged_at + (t.ack_comment ? " · " + t.ack_comment : "") : "");
    body.append(el("tr", {"data-task": t.task_id}, el("td", {}, t.task_id), el("td", {}, t.agent_id),
      el("td", {}, t.check_id || "–"), el("td", {}, t.note || ""), el("td", {}, ...calls.flatMap((a, i) => i ? [" ", a] : [a])),
      el("td", {}, t.assigned_by + " · " + t.assigned_at), el("td", {class: "status"}, t.status), el("td", {}, action)));
  }
}
document.getElementById("new-assign").addEventListener("click", async () => {
  const v = id => document.getElementById(id).value.trim();
  try {
    await api("/api/coaching", {method: "POST", body: JSON.stringify({agent_id: v("new-agent"), check_id: v("new-check") || null,
      note: v("new-note") || null, calls: v("new-calls").split(/[,，\s]+/).filter(Boolean)})});
    document.getElementById("error").textContent = "";
    await load();
  } catch (err) { document.getElementById("error").textContent = err.message; }
});
showMe().then(me => { document.getElementById("assign").hidden = me.role === "agent"; return load(); })
  .catch(err => { document.getElementById("error").textContent = err.message; });
