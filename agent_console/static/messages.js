/* Supervisors' message backlog: "send again" on a failed message. */
"use strict";
(function () {
  const H = window.Helpline;
  const texts = JSON.parse(document.getElementById("m-data").textContent);
  for (const button of document.querySelectorAll(".m-retry")) {
    button.addEventListener("click", async () => {
      try {
        await H.api("POST", "/api/v1/messages/" + button.dataset.id + "/retry");
        H.say("m-retry-msg", texts.retried.replace("{id}", button.dataset.id));
        button.disabled = true;
      } catch (err) {
        H.say("m-retry-msg", err.message, true);
      }
    });
  }
})();
