/* Desk: a complaint opened from the pop, the search or a callback — history, officers' reports,
   deadline — with the feedback of DESIGN §2 (satisfied closes; dissatisfied reopens, or escalates). */
"use strict";
(function () {
  const D = window.Desk, H = D.H, $ = D.$, t = D.t;
  const panel = $("complaint-panel");
  const AWAITING = ["disposed", "disposed_l2"];
  let shown = null;

  function fact(label, value, cls) {
    return [H.el("dt", {text: label}), H.el("dd", {class: cls || null, text: value || "—"})];
  }
  function eventItem(e) {
    const li = H.el("li", {}, [H.el("span", {class: "when", text: H.fmtDate(e.at)}), " ",
      H.el("strong", {text: D.T["event." + e.action] || e.action}),
      e.to ? " → " + D.stateLabel(e.to) : "", H.el("span", {class: "muted", text: " · " + e.actor + " (" + (D.T["actor." + e.actor_kind] || e.actor_kind) + ")"})]);
    const d = e.detail || {};
    for (const k of ["report", "reason", "text", "direction", "note"]) if (d[k]) li.append(H.el("div", {class: "report", text: d[k]}));
    if (d.expected_on) li.append(H.el("div", {class: "muted", text: t("detail.expected", {date: H.fmtDate(d.expected_on)})}));
    if (d.to_officer && e.action === "request_transfer") li.append(H.el("div", {class: "muted", text: t("cp.to_officer", {officer: d.to_officer})}));
    if (d.feedback) li.append(H.el("div", {class: "muted", text: t("cp.fb." + d.feedback)}));
    return li;
  }
  /* What an agent tells a citizen calling for the status: the officer's interim reply (what has been
     started, expected by when) and a transfer still waiting for a decision. */
  function statusNotes(c) {
    const notes = [];
    const i = c.interim;
    if (i) {
      notes.push(H.el("div", {class: "notice status-note", id: "cp-interim", role: "note"}, [
        H.el("strong", {text: t("cp.interim_title")}), " ",
        H.el("span", {class: "muted", text: t("cp.interim_from", {at: H.fmtDate(i.at), by: i.by})}),
        H.el("p", {class: "report", id: "cp-interim-text", text: i.text}),
        H.el("p", {class: "expected", id: "cp-expected", text: t("detail.expected", {date: H.fmtDate(i.expected_on || i.expected_at)})})]));
    }
    const r = c.transfer_request;
    if (r) {
      const o = r.to_officer_ref;
      const who = o ? (D.lang === "hi" ? o.name_hi : o.name) + " (" + r.to_officer + ")" : r.to_officer;
      const where = [D.nameOf(D.deptByCode[r.to_department]), D.nameOf(D.districtByCode[r.to_district])].filter(Boolean).join(", ");
      notes.push(H.el("div", {class: "notice status-note", id: "cp-transfer", role: "note"}, [
        H.el("strong", {text: t("cp.transfer_title")}), " ",
        H.el("span", {class: "muted", text: t("cp.interim_from", {at: H.fmtDate(r.requested_at), by: r.requested_by})}),
        H.el("p", {id: "cp-transfer-to", text: t("cp.transfer_to", {officer: who, where: where ? " · " + where : ""})}),
        H.el("p", {class: "report", text: r.reason}),
        H.el("p", {class: "muted small", text: t("cp.transfer_hint")})]));
    }
    return notes;
  }
  function render(c, note) {
    shown = c;
    const officer = c.officer ? (D.lang === "hi" ? c.officer.name_hi : c.officer.name) + " (L" + c.officer.level + ")" : "";
    const head = H.el("h2", {id: "cp-title"}, [t("col.number") + " ", H.el("span", {class: "bignum inline", id: "cp-number", text: D.groupNumber(c.number)}), " ",
      H.el("span", {class: "badge state-" + c.state, id: "cp-state", "data-state": c.state, text: D.stateLabel(c.state)}),
      c.overdue ? H.el("span", {class: "badge overdue-badge", text: t("officer.days_overdue", {n: c.days_overdue})}) : null]);
    const facts = H.el("dl", {class: "facts"}, [
      ...fact(t("col.phone"), D.groupPhone(c.phone), "phone"),
      ...fact(t("col.department"), D.nameOf(D.deptByCode[c.department]) || c.department),
      ...fact(t("col.district"), D.nameOf(D.districtByCode[c.district]) || c.district),
      ...fact(t("col.registered"), H.fmtDate(c.registered_at)),
      ...fact(t("col.due"), H.fmtDate(c.due_at), c.overdue ? "hot" : null),
      ...fact(t("col.officer"), officer),
      ...fact(t("cp.reopened"), String(c.reopen_count || 0)),
    ]);
    const body = [head, note ? H.el("p", {class: "notice", id: "cp-notice", role: "status", text: note}) : null,
      ...statusNotes(c), facts,
      H.el("h3", {text: t("col.description")}), H.el("p", {class: "description", text: c.description})];
    if (c.l1_report) body.push(H.el("h3", {text: t("officer.l1_report")}), H.el("p", {class: "report", id: "cp-l1", text: c.l1_report}));
    if (c.l2_report) body.push(H.el("h3", {text: t("officer.l2_report")}), H.el("p", {class: "report", id: "cp-l2", text: c.l2_report}));
    if (AWAITING.includes(c.state)) {
      body.push(H.el("h3", {text: t("cp.feedback")}), H.el("p", {class: "muted small", text: t("cp.feedback_hint")}),
        H.el("div", {class: "row"}, [
          H.el("button", {type: "button", class: "go", id: "cp-satisfied", "data-result": "satisfied", text: t("cp.satisfied")}),
          H.el("button", {type: "button", class: "danger", id: "cp-dissatisfied", "data-result": "dissatisfied", text: t("cp.dissatisfied")}),
          D.call && D.call.liveWith(c.phone) ? H.el("button", {type: "button", id: "cp-ivr", text: t("cp.ivr_feedback")}) : null]));
    }
    body.push(H.el("p", {class: "msg", id: "cp-msg", role: "status", hidden: true}),
      H.el("h3", {text: t("detail.history")}), H.el("ol", {class: "history", id: "cp-history"}, (c.events || []).map(eventItem)),
      H.el("p", {}, [H.el("a", {href: "/complaints/" + c.number, target: "_blank", rel: "noopener", text: t("cp.full_page")})]));
    $("cp-body").replaceChildren(...body.filter(Boolean));
  }
  async function open(number) {
    try {
      const c = await H.api("GET", "/api/v1/complaints/" + encodeURIComponent(number));
      render(c);
      if (!panel.open) panel.showModal();
      $("cp-close").focus();
    } catch (err) {
      D.say("state-msg", D.errorText(err), true);
    }
  }
  D.openComplaint = open;

  panel.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button[data-result]");
    if (button && shown) {
      button.disabled = true;
      try {
        const c = await H.api("POST", "/api/v1/complaints/" + shown.number + "/feedback", {result: button.dataset.result});
        const due = H.fmtDate(c.due_at);
        const note = c.state === "closed" ? t("cp.done_closed") : c.level === 2 ? t("cp.done_escalated", {due: due})
          : t("cp.done_reopened", {due: due});
        render(c, note);
        D.emit("feedback", c);
      } catch (err) {
        button.disabled = false;
        D.say("cp-msg", D.errorText(err), true);
      }
      return;
    }
    if (ev.target.closest("#cp-ivr") && shown && D.call) {
      try {
        await D.call.toFeedback(shown.number);
        D.say("cp-msg", t("cp.ivr_sent"));
      } catch (err) {
        D.say("cp-msg", D.errorText(err), true);
      }
    }
  });
  /* complaint numbers anywhere on the desk open the panel (the link still works in a new tab) */
  document.addEventListener("click", (ev) => {
    const link = ev.target.closest("a[data-complaint]");
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey || link.closest("#complaint-panel")) return;
    ev.preventDefault();
    open(link.dataset.complaint);
  });
})();
