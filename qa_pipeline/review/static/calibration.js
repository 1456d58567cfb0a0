// The calibration page: how often reviewers confirm the automatic findings, per check (titles, not ids).
// Every word through i18n.js; text only via el()/textContent.
const KAPPA_ZH = [  // the server's reasons why a kappa is missing, in Chinese
  [/^only (\d+) paired label\(s\); kappa needs at least (\d+)$/, "只有 $1 对标签，κ 至少需要 $2 对"],
  [/^every label is '(\w+)': no variation, so kappa is undefined$/, "所有标签都是「$1」，没有差异，κ 无定义"],
  [/^the automatic labels are all '(\w+)'.*$/, "自动判定全为「$1」，κ 恒为 0，无参考意义；请看一致率和准确率"],
  [/^(.+) labels are all '(\w+)'.*$/, "$1 的标签全为「$2」，κ 恒为 0，无参考意义；请看一致率"],
  [/^only (\d+) pair\(s\)$/, "只有 $1 对"],
  [/^every label is the same: kappa undefined \(read the agreement\)$/, "所有标签相同：κ 无定义（请看一致率）"],
];
function tReason(text) {
  if (!text || lang() !== "zh") return text || "";
  for (const [re, to] of KAPPA_ZH) if (re.test(text)) return text.replace(re, to).replace(/「(fail|pass)」/g, (_, l) => "「" + t(l) + "」");
  return text;
}
function kappaCell(k) {
  if (!k) return "–";
  return k.kappa === null ? el("span", {class: "muted", title: tReason(k.reason)}, t("not_applicable", tReason(k.reason)))
                          : t("kappa_n", fmtNum(k.kappa, 2), k.n !== undefined ? k.n : k.n_pairs);
}
function precisionCell(p) {
  if (!p || p.value === null) return "–";
  const ci = p.ci95 ? " [" + fmtNum(p.ci95[0] * 100, 0) + "–" + fmtNum(p.ci95[1] * 100, 0) + "%]" : "";
  return t("pct_of", fmtNum(p.value * 100, 0), p.n) + ci;
}
let CAL = null;
function renderCalibration() {
  if (!CAL) return;
  const s = CAL.totals;
  document.getElementById("overall").replaceChildren(el("div", {}, t("cal_overall", s.n_judgements, s.n_calls, s.n_reviewers,
    s.agreed, s.disputed, precisionCell(s.precision))));
  document.getElementById("notes").replaceChildren(...t("cal_notes").split("\n").map(n => el("li", {}, n)));
  document.querySelector("#per-check tbody").replaceChildren(...CAL.checks.map(c => el("tr", {"data-check": c.check_id},
    el("td", {}, title(c.check_id) !== c.check_id ? title(c.check_id) : (c.title || c.check_id),
      el("div", {class: "muted small"}, c.check_id)),
    el("td", {}, c.n_calls), el("td", {}, c.agreed), el("td", {}, c.disputed), el("td", {}, precisionCell(c.precision)),
    el("td", {}, kappaCell(c.kappa_auto_human)), el("td", {}, kappaCell(c.kappa_reviewers)))));
}
async function load() {
  try { CAL = await api("/api/calibration"); } catch (e) { document.getElementById("error").textContent = e.message; return; }
  renderCalibration();
}
applyI18n();
langSwitch(() => { renderCalibration(); if (typeof renderDouble === "function") renderDouble(); });
Promise.all([showMe(), loadTitles()]).then(load, e => { document.getElementById("error").textContent = e.message; });
