/* Desk: the registration form (a clean form for every call, prefilled from the caller), the search
   box (kept across a language switch), and the complaint number shown grouped for reading aloud. */
"use strict";
(function () {
  const D = window.Desk, H = D.H, $ = D.$, t = D.t;
  const F = {};
  D.form = F;

  /* dependent category list */
  const catSelect = $("f-category");
  function fillCategories() {
    const dept = D.deptByCode[$("f-department").value];
    const keep = catSelect.value;
    catSelect.replaceChildren(H.el("option", {value: "", text: t("register.choose")}));
    for (const c of dept ? dept.categories : []) {
      catSelect.append(H.el("option", {value: c.code, text: D.nameOf(c) + " (" + c.sla_days + ")"}));
    }
    if (dept && dept.categories.some((c) => c.code === keep)) catSelect.value = keep;
    catSelect.disabled = !dept;
  }
  $("f-department").addEventListener("change", fillCategories);
  fillCategories();

  function showCreated(c) {
    const box = $("created");
    const num = $("created-number");
    num.textContent = D.groupNumber(c.number);
    num.dataset.number = c.number;
    const officer = c.officer ? (D.lang === "hi" ? c.officer.name_hi : c.officer.name) : "";
    H.setText("created-due", t("register.due", {due: H.fmtDate(c.due_at), officer: officer}));
    box.hidden = false;
    box.focus();
  }
  const created = $("created-number");  // registered without script: group the number for reading aloud
  if (/^\d{11}$/.test(created.textContent.trim())) {
    created.dataset.number = created.textContent.trim();
    created.textContent = D.groupNumber(created.dataset.number);
  }

  /* Everything back to empty: a new call never inherits the last one's name, district or result. */
  F.reset = function () {
    for (const id of ["f-phone", "f-name", "f-description"]) $(id).value = "";
    $("f-phone").dataset.fromCall = "";
    for (const id of ["f-district", "f-department"]) $(id).value = "";
    $("f-language").value = "hi";
    fillCategories();
    $("created").hidden = true;
    H.setText("created-number", "");
    $("created-number").dataset.number = "";
    H.setText("created-due", "");
    D.say("form-error", "");
    $("f-channel").hidden = true;
    $("f-channel").dataset.chat = "";
  };
  /* Fill what the call tells us; a single known citizen on the number also gives name and district. */
  F.prefill = function (call, citizens) {
    if (call.caller && /^\+91\d{10}$/.test(call.caller)) { $("f-phone").value = call.caller; $("f-phone").dataset.fromCall = "1"; }
    if (call.language === "hi" || call.language === "en") $("f-language").value = call.language;
    if (citizens.length === 1) {
      $("f-name").value = citizens[0].name || "";
      if (citizens[0].district) $("f-district").value = citizens[0].district;
      if (citizens[0].language) $("f-language").value = citizens[0].language;
    }
  };
  $("form-clear").addEventListener("click", F.reset);

  /* The channel a complaint came in by. On a call it is the phone; for the number of a WhatsApp
     conversation this agent has taken (and no call with it), the complaint is registered in that
     conversation: channel whatsapp, the photos the citizen sent kept on it, the number sent in the chat. */
  const digits = (p) => String(p || "").replace(/\D/g, "").slice(-10);
  async function heldChat(phone) {
    const want = digits(phone);
    if (want.length !== 10 || (D.call && D.call.liveWith && D.call.liveWith(phone))) return null;
    try {
      const list = (await H.api("GET", "/api/v1/whatsapp/conversations")).conversations;
      return list.find((c) => c.state === "agent" && c.agent === D.data.username && digits(c.phone) === want) || null;
    } catch (err) {
      return null;  // no WhatsApp here: a phone complaint
    }
  }
  async function showChannel() {
    const chat = await heldChat($("f-phone").value);
    const note = $("f-channel");
    note.textContent = chat ? t("register.via_whatsapp", {phone: D.groupPhone(chat.phone)}) : "";
    note.hidden = !chat;
    note.dataset.chat = chat ? String(chat.id) : "";
    return chat;
  }
  $("f-phone").addEventListener("change", showChannel);

  $("register-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    D.say("form-error", "");
    const button = $("register-submit");
    button.disabled = true;
    const body = {
      citizen: {phone: $("f-phone").value, name: $("f-name").value, district: $("f-district").value,
                language: $("f-language").value},
      department: $("f-department").value, category: $("f-category").value,
      description: $("f-description").value, channel: "phone",
    };
    try {
      const chat = await showChannel();
      let c;
      if (chat) {
        const made = await H.api("POST", "/api/v1/whatsapp/conversations/" + chat.id + "/complaints", {
          name: body.citizen.name, district: body.citizen.district, department: body.department,
          category: body.category, description: body.description});
        c = await H.api("GET", "/api/v1/complaints/" + made.number);
      } else {
        c = await H.api("POST", "/api/v1/complaints", body);
      }
      showCreated(c);
      $("f-description").value = "";
      D.emit("registered", c);
    } catch (err) {
      D.say("form-error", D.errorText(err), true);
      const field = err.data && err.data.error && err.data.error.details && err.data.error.details.field;
      const map = {"citizen.phone": "f-phone", "citizen.name": "f-name", "citizen.district": "f-district",
                   department: "f-department", category: "f-category", description: "f-description"};
      if (field && map[field]) $(map[field]).focus();
    } finally {
      button.disabled = false;
    }
  });

  /* ---- search: results stay reachable (own scroll), the query survives a language switch ---- */
  function complaintRow(c, withDesc) {
    const link = H.el("a", {href: "/complaints/" + c.number, "data-complaint": c.number, text: D.groupNumber(c.number)});
    const tr = H.el("tr", {class: c.overdue ? "overdue" : null}, [
      H.el("td", {class: "num"}, [link]),
      H.el("td", {}, [H.el("span", {class: "badge state-" + c.state, text: D.stateLabel(c.state)})]),
      H.el("td", {text: D.nameOf(D.deptByCode[c.department]) || c.department || ""}),
      H.el("td", {text: (c.due_at || "").slice(0, 10)}),
    ]);
    if (withDesc) tr.append(H.el("td", {class: "desc", text: c.description || ""}));
    return tr;
  }
  F.complaintRow = complaintRow;
  function keepQuery(q) {
    const url = q ? "/agent?q=" + encodeURIComponent(q) : "/agent";
    history.replaceState(null, "", url);
    const back = document.querySelector('form[action="/lang"] input[name="back"]');
    if (back) back.value = url;
  }
  F.search = async function (raw) {
    const q = String(raw || "").replace(/\s+/g, "");
    const box = $("search-results");
    if (!q) return;
    $("q").value = q;
    keepQuery(q);
    box.replaceChildren(H.el("p", {class: "muted", text: "…"}));
    try {
      const list = (await H.api("GET", "/api/v1/complaints?q=" + encodeURIComponent(q))).complaints;
      if (!list.length) { box.replaceChildren(H.el("p", {class: "muted", text: t("search.none", {q: q})})); return; }
      const head = H.el("tr", {}, ["col.number", "col.state", "col.department", "col.due", "col.description"].map(
        (k) => H.el("th", {scope: "col", text: t(k)})));
      const tbody = H.el("tbody", {}, list.map((c) => complaintRow(c, true)));
      box.replaceChildren(H.el("table", {class: "grid", id: "search-table"}, [H.el("thead", {}, [head]), tbody]));
      box.scrollIntoView({block: "nearest"});
    } catch (err) {
      box.replaceChildren(H.el("p", {class: "error", role: "alert",
        text: err.status === 404 ? t("search.none", {q: q}) : D.errorText(err)}));
    }
  };
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); F.search($("q").value); });
})();
