const form = document.getElementById("filters");
let page = 1;
const params = new URLSearchParams(location.search);
for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;
for (const k of ["mine", "unassigned"]) form.elements[k].checked = params.get(k) === "true";
page = Number(params.get("page") || 1);

async function loadOptions() {
  const o = await api("/api/options");
  for (const a of o.agents) form.elements.agent.append(el("option", {value: a.id}, a.name ? a.id + " " + a.name : a.id));
  for (const t of o.teams) form.elements.team.append(el("option", {value: t}, t));
  for (const c of o.checks) form.elements.check.append(el("option", {value: c}, title(c)));
  for (const x of o.samples || []) form.elements.sample.append(el("option", {value: x}, x));
  for (const x of o.queues || []) form.elements.queue.append(el("option", {value: x}, x));
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;
}
function query() {
  const q = new URLSearchParams();
  for (const e of form.elements) if (e.name && e.value && (e.type !== "checkbox" || e.checked)) q.set(e.name, e.value);
  q.set("page", page);
  return q;
}
async function load() {
  const q = query();
  history.replaceState(null, "", "/?" + q.toString());
  const t0 = performance.now();
  let data;
  try { data = await api("/api/queue?" + q.toString()); document.getElementById("error").textContent = ""; }
  catch (e) { document.getElementById("error").textContent = e.message; return; }
  const body = document.querySelector("#queue tbody");
  body.replaceChildren(...data.items.map(row => el("tr", {class: row.fatal ? "fatal" : row.flagged ? "flagged" : "", "data-call": row.call_id},
    el("td", {}, el("a", {href: "/call/" + encodeURIComponent(row.call_id)}, row.call_id)),
    el("td", {}, row.started_at || "–"),
    el("td", {}, (row.agent_id || "–") + (row.agent_name ? " " + row.agent_name : "")),
    el("td", {}, row.team || "–"),
    el("td", {}, fmtTime(row.duration_s)),
    el("td", {}, fmtNum(row.score), row.final_score !== null ? el("span", {class: "muted"}, " → " + fmtNum(row.final_score)) : null),
    el("td", {}, row.fatal ? el("span", {class: "tag fatal"}, t("fatal")) : null, (row.flag_reasons || []).map(r => el("div", {}, tFlag(r)))),
    el("td", {}, row.p_confirmed === null || row.p_confirmed === undefined ? "–" : Math.round(row.p_confirmed * 100) + "%"),
    el("td", {}, el("span", {class: "tag"}, t(row.review_status)), row.reviewer ? " " + row.reviewer : ""),
    el("td", {class: "assignee"}, row.assignee ? t("claimed_by", row.assignee) : (ME && ME.role !== "agent" ?
      el("button", {class: "claim", onclick: () => claim(row.call_id)}, t("claim")) : "–")))));
  const c = data.counts;
  const s = Object.entries(c.by_status).map(([k, v]) => t(k) + " " + v).join(" · ");
  document.getElementById("counts").replaceChildren(el("b", {}, data.total), t("calls_match") + " · ",
    t("n_flagged", c.flagged) + " · " + t("n_fatal", c.fatal) + " · " + s, el("span", {class: "muted", id: "ms"}, " (" + Math.round(performance.now() - t0) + " ms)"));
  const pages = Math.max(1, Math.ceil(data.total / data.size));
  document.getElementById("pageinfo").textContent = t("page_of", data.page, pages);
  document.getElementById("prev").disabled = data.page <= 1;
  document.getElementById("next").disabled = data.page >= pages;
}
let ME = null;
async function claim(callId) {
  try { await api("/api/queue/claim/" + encodeURIComponent(callId), {method: "POST"}); load(); }
  catch (e) { document.getElementById("error").textContent = e.message; }
}
document.getElementById("auto-assign").onclick = async () => {
  try {
    const r = await api("/api/queue/auto-assign", {method: "POST"});
    document.getElementById("assign-result").textContent = "已分配 " + r.n + " 通 (" +
      Object.entries(r.assigned).map(([k, v]) => k + " " + v.length).join(" · ") + ")";
    load();
  } catch (e) { document.getElementById("assign-result").textContent = e.message; }
};
form.addEventListener("submit", e => { e.preventDefault(); page = 1; load(); });
document.getElementById("prev").onclick = () => { page--; load(); };
document.getElementById("next").onclick = () => { page++; load(); };
applyI18n();
langSwitch(() => load());
Promise.all([showMe(), loadTitles()]).then(([me]) => {
  ME = me; document.getElementById("assign-bar").hidden = !["senior", "admin"].includes(me.role);
  return me.role === "agent" ? null : loadOptions();  // agents get no agent/team lists (403)
}).catch(e => { document.getElementById("error").textContent = e.message; }).then(load);
