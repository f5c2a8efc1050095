/* Desk: the agent's state bar — queue login, Ready/Pause, the wrap-up countdown that asks for Ready
   once the call is coded, and "PBX disconnected" instead of a stale green Ready. */
"use strict";
(function () {
  const D = window.Desk, H = D.H, $ = D.$, t = D.t;
  let stateSince = null, wrapupEnds = null, current = "unknown", reason = null;
  let pbxUp = null;  // not known until /agents/me answers: never a green Ready before that
  let joined = null;  // in Helpline's queues (a static member of another queue is not "joined")
  let autoReadyAsked = false;
  const S = {pendingDisposition: false};
  D.state = S;

  function render() {
    const shown = pbxUp === null ? "unknown" : pbxUp ? current : "pbx_down";
    const node = $("agent-state");
    node.textContent = D.T["agent.state." + shown] || shown;
    node.dataset.state = shown;
    document.body.dataset.agentState = shown;
    const reasonObj = (D.ref.pause_reasons || []).find((r) => r.code === reason);
    H.setText("state-reason", pbxUp && reason ? "(" + (reasonObj ? D.nameOf(reasonObj) : reason) + ")" : "");
    const out = current === "logged_out";
    $("btn-login").disabled = !pbxUp || (joined === null ? !out : joined);
    $("btn-ready").disabled = !pbxUp || out || ["ready", "ringing", "on_call"].includes(current) || S.pendingDisposition;
    $("btn-ready").title = S.pendingDisposition ? t("disposition.needed") : "";
    $("btn-pause").disabled = !pbxUp || out;
    $("btn-leave").disabled = !pbxUp || (joined === null ? out : !joined);
    tick();
  }
  function show(state, why, since, wrapupS) {
    current = state || "unknown";
    reason = why || null;
    stateSince = since ? Date.parse(since) : Date.now();
    wrapupEnds = current === "wrap_up" ? stateSince + Number(wrapupS || 0) * 1000 : null;
    autoReadyAsked = false;
    render();
    D.emit("state", {state: current});
  }
  function tick() {
    if (stateSince) H.setText("state-since", H.fmtDuration((Date.now() - stateSince) / 1000));
    const box = $("wrapup");
    if (current !== "wrap_up" || pbxUp !== true) { box.hidden = true; return; }
    box.hidden = false;
    const left = Math.max(0, Math.ceil(((wrapupEnds || 0) - Date.now()) / 1000));
    const call = D.call && D.call.current;
    const uncoded = S.pendingDisposition || !!(call && call.answered && !call.disposition);
    if (left > 0) box.textContent = t("agent.wrapup_left", {s: left});
    else if (uncoded) box.textContent = t("disposition.needed");
    else {
      box.textContent = t("agent.wrapup_done");
      if (!autoReadyAsked && joined) { autoReadyAsked = true; action("ready"); }  // only queues we joined
    }
  }
  setInterval(tick, 1000);

  async function action(path, body) {
    D.say("state-msg", "");
    try {
      await H.api("POST", "/api/v1/agents/me/" + path, body);
      if (path === "login" || path === "logout") checkPbx();
    } catch (err) {
      const id = err.data && err.data.error && err.data.error.id;
      if (id === "disposition_required") S.setPending(true);
      D.say("state-msg", D.errorText(err), true);
    }
  }
  function unlockAlerts() { D.emit("gesture"); }
  $("btn-login").addEventListener("click", () => { unlockAlerts(); action("login", {extension: D.data.extension}); });
  $("btn-ready").addEventListener("click", () => { unlockAlerts(); action("ready"); });
  $("btn-pause").addEventListener("click", () => action("pause", {reason: $("pause-reason").value}));
  $("btn-leave").addEventListener("click", () => action("logout"));

  S.show = show;
  S.setPending = function (pending) { S.pendingDisposition = pending; render(); };
  S.setPbx = function (up) {
    if (up === pbxUp) return;
    const was = pbxUp;
    pbxUp = up;
    render();
    if (!up) D.say("state-msg", t("agent.pbx_down_state"), true);
    else if (was === false) D.say("state-msg", "");
  };
  S.current = () => current;

  async function checkPbx() {
    try {
      const me = await H.api("GET", "/api/v1/agents/me");
      joined = !!me.logged_in;
      S.setPbx(!!me.pbx_connected);
      render();
    } catch (err) {
      S.setPbx(err.status === 403 ? true : false);  // 403: no extension of one's own (a supervisor's desk)
    }
  }
  checkPbx();
  setInterval(checkPbx, 10000);
})();
