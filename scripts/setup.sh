#!/usr/bin/env bash
# Installs what building and testing Switchboard needs on Debian/Ubuntu: system packages for
# the Tauri desktop app and its headless tests, and the UI's npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # Tauri 2 build
  pkg-config libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libgtk-3-dev
  librsvg2-dev libayatana-appindicator3-dev libssl-dev
  # notifications (D-Bus) and the keychain (Secret Service)
  libdbus-1-dev dbus dbus-x11 gnome-keyring dunst
  # notification sounds (rodio plays through ALSA)
  libasound2-dev
  # headless desktop runs and the desktop end-to-end tests (xdotool drives the native file chooser)
  xvfb webkit2gtk-driver xdotool
  # the live-chat widget's browser tests
  chromium
  # the PostgreSQL backend's tests (scripts/postgres.sh starts a local server)
  postgresql
  # the server package's test installs the .deb (its maintainer scripts use adduser) and
  # checks the unit with systemd-analyze
  adduser systemd
  # the desktop app's update test: Tauri's updater installs the new .deb through pkexec or sudo;
  # the installers test reads the .rpm with rpm
  sudo rpm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install Rust from https://rustup.rs first" >&2
  exit 1
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "==> installing cargo-nextest"
  cargo install cargo-nextest --locked
fi
if ! cargo machete --version >/dev/null 2>&1; then
  echo "==> installing cargo-machete (finds unused Rust dependencies)"
  cargo install cargo-machete --locked
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz (builds and runs the fuzz targets in fuzz/: scripts/fuzz.sh)"
  cargo install cargo-fuzz --locked
fi
if ! command -v tauri-driver >/dev/null; then
  echo "==> installing tauri-driver (WebDriver for the desktop app's end-to-end tests)"
  cargo install tauri-driver --locked
fi
if ! command -v npm >/dev/null; then
  echo "npm is missing: install Node.js 20 or newer (apt-get install nodejs npm)" >&2
  exit 1
fi

echo "==> installing UI, widget, shared web code and browser-test packages"
# `npm install` rather than `npm ci`: the lock file written here lists only this platform's
# optional packages (rollup, esbuild), which `npm ci` treats as out of sync on other machines.
for dir in ui widget web tests/widget; do
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
done
