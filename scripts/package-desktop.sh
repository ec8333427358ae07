#!/usr/bin/env bash
# Builds the desktop app's installers with the Tauri bundler (tauri.conf.json, "bundle"):
# on Linux a .deb and an .rpm by default, and an .AppImage on request (for it the bundler
# downloads AppRun and linuxdeploy from GitHub, so it needs that network). On Windows (Git Bash)
# --bundles nsis,msi and on macOS --bundles app,dmg, as .github/workflows/release.yml does.
#
#   scripts/package-desktop.sh [--debug] [--version X.Y.Z] [--bundles deb,rpm,appimage] [--out DIR]
#
# Updates (src-tauri/src/updates.rs): the app accepts only updates signed with one key pair,
# made once with `ui/node_modules/.bin/tauri signer generate -w switchboard-updates.key`.
#   SWITCHBOARD_UPDATER_PUBKEY       the public key (the .pub file's text), built into the app;
#                                    without it the app does not update itself.
#   TAURI_SIGNING_PRIVATE_KEY        the private key (text or path) and
#   TAURI_SIGNING_PRIVATE_KEY_PASSWORD  its password: each installer then gets its .sig, ready
#                                    for the server's update folder. Keep the private key in
#                                    your release CI's secrets, never in the repository.
# --debug builds unoptimised (what the tests install) with the same dependencies as the
# workspace's tests, so it compiles only the app itself. The installers' paths are the last
# lines printed.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
version=""
bundles="deb,rpm"
out="target/installers"
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug; shift ;;
    --version) version="$2"; shift 2 ;;
    --bundles) bundles="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 [--debug] [--version X.Y.Z] [--bundles deb,rpm,appimage] [--out DIR]" >&2; exit 2 ;;
  esac
done

tauri=ui/node_modules/.bin/tauri
if [ ! -x "$tauri" ]; then
  echo "The Tauri CLI is missing: run ./scripts/setup.sh (or cd ui && npm ci) first." >&2
  exit 1
fi
if [ -n "$version" ] && ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "--version $version: write it as MAJOR.MINOR.PATCH, like 1.4.0" >&2
  exit 2
fi

# What this build adds to tauri.conf.json: the version, the update key, and signed update
# artefacts when there is a private key to sign them with.
overlay="$(VERSION="$version" PUBKEY="${SWITCHBOARD_UPDATER_PUBKEY:-}" SIGN="${TAURI_SIGNING_PRIVATE_KEY:+yes}" node -e '
  const overlay = { plugins: { updater: { pubkey: process.env.PUBKEY.trim() } } };
  if (process.env.VERSION) overlay.version = process.env.VERSION;
  if (process.env.SIGN) overlay.bundle = { createUpdaterArtifacts: true };
  process.stdout.write(JSON.stringify(overlay));
')"
if [ -z "${SWITCHBOARD_UPDATER_PUBKEY:-}" ]; then
  echo "==> no SWITCHBOARD_UPDATER_PUBKEY: this build will not update itself" >&2
fi

echo "==> building the UI"
(cd ui && npm run build >/dev/null)

echo "==> building the app ($profile)"
# TAURI_CONFIG reaches tauri-build, which embeds the merged configuration (version, key).
if [ "$profile" = debug ]; then
  TAURI_CONFIG="$overlay" cargo build --locked --workspace --bins --tests
else
  TAURI_CONFIG="$overlay" cargo build --locked --release -p switchboard-desktop
fi

# The Tauri CLI wants the configuration beside the app's crate; ours sits at the repository
# root (paths relative to it), so the bundler gets a copy with its paths made relative to
# src-tauri/, and a copy of the binary in a folder of its own: the bundler marks the binary it
# packs with the bundle type (for the updater), which must not touch the workspace's.
stage="$(mktemp -d)"
trap 'rm -rf "$stage" src-tauri/tauri.conf.json' EXIT
node -e '
  const fs = require("fs");
  const config = JSON.parse(fs.readFileSync("tauri.conf.json", "utf8"));
  config.build.frontendDist = "../" + config.build.frontendDist;
  config.bundle.icon = config.bundle.icon.map((icon) => "../" + icon);
  fs.writeFileSync("src-tauri/tauri.conf.json", JSON.stringify(config, null, 2));
'
mkdir -p "$stage/target/$profile"
exe=""
[ -f "target/$profile/switchboard-desktop.exe" ] && exe=".exe"
cp "target/$profile/switchboard-desktop$exe" "$stage/target/$profile/"

echo "==> bundling: $bundles"
debug_flag=()
[ "$profile" = debug ] && debug_flag=(--debug)
if ! CARGO_TARGET_DIR="$stage/target" TAURI_APP_PATH=src-tauri TAURI_FRONTEND_PATH=ui \
  "$tauri" bundle "${debug_flag[@]}" --ci --bundles "$bundles" --config "$overlay"; then
  if [[ ",$bundles," == *",appimage,"* ]]; then
    echo "The AppImage bundler downloads AppRun and linuxdeploy from github.com: without that" >&2
    echo "network, build --bundles deb,rpm (the release workflow builds the AppImage)." >&2
  fi
  exit 1
fi

# The installers (and their .sig): Linux packages, Windows installers, the macOS disk image
# and the macOS update archive (.app.tar.gz).
mkdir -p "$out"
installers=(-name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*-setup.exe'
  -o -name '*.msi' -o -name '*.dmg' -o -name '*.app.tar.gz')
find "$stage/target/$profile/bundle" -type f \( "${installers[@]}" -o -name '*.sig' \) \
  -exec cp {} "$out/" \;
echo "==> installers in $out:"
find "$out" -maxdepth 1 -type f \( "${installers[@]}" \) | sort
