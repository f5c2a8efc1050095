/* Administration page: an in-page "are you sure?" before a delete, a disable or a handover, and a
   search over the officers list. */
"use strict";
(function () {
  const lang = document.documentElement.lang;
  const WORDS = lang === "hi" ? {yes: "हाँ, करें", no: "रद्द करें"} : {yes: "Yes, do it", no: "Cancel"};

  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "1") return;
    const off = form.dataset.confirmOff;  // confirm only when this checkbox is being switched off
    if (off) {
      const box = form.querySelector('input[name="' + off + '"]');
      if (!box || box.checked) return;
    }
    ev.preventDefault();
    if (form.querySelector(".confirm-bar")) return;
    const bar = document.createElement("span");
    bar.className = "confirm-bar";
    bar.setAttribute("role", "alertdialog");
    const text = document.createElement("span");
    text.textContent = form.dataset.confirm + " ";
    const yes = document.createElement("button");
    yes.type = "button"; yes.className = "small danger confirm-yes"; yes.textContent = WORDS.yes;
    const no = document.createElement("button");
    no.type = "button"; no.className = "small confirm-no"; no.textContent = WORDS.no;
    yes.addEventListener("click", () => { form.dataset.confirmed = "1"; form.requestSubmit(); });
    no.addEventListener("click", () => bar.remove());
    bar.append(text, yes, " ", no);
    form.append(bar);
    yes.focus();
  });

  const filter = document.getElementById("officer-filter");
  if (filter) {
    const rows = Array.from(document.querySelectorAll("#officer-table tbody tr"));
    const count = document.getElementById("officer-count");
    const apply = () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const row of rows) {
        const hit = words.every((w) => row.dataset.search.includes(w));
        row.hidden = !hit;
        if (hit) shown += 1;
      }
      count.textContent = count.dataset.template.replace("{n}", shown).replace("{total}", rows.length);
    };
    filter.addEventListener("input", apply);
  }
})();
