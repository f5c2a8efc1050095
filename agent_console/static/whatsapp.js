/* The agents' WhatsApp page: the queue (waiting and mine), one open conversation with the
   citizen's history, take / reply / register / close. Live through /ws/whatsapp ("chat.changed"),
   with a slow poll as a fallback. Text only (textContent), never innerHTML. */
"use strict";
(function () {
  const H = window.Helpline;
  const data = JSON.parse(document.getElementById("wa-data").textContent);
  const T = data.texts;
  const t = (key, values) => String(T[key] || key).replace(/\{(\w+)\}/g, (_, k) => (values && k in values ? values[k] : ""));
  let openId = null, lastMessage = 0, current = null;

  function stateLabel(c) {
    if (c.state === "agent") return c.agent === data.user ? t("wa.state.agent") : t("wa.taken_by", {agent: c.agent});
    return t("wa.state." + c.state);
  }

  async function loadQueue() {
    const res = await H.api("GET", "/api/v1/whatsapp/conversations");
    const list = document.getElementById("wa-queue");
    list.replaceChildren();
    for (const c of res.conversations) {
      const button = H.el("button", {type: "button", class: "wa-item" + (c.id === openId ? " current" : ""),
                                     "data-id": String(c.id)}, [
        H.el("strong", {text: c.name || c.phone}), " ", H.el("span", {class: "phone small", text: c.phone}), " ",
        H.el("span", {class: "badge", text: stateLabel(c)}), " ",
        H.el("span", {class: "muted small", text: c.state === "queued" && c.queued_at ? t("wa.waiting_since", {at: H.fmtDate(c.queued_at)}) : ""}),
      ]);
      button.addEventListener("click", () => open(c.id));
      list.append(H.el("li", {}, [button]));
    }
    document.getElementById("wa-none").hidden = res.conversations.length > 0;
  }

  function renderHeader(c) {
    current = c;
    H.setText("wa-who", c.name || c.phone);
    H.setText("wa-phone", c.phone);
    const badge = document.getElementById("wa-state");
    badge.hidden = false;
    badge.textContent = stateLabel(c);
    const mine = c.state === "agent" && c.agent === data.user;
    document.getElementById("wa-take").hidden = c.state !== "queued";
    document.getElementById("wa-close").hidden = !mine;
    document.getElementById("wa-reply-form").hidden = !mine;
    document.getElementById("wa-register-box").hidden = !mine;
  }

  function renderMessages(messages) {
    const list = document.getElementById("wa-transcript");
    for (const m of messages) {
      lastMessage = Math.max(lastMessage, m.id);
      const who = m.direction === "in" ? t("wa.citizen") : (m.author === "bot" ? t("wa.bot") : m.author);
      const text = m.text || (m.media ? "[" + m.media.kind + "]" : "[" + m.kind + "]");
      list.append(H.el("li", {class: "wa-msg " + (m.direction === "in" ? "in" : "out"), "data-id": String(m.id)}, [
        H.el("span", {class: "muted small", text: who + " · " + H.fmtDate(m.at)}), H.el("div", {text: text})]));
    }
    list.scrollTop = list.scrollHeight;
  }

  function renderHistory(d) {
    const citizens = document.getElementById("wa-citizens");
    citizens.replaceChildren(...d.citizens.map((c) => H.el("li", {text: c.name + " · " + (c.district || "")})));
    const body = document.querySelector("#wa-complaints tbody");
    body.replaceChildren();
    if (!d.complaints.length) body.append(H.el("tr", {}, [H.el("td", {colspan: "5", class: "muted", text: t("wa.no_complaints")})]));
    const mine = current && current.state === "agent" && current.agent === data.user;
    for (const c of d.complaints) {
      const actions = H.el("td", {});
      if (mine && (c.state === "disposed" || c.state === "disposed_l2")) {
        for (const result of ["satisfied", "dissatisfied"]) {
          const b = H.el("button", {type: "button", class: "small fb-" + result, text: t("wa." + result)});
          b.addEventListener("click", () => act(async () => {
            const res = await H.api("POST", "/api/v1/complaints/" + c.number + "/feedback", {result: result});
            H.say("wa-msg", t("wa.feedback_done", {number: res.number, state: t("state." + res.state)}));
          }));
          actions.append(b, " ");
        }
      }
      body.append(H.el("tr", {}, [H.el("td", {class: "phone", text: c.number}),
        H.el("td", {}, [H.el("span", {class: "badge state-" + c.state, text: t("state." + c.state)})]),
        H.el("td", {class: c.overdue ? "overdue" : "", text: H.fmtDate(c.due_at)}), H.el("td", {text: c.description}),
        actions]));
    }
    H.setText("wa-media", d.media.length ? t("wa.media", {n: d.media.length}) : "");
    if (!document.getElementById("r-name").value && d.citizens.length) {
      document.getElementById("r-name").value = d.citizens[0].name;
      if (d.citizens[0].district) document.getElementById("r-district").value = d.citizens[0].district;
    }
  }

  async function open(id) {
    if (openId !== id) {
      openId = id;
      lastMessage = 0;
      document.getElementById("wa-transcript").replaceChildren();
      H.say("wa-msg", "");
      document.getElementById("r-name").value = "";
    }
    document.getElementById("wa-open").hidden = false;
    const d = await H.api("GET", "/api/v1/whatsapp/conversations/" + id + "?after=" + lastMessage);
    renderHeader(d.conversation);
    renderMessages(d.messages);
    renderHistory(d);
    for (const b of document.querySelectorAll(".wa-item")) b.classList.toggle("current", b.dataset.id === String(id));
  }

  async function act(fn) {
    try { await fn(); } catch (err) {
      H.say("wa-msg", err.status === 409 ? t("wa.conflict") + " (" + err.message + ")" : err.message, true);
    }
    await loadQueue();
    if (openId !== null) await open(openId);
  }

  document.getElementById("wa-take").addEventListener("click", () => act(async () => {
    await H.api("POST", "/api/v1/whatsapp/conversations/" + openId + "/take");
  }));
  document.getElementById("wa-close").addEventListener("click", () => act(async () => {
    await H.api("POST", "/api/v1/whatsapp/conversations/" + openId + "/close");
    H.say("wa-msg", t("wa.closed"));
  }));
  document.getElementById("wa-reply-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const box = document.getElementById("wa-reply");
    const text = box.value.trim();
    if (!text) return;
    act(async () => {
      await H.api("POST", "/api/v1/whatsapp/conversations/" + openId + "/reply", {text: text});
      box.value = "";
    });
  });

  const dept = document.getElementById("r-department"), cat = document.getElementById("r-category");
  function fillCategories() {
    const d = data.ref.departments.find((x) => x.code === dept.value);
    cat.replaceChildren(...(d ? d.categories : []).map((c) => H.el("option", {value: c.code, text: data.lang === "hi" ? c.name_hi : c.name_en})));
  }
  dept.addEventListener("change", fillCategories);
  fillCategories();
  document.getElementById("wa-register").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(async () => {
      const res = await H.api("POST", "/api/v1/whatsapp/conversations/" + openId + "/complaints", {
        name: document.getElementById("r-name").value, district: document.getElementById("r-district").value,
        department: dept.value, category: cat.value, description: document.getElementById("r-description").value});
      H.say("wa-msg", t("wa.registered", {number: res.number}));
      document.getElementById("r-description").value = "";
    });
  });

  H.live("/ws/whatsapp", (msg) => {
    if (msg.type !== "chat.changed") return;
    loadQueue();
    if (msg.conversation === openId) open(openId);
  }, (up) => document.getElementById("live").classList.toggle("off", !up));
  setInterval(() => { loadQueue(); if (openId !== null) open(openId); }, 15000);
  loadQueue();
})();
