/* Live wallboard from /ws/supervisor ({"type":"wallboard", ...}); every field is optional. Names, not
   codes; thresholds colour the tiles and the agents' rows; listen / whisper / barge on a live call. */
"use strict";
(function () {
  const H = window.Helpline;
  const data = JSON.parse(document.getElementById("wb-data").textContent);
  const T = data.texts || {};
  const lang = data.lang || "hi";
  const TH = data.thresholds || {};
  const t = (k, v) => {
    let s = T[k] || k;
    for (const [a, b] of Object.entries(v || {})) s = s.split("{" + a + "}").join(String(b));
    return s;
  };
  const num = (v) => (typeof v === "number" && isFinite(v) ? v : null);
  const reasonName = (code) => {
    const r = (data.pause_reasons || []).find((x) => x.code === code);
    return r ? (r["name_" + lang] || r.name_en) : (code === "wrap-up" ? t("agent.state.wrap_up") : code || "");
  };
  const queueName = (q) => (q ? T["queue." + q] || q : "");
  const langName = (l) => (l ? T["lang." + l] || l : "");
  function level(tile, cls) {
    const node = document.getElementById(tile);
    node.classList.remove("ok", "amber", "red");
    if (cls) node.classList.add(cls);
  }
  function errorText(err) {
    const body = err && err.data && err.data.error;
    if (body && lang !== "en" && T["err." + body.id]) return T["err." + body.id];
    return (body && body.message) || err.message;
  }

  function rows(tbodySel, items, cells, cols) {
    const tbody = document.querySelector(tbodySel + " tbody");
    tbody.replaceChildren();
    if (!items.length) {
      tbody.append(H.el("tr", {}, [H.el("td", {colspan: String(cols), class: "muted", text: t("sup.none")})]));
      return;
    }
    for (const item of items) {
      const made = cells(item);
      tbody.append(H.el("tr", {class: made.cls || null, "data-agent": item.agent || null},
        made.cells.map((c) => (c instanceof Node ? H.el("td", {}, [c]) : H.el("td", {text: c})))));
    }
  }
  function agentRow(a) {
    const limit = {paused: TH.paused_warn_s, wrap_up: TH.wrap_warn_s, on_call: TH.call_warn_s}[a.state];
    const long = limit && a.in_state_s >= limit;
    const monitor = H.el("span", {class: "spy"});
    if (data.can_monitor && a.call_id && a.state === "on_call") {
      for (const mode of ["listen", "whisper", "barge"]) {
        monitor.append(H.el("button", {type: "button", class: "small", "data-spy": mode, "data-call": a.call_id,
                                       text: t("spy." + mode)}), " ");
      }
    }
    return {cls: "st-" + a.state + (long ? " long" : ""),
            cells: [a.name || a.agent || "", T["agent.state." + a.state] || a.state || "",
                    a.state === "paused" ? reasonName(a.reason) : "", H.fmtDuration(a.in_state_s),
                    String(a.calls_completed || 0), monitor]};
  }

  function render(msg) {
    const waiting = num(msg.calls_waiting);
    if (waiting !== null) H.setText("wb-waiting", waiting);
    const longest = num(msg.longest_wait_s);
    if (longest !== null) {
      H.setText("wb-longest", H.fmtDuration(longest));
      level("tile-longest", longest >= TH.wait_alarm_s ? "red" : longest >= TH.wait_warn_s ? "amber" : "ok");
    }
    const today = msg.today || {};
    const sl = num(today.service_level_pct);
    if (sl !== null) {
      H.setText("wb-sl", sl.toFixed(1) + " %");
      level("tile-sl", sl < TH.sl_alarm_pct ? "red" : sl < TH.sl_warn_pct ? "amber" : "ok");
    }
    if (num(today.abandoned) !== null) {
      const lost = today.abandoned + (num(today.timeout) || 0);
      if (String(lost) !== document.getElementById("wb-abandoned").textContent.trim()) { refreshAbandoned(); refreshCallbacks(); }
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
      const ready = msg.agents_by_state.ready || 0;
      level("tile-waiting", waiting && waiting > ready ? (waiting > 2 * (ready + 1) ? "red" : "amber") : "ok");
    }
    if (Array.isArray(msg.agents)) rows("#wb-agents", msg.agents, agentRow, 6);
    if (Array.isArray(msg.waiting)) {
      rows("#wb-queue", msg.waiting, (w) => ({cls: w.waited_s >= TH.wait_alarm_s ? "late" : null,
        cells: [w.caller || "", queueName(w.queue), langName(w.language), H.fmtDuration(w.waited_s)]}), 4);
    }
  }

  async function refreshAbandoned() {
    let list;
    try { list = (await H.api("GET", "/api/v1/calls/abandoned")).calls || []; } catch (err) { return; }
    const table = document.getElementById("abandoned");
    const tbody = table.querySelector("tbody");
    tbody.replaceChildren();
    for (const c of list) {
      tbody.append(H.el("tr", {"data-phone": c.caller || ""}, [
        H.el("td", {text: H.fmtDate(c.at)}),
        H.el("td", {class: "phone"}, [c.caller || "", " ",
          H.el("button", {type: "button", class: "c2c small", "data-number": c.caller || "", text: t("c2c.call")})]),
        H.el("td", {text: String(c.calls || 1)}),
        H.el("td", {text: c.waited_s === null || c.waited_s === undefined ? "" : c.waited_s}),
        H.el("td", {text: queueName(c.queue)}),
        H.el("td", {class: "cbstate-" + (c.callback || "none"), text: t("cb.state." + (c.callback || "none"))}),
      ]));
    }
    table.hidden = !list.length;
    document.getElementById("abandoned-none").hidden = !!list.length;
  }
  async function refreshCallbacks() {
    let open, failed;
    try {
      open = (await H.api("GET", "/api/v1/callbacks")).callbacks;
      failed = (await H.api("GET", "/api/v1/callbacks?state=failed")).callbacks;
    } catch (err) { return; }
    H.setText("wb-callbacks", open.length);
    const fill = (id, list, cells) => {
      const table = document.getElementById(id);
      table.querySelector("tbody").replaceChildren(...list.map((r) => H.el("tr", {"data-id": String(r.id)},
        cells(r).map((c) => (c instanceof Node ? H.el("td", {}, [c]) : H.el("td", {text: c}))))));
      table.hidden = !list.length;
    };
    fill("callbacks-open", open, (r) => [H.fmtDate(r.joined_at), r.phone, t("cb.kind." + r.kind), String(r.attempts),
                                        r.taken_by || ""]);
    document.getElementById("callbacks-none").hidden = !!open.length;
    fill("callbacks-failed", failed, (r) => [H.fmtDate(r.joined_at), r.phone, String(r.attempts),
      t("cb.outcome." + (r.last_outcome || "failed")),
      H.el("button", {type: "button", class: "c2c small", "data-number": r.phone, text: t("c2c.call")})]);
    document.getElementById("failed-none").hidden = !!failed.length;
  }
  refreshCallbacks();
  setInterval(refreshCallbacks, 20000);

  H.live("/ws/supervisor", (msg) => { if (msg.type === "wallboard") render(msg); },
    (up) => document.getElementById("live").classList.toggle("off", !up));

  document.addEventListener("click", async (ev) => {
    const spy = ev.target.closest("button[data-spy]");
    if (spy) {
      try {
        await H.api("POST", "/api/v1/calls/" + encodeURIComponent(spy.dataset.call) + "/spy", {mode: spy.dataset.spy});
        H.say("sup-msg", t("spy.started." + spy.dataset.spy));
      } catch (err) { H.say("sup-msg", errorText(err), true); }
      return;
    }
    const button = ev.target.closest("button.c2c");
    if (!button || !button.dataset.number) return;
    try {
      await H.api("POST", "/api/v1/calls/originate", {number: button.dataset.number});
      H.say("sup-msg", t("c2c.calling", {number: button.dataset.number}));
    } catch (err) {
      H.say("sup-msg", errorText(err), true);
    }
  });
})();
