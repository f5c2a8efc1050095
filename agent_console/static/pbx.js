/* The "PBX disconnected" banner: /api/v1/health every 15 s; no PBX configured counts as disconnected. */
(function () {
  "use strict";
  const banner = document.getElementById("pbx-banner");
  if (!banner) return;
  async function check() {
    try {
      const r = await fetch("/api/v1/health", {headers: {"Accept": "application/json"}, cache: "no-store"});
      const body = await r.json();
      const pbx = body.pbx || [];
      banner.hidden = pbx.length > 0 && pbx.every((p) => p.connected);
    } catch (err) {
      banner.hidden = false;
    }
  }
  check();
  setInterval(check, 15000);
})();
