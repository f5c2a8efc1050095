/* Live wallboard from /ws/supervisor ({"type":"wallboard", ...}); every field is optional. */
"use strict";
(function () {
  const H = window.Helpline;
  const data = JSON.parse(document.getElementById("wb-data").textContent);
  const T = data.texts || {};
  const t = (k, v) => {
    let s = T[k] || k;
    for (const [a, b] of Object.entries(v || {})) s = s.split("{" + a + "}").join(String(b));
    return s;
  };
  const num = (v) => (typeof v === "number" && isFinite(v) ? v : null);

  function rows(tbodySel, items, cells) {
    const tbody = document.querySelector(tbodySel + " tbody");
    tbody.replaceChildren();
    if (!items.length) {
      tbody.append(H.el("tr", {}, [H.el("td", {colspan: "4", class: "muted", text: t("sup.none")})]));
      return;
    }
    for (const item of items) tbody.append(H.el("tr", {class: item.state ? "st-" + item.state : null},
      cells(item).map((c) => H.el("td", {text: c}))));
  }

  function render(msg) {
    const waiting = num(msg.calls_waiting);
    if (waiting !== null) H.setText("wb-waiting", waiting);
    const longest = num(msg.longest_wait_s);
    if (longest !== null) H.setText("wb-longest", H.fmtDuration(longest));
    const today = msg.today || {};
    if (num(today.service_level_pct) !== null) H.setText("wb-sl", today.service_level_pct.toFixed(1) + " %");
    if (num(today.abandoned) !== null) {
      const lost = today.abandoned + (num(today.timeout) || 0);
      if (String(lost) !== document.getElementById("wb-abandoned").textContent.trim()) refreshAbandoned();
      H.setText("wb-abandoned", lost);
      document.getElementById("wb-abandoned").classList.toggle("some", lost > 0);
    }
    if (num(today.offered) !== null) {
      const node = document.getElementById("wb-offered");
      node.textContent = t("sup.offered", {n: today.offered}) + node.textContent.replace(/^[^·]*/, " ");
    }
    if (msg.agents_by_state && typeof msg.agents_by_state === "object") {
      const parts = Object.entries(msg.agents_by_state).filter(([, n]) => n)
        .map(([s, n]) => (T["agent.state." + s] || s) + ": " + n);
      H.setText("wb-by-state", parts.join(" · "));
    }
    if (Array.isArray(msg.agents)) {
      rows("#wb-agents", msg.agents, (a) => [a.name || a.agent || "", T["agent.state." + a.state] || a.state || "",
        a.reason || "", H.fmtDuration(a.in_state_s)]);
    }
    if (Array.isArray(msg.waiting)) {
      rows("#wb-queue", msg.waiting, (w) => [w.caller || "", w.queue || "", w.language || "", H.fmtDuration(w.waited_s)]);
    }
  }

  async function refreshAbandoned() {
    let list;
    try { list = (await H.api("GET", "/api/v1/calls/abandoned")).calls || []; } catch (err) { return; }
    const table = document.getElementById("abandoned");
    const tbody = table.querySelector("tbody");
    tbody.replaceChildren();
    for (const c of list) {
      tbody.append(H.el("tr", {}, [
        H.el("td", {text: H.fmtDate(c.at)}),
        H.el("td", {class: "phone"}, [c.caller || "", " ",
          H.el("button", {type: "button", class: "c2c small", "data-number": c.caller || "", text: t("c2c.call")})]),
        H.el("td", {text: c.waited_s === null || c.waited_s === undefined ? "" : c.waited_s}),
        H.el("td", {text: c.queue || ""}),
      ]));
    }
    table.hidden = !list.length;
    document.getElementById("abandoned-none").hidden = !!list.length;
  }

  H.live("/ws/supervisor", (msg) => { if (msg.type === "wallboard") render(msg); },
    (up) => document.getElementById("live").classList.toggle("off", !up));

  document.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button.c2c");
    if (!button || !button.dataset.number) return;
    try {
      await H.api("POST", "/api/v1/calls/originate", {number: button.dataset.number});
      H.say("sup-msg", t("c2c.calling", {number: button.dataset.number}));
    } catch (err) {
      H.say("sup-msg", err.message, true);
    }
  });
})();
