#!/usr/bin/env bash
# Runs the product: the server in demo mode (embedded SQLite in a temporary folder, demo
# agents, queues, channels and waiting customers) and the desktop app connected to it.
# Sign in as 101 (or 100 for a manager) with password "demo".
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
(cd ui && npm run build)
(cd widget && npm run build)
cargo build --locked -p switchboard-server -p switchboard-desktop --features switchboard-desktop/custom-protocol

listen="${SWITCHBOARD_DEMO_LISTEN:-127.0.0.1:8080}"
./target/debug/switchboard-server demo --listen "$listen" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "==> demo server at http://$listen — sign in as 101 / demo"

export SWITCHBOARD_SERVER_URL="http://$listen"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # A headless machine has no desktop session: give the app one, with a D-Bus session bus and
  # an unlocked keychain (its own, under target/demo-keyring, password "demo"), so the demo
  # remembers the sign-in as a desktop would. (Without any keychain the app still signs in,
  # for the running app only, and says so.)
  echo "==> no display: starting the desktop app under Xvfb with a D-Bus session and a keychain"
  mkdir -p target/demo-keyring
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
    eval "$(printf demo | XDG_DATA_HOME="$PWD/target/demo-keyring" \
      gnome-keyring-daemon --unlock --components=secrets)"
    exec ./target/debug/switchboard-desktop'
else
  ./target/debug/switchboard-desktop
fi
