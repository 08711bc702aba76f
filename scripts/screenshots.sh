#!/usr/bin/env bash
# Regenerates docs/screenshots/: the demo post page in light, dark and
# Arabic, rendered by headless Chromium (Debian's `chromium` package).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
port=${PORT:-18399}
COLLOQUY_DATABASE="$work/demo.db" COLLOQUY_BIND="127.0.0.1:$port" \
  target/release/colloquy serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
shoot() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --hide-scrollbars \
    --user-data-dir="$(mktemp -d -p "$work")" --virtual-time-budget=5000 \
    --window-size=1000,2200 --screenshot="docs/screenshots/$1.png" \
    "http://127.0.0.1:$port/posts/prison-reform-dialogue?$2" 2>/dev/null
}
shoot light "theme=light"
shoot dark "theme=dark"
shoot arabic "lang=ar&theme=light"
echo "wrote docs/screenshots/{light,dark,arabic}.png"
