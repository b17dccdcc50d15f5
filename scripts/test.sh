#!/usr/bin/env bash
# Runs AMSP's whole test suite on a fresh machine: installs what the tests
# need, then formatting, lints, docs, every test (unit, integration, doc,
# benches in test mode) and a short end-to-end demo. Exits non-zero on any
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is not installed; install Rust 1.95 (https://rustup.rs)" >&2
    exit 1
fi
cargo --version
for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
        rustup component add "$component"
    fi
done

step "test corpus"
if [ -d ../shared/corpus ]; then
    echo "using $(cd ../shared/corpus && pwd)"
else
    echo "warning: ../shared/corpus is missing; tests that need it will fail loudly" >&2
fi

step "fetch crates"
for attempt in 1 2; do
    cargo fetch --locked && break
    [ "$attempt" = 2 ] && exit 1
    sleep 5
done

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "tests"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

step "end-to-end demo (small)"
cargo run --release --locked -p amsp-cli --quiet -- demo --assets 400

echo
echo "all checks passed"
