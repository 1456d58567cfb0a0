// The 🔔 in every page's header: the unread count (GET /api/notifications, polled every 45 s and when the tab
// comes back), a dropdown of the newest with links; opening it marks them seen (POST /api/notifications/seen
// with the cursor the list came with, so nothing that arrived since is marked). Text only via el()/textContent.
const NOTIFY_POLL_MS = 45000;
const notify = {data: null, open: false};

function notifyText(x) {
  const call = x.call_id || "";
  if (x.kind === "review") return t("notif_review", x.who, call) + (x.score === null || x.score === undefined ? "" : t("notif_score", x.score));
  if (x.kind === "appeal") return t("notif_appeal", x.who, call);
  if (x.kind === "ruling") return t("notif_ruling", x.who, call, t(x.value));
  if (x.kind === "assignment") return x.value === "auto" ? t("notif_auto", call) : t("notif_assignment", x.who, call);
  if (x.kind === "coaching") return t("notif_coaching", x.who, x.value ? (x.title || x.value) : t("notif_general"));
  return x.text;
}

function renderBellList() {
  const items = notify.data ? notify.data.items : [];
  document.getElementById("bell-list").replaceChildren(el("div", {class: "bell-head"}, t("notifications")),
    ...(items.length ? items.map(x => el("a", {href: x.link, class: "bell-item" + (x.unread ? " unread" : ""), "data-kind": x.kind},
      el("span", {class: "bell-text"}, notifyText(x)), el("span", {class: "bell-when"}, x.at)))
      : [el("div", {class: "bell-empty"}, t("no_notifications"))]));
}

function renderBell() {
  const n = notify.data ? notify.data.unread : 0;
  const count = document.getElementById("bell-count");
  count.textContent = n > 99 ? "99+" : String(n);
  count.hidden = n === 0;
  document.getElementById("bell").title = t("n_unread", n);
  if (notify.open) renderBellList();
}

async function pollNotifications() {
  try { notify.data = await api("/api/notifications?limit=20"); renderBell(); } catch (e) { /* the page shows its own errors */ }
}

async function toggleBell() {
  notify.open = !notify.open;
  document.getElementById("bell-list").hidden = !notify.open;
  if (!notify.open) return;
  renderBellList();
  if (notify.data && notify.data.unread) {
    try {
      const r = await api("/api/notifications/seen", {method: "POST", body: JSON.stringify({cursor: notify.data.cursor})});
      notify.data.unread = r.unread;
      renderBell();
    } catch (e) { /* stays unread; the next poll tells */ }
  }
}

function bellIcon() {  // drawn, not an emoji: a browser without an emoji font shows a box for 🔔
  const ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "16"); svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true"); svg.setAttribute("class", "bell-icon");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M12 2a6 6 0 0 0-6 6v4.5L4 16v1h16v-1l-2-3.5V8a6 6 0 0 0-6-6zm-2.5 17a2.5 2.5 0 0 0 5 0z");
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

function notifyInit() {
  const header = document.querySelector("header");
  if (!header || document.getElementById("bell")) return;
  const wrap = el("span", {class: "bell-wrap"},
    el("button", {type: "button", id: "bell", class: "bell", "aria-haspopup": "true", "aria-label": t("notifications")}, bellIcon(),
      el("span", {id: "bell-count", class: "bell-count", hidden: true}, "0")),
    el("div", {id: "bell-list", class: "bell-list", hidden: true}));
  wrap.querySelector("#bell").addEventListener("click", toggleBell);
  header.insertBefore(wrap, header.querySelector(".me"));
  document.addEventListener("click", e => {
    if (notify.open && !wrap.contains(e.target)) { notify.open = false; document.getElementById("bell-list").hidden = true; }
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) pollNotifications(); });
  setTimeout(pollNotifications, 300);  // after the page's own first requests
  setInterval(pollNotifications, NOTIFY_POLL_MS);
}
notifyInit();
