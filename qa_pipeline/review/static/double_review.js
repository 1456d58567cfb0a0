// The calibration page's blind double review section (/api/calibration/double); words through i18n.js,
// text only via el().
let DOUBLE = null;
function renderDouble() {
  const d = DOUBLE;
  if (!d) return;
  const s = d.total;
  document.getElementById("double-overall").textContent = t("dbl_overall", d.calls, d.prefix, d.double_reviewed,
    s.spread_mean === null ? "–" : fmtNum(s.spread_mean, 1), s.spread_max === null ? "–" : fmtNum(s.spread_max, 1));
  const pct = x => x === null ? "–" : fmtNum(x * 100, 0) + "%";
  document.querySelector("#double-items tbody").replaceChildren(...d.items.map(i => el("tr", {"data-check": i.check_id},
    el("td", {}, title(i.check_id)), el("td", {}, i.n_calls), el("td", {}, i.n_pairs), el("td", {}, pct(i.reviewer_agreement)),
    el("td", {}, i.kappa_reviewers === null ? el("span", {class: "muted"}, t("not_applicable", tReason(i.kappa_note))) : fmtNum(i.kappa_reviewers, 2)),
    el("td", {}, pct(i.machine_agreement)),
    el("td", {}, i.points_spread_mean === null ? "–" : fmtNum(i.points_spread_mean, 1) + " / " + fmtNum(i.points_spread_max, 1)))));
  document.querySelector("#double-calls tbody").replaceChildren(...d.per_call.map(c => el("tr", {"data-call": c.call_id},
    el("td", {}, el("a", {href: "/call/" + encodeURIComponent(c.call_id)}, c.call_id)),
    el("td", {}, Object.entries(c.scores).map(([u, sc]) => u + " " + fmtNum(sc, 1)).join(" · ")), el("td", {}, fmtNum(c.spread, 1)))));
}
async function loadDouble() {
  try { DOUBLE = await api("/api/calibration/double"); } catch (e) { document.getElementById("error").textContent = e.message; return; }
  await loadTitles();
  renderDouble();
}
loadDouble();
