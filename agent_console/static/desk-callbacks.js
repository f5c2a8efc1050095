/* Desk: callbacks — the callers who asked to be called back and the abandoned calls, first queue join
   first. Take one (nobody else can while you hold it), read the caller's history, dial, record. */
"use strict";
(function () {
  const D = window.Desk, H = D.H, $ = D.$, t = D.t;
  let held = null, dialled = null;

  function item(r) {
    const mine = r.taken_by && r.taken_by === (D.data.extension || D.data.username);
    return H.el("li", {class: "cb-item" + (r.taken_by ? " taken" : ""), "data-id": String(r.id)}, [
      H.el("span", {class: "when", text: H.fmtDate(r.joined_at).slice(5)}), " ",
      H.el("strong", {class: "phone", text: D.groupPhone(r.phone)}), " ",
      H.el("span", {class: "badge", text: t("cb.kind." + r.kind)}), " ",
      r.attempts ? H.el("span", {class: "muted small", text: t("cb.attempts", {n: r.attempts})}) : null, " ",
      r.taken_by && !mine ? H.el("span", {class: "muted small", text: t("cb.taken_by", {who: r.taken_by})})
        : H.el("button", {type: "button", class: "small", "data-cb-take": String(r.id), text: t("cb.take")})]);
  }
  async function refresh() {
    let list;
    try { list = (await H.api("GET", "/api/v1/callbacks")).callbacks; } catch (err) { return; }
    const ul = $("cb-list");
    ul.replaceChildren(...(list.length ? list.map(item) : [H.el("li", {class: "muted", text: t("cb.none")})]));
    H.setText("cb-count", list.length ? String(list.length) : "");
  }
  D.on("callbacks-changed", refresh);
  $("cb-refresh").addEventListener("click", refresh);
  refresh();
  setInterval(refresh, 20000);

  function preview(r) {
    held = r;
    dialled = null;
    const box = $("cb-current");
    const complaints = (r.complaints || []).map((c) => D.form.complaintRow(c, false));
    box.replaceChildren(
      H.el("h3", {text: t("cb.calling_back")}),
      H.el("p", {}, [H.el("strong", {class: "phone", id: "cb-phone", text: D.groupPhone(r.phone)}), " ",
        H.el("span", {class: "muted", text: [t("cb.kind." + r.kind), r.queue || "", t("cb.requested_at", {at: H.fmtDate(r.requested_at)})].join(" · ")})]),
      ...(r.recording ? [H.el("p", {}, [H.el("span", {class: "muted small", text: t("cb.recording") + " "}),
        H.el("audio", {controls: "", preload: "none", id: "cb-audio", src: "/api/v1/callbacks/" + r.id + "/recording"})])] : []),
      H.el("p", {class: "muted small", text: (r.citizens || []).map((c) => c.name).join(", ") || t("citizens.none")}),
      complaints.length ? H.el("table", {class: "grid"}, [H.el("tbody", {}, complaints)]) : H.el("p", {class: "muted small", text: t("complaints.none")}),
      ...(r.tries || []).map((a) => H.el("p", {class: "muted small", text: H.fmtDate(a.at) + " · " + a.agent + " · " + t("cb.outcome." + a.outcome)})),
      H.el("div", {class: "row"}, [H.el("button", {type: "button", class: "primary", id: "cb-dial", text: t("cb.dial")})]),
      H.el("div", {class: "row cb-results"}, ["reached", "no_answer", "busy", "failed"].map((o) =>
        H.el("button", {type: "button", class: "small" + (o === "reached" ? " go" : ""), "data-cb-result": o, text: t("cb.outcome." + o)}))),
      H.el("label", {for: "cb-note", class: "sr", text: t("cb.note")}),
      H.el("input", {id: "cb-note", maxlength: "500", placeholder: t("cb.note")}),
      H.el("p", {class: "msg", id: "cb-msg", role: "status", hidden: true}));
    box.hidden = false;
  }
  document.addEventListener("click", async (ev) => {
    const take = ev.target.closest("button[data-cb-take]");
    if (take) {
      try { preview(await H.api("POST", "/api/v1/callbacks/" + take.dataset.cbTake + "/take")); }
      catch (err) { D.say("state-msg", D.errorText(err), true); }
      refresh();
      return;
    }
    if (ev.target.closest("#cb-dial") && held) {
      try {
        dialled = (await H.api("POST", "/api/v1/calls/originate", {number: held.phone})).call_id;
        D.say("cb-msg", t("c2c.calling", {number: D.groupPhone(held.phone)}));
      } catch (err) { D.say("cb-msg", D.errorText(err), true); }
      return;
    }
    const result = ev.target.closest("button[data-cb-result]");
    if (result && held) {
      try {
        const r = await H.api("POST", "/api/v1/callbacks/" + held.id + "/result",
                              {outcome: result.dataset.cbResult, note: $("cb-note").value, call_id: dialled});
        D.say("state-msg", r.state === "open" ? t("cb.will_retry", {n: r.attempts}) : t("cb.closed." + r.state));
        held = null;
        $("cb-current").hidden = true;
        refresh();
      } catch (err) { D.say("cb-msg", D.errorText(err), true); }
    }
  });
})();
