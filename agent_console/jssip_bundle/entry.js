// The browser bundle of JsSIP for the desk softphone: scripts/build-softphone.sh bundles this file
// with esbuild into agent_console/static/jssip.js (not kept in the repository).
import JsSIP from "jssip";

window.JsSIP = JsSIP;
