#!/usr/bin/env bash
# Runs every check and test: formatting, lints, TypeScript, UI unit tests, then the Rust unit,
# integration and end-to-end tests. The last line is the test runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> Biome lints the TypeScript and JavaScript (ui/, widget/, web/, tests/widget; biome.json)"
(cd web && npm run lint)

echo "==> the web code the UI and the widget share (web/: protocol types, helpers): tsc and its unit tests"
(cd web && npm run check && npm test)

echo "==> building the UI (tsc --noEmit, vite build) and its unit tests"
(cd ui && npm run build && npm test)

echo "==> building the live-chat widget (the server embeds it) and its unit tests"
(cd widget && npm run build && npm test)

echo "==> cargo machete: no unused Rust dependencies"
cargo machete

echo "==> a server built without the demo (--no-default-features) carries no test code"
cargo check --locked -p switchboard-server --no-default-features
if cargo tree --locked -p switchboard-server --no-default-features -e normal | grep -q switchboard-fakes; then
  echo "switchboard-server without its demo feature still depends on switchboard-fakes" >&2
  exit 1
fi

echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> building the workspace and its tests (the end-to-end tests drive the server and the app)"
# The same targets as the nextest runs below, so dependencies are built once with one set of
# features: building only the two binaries resolves features without the tests' dev-dependencies
# and compiled the whole tree a second time (twice the disk).
cargo build --locked --workspace --bins --tests

echo "==> widget end to end in headless Chromium against the real server"
(cd tests/widget && SWITCHBOARD_SERVER_BIN="$PWD/../../target/debug/switchboard-server" npm test)

echo "==> a local PostgreSQL server for the PostgreSQL backend's tests"
SWITCHBOARD_TEST_PG="$(./scripts/postgres.sh)"
export SWITCHBOARD_TEST_PG
export SWITCHBOARD_TEST_PG_CA=/var/lib/postgresql/switchboard-test-ca.pem

echo "==> the server's integration tests again, each server on its own PostgreSQL database"
# (built for the whole workspace, as the run below is, so nothing is compiled twice)
SWITCHBOARD_TEST_BACKEND=postgres cargo nextest run --workspace --locked --no-fail-fast \
  -E 'package(switchboard-server) & kind(test)'

echo "==> fuzzing the webhook, config, file-type and template parsers (scripts/fuzz.sh: a dev build, 20 s each)"
./scripts/fuzz.sh 20 dev

echo "==> the desktop app's installers for the install and update tests (scripts/package-desktop.sh)"
# Debug builds, signed with a key pair made for this run only: this version's .deb with the
# public key built in, and the next patch version's .deb with its signature.
installers="$PWD/target/test-installers"
rm -rf "$installers"
mkdir -p "$installers/key"
ui/node_modules/.bin/tauri signer generate --ci -p "" -w "$installers/key/updates.key" >/dev/null
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
next_version="$(echo "$version" | awk -F. '{ printf "%d.%d.%d", $1, $2, $3 + 1 }')"
(
  SWITCHBOARD_UPDATER_PUBKEY="$(cat "$installers/key/updates.key.pub")"
  TAURI_SIGNING_PRIVATE_KEY="$(cat "$installers/key/updates.key")"
  TAURI_SIGNING_PRIVATE_KEY_PASSWORD=""
  export SWITCHBOARD_UPDATER_PUBKEY TAURI_SIGNING_PRIVATE_KEY TAURI_SIGNING_PRIVATE_KEY_PASSWORD
  ./scripts/package-desktop.sh --debug --version "$next_version" --bundles deb --out "$installers/next"
  ./scripts/package-desktop.sh --debug --bundles deb,rpm --out "$installers/current"
)
export SWITCHBOARD_TEST_INSTALLERS="$installers"

echo "==> cargo nextest (unit, integration, end to end: tests/desktop drives the real app under Xvfb)"
# Each desktop test starts its own Xvfb, D-Bus session and keychain (see tests/desktop); they
# run one at a time (.config/nextest.toml).
cargo nextest run --workspace --locked --no-fail-fast
