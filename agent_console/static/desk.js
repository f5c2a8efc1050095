/* The agent desk's shared core: texts, names, formats, error messages in the page's language, and a
   small event bus the desk modules (desk-*.js) talk through. Loaded after common.js. */
"use strict";
window.Desk = (function () {
  const H = window.Helpline;
  const data = JSON.parse(document.getElementById("desk-data").textContent);
  const T = data.texts || {};
  const ref = data.ref || {departments: [], districts: [], pause_reasons: []};
  const lang = data.lang || "hi";
  const handlers = {};

  function t(key, values) {
    let text = T[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }
  function has(key) { return Object.prototype.hasOwnProperty.call(T, key); }
  function nameOf(obj) { return obj ? (obj["name_" + lang] || obj.name_en || obj.name || obj.code || "") : ""; }
  const deptByCode = {};
  for (const d of ref.departments) deptByCode[d.code] = d;
  const districtByCode = {};
  for (const d of ref.districts || []) districtByCode[d.code] = d;

  /* 26120000065 -> "2612 000006 5": month, sequence, check digit, for reading aloud. */
  function groupNumber(n) {
    const s = String(n || "");
    return /^\d{11}$/.test(s) ? s.slice(0, 4) + " " + s.slice(4, 10) + " " + s.slice(10) : s;
  }
  /* +919812345678 -> "98123 45678" */
  function groupPhone(p) {
    const s = String(p || "");
    const m = /^\+91(\d{5})(\d{5})$/.exec(s);
    return m ? m[1] + " " + m[2] : s;
  }

  /* A server refusal in the page's language: by error id (and field), else the server's words. */
  function errorText(err) {
    const body = err && err.data && err.data.error;
    if (!body) return err && err.message ? err.message : String(err);
    const field = body.details && body.details.field;
    if (field && has("err." + body.id + "." + field)) return t("err." + body.id + "." + field);
    if (has("err." + body.id)) {
      return lang === "en" ? body.message : t("err." + body.id) + (lang === "hi" && field ? " (" + field + ")" : "");
    }
    return body.message || err.message;
  }

  function on(name, fn) { (handlers[name] = handlers[name] || []).push(fn); }
  function emit(name, payload) {
    for (const fn of handlers[name] || []) {
      try { fn(payload); } catch (e) { console.error("desk handler " + name + " failed", e); }
    }
  }
  function say(id, text, isError) { H.say(id, text, isError); }

  return {H: H, data: data, T: T, ref: ref, lang: lang, t: t, nameOf: nameOf, deptByCode: deptByCode,
          districtByCode: districtByCode, groupNumber: groupNumber, groupPhone: groupPhone,
          errorText: errorText, on: on, emit: emit, say: say, $: (id) => document.getElementById(id),
          stateLabel: (s) => T["state." + s] || s || ""};
})();
