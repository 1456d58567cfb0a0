// The calibration page's blind double review section (/api/calibration/double); text only via el().
async function loadDouble() {
  let d;
  try { d = await api("/api/calibration/double"); } catch (e) { document.getElementById("error").textContent = e.message; return; }
  const t = d.total;
  document.getElementById("double-overall").textContent = d.calls + " calls in calibration sets (samples named '" + d.prefix +
    "…'), " + d.double_reviewed + " submitted by two or more reviewers. Total score spread: mean " +
    (t.spread_mean === null ? "–" : fmtNum(t.spread_mean, 1)) + ", max " + (t.spread_max === null ? "–" : fmtNum(t.spread_max, 1)) +
    ". Each reviewer sees the others' decisions on a calibration call only after all of them submitted.";
  const pct = x => x === null ? "–" : fmtNum(x * 100, 0) + "%";
  document.querySelector("#double-items tbody").replaceChildren(...d.items.map(i => el("tr", {"data-check": i.check_id},
    el("td", {}, i.check_id), el("td", {}, i.n_calls), el("td", {}, i.n_pairs), el("td", {}, pct(i.reviewer_agreement)),
    el("td", {}, i.kappa_reviewers === null ? el("span", {class: "muted"}, "n/a (" + (i.kappa_note || "") + ")") : fmtNum(i.kappa_reviewers, 2)),
    el("td", {}, pct(i.machine_agreement)),
    el("td", {}, i.points_spread_mean === null ? "–" : fmtNum(i.points_spread_mean, 1) + " / " + fmtNum(i.points_spread_max, 1)))));
  document.querySelector("#double-calls tbody").replaceChildren(...d.per_call.map(c => el("tr", {"data-call": c.call_id},
    el("td", {}, el("a", {href: "/call/" + encodeURIComponent(c.call_id)}, c.call_id)),
    el("td", {}, Object.entries(c.scores).map(([u, s]) => u + " " + fmtNum(s, 1)).join(" · ")), el("td", {}, fmtNum(c.spread, 1)))));
}
loadDouble();
