/* Shared by the console pages: JSON calls with the CSRF header, text-only DOM helpers, a websocket
   that reconnects. Everything that shows data uses textContent, never innerHTML. */
"use strict";
window.Helpline = (function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";

  async function api(method, url, body) {
    const init = {method: method, headers: {"Accept": "application/json"}, credentials: "same-origin"};
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      throw new Error("network error: " + err.message);
    }
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!response.ok) {
      const msg = data && data.error && data.error.message ? data.error.message : ("HTTP " + response.status);
      const e = new Error(msg);
      e.status = response.status;
      e.data = data;
      throw e;
    }
    return data;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = String(v);
      else if (k === "class") node.className = v;
      else if (k.startsWith("data-")) node.setAttribute(k, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children || []) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setText(id, value) {
    const node = document.getElementById(id);
    if (node) node.textContent = value === null || value === undefined ? "" : String(value);
  }

  function say(id, text, isError) {
    const node = document.getElementById(id);
    if (!node) return;
    node.textContent = text || "";
    node.hidden = !text;
    node.classList.toggle("error", !!isError);
  }

  /* A websocket to `path` that reconnects with backoff; onMessage gets parsed JSON objects. */
  function live(path, onMessage, onStatus) {
    let delay = 500;
    let stopped = false;
    function connect() {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      let ws;
      try { ws = new WebSocket(proto + "//" + location.host + path); } catch (err) { retry(); return; }
      ws.onopen = function () { delay = 500; onStatus(true); };
      ws.onmessage = function (ev) {
        let msg;
        try { msg = JSON.parse(ev.data); } catch (err) { return; }
        if (msg && typeof msg === "object") {
          try { onMessage(msg); } catch (err) { console.error("message handler failed", err); }
        }
      };
      ws.onclose = function (ev) {
        onStatus(false);
        if (ev.code === 4001 || ev.code === 4002 || ev.code === 4003) { location.href = "/login?reason=expired"; return; }
        retry();
      };
      ws.onerror = function () { try { ws.close(); } catch (err) { /* closing anyway */ } };
    }
    function retry() {
      if (stopped) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    }
    connect();
    return {stop: function () { stopped = true; }};
  }

  function fmtDate(iso) {
    if (!iso) return "";
    return String(iso).slice(0, 16).replace("T", " ");
  }

  function fmtDuration(s) {
    s = Math.max(0, Math.floor(Number(s) || 0));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    if (h) return h + ":" + two(m) + ":" + two(r);
    return m ? m + ":" + two(r) : r + " s";
  }

  return {api: api, el: el, setText: setText, say: say, live: live, csrf: csrf, fmtDate: fmtDate,
          fmtDuration: fmtDuration};
})();
