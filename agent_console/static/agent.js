/* Agent desk: wires the live feed (/ws/agent) to the desk modules (desk-*.js) and click-to-call. */
"use strict";
(function () {
  const D = window.Desk, H = D.H, $ = D.$, t = D.t;

  function onMessage(msg) {
    if (msg.type === "agent.state") D.state.show(msg.state, msg.reason, msg.since, msg.wrapup_s);
    else if (msg.type === "call.ringing" || msg.type === "call.answered" || msg.type === "call.ended") D.call.show(msg);
    else if (msg.type === "call.context") D.call.context(msg);  // the caller's history, after a pop sent without it
  }
  H.live("/ws/agent", onMessage, (up) => {
    const live = $("live");
    live.classList.toggle("off", !up);
    live.title = up ? "" : t("agent.pbx_down");
    D.say("state-msg", up ? "" : t("agent.pbx_down"), !up);
  });

  /* click-to-call from any number on the desk */
  document.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button.c2c");
    if (!button || !button.dataset.number) return;
    D.say("state-msg", t("c2c.calling", {number: D.groupPhone(button.dataset.number)}));
    try {
      await H.api("POST", "/api/v1/calls/originate", {number: button.dataset.number});
    } catch (err) {
      D.say("state-msg", D.errorText(err), true);
    }
  });
})();
