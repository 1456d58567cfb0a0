function kappaCell(k) {
  if (!k) return "–";
  return k.kappa === null ? el("span", {class: "muted", title: k.reason || ""}, "n/a (" + (k.reason || "") + ")")
                          : fmtNum(k.kappa, 2) + " (n " + (k.n !== undefined ? k.n : k.n_pairs) + ")";
}
function precisionCell(p) {
  if (!p || p.value === null) return "–";
  const ci = p.ci95 ? " [" + fmtNum(p.ci95[0] * 100, 0) + "–" + fmtNum(p.ci95[1] * 100, 0) + "%]" : "";
  return fmtNum(p.value * 100, 0) + "% of " + p.n + ci;
}
async function load() {
  showMe();
  let a;
  try { a = await api("/api/calibration"); } catch (e) { document.getElementById("error").textContent = e.message; return; }
  const t = a.totals;
  document.getElementById("overall").replaceChildren(
    el("div", {}, t.n_judgements + " judgements on " + t.n_calls + " calls by " + t.n_reviewers + " reviewer(s): " +
      t.agreed + " agreed, " + t.disputed + " disputed. Precision of automatic failures: " + precisionCell(t.precision) + "."),
    ...(a.notes || []).map(n => el("div", {}, n)));
  document.querySelector("#per-check tbody").replaceChildren(...a.checks.map(c => el("tr", {"data-check": c.check_id},
    el("td", {}, c.check_id, el("div", {class: "muted"}, c.title || "")), el("td", {}, c.n_calls), el("td", {}, c.agreed),
    el("td", {}, c.disputed), el("td", {}, precisionCell(c.precision)), el("td", {}, kappaCell(c.kappa_auto_human)),
    el("td", {}, kappaCell(c.kappa_reviewers)))));
}
load();
