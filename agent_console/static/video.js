/* The public sign-language video page: consent, camera and microphone, then a JsSIP video call
   (no registration) to the helpline's video queue with the ticket Helpline issued. Every failure
   is said in the page's language: camera refused, queue full, no interpreter, too many calls.
   The dialplan does not answer the call: it rings (180) while the citizen waits in the queue, so
   the page says "waiting for an interpreter" (with how many citizens wait, from
   /api/v1/video/queue) until an interpreter answers (200 OK: "connected"), and a refusal from
   the queue arrives as the INVITE's final response. */
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("video-data").textContent);
  const T = data.texts || {};
  const $ = (id) => document.getElementById(id);
  const t = (key, values) => {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  };
  const POLL_MS = 5000;
  const form = $("video-form");
  if (!form) return;
  let ua = null, session = null, stream = null, state = "idle", poller = null;
  window.VideoCall = {state: () => state, session: () => session};

  function say(key, isError) {
    const node = $("video-status");
    node.textContent = t(key);
    node.hidden = false;
    node.classList.toggle("error", !!isError);
    node.dataset.key = key;
  }
  // while the call waits: how many citizens wait for an interpreter (this one included)
  async function showQueue() {
    if (state !== "waiting") return;
    let waiting = null;
    try {
      const r = await fetch("/api/v1/video/queue", {headers: {"Accept": "application/json"}});
      if (r.ok) waiting = (await r.json()).waiting;
    } catch (err) { waiting = null; }
    const node = $("video-queue");
    if (state !== "waiting" || typeof waiting !== "number" || waiting < 1) { node.hidden = true; return; }
    node.textContent = waiting === 1 ? t("video.queue.next") : t("video.queue.waiting", {n: waiting});
    node.hidden = false;
  }
  function setState(next) {
    state = next;
    if (next === "waiting" && !poller) {
      showQueue();
      poller = setInterval(showQueue, POLL_MS);
    } else if (next !== "waiting") {
      if (poller) clearInterval(poller);
      poller = null;
      $("video-queue").hidden = true;
    }
    document.body.dataset.video = next;
    $("video-start").hidden = next !== "idle";
    $("video-hangup").hidden = next === "idle";
    $("video-consent").disabled = next !== "idle";
  }
  $("video-consent").addEventListener("change", () => { $("video-start").disabled = !$("video-consent").checked; });

  function cleanUp() {
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    $("video-local").srcObject = null;
    $("video-remote").srcObject = null;
    session = null;
    if (ua) { const old = ua; ua = null; old.stop(); }
    setState("idle");
  }
  function failure(e) {
    const status = e && e.message && e.message.status_code;
    if (status === 503) return "video.err.queue_full";
    if (status === 486 || status === 600) return "video.err.no_agent";
    if (status === 480 || status === 408) return "video.err.timeout";
    if (status === 502) return "video.err.closed";  // Hangup(27): outside the video queue's hours
    if (status === 500) return "video.err.technical";  // Hangup(38): the application is down
    if (e && e.cause === "Connection Error") return "video.err.network";
    return "video.err.refused";
  }

  async function start(ev) {
    ev.preventDefault();
    if (state !== "idle" || !$("video-consent").checked) return;
    setState("starting");
    say("video.status.asking");
    let cfg;
    try {
      const response = await fetch("/api/v1/video/ticket", {method: "POST", headers: {"Accept": "application/json"}});
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const id = body && body.error && body.error.id;
        say(id === "queue_full" ? "video.err.queue_full" : id === "rate_limited" ? "video.err.rate_limited" : "video.unavailable", true);
        setState("idle");
        return;
      }
      cfg = body;
    } catch (err) { say("video.err.network", true); setState("idle"); return; }
    say("video.status.camera");
    try {
      stream = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: {ideal: 640}, height: {ideal: 480}}});
    } catch (err) {
      const refused = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
      say(refused ? "video.err.camera_refused" : "video.err.no_camera", true);
      cleanUp();
      return;
    }
    $("video-local").srcObject = stream;
    if (!window.JsSIP) { say("video.unavailable", true); cleanUp(); return; }
    say("video.status.calling");
    ua = new window.JsSIP.UA({sockets: [new window.JsSIP.WebSocketInterface(cfg.ws_url)], uri: cfg.uri,
      authorization_user: cfg.authorization_user, password: cfg.password, register: false, session_timers: false,
      user_agent: "Helpline video page"});
    ua.on("connected", () => {
      if (session || !ua) return;
      session = ua.call(cfg.target, {
        mediaStream: stream, pcConfig: {iceServers: []},
        extraHeaders: ["X-Helpline-Ticket: " + cfg.ticket, "X-Helpline-Lang: " + (data.lang === "en" ? "en" : "hi")],
        eventHandlers: {
          // 180 from the queue (the dialplan never answers): waiting for an interpreter
          progress: () => { if (state !== "waiting") { setState("waiting"); say("video.status.waiting"); } },
          accepted: () => { setState("connected"); say("video.status.connected"); },
          ended: () => { say("video.status.ended"); cleanUp(); },
          failed: (e) => { if (e.originator === "local") say("video.status.ended"); else say(failure(e), true); cleanUp(); },
        },
      });
      session.connection.addEventListener("track", (e) => {
        if (e.streams && e.streams[0]) $("video-remote").srcObject = e.streams[0];
      });
    });
    ua.on("disconnected", () => { if (ua && state !== "idle") { say("video.err.network", true); cleanUp(); } });
    ua.start();
  }
  form.addEventListener("submit", start);
  $("video-hangup").addEventListener("click", () => {
    if (session && !session.isEnded()) session.terminate(); else { say("video.status.ended"); cleanUp(); }
  });
})();
