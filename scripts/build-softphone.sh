#!/usr/bin/env bash
# Bundle JsSIP 3.13.8 (npm registry) for the browser: agent_console/static/jssip.js, served
# by the console at /static/jssip.js for the desk softphone. The bundle is built here, never
# kept in the repository. Needs node and npm (Debian's `nodejs` and `npm`, installed when missing
# and we are root). Safe to run again: it does nothing when the bundle is there.
#   scripts/build-softphone.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."

src=agent_console/jssip_bundle
out=agent_console/static/jssip.js
[ "${1:-}" != "--force" ] && [ -s "$out" ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: nodejs npm"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    echo "softphone: npm is missing (install nodejs and npm); the desk works with desk phones only" >&2
    exit 0
  fi
fi

work=.build/softphone
mkdir -p "$work" "$(dirname "$out")"
cp "$src/package.json" "$src/entry.js" "$work/"
(cd "$work" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
"$work/node_modules/.bin/esbuild" "$work/entry.js" --bundle --minify --format=iife --target=es2019 \
  --outfile="$out.tmp" --log-level=warning
mv "$out.tmp" "$out"
echo "softphone: JsSIP $(node -p "require('./$work/node_modules/jssip/package.json').version") bundled into $out"
