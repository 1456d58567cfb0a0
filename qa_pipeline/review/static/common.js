// Shared helpers. All data goes into the page through textContent (el() below), never innerHTML.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
async function api(path, opts) {
  const r = await fetch(path, Object.assign({headers: {"content-type": "application/json"}}, opts || {}));
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || body.detail || r.statusText);
  return body;
}
function fmtTime(s) { if (s === null || s === undefined) return "–"; const m = Math.floor(s / 60); return m + ":" + String(Math.floor(s % 60)).padStart(2, "0"); }
function fmtNum(x, d) { return x === null || x === undefined ? "–" : Number(x).toFixed(d === undefined ? 1 : d); }
let TZ = "Asia/Shanghai";
// An event time (ISO, UTC, "…Z") in the configured time zone, as "2026-11-20 18:05:00".
function fmtWhen(iso) {
  if (!iso) return "–";
  const d = new Date(/Z$|[+-]\d\d:\d\d$/.test(iso) ? iso : iso.replace(" ", "T") + "Z");
  if (isNaN(d)) return iso;
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {timeZone: TZ, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"}).formatToParts(d).map(x => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
async function showMe() {
  const me = await api("/api/me");
  TZ = me.tz || TZ;
  document.body.classList.add("role-" + me.role);  // e.g. agents get no link to reviewers' pages (style.css)
  document.querySelector(".me").textContent = me.name + " · " + t("role_" + me.role) + (me.sensitive ? " · " + t("sees_sensitive") : "");
  return me;
}
async function loadTitles() { try { TITLES = await api("/api/titles"); } catch (e) { TITLES = {}; } return TITLES; }
