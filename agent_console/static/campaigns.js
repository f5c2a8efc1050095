/* Campaigns page: list with start/pause/cancel, a progress panel refreshed every few seconds,
   the new-campaign form, the contacts upload and the do-not-call list. Data only via textContent. */
"use strict";
(function () {
  const H = window.Helpline;
  const data = JSON.parse(document.getElementById("camp-data").textContent);
  const T = data.texts || {};
  const t = (k, v) => {
    let s = T[k] || k;
    for (const [a, b] of Object.entries(v || {})) s = s.split("{" + a + "}").join(String(b));
    return s;
  };
  const MAX_QUESTIONS = 3;
  let campaigns = data.campaigns || [];
  let selected = null;
  let timer = null;

  const stateText = (s) => T["camp.state." + s] || s;
  const kindText = (k) => T["camp.kind." + k] || k;
  const byId = (id) => campaigns.find((c) => c.id === id);

  function actionButtons(c) {
    const cell = H.el("td", {class: "actions"});
    const moves = {start: ["draft", "scheduled", "paused"], pause: ["running", "scheduled"],
      cancel: ["draft", "scheduled", "running", "paused"]};
    for (const move of ["start", "pause", "cancel"]) {
      if (!moves[move].includes(c.state) || (move === "cancel" && c.kind === "feedback")) continue;
      cell.append(H.el("button", {type: "button", class: "small" + (move === "cancel" ? " danger" : move === "start" ? " go" : ""),
        "data-move": move, "data-id": String(c.id), text: t("camp." + move)}), " ");
    }
    cell.append(H.el("button", {type: "button", class: "small", "data-show": String(c.id), text: t("camp.show")}), " ");
    cell.append(H.el("a", {href: "/api/v1/campaigns/" + c.id + "/results.csv", class: "csv-link", download: true,
      text: t("camp.csv")}));
    return cell;
  }

  function renderList() {
    const tbody = document.querySelector("#camp-table tbody");
    tbody.replaceChildren();
    for (const c of campaigns) {
      const p = c.progress || {};
      tbody.append(H.el("tr", {"data-id": String(c.id), class: c.id === selected ? "selected" : null}, [
        H.el("th", {scope: "row", text: c.name}),
        H.el("td", {text: kindText(c.kind)}),
        H.el("td", {class: "state"}, [H.el("span", {class: "badge camp-" + c.state, text: stateText(c.state)})]),
        H.el("td", {text: c.window}),
        ...["contacts", "queued", "dialled", "answered", "completed", "failed"].map(
          (k) => H.el("td", {class: "num p-" + k, text: p[k] === undefined ? "" : p[k]})),
        actionButtons(c),
      ]));
    }
    document.getElementById("camp-table").hidden = !campaigns.length;
    document.getElementById("camp-none").hidden = !!campaigns.length;
  }

  function fillCounts(tableId, entries, cells) {
    const tbody = document.querySelector("#" + tableId + " tbody");
    tbody.replaceChildren();
    if (!entries.length) {
      tbody.append(H.el("tr", {}, [H.el("td", {colspan: String(cells), class: "muted", text: "—"})]));
      return;
    }
    for (const row of entries) tbody.append(H.el("tr", {}, row.map((v, i) => H.el("td", {class: i === row.length - 1 ? "num" : null, text: v}))));
  }

  function renderDetail() {
    const c = byId(selected);
    document.getElementById("d-pick").hidden = !!c;
    document.getElementById("d-body").hidden = !c;
    if (!c) return;
    const p = c.progress || {};
    H.setText("d-name", "— " + c.name);
    const badge = document.getElementById("d-state");
    badge.textContent = stateText(c.state);
    badge.className = "badge camp-" + c.state;
    H.setText("d-window", c.window + " · " + (c.days || []).map((d) => T["camp.day." + d] || d).join(" "));
    for (const k of ["contacts", "queued", "in_progress", "dialled", "answered", "completed", "failed", "cancelled"]) {
      H.setText("p-" + k, p[k] === undefined ? "" : p[k]);
    }
    fillCounts("d-failed", Object.entries(p.failed_by_reason || {}), 2);
    const answers = [];
    for (const [question, counts] of Object.entries(p.answers || {})) {
      for (const [answer, n] of Object.entries(counts)) answers.push([question, answer, n]);
    }
    document.getElementById("d-answers-box").hidden = c.kind === "feedback";
    fillCounts("d-answers", answers, 3);
    const now = new Date();
    H.setText("d-updated", t("camp.updated", {at: now.toTimeString().slice(0, 8)}));
    document.getElementById("upload-form").hidden = c.kind === "feedback";
    const a = (c.progress || {}).announcement;
    document.getElementById("d-announce").hidden = !a;
    if (a) H.setText("d-announce", t("camp.announce_counts", a));
  }

  function replace(c) {
    const i = campaigns.findIndex((x) => x.id === c.id);
    if (i >= 0) campaigns[i] = c; else campaigns.unshift(c);
    renderList();
    if (c.id === selected) renderDetail();
  }

  async function refresh() {
    if (selected === null) return;
    try {
      replace(await H.api("GET", "/api/v1/campaigns/" + selected));
    } catch (err) {
      H.say("camp-msg", err.message, true);
    }
  }

  // --- changing the rules (PATCH), with the audit log ------------------------------------
  function fillEdit(c) {
    document.getElementById("edit-box").hidden = c.state === "completed" || c.state === "cancelled";
    document.getElementById("e-window").value = c.window;
    for (const box of document.querySelectorAll('input[name="e-days"]')) box.checked = (c.days || []).includes(box.value);
    document.getElementById("e-holidays").value = (c.holidays || []).join(", ");
    document.getElementById("e-channels").value = c.max_channels;
    document.getElementById("e-cps").value = c.calls_per_second;
    document.getElementById("e-attempts").value = c.max_attempts;
    document.getElementById("e-cap").value = c.daily_cap;
    H.say("edit-error", "");
    H.say("edit-msg", "");
    loadChanges(c.id);
  }
  const show = (v) => typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  function changeLines(change) {
    return Object.keys(change.after).map((f) => change.at.slice(0, 16).replace("T", " ") + " · " + change.by + " · " +
      (T["camp.field." + f] || f) + ": " + show(change.before[f]) + " → " + show(change.after[f]));
  }
  async function loadChanges(id) {
    const ul = document.getElementById("edit-log");
    try {
      const log = (await H.api("GET", "/api/v1/campaigns/" + id + "/changes")).changes;
      const lines = log.flatMap(changeLines).reverse();
      ul.replaceChildren(...(lines.length ? lines.map((l) => H.el("li", {text: l})) : [H.el("li", {class: "muted", text: t("camp.no_changes")})]));
    } catch (err) { ul.replaceChildren(H.el("li", {class: "error", text: err.message})); }
  }
  document.getElementById("edit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (selected === null) return;
    H.say("edit-error", "");
    H.say("edit-msg", "");
    const num = (id) => { const v = document.getElementById(id).value.trim(); return v === "" ? null : Number(v); };
    const body = {
      window: document.getElementById("e-window").value.trim(),
      days: [...document.querySelectorAll('input[name="e-days"]:checked')].map((b) => b.value),
      holidays: document.getElementById("e-holidays").value.split(",").map((x) => x.trim()).filter(Boolean),
      max_channels: num("e-channels"), calls_per_second: num("e-cps"), max_attempts: num("e-attempts"), daily_cap: num("e-cap"),
    };
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    try {
      const c = await H.api("PATCH", "/api/v1/campaigns/" + selected, body);
      replace(c);
      H.say("edit-msg", c.change ? t("camp.edit_saved", {n: Object.keys(c.change.after).length}) : t("camp.edit_same"));
      loadChanges(c.id);
    } catch (err) {
      H.say("edit-error", err.message, true);
    }
  });

  // --- an announcement's message (or question) as a recording instead of text-to-speech ------
  function voiceName() { return "announce-" + selected + document.getElementById("voice-prompt").value; }
  function showVoice() {
    const audio = document.getElementById("voice-audio");
    audio.src = "/api/v1/admin/prompts/" + voiceName() + "/" + document.getElementById("voice-lang").value + "/audio?t=" + Date.now();
  }
  document.getElementById("voice-prompt").addEventListener("change", showVoice);
  document.getElementById("voice-lang").addEventListener("change", showVoice);
  document.getElementById("voice-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = document.getElementById("voice-file");
    if (selected === null || !input.files.length) { H.say("voice-msg", t("camp.voice_choose"), true); return; }
    const button = document.getElementById("voice-submit");
    button.disabled = true;
    try {
      const response = await fetch("/api/v1/admin/prompts/" + voiceName() + "/" + document.getElementById("voice-lang").value,
        {method: "PUT", body: input.files[0], credentials: "same-origin",
         headers: {"Accept": "application/json", "Content-Type": "application/octet-stream", "X-CSRF-Token": H.csrf}});
      let body = null;
      try { body = await response.json(); } catch (err) { body = null; }
      if (!response.ok) throw new Error(body && body.error ? body.error.message : "HTTP " + response.status);
      H.say("voice-msg", t("camp.voice_saved", {s: Number(body.duration_s).toFixed(1)}));
      input.value = "";
      showVoice();
    } catch (err) {
      H.say("voice-msg", err.message, true);
    } finally {
      button.disabled = false;
    }
  });

  function select(id) {
    selected = id;
    const chosen = byId(id);
    const announcing = !!chosen && chosen.kind === "announcement";
    document.getElementById("voice-form").hidden = !announcing;
    H.say("voice-msg", "");
    if (announcing) {
      document.querySelector('#voice-prompt option[value="-confirm"]').hidden = !chosen.confirm;
      document.getElementById("voice-prompt").value = "";
    }
    if (byId(id)) fillEdit(byId(id));
    if (announcing) showVoice();
    H.say("upload-msg", "");
    document.getElementById("upload-rejected").hidden = true;
    renderList();
    renderDetail();
    if (timer) clearInterval(timer);
    timer = setInterval(refresh, (data.refresh_s || 5) * 1000);
  }

  document.getElementById("camp-table").addEventListener("click", async (ev) => {
    const show = ev.target.closest("button[data-show]");
    if (show) { select(Number(show.dataset.show)); return; }
    const button = ev.target.closest("button[data-move]");
    if (!button) return;
    const move = button.dataset.move;
    if (move === "cancel" && !button.classList.contains("sure")) {
      button.classList.add("sure");
      button.textContent = t("camp.cancel_sure");
      return;
    }
    button.disabled = true;
    try {
      const c = await H.api("POST", "/api/v1/campaigns/" + button.dataset.id + "/" + move);
      replace(c);
      H.say("camp-msg", t("camp.now_state", {name: c.name, state: stateText(c.state)}));
      if (selected === null) select(c.id);
    } catch (err) {
      button.disabled = false;
      H.say("camp-msg", err.message, true);
    }
  });

  // --- new survey campaign --------------------------------------------------------------
  const form = document.getElementById("new-form");

  document.getElementById("add-question").addEventListener("click", () => {
    const rows = form.querySelectorAll(".question");
    if (rows.length >= MAX_QUESTIONS) return;
    const copy = rows[0].cloneNode(true);
    for (const input of copy.querySelectorAll("input")) input.value = "";
    copy.querySelector('input[name="q_id"]').value = "q" + (rows.length + 1);
    copy.querySelector('input[name="q_digits"]').value = "1=yes,2=no";
    document.querySelector("#questions tbody").append(copy);
    document.getElementById("add-question").hidden = rows.length + 1 >= MAX_QUESTIONS;
    copy.querySelector('input[name="q_hi"]').focus();
  });

  function parseDigits(text, n) {
    const digits = {};
    for (const part of text.split(",")) {
      if (!part.trim()) continue;
      const at = part.indexOf("=");
      if (at < 1) throw new Error(t("camp.bad_digits", {n: n}));
      digits[part.slice(0, at).trim()] = part.slice(at + 1).trim();
    }
    if (!Object.keys(digits).length) throw new Error(t("camp.bad_digits", {n: n}));
    return digits;
  }

  function numberOrNull(id) {
    const v = document.getElementById(id).value.trim();
    return v === "" ? null : Number(v);
  }

  // survey or announcement: the form shows the questions or the message
  const kindOf = () => (form.querySelector('input[name="kind"]:checked') || {value: "survey"}).value;
  function showKind() {
    const announcing = kindOf() === "announcement";
    document.getElementById("survey-part").hidden = announcing;
    document.getElementById("announce-part").hidden = !announcing;
  }
  for (const radio of form.querySelectorAll('input[name="kind"]')) radio.addEventListener("change", showKind);
  showKind();

  function announcementBody() {
    const val = (id) => document.getElementById(id).value.trim();
    const body = {message: {hi: val("m-hi"), en: val("m-en")}};
    if (val("c-hi") || val("c-en")) {
      body.confirm = {prompt_hi: val("c-hi"), prompt_en: val("c-en"), digits: parseDigits(val("c-digits"), 1)};
    }
    return body;
  }

  function formBody() {
    if (kindOf() === "announcement") {
      const body = Object.assign(baseBody(), {kind: "announcement"}, announcementBody());
      delete body.survey;
      return body;
    }
    return baseBody();
  }

  function baseBody() {
    const survey = [];
    if (kindOf() === "survey") form.querySelectorAll(".question").forEach((row, i) => {
      const get = (name) => row.querySelector('input[name="' + name + '"]').value.trim();
      if (i > 0 && !get("q_hi") && !get("q_en")) return;  // an added row left empty
      survey.push({id: get("q_id"), prompt_hi: get("q_hi"), prompt_en: get("q_en"), digits: parseDigits(get("q_digits"), i + 1)});
    });
    const body = {
      name: document.getElementById("n-name").value.trim(),
      kind: "survey",
      window: document.getElementById("n-window").value.trim() || null,
      days: Array.from(form.querySelectorAll('input[name="days"]:checked')).map((x) => x.value),
      holidays: document.getElementById("n-holidays").value.split(",").map((x) => x.trim()).filter(Boolean),
      max_channels: numberOrNull("n-channels"),
      calls_per_second: numberOrNull("n-cps"),
      max_attempts: numberOrNull("n-attempts"),
      survey: survey,
    };
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    if (kindOf() === "announcement") delete body.survey;
    return body;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    H.say("new-error", "");
    H.say("new-msg", "");
    const submit = document.getElementById("new-submit");
    submit.disabled = true;
    try {
      const c = await H.api("POST", "/api/v1/campaigns", formBody());
      replace(c);
      select(c.id);
      H.say("new-msg", t("camp.created", {name: c.name}));
      document.getElementById("n-name").value = "";
      document.getElementById("upload-file").focus();
    } catch (err) {
      H.say("new-error", err.message, true);
    } finally {
      submit.disabled = false;
    }
  });

  // --- contacts upload ------------------------------------------------------------------
  document.getElementById("upload-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = document.getElementById("upload-file");
    const table = document.getElementById("upload-rejected");
    table.hidden = true;
    if (selected === null || !input.files.length) { H.say("upload-msg", t("camp.choose_file"), true); return; }
    const body = new FormData();
    body.append("file", input.files[0]);
    const button = document.getElementById("upload-submit");
    button.disabled = true;
    try {
      const response = await fetch("/api/v1/campaigns/" + selected + "/contacts", {method: "POST", body: body,
        credentials: "same-origin", headers: {"Accept": "application/json", "X-CSRF-Token": H.csrf}});
      let report = null;
      try { report = await response.json(); } catch (err) { report = null; }
      if (!response.ok) {
        throw new Error(report && report.error && report.error.message ? report.error.message : "HTTP " + response.status);
      }
      const rejected = report.rejected || [];
      H.say("upload-msg", t("camp.imported", {n: report.imported}) + (rejected.length ? " · " + t("camp.rejected", {n: rejected.length}) : ""));
      const tbody = table.querySelector("tbody");
      tbody.replaceChildren();
      for (const r of rejected) {
        tbody.append(H.el("tr", {"data-row": String(r.row)}, [H.el("td", {class: "num", text: r.row}),
          H.el("td", {text: r.reason}), H.el("td", {class: "phone", text: r.value || ""})]));
      }
      table.hidden = !rejected.length;
      input.value = "";
      await refresh();
    } catch (err) {
      H.say("upload-msg", err.message, true);
    } finally {
      button.disabled = false;
    }
  });

  // --- do-not-call list -----------------------------------------------------------------
  function renderDnc(numbers) {
    const tbody = document.querySelector("#dnc-table tbody");
    tbody.replaceChildren();
    for (const n of numbers) {
      tbody.append(H.el("tr", {}, [H.el("td", {class: "phone", text: n.phone}), H.el("td", {text: n.reason || ""}),
        H.el("td", {}, [H.el("button", {type: "button", class: "small danger", "data-phone": n.phone, text: t("camp.dnc_remove")})])]));
    }
    document.getElementById("dnc-table").hidden = !numbers.length;
    document.getElementById("dnc-none").hidden = !!numbers.length;
  }

  async function reloadDnc() {
    renderDnc((await H.api("GET", "/api/v1/dnc")).numbers || []);
  }

  document.getElementById("dnc-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const phone = document.getElementById("dnc-phone");
    const reason = document.getElementById("dnc-reason");
    try {
      const added = await H.api("POST", "/api/v1/dnc", {phone: phone.value.trim(), reason: reason.value.trim()});
      H.say("dnc-msg", t("camp.dnc_added", {phone: added.phone}));
      phone.value = "";
      reason.value = "";
      await reloadDnc();
    } catch (err) {
      H.say("dnc-msg", err.message, true);
    }
  });

  document.getElementById("dnc-table").addEventListener("click", async (ev) => {
    const button = ev.target.closest("button[data-phone]");
    if (!button) return;
    try {
      const out = await H.api("DELETE", "/api/v1/dnc/" + encodeURIComponent(button.dataset.phone));
      H.say("dnc-msg", t("camp.dnc_removed", {phone: out.removed}));
      await reloadDnc();
    } catch (err) {
      H.say("dnc-msg", err.message, true);
    }
  });

  renderList();
  renderDnc(data.dnc || []);
  if (campaigns.length) select(campaigns[0].id);
})();
