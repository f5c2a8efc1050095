/* Desk: the live call — the pop (each new call starts from a clean form; the last call's summary goes
   to "recent calls"), the ring alert (sound, tab title, notification), call control (hang up, hold,
   blind and attended transfer), the caller's open callbacks, and the disposition required before Ready. */
"use strict";
(function () {
  const D = window.Desk, H = D.H, $ = D.$, t = D.t;
  const C = {current: null, held: false, attended: false};
  D.call = C;
  const RECENT_KEY = "helpline.recent." + (D.data.extension || D.data.username || "");
  const RECENT_MAX = 20;

  /* ---- ring alert ------------------------------------------------------------------------ */
  const title = document.title;
  let audio = null, ringTimer = null, flash = false, notice = null;
  D.on("gesture", () => {
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
    if (window.Notification && Notification.permission === "default") Notification.requestPermission().catch(() => {});
  });
  function beep() {
    if (!audio) return;
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  }
  function startRing(call) {
    stopRing();
    document.body.dataset.ringing = "1";
    const text = t("ring.title", {caller: D.groupPhone(call.caller || "")});
    const step = () => { flash = !flash; document.title = flash ? text : title; beep(); };
    step();
    ringTimer = setInterval(step, 1000);
    if (window.Notification && Notification.permission === "granted" && document.hidden) {
      try { notice = new Notification(text, {body: call.queue || "", tag: "helpline-ring"}); } catch (e) { notice = null; }
    }
  }
  function stopRing() {
    if (ringTimer) clearInterval(ringTimer);
    ringTimer = null;
    document.title = title;
    delete document.body.dataset.ringing;
    if (notice) { notice.close(); notice = null; }
  }

  /* ---- recent calls ------------------------------------------------------------------------ */
  function loadRecent() { try { return JSON.parse(sessionStorage.getItem(RECENT_KEY) || "[]"); } catch (e) { return []; } }
  function renderRecent() {
    const list = loadRecent();
    const ol = $("recent-calls");
    ol.replaceChildren();
    if (!list.length) { ol.append(H.el("li", {class: "muted", text: t("recent.none")})); return; }
    for (const r of list) {
      const disp = (D.data.dispositions || []).find((d) => d.code === r.disposition);
      ol.append(H.el("li", {class: "recent-item"}, [
        H.el("span", {class: "when", text: (r.at || "").slice(11, 16)}), " ",
        H.el("strong", {class: "phone", text: D.groupPhone(r.caller) || "—"}), " ",
        r.name ? H.el("span", {text: r.name}) : null, " ",
        H.el("span", {class: "muted", text: [t("call." + (r.outcome || "ended")), disp ? D.nameOf(disp) : ""].filter(Boolean).join(" · ")}),
        ...(r.complaints || []).map((n) => H.el("a", {class: "num", href: "/complaints/" + n, "data-complaint": n, text: " " + D.groupNumber(n)}))]));
    }
  }
  function remember(call) {
    if (!call || !call.id) return;
    const list = loadRecent().filter((r) => r.id !== call.id);
    list.unshift({id: call.id, caller: call.caller, at: new Date().toISOString(), outcome: call.kind,
                  name: call.name || "", disposition: call.disposition || "", complaints: call.complaints || []});
    sessionStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, RECENT_MAX)));
    renderRecent();
  }
  renderRecent();

  /* ---- the pop --------------------------------------------------------------------------- */
  function fillComplaints(list) {
    const tbody = document.querySelector("#pop-complaints tbody");
    tbody.replaceChildren();
    if (!list || !list.length) {
      tbody.append(H.el("tr", {}, [H.el("td", {colspan: "4", class: "muted", text: t("complaints.none")})]));
      return;
    }
    for (const c of list) tbody.append(D.form.complaintRow(c, false));
  }
  function fillCitizens(citizens) {
    const ul = $("pop-citizens");
    ul.replaceChildren();
    if (!citizens.length) ul.append(H.el("li", {class: "muted", text: t("citizens.none")}));
    for (const c of citizens) {
      const district = D.districtByCode[c.district];
      ul.append(H.el("li", {}, [H.el("strong", {text: c.name || ""}), " ",
        H.el("span", {class: "muted", text: [district ? D.nameOf(district) : c.district, D.T["lang." + c.language] || c.language].filter(Boolean).join(" · ")})]));
    }
  }
  function fillCallbacks(callbacks) {
    const box = $("pop-callbacks"), ul = $("pop-callback-list");
    ul.replaceChildren();
    box.hidden = !callbacks.length;
    for (const r of callbacks) {
      ul.append(H.el("li", {}, [t("cb.requested_at", {at: H.fmtDate(r.requested_at)}), " ",
        H.el("span", {class: "muted", text: r.queue || ""}), " ",
        H.el("button", {type: "button", class: "small go", "data-cb-done": String(r.id), text: t("cb.mark_done")})]));
    }
  }
  /* a pop sent before the caller lookup was done ("context": "pending"): nothing of the last
     caller stays on screen, and the history fills in when its call.context arrives */
  function clearHistory() {
    $("pop-citizens").replaceChildren();
    document.querySelector("#pop-complaints tbody").replaceChildren();
    $("pop-callback-list").replaceChildren();
    $("pop-callbacks").hidden = true;
  }
  function fillHistory(msg) {
    if (Array.isArray(msg.citizens)) fillCitizens(msg.citizens);
    if (Array.isArray(msg.complaints)) fillComplaints(msg.complaints);
    if (Array.isArray(msg.callbacks)) fillCallbacks(msg.callbacks);
  }
  function context(msg) {
    const call = msg.call || {};
    if (!C.current || C.current.id !== call.id) return;  // a call the desk has left already
    fillHistory(msg);
    const citizens = msg.citizens || [];
    /* the form was prefilled from the call alone: a single known citizen also gives name, district
       and language, unless the agent has typed a name meanwhile */
    if (citizens.length === 1 && !$("f-name").value) {
      C.current.name = citizens[0].name || "";
      D.form.prefill({}, citizens);
    }
  }
  C.context = context;
  function newCall(msg) {
    if (C.current) remember(C.current);
    D.form.reset();
    $("disposition").value = "";
    H.setText("disposition-state", "");
    D.say("call-msg", "");
    C.held = false; C.attended = false;
    const call = msg.call || {};
    C.current = {id: call.id, caller: call.caller, kind: "ringing", answered: false, disposition: "",
                 complaints: [], name: (msg.citizens || []).length === 1 ? msg.citizens[0].name : ""};
    D.form.prefill(call, msg.citizens || []);
  }
  function show(msg) {
    const call = msg.call || {};
    const kind = msg.type.replace("call.", "");
    const fresh = !C.current || C.current.id !== call.id;
    if (fresh) {
      if (kind === "ended") { if (C.current) remember(C.current); return; }  // a missed ring we never saw
      newCall(msg);
    }
    C.current.kind = kind === "ended" ? (call.outcome || "ended") : kind;
    C.current.ended = kind === "ended";
    if (kind === "answered") C.current.answered = true;
    const card = $("call-card");
    card.classList.remove("idle", "ringing", "answered", "ended");
    card.classList.add(kind);
    H.setText("call-status", t("call." + kind));
    $("call-none").hidden = true;
    $("call-details").hidden = false;
    H.setText("call-caller", D.groupPhone(call.caller || ""));
    const cb = $("call-back-btn");
    cb.hidden = !call.caller;
    cb.dataset.number = call.caller || "";
    H.setText("call-language", call.language ? (D.T["lang." + call.language] || call.language) : "—");
    H.setText("call-ivr", call.ivr_path || "—");
    H.setText("call-waited", call.waited_s !== null && call.waited_s !== undefined ? t("call.seconds", {s: call.waited_s}) : "—");
    H.setText("call-queue", call.queue || "—");
    if (msg.context === "pending") { if (fresh) clearHistory(); } else fillHistory(msg);
    if (kind === "ringing") startRing(call); else stopRing();
    const live = kind === "answered";
    $("call-controls").hidden = !live;
    if (!live) { $("transfer-box").hidden = true; $("btn-transfer").setAttribute("aria-expanded", "false"); }
    renderControls();
    const coded = !C.current.answered || !!C.current.disposition;
    $("disposition-form").hidden = !C.current.answered;
    D.state.setPending(kind === "ended" && !coded);
    if (kind === "ended" && C.current.answered && !coded) {
      if (C.current.chosen) C.saveChosen(); else $("disposition").focus();
    }
    card.dataset.callId = call.id || "";
    D.emit("pop", C.current);  // the softphone matches its ringing call to this one
  }
  C.show = show;
  C.liveWith = (phone) => !!(C.current && !C.current.ended && C.current.answered && C.current.caller === phone);

  /* after a registration: the pop's list shows the new complaint; the call remembers its number */
  D.on("registered", async (c) => {
    if (!C.current) return;
    C.current.complaints.push(c.number);
    if (!C.current.name) C.current.name = $("f-name").value;
    if ($("disposition").querySelector('option[value="complaint_registered"]')) $("disposition").value = "complaint_registered";
    if (C.current.caller && c.phone === C.current.caller) {
      try { fillComplaints((await H.api("GET", "/api/v1/complaints?phone=" + encodeURIComponent(c.phone))).complaints); }
      catch (err) { /* the list stays as it was */ }
    }
  });

  /* ---- call control ------------------------------------------------------------------------ */
  function renderControls() {
    $("btn-hold").hidden = C.held;
    $("btn-resume").hidden = !C.held;
    $("btn-cancel-transfer").hidden = !C.attended;
    $("btn-complete-transfer").hidden = !C.attended;
    $("btn-hangup").hidden = C.attended;  // during an attended transfer the caller must not be cut off
  }
  async function control(path, body, okText) {
    if (!C.current) return null;
    D.say("call-msg", "");
    try {
      const r = await H.api("POST", "/api/v1/calls/" + encodeURIComponent(C.current.id) + "/" + path, body);
      if (okText) D.say("call-msg", okText);
      return r;
    } catch (err) {
      D.say("call-msg", D.errorText(err), true);
      return null;
    }
  }
  $("btn-hangup").addEventListener("click", () => control("hangup", undefined, t("ctl.hanging_up")));
  $("btn-hold").addEventListener("click", async () => {
    if (await control("hold", undefined, t("ctl.on_hold"))) { C.held = true; renderControls(); }
  });
  $("btn-resume").addEventListener("click", async () => {
    if (await control("resume", undefined, t("ctl.resumed"))) { C.held = false; renderControls(); }
  });
  $("btn-complete-transfer").addEventListener("click", async () => {
    if (await control("transfers/complete", undefined, t("ctl.transferred"))) { C.attended = false; renderControls(); }
  });
  $("btn-cancel-transfer").addEventListener("click", async () => {
    if (await control("transfers/cancel", undefined, t("ctl.transfer_cancelled"))) { C.attended = false; renderControls(); }
  });
  C.toFeedback = async (number) => {
    const r = await H.api("POST", "/api/v1/calls/" + encodeURIComponent(C.current.id) + "/feedback-flow", {complaint_number: number});
    $("disposition").value = $("disposition").querySelector('option[value="feedback"]') ? "feedback" : $("disposition").value;
    return r;
  };

  let targets = null;
  async function fillTargets() {
    const kind = $("transfer-kind").value;
    const select = $("transfer-target"), number = $("transfer-number");
    number.hidden = kind !== "number";
    select.hidden = kind === "number";
    if (kind === "number") return;
    if (!targets) {
      try { targets = await H.api("GET", "/api/v1/desk/transfer-targets"); } catch (err) { D.say("call-msg", D.errorText(err), true); return; }
    }
    select.replaceChildren();
    if (kind === "agent") {
      for (const a of targets.agents.filter((x) => x.extension !== D.data.extension)) {
        select.append(H.el("option", {value: a.extension, text: a.name + " · " + (D.T["agent.state." + a.state] || a.state)}));
      }
    } else if (kind === "queue") {
      for (const q of targets.queues) select.append(H.el("option", {value: q, text: t("queue." + q)}));
    } else {
      for (const o of targets.officers) select.append(H.el("option", {value: o.code, text: D.nameOf(o) + " · " + o.code}));
    }
    if (!select.options.length) select.append(H.el("option", {value: "", text: t("ctl.none")}));
  }
  $("btn-transfer").addEventListener("click", () => {
    const box = $("transfer-box");
    box.hidden = !box.hidden;
    $("btn-transfer").setAttribute("aria-expanded", String(!box.hidden));
    if (!box.hidden) { targets = null; fillTargets(); }
  });
  $("transfer-kind").addEventListener("change", fillTargets);
  async function transfer(attended) {
    const kind = $("transfer-kind").value;
    const target = kind === "number" ? $("transfer-number").value : $("transfer-target").value;
    if (!target) return;
    const r = await control("transfers", {kind: kind, target: target, attended: attended},
                            attended ? t("ctl.attended_started") : t("ctl.transferred"));
    if (r) { C.attended = attended; renderControls(); $("transfer-box").hidden = !attended ? true : $("transfer-box").hidden; }
  }
  $("btn-blind").addEventListener("click", () => transfer(false));
  $("btn-attended").addEventListener("click", () => transfer(true));

  /* ---- disposition: required before Ready -------------------------------------------------- */
  async function saveDisposition(tries) {
    const code = $("disposition").value;
    if (!C.current || !C.current.id || !code) return;
    if (!C.current.ended) {
      C.current.chosen = code;  // the call row is written when the call ends: saved then
      H.setText("disposition-state", t("disposition.at_end"));
      return;
    }
    try {
      await H.api("POST", "/api/v1/calls/" + encodeURIComponent(C.current.id) + "/disposition",
                  {disposition: code, complaint_number: C.current.complaints.slice(-1)[0] || null});
      C.current.disposition = code;
      H.setText("disposition-state", t("disposition.saved"));
      D.say("state-msg", t("disposition.saved"));
      D.state.setPending(false);
    } catch (err) {
      if (err.status === 404 && tries > 0) { setTimeout(() => saveDisposition(tries - 1), 300); return; }
      H.setText("disposition-state", "");
      D.say("state-msg", D.errorText(err), true);
    }
  }
  C.saveChosen = () => { if (C.current && C.current.chosen && !C.current.disposition) saveDisposition(10); };
  $("disposition-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!$("disposition").value) { $("disposition").focus(); H.setText("disposition-state", t("disposition.needed")); return; }
    saveDisposition(10);
  });

  /* an open callback of this caller, dealt with on this call */
  document.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button[data-cb-done]");
    if (!button) return;
    const id = button.dataset.cbDone;
    try {
      await H.api("POST", "/api/v1/callbacks/" + id + "/take");
      await H.api("POST", "/api/v1/callbacks/" + id + "/result", {outcome: "reached", note: t("cb.reached_on_call"),
                                                                call_id: C.current ? C.current.id : null});
      button.closest("li").remove();
      if (!$("pop-callback-list").children.length) $("pop-callbacks").hidden = true;
      D.emit("callbacks-changed");
    } catch (err) {
      D.say("call-msg", D.errorText(err), true);
    }
  });
})();
