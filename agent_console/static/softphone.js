/* Desk softphone: the agent's phone in the browser (JsSIP over Asterisk's WebSocket transport).
   Registers when the agent joins the queues and unregisters when the agent leaves them; shows the
   registration state; rings and answers (button, or by itself when the administrator set
   auto-answer); mute, hold, DTMF pad, hang up, transfer (SIP REFER), the microphone to use.
   Errors say what to do: a refused microphone, a dropped socket (JsSIP reconnects and registers
   again by itself). Agents with desk phones see none of this (no HELPLINE_SOFTPHONE_WS_URL or no
   JsSIP bundle: the panel stays hidden or says the softphone is not installed).
   One call id: a queue's INVITE carries X-Helpline-Call (the dialplan's predial handler: the call's
   Linkedid, the screen pop's call.id). The panel says whether the ringing call is the pop's call,
   auto-answer waits for that, and a second ringing call that is the pop's replaces one that is not. */
"use strict";
(function () {
  const D = window.Desk, H = D.H, $ = D.$, t = D.t;
  const box = $("softphone");
  if (!box) return;
  const MIC_KEY = "helpline.softphone.mic";
  const CALL_HEADER = "X-Helpline-Call";
  const AUTO_WAIT_MS = 4000;  // auto-answer: how long a queue call waits for its screen pop
  let cfg = null, ua = null, session = null, wanted = false, muted = false, held = false;
  let micStream = null, ringTimer = null, audioCtx = null, regState = "off";
  let callId = "", autoTimer = null;
  const SP = {state: () => regState, session: () => session, callId: () => callId, match: () => match()};
  window.Softphone = SP;

  function setState(state, message, isError) {
    regState = state;
    const node = $("sp-state");
    node.dataset.state = state;
    node.textContent = t("sp.state." + state);
    box.dataset.state = state;
    if (message !== undefined) D.say("sp-msg", message, isError);
  }
  function showCall(phase, who) {
    box.dataset.call = phase || "";
    $("sp-call").hidden = !phase;
    $("sp-answer").hidden = phase !== "ringing";
    $("sp-decline").hidden = phase !== "ringing";
    for (const id of ["sp-hangup", "sp-mute", "sp-hold", "sp-transfer-box", "sp-dtmf"]) $(id).hidden = phase !== "talking";
    if (who !== undefined) H.setText("sp-caller", who);
    H.setText("sp-phase", phase ? t("sp.call." + phase) : "");
    $("sp-mute").textContent = t(muted ? "sp.unmute" : "sp.mute");
    $("sp-mute").setAttribute("aria-pressed", String(muted));
    $("sp-hold").textContent = t(held ? "sp.resume" : "sp.hold");
    $("sp-hold").setAttribute("aria-pressed", String(held));
  }

  /* ---- ring tone (only when the desk's own ring alert is not already sounding) ---------------- */
  function ring(on) {
    if (ringTimer) { clearInterval(ringTimer); ringTimer = null; }
    if (!on) return;
    const beep = () => {
      if (document.body.dataset.ringing) return;
      try {
        audioCtx = audioCtx || new (window.AudioContext || window.webkitAudioContext)();
        const osc = audioCtx.createOscillator(), gain = audioCtx.createGain();
        osc.frequency.value = 480; gain.gain.value = 0.08;
        osc.connect(gain).connect(audioCtx.destination);
        osc.start(); osc.stop(audioCtx.currentTime + 0.4);
      } catch (e) { /* no sound device: the panel still shows the ring */ }
    };
    beep();
    ringTimer = setInterval(beep, 1500);
  }

  /* ---- microphone ------------------------------------------------------------------------- */
  async function listMics() {
    const select = $("sp-mic");
    let devices = [];
    try { devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "audioinput"); }
    catch (e) { devices = []; }
    const chosen = localStorage.getItem(MIC_KEY) || "";
    select.textContent = "";
    select.append(H.el("option", {value: "", text: t("sp.mic_default")}));
    devices.forEach((d, i) => select.append(H.el("option", {value: d.deviceId, text: d.label || t("sp.mic_n", {n: i + 1}),
      selected: d.deviceId === chosen && chosen !== ""})));
  }
  function micConstraint() {
    const id = localStorage.getItem(MIC_KEY) || "";
    return id ? {deviceId: {exact: id}} : true;
  }
  async function openMic(withVideo) {
    try {
      return await navigator.mediaDevices.getUserMedia({audio: micConstraint(), video: !!withVideo});
    } catch (err) {
      const name = err && err.name;
      const key = name === "NotAllowedError" || name === "SecurityError" ? "sp.mic_refused"
        : name === "NotFoundError" || name === "OverconstrainedError" ? "sp.mic_missing" : "sp.mic_failed";
      const e = new Error(t(key));
      e.key = key;
      throw e;
    }
  }
  $("sp-mic").addEventListener("change", async () => {
    localStorage.setItem(MIC_KEY, $("sp-mic").value);
    if (!session || !session.connection) return;
    try {  // during a call: the new microphone replaces the old one at once
      const stream = await openMic();
      const track = stream.getAudioTracks()[0];
      const sender = session.connection.getSenders().find((s) => s.track && s.track.kind === "audio");
      if (sender) await sender.replaceTrack(track);
      if (micStream) micStream.getTracks().forEach((tr) => tr.stop());
      micStream = stream;
      if (muted) track.enabled = false;
    } catch (err) { D.say("sp-msg", err.message, true); }
  });

  /* ---- registration ------------------------------------------------------------------------ */
  function start() {
    if (!cfg || !cfg.enabled || !window.JsSIP) return;
    wanted = true;
    if (ua) { if (!ua.isRegistered()) ua.register(); return; }
    const socket = new window.JsSIP.WebSocketInterface(cfg.ws_url);
    ua = new window.JsSIP.UA({
      sockets: [socket], uri: cfg.uri, authorization_user: cfg.authorization_user, password: cfg.password,
      display_name: cfg.display_name, register: true, register_expires: 120, session_timers: false,
      connection_recovery_min_interval: 2, connection_recovery_max_interval: 20, user_agent: "Helpline desk",
    });
    ua.on("connecting", () => { if (regState !== "disconnected") setState("connecting"); });
    ua.on("connected", () => { if (regState === "disconnected") setState("connecting", t("sp.reconnected")); });
    ua.on("disconnected", () => { if (wanted) setState("disconnected", t("sp.socket_dropped"), true); });
    ua.on("registered", () => {
      const again = regState === "disconnected" || regState === "connecting" && $("sp-msg").textContent !== "";
      setState("registered", again ? t("sp.registered_again") : (regState === "registered" ? undefined : ""));
    });
    ua.on("unregistered", () => {
      if (!wanted) setState("off", "");
      else if (ua && !ua.isConnected()) setState("disconnected");  // the socket went: say so, not "unregistered"
      else setState("unregistered");
    });
    ua.on("registrationFailed", (e) => setState("failed", t("sp.reg_failed", {cause: e.cause || ""}), true));
    ua.on("newRTCSession", onSession);
    setState("connecting", "");
    ua.start();
  }
  function stop() {
    wanted = false;
    if (!ua) return;
    if (session) return;  // never cut a call because the agent left the queues: stop when it ends
    const old = ua;
    ua = null;
    old.stop();
    setState("off", "");
  }

  /* ---- the screen pop's call -------------------------------------------------------------- */
  function headerOf(request) {
    const value = request && request.getHeader ? request.getHeader(CALL_HEADER) : "";
    return String(value || "").replace(/[^0-9A-Za-z.\-]/g, "").slice(0, 64);
  }
  function popCall() {  // the call the pop shows, while it is live
    const c = D.call && D.call.current;
    return c && c.id && !c.ended ? String(c.id) : "";
  }
  /* "same": the ringing call is the pop's; "waiting": no live pop yet; "other": the pop shows another
     call; "": the INVITE carries no call id (not a queue call: an agent or a test call). */
  function match(id) {
    const ring = id === undefined ? callId : id;
    if (!ring) return "";
    const pop = popCall();
    return !pop ? "waiting" : pop === ring ? "same" : "other";
  }
  function showMatch(note) {
    const m = session ? match() : "";
    box.dataset.match = m;
    $("sp-match").dataset.match = m;
    if (!m) D.say("sp-match", "");
    else if (m === "other") D.say("sp-match", t("sp.match.other", {ring: callId, pop: popCall()}), true);
    else D.say("sp-match", note && m === "same" ? t("sp.match.same") + " " + note : t("sp.match." + m));
    autoAnswer();
  }
  function autoAnswer() {
    if (!cfg.auto_answer || !session || session.isEstablished() || session.isEnded()) return;
    const m = match();
    if (m === "same" || m === "") { clearTimeout(autoTimer); autoTimer = null; answer(); return; }
    // a queue call whose pop has not come yet: answered when it comes, or after a few seconds
    // without one (the label keeps saying so); never a call other than the pop's
    if (m === "waiting" && !autoTimer) autoTimer = setTimeout(() => { autoTimer = null; if (match() === "waiting") answer(); }, AUTO_WAIT_MS);
  }
  D.on("pop", () => { if (session) showMatch(); });

  /* ---- calls ------------------------------------------------------------------------------- */
  function caller(s) {
    const id = s.remote_identity;
    const user = id && id.uri ? id.uri.user : "";
    const phone = /^91[6-9]\d{9}$/.test(user) ? "+" + user : /^[6-9]\d{9}$/.test(user) ? "+91" + user : user;
    const name = id && id.display_name && id.display_name !== user ? id.display_name + " " : "";  // not the number twice
    return name + D.groupPhone(phone);
  }
  function onSession(e) {
    const s = e.session;
    if (e.originator !== "remote") return;
    const id = headerOf(e.request);
    let note = "";
    if (session) {
      // one call at a time; but a ringing call that is not the pop's gives way to the one that is
      const replace = !session.isEstablished() && match() !== "same" && id && match(id) === "same";
      if (!replace) { s.terminate({status_code: 486, reason_phrase: "Busy Here"}); return; }
      const old = session;
      session = null;
      old.terminate({status_code: 486, reason_phrase: "Busy Here"});
      note = t("sp.match.replaced");
    }
    session = s; muted = false; held = false; callId = id;
    box.dataset.callId = id;
    SP.video = /\r?\nm=video [1-9]/.test((e.request && e.request.body) || "");  // a sign-language video call
    s.on("peerconnection", (ev) => attach(ev.peerconnection));
    s.on("accepted", () => { ring(false); showCall("talking"); });
    s.on("hold", () => { held = true; showCall("talking"); });
    s.on("unhold", () => { held = false; showCall("talking"); });
    s.on("ended", () => { if (session === s) ended(""); });
    s.on("failed", (ev) => { if (session === s) ended(ev.originator === "local" ? "" : t("sp.call_failed", {cause: ev.cause || ""})); });
    showCall("ringing", caller(s));
    ring(true);
    D.say("sp-msg", "");
    showMatch(note);  // and auto-answer, when set, once the call is the pop's
  }
  function attach(pc) {
    pc.addEventListener("track", (ev) => {
      if (ev.track.kind === "video") {
        const view = $("sp-video");
        view.srcObject = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
        view.hidden = false;
        return;
      }
      const audio = $("sp-remote");
      if (ev.streams && ev.streams[0]) audio.srcObject = ev.streams[0];
      else { const ms = new MediaStream([ev.track]); audio.srcObject = ms; }
      audio.play().catch(() => {});
    });
  }
  async function answer() {
    const s = session;
    if (!s || s.isEstablished()) return;
    ring(false);
    try {
      micStream = await openMic(SP.video);
    } catch (err) {
      D.say("sp-msg", err.message, true);
      box.dataset.error = err.key;
      if (session === s) s.terminate({status_code: 480, reason_phrase: "Microphone Unavailable"});  // the queue tries another agent
      return;
    }
    delete box.dataset.error;
    listMics();  // labels are readable once the microphone is allowed
    if (session !== s || s.isEnded()) { micStream.getTracks().forEach((tr) => tr.stop()); return; }
    s.answer({mediaStream: micStream, mediaConstraints: {audio: true, video: !!SP.video}, pcConfig: {iceServers: []}});
  }
  function ended(message) {
    ring(false);
    if (micStream) micStream.getTracks().forEach((tr) => tr.stop());
    micStream = null; session = null; muted = false; held = false; callId = "";
    clearTimeout(autoTimer); autoTimer = null;
    delete box.dataset.callId;
    showMatch();
    $("sp-remote").srcObject = null;
    $("sp-video").srcObject = null;
    $("sp-video").hidden = true;
    SP.video = false;
    showCall("", "");
    if (message) D.say("sp-msg", message, true);
    if (!wanted) stop();
  }

  $("sp-answer").addEventListener("click", () => { D.emit("gesture"); answer(); });
  $("sp-decline").addEventListener("click", () => { if (session) session.terminate({status_code: 486, reason_phrase: "Busy Here"}); });
  $("sp-hangup").addEventListener("click", () => { if (session) session.terminate(); });
  $("sp-mute").addEventListener("click", () => {
    if (!session) return;
    muted = !muted;
    if (muted) session.mute({audio: true}); else session.unmute({audio: true});
    showCall("talking");
  });
  $("sp-hold").addEventListener("click", () => {
    if (!session) return;
    if (held) session.unhold(); else session.hold();
  });
  $("sp-dtmf").addEventListener("click", (ev) => {
    const key = ev.target.closest("button[data-digit]");
    if (!key || !session) return;
    const digit = key.dataset.digit;
    const sender = session.connection && session.connection.getSenders().find((s) => s.dtmf);
    // RFC 4733 in the media when the connection can carry it; SIP INFO otherwise (Asterisk takes both)
    const rtp = !!(sender && sender.dtmf && sender.dtmf.canInsertDTMF);
    try { session.sendDTMF(digit, {transportType: rtp ? "RFC2833" : "INFO", duration: 120}); }
    catch (err) { D.say("sp-msg", t("sp.dtmf_failed"), true); return; }
    H.setText("sp-dtmf-sent", ($("sp-dtmf-sent").textContent + digit).slice(-20));
  });
  $("sp-transfer-box").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const target = $("sp-transfer-to").value.replace(/[^0-9a-z]/gi, "").toLowerCase();
    if (!session || !target) return;
    const domain = cfg.uri.split("@")[1];
    session.refer("sip:" + target + "@" + domain);
    D.say("sp-msg", t("sp.transferring", {target: target}));
  });

  async function load() {
    try { cfg = await H.api("GET", "/api/v1/softphone"); } catch (err) { return; }
    if (!cfg.enabled) return;
    box.hidden = false;
    showCall("", "");
    if (!window.JsSIP) { setState("unavailable", t("sp.no_bundle"), true); return; }
    setState("off", "");
    listMics();
    // register when the agent joins the queues (the button, or a desk opened while already in them)
    $("btn-login").addEventListener("click", start);
    const follow = (state) => { if (state === "logged_out") stop(); else if (state && state !== "unknown") start(); };
    D.on("state", (p) => follow(p.state));
    follow(D.state && D.state.current());  // the desk may have heard its state before this answered
  }
  load();
})();
