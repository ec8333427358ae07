#!/usr/bin/env bash
# Builds the server's Debian package: the binary (a release build without the demo), the
# hardened systemd unit, a sample configuration and the reverse-proxy example.
#   scripts/package-server-deb.sh [--binary PATH] [--version X.Y.Z] [--out DIR]
# --binary packages an already built binary (the tests pass their debug build); --version
# overrides the workspace's version (the upgrade test packages a "next" one); the package's path
# is the last line printed.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
version=""
out="target/debian"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--version X.Y.Z] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$binary" ]; then
  cargo build --release --locked -p switchboard-server --no-default-features
  binary=target/release/switchboard-server
fi

if [ -z "$version" ]; then
  version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
fi
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

install -D -m 0755 "$binary" "$stage/usr/bin/switchboard-server"
install -D -m 0644 deploy/systemd/switchboard-server.service \
  "$stage/lib/systemd/system/switchboard-server.service"
install -D -m 0640 deploy/debian/switchboard.toml "$stage/etc/switchboard/switchboard.toml"
install -D -m 0644 deploy/nginx/switchboard.conf \
  "$stage/usr/share/doc/switchboard-server/examples/nginx-switchboard.conf"
install -D -m 0644 README.md "$stage/usr/share/doc/switchboard-server/README.md"
install -d "$stage/DEBIAN"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$stage/DEBIAN/"
echo /etc/switchboard/switchboard.toml > "$stage/DEBIAN/conffiles"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: switchboard-server
Version: $version
Architecture: $arch
Maintainer: Switchboard <maintainers@switchboard.invalid>
Depends: adduser, libc6, libgcc-s1
Section: net
Priority: optional
Installed-Size: $(du -sk "$stage" | cut -f1)
Description: Switchboard omnichannel customer-chat server
 Receives website live chat, WhatsApp, Messenger and SMS conversations, routes them to
 queues and agents, and serves the Switchboard desktop app. Runs as the systemd service
 switchboard-server under its own user; configure /etc/switchboard/switchboard.toml.
CONTROL

mkdir -p "$out"
deb="$out/switchboard-server_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip -z1 --build "$stage" "$deb" >/dev/null
echo "$deb"
