#!/usr/bin/env bash
# Fuzzes what strangers' bytes reach: builds the cargo-fuzz targets in fuzz/ once, then runs
# each for a bounded time (libFuzzer, coverage-guided) and fails on the first crash, leaving
# the input in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [seconds per target, default 20] [dev|release, default dev]
#
# `dev` builds without optimisation: a cold build takes about a third of the CPU time of
# `release` (here: 3.4 against 11.5 CPU-minutes), which is what keeps it inside CI's budget,
# but runs about ten times fewer inputs a second. For a long session use
# `scripts/fuzz.sh 600 release`.
# Reproduce a crash: fuzz/target/<host triple>/<debug|release>/<target> <the input file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
profile="${2:-dev}"
targets=(whatsapp_webhook messenger_webhook twilio_webhook config classify template_render)
fixtures="../shared/fixtures/providers"

# cargo-fuzz passes nightly-only flags (coverage instrumentation); this lets the stable
# toolchain accept them, so CI needs no second toolchain.
export RUSTC_BOOTSTRAP=1
# No sanitizer: the code under test is safe Rust (`unsafe_code = "forbid"`), so AddressSanitizer
# would only slow the build and the runs. Debug assertions and overflow checks in both profiles.
case "$profile" in
  dev)
    flags=(--sanitizer none --dev)
    dir=debug
    # No debug info: smaller and faster to build; a crash's input reproduces it anyway.
    export CARGO_PROFILE_DEV_DEBUG=0
    ;;
  release)
    flags=(--sanitizer none -O -a)
    dir=release
    ;;
  *)
    echo "usage: scripts/fuzz.sh [seconds per target] [dev|release]" >&2
    exit 2
    ;;
esac

# The workspace's lock file, so the targets build the versions the product is tested with;
# cargo only adds libFuzzer's crates to it.
cp Cargo.lock fuzz/Cargo.lock

echo "building the fuzz targets"
cargo fuzz build "${flags[@]}"
# Run the built binaries directly: `cargo fuzz run` would ask cargo again for every target.
bin="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/$dir"

for target in "${targets[@]}"; do
  # The working corpus (not committed) grows with what libFuzzer finds; the committed seeds and
  # the real providers' payloads start it.
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "fuzz/seeds/$target" ] && seeds+=("fuzz/seeds/$target")
  case "$target" in
    whatsapp_webhook) prefix=whatsapp ;;
    messenger_webhook) prefix=messenger ;;
    twilio_webhook) prefix=twilio ;;
    config) prefix="" && seeds+=(crates/server/tests/configs) ;;
    *) prefix="" ;;
  esac
  if [ -n "$prefix" ]; then
    if compgen -G "$fixtures/$prefix-*.json" >/dev/null; then
      cp "$fixtures/$prefix"-*.json "$corpus/"
    else
      echo "note: no $prefix fixtures in $fixtures; fuzzing $target from its seeds only" >&2
    fi
  fi
  echo "fuzzing $target for ${seconds}s"
  log="fuzz/artifacts/$target.log"
  mkdir -p "fuzz/artifacts/$target"
  if ! "$bin/$target" -artifact_prefix="fuzz/artifacts/$target/" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    tail -n 80 "$log" >&2
    echo "fuzz target $target failed (log: $log; the input is in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  grep -E 'stat::number_of_executed_units|^#[0-9]+ +DONE' "$log" || true
done
