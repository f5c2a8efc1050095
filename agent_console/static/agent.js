/* Agent desk: state bar, live call card from /ws/agent, registration, search, disposition, click-to-call. */
"use strict";
(function () {
  const H = window.Helpline;
  const data = JSON.parse(document.getElementById("desk-data").textContent);
  const T = data.texts || {};
  const ref = data.ref || {departments: [], districts: [], pause_reasons: []};
  const lang = data.lang || "hi";
  function t(key, values) {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }
  function nameOf(obj) { return obj ? (obj["name_" + lang] || obj.name_en || obj.name || obj.code || "") : ""; }
  const deptByCode = {};
  for (const d of ref.departments) deptByCode[d.code] = d;
  const $ = (id) => document.getElementById(id);

  /* ---- state bar ---- */
  let stateSince = null, wrapupEnds = null, currentState = "unknown";
  function showState(state, reason, since, wrapupS) {
    currentState = state || "unknown";
    const node = $("agent-state");
    node.textContent = t("agent.state." + currentState) !== "agent.state." + currentState
      ? t("agent.state." + currentState) : currentState;
    node.dataset.state = currentState;
    document.body.dataset.agentState = currentState;
    const reasonObj = (ref.pause_reasons || []).find((r) => r.code === reason);
    H.setText("state-reason", reason ? "(" + (reasonObj ? nameOf(reasonObj) : reason) + ")" : "");
    const out = currentState === "logged_out";
    $("btn-login").disabled = !out;
    $("btn-ready").disabled = out || currentState === "ready";
    $("btn-pause").disabled = out;
    $("btn-leave").disabled = out;
    stateSince = since ? Date.parse(since) : Date.now();
    wrapupEnds = currentState === "wrap_up" && wrapupS ? stateSince + Number(wrapupS) * 1000 : null;
    tick();
  }
  function tick() {
    if (stateSince) H.setText("state-since", H.fmtDuration((Date.now() - stateSince) / 1000));
    const box = $("wrapup");
    if (currentState === "wrap_up" && wrapupEnds) {
      box.hidden = false;
      box.textContent = t("agent.wrapup_left", {s: Math.max(0, Math.ceil((wrapupEnds - Date.now()) / 1000))});
    } else {
      box.hidden = true;
    }
  }
  setInterval(tick, 1000);

  async function action(path, body) {
    H.say("state-msg", "");
    try {
      const result = await H.api("POST", "/api/v1/agents/me/" + path, body);
      if (result && result.state) showState(result.state, result.reason, result.since, result.wrapup_s);
    } catch (err) {
      H.say("state-msg", err.message, true);
    }
  }
  $("btn-login").addEventListener("click", () => action("login", {extension: data.extension}));
  $("btn-ready").addEventListener("click", () => action("ready"));
  $("btn-pause").addEventListener("click", () => action("pause", {reason: $("pause-reason").value}));
  $("btn-leave").addEventListener("click", () => action("logout"));

  /* ---- live call card ---- */
  let currentCall = null;
  function stateLabel(s) { return (T["state." + s] || s || ""); }
  function complaintRow(c) {
    const tr = H.el("tr", {class: c.overdue ? "overdue" : null}, [
      H.el("td", {class: "num", text: c.number}),
      H.el("td", {}, [H.el("span", {class: "badge state-" + c.state, text: stateLabel(c.state)})]),
      H.el("td", {text: nameOf(deptByCode[c.department]) || c.department || ""}),
      H.el("td", {text: (c.due_at || "").slice(0, 10)}),
    ]);
    return tr;
  }
  function fillComplaints(tbody, list) {
    tbody.replaceChildren();
    if (!list || !list.length) {
      tbody.append(H.el("tr", {}, [H.el("td", {colspan: "4", class: "muted", text: t("complaints.none")})]));
      return;
    }
    for (const c of list) tbody.append(complaintRow(c));
  }
  function showCall(msg) {
    const call = msg.call || {};
    if (currentCall && currentCall.id === call.id && currentCall.complaint_number && !call.complaint_number) {
      call.complaint_number = currentCall.complaint_number;  // keep it for the wrap-up disposition
    }
    currentCall = call;
    const card = $("call-card");
    const kind = msg.type.replace("call.", "");
    card.classList.remove("idle", "ringing", "answered", "ended");
    card.classList.add(kind);
    H.setText("call-status", t("call." + kind));
    $("call-none").hidden = true;
    $("call-details").hidden = false;
    H.setText("call-caller", call.caller || "");
    const lb = $("call-back-btn");
    lb.hidden = !call.caller;
    lb.dataset.number = call.caller || "";
    H.setText("call-language", call.language ? (T["lang." + call.language] || call.language) : "—");
    H.setText("call-ivr", call.ivr_path || "—");
    H.setText("call-waited", call.waited_s !== null && call.waited_s !== undefined ? t("call.seconds", {s: call.waited_s}) : "—");
    H.setText("call-queue", call.queue || "—");
    if (Array.isArray(msg.citizens)) {
      const ul = $("pop-citizens");
      ul.replaceChildren();
      if (!msg.citizens.length) ul.append(H.el("li", {class: "muted", text: t("citizens.none")}));
      for (const c of msg.citizens) {
        const district = (ref.districts || []).find((d) => d.code === c.district);
        ul.append(H.el("li", {}, [H.el("strong", {text: c.name || ""}), " ",
          H.el("span", {class: "muted", text: [district ? nameOf(district) : c.district, T["lang." + c.language] || c.language].filter(Boolean).join(" · ")})]));
      }
    }
    if (Array.isArray(msg.complaints)) fillComplaints(document.querySelector("#pop-complaints tbody"), msg.complaints);
    if (msg.type !== "call.ended") prefill(call, msg.citizens || []);
    $("disposition-form").hidden = false;
  }
  function prefill(call, citizens) {
    const phone = $("f-phone");
    if (call.caller && (!phone.value || phone.dataset.fromCall === "1")) {
      phone.value = call.caller;
      phone.dataset.fromCall = "1";
    }
    if (call.language === "hi" || call.language === "en") $("f-language").value = call.language;
    if (citizens.length === 1) {
      const name = $("f-name");
      if (!name.value) name.value = citizens[0].name || "";
      if (citizens[0].district && !$("f-district").value) $("f-district").value = citizens[0].district;
    }
  }
  function onMessage(msg) {
    if (msg.type === "agent.state") showState(msg.state, msg.reason, msg.since, msg.wrapup_s);
    else if (msg.type === "call.ringing" || msg.type === "call.answered" || msg.type === "call.ended") showCall(msg);
  }
  H.live("/ws/agent", onMessage, (up) => {
    const live = $("live");
    live.classList.toggle("off", !up);
    live.title = up ? "" : t("agent.pbx_down");
    H.say("state-msg", up ? "" : t("agent.pbx_down"), !up);
  });

  /* ---- dependent category list ---- */
  const catSelect = $("f-category");
  function fillCategories() {
    const dept = deptByCode[$("f-department").value];
    const keep = catSelect.value;
    catSelect.replaceChildren(H.el("option", {value: "", text: t("register.choose")}));
    for (const c of dept ? dept.categories : []) {
      catSelect.append(H.el("option", {value: c.code, text: nameOf(c) + " (" + c.sla_days + ")"}));
    }
    if (dept && dept.categories.some((c) => c.code === keep)) catSelect.value = keep;
    catSelect.disabled = !dept;
  }
  $("f-department").addEventListener("change", fillCategories);
  fillCategories();

  /* ---- registration ---- */
  $("register-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    H.say("form-error", "");
    const button = $("register-submit");
    button.disabled = true;
    const body = {
      citizen: {phone: $("f-phone").value, name: $("f-name").value, district: $("f-district").value,
                language: $("f-language").value},
      department: $("f-department").value, category: $("f-category").value,
      description: $("f-description").value, channel: "phone",
    };
    try {
      const c = await H.api("POST", "/api/v1/complaints", body);
      H.setText("created-number", c.number);
      const officer = c.officer ? (lang === "hi" ? c.officer.name_hi : c.officer.name) : "";
      H.setText("created-due", t("register.due", {due: H.fmtDate(c.due_at), officer: officer}));
      const box = $("created");
      box.hidden = false;
      box.focus();
      $("f-description").value = "";
      if (currentCall) currentCall.complaint_number = c.number;
      $("disposition").value = "complaint_registered";
    } catch (err) {
      H.say("form-error", err.message, true);
      const field = err.data && err.data.error && err.data.error.details && err.data.error.details.field;
      const map = {"citizen.phone": "f-phone", "citizen.name": "f-name", "citizen.district": "f-district",
                   department: "f-department", category: "f-category", description: "f-description"};
      if (field && map[field]) $(map[field]).focus();
    } finally {
      button.disabled = false;
    }
  });

  /* ---- search ---- */
  $("search-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = $("q").value.replace(/\s+/g, "");
    const box = $("search-results");
    if (!q) return;
    box.replaceChildren(H.el("p", {class: "muted", text: "…"}));
    try {
      const list = (await H.api("GET", "/api/v1/complaints?q=" + encodeURIComponent(q))).complaints;
      if (!list.length) { box.replaceChildren(H.el("p", {class: "muted", text: t("search.none", {q: q})})); return; }
      const head = H.el("tr", {}, ["col.number", "col.state", "col.department", "col.due", "col.description"].map(
        (k) => H.el("th", {scope: "col", text: t(k)})));
      const tbody = H.el("tbody", {}, list.map((c) => {
        const tr = complaintRow(c);
        tr.append(H.el("td", {class: "desc", text: c.description || ""}));
        return tr;
      }));
      box.replaceChildren(H.el("table", {class: "grid", id: "search-table"}, [H.el("thead", {}, [head]), tbody]));
    } catch (err) {
      box.replaceChildren(H.el("p", {class: "error", role: "alert", text: err.status === 404 ? t("search.none", {q: q}) : err.message}));
    }
  });

  /* ---- disposition ---- */
  $("disposition-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!currentCall || !currentCall.id) return;
    if (!$("disposition").value) { $("disposition").focus(); return; }
    try {
      await H.api("POST", "/api/v1/calls/" + encodeURIComponent(currentCall.id) + "/disposition",
                  {disposition: $("disposition").value, complaint_number: currentCall.complaint_number || null});
      H.say("state-msg", t("disposition.saved"));
    } catch (err) {
      H.say("state-msg", err.message, true);
    }
  });

  /* ---- click-to-call ---- */
  document.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button.c2c");
    if (!button || !button.dataset.number) return;
    H.say("state-msg", t("c2c.calling", {number: button.dataset.number}));
    try {
      await H.api("POST", "/api/v1/calls/originate", {number: button.dataset.number});
    } catch (err) {
      H.say("state-msg", err.message, true);
    }
  });
})();
