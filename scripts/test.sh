#!/usr/bin/env bash
# Runs AMSP's whole test suite on a fresh machine: installs what the tests
# need (Debian packages with apt-get, Rust components with rustup), then
# formatting, lints, docs, every test (unit, integration, doc, benches in
# test mode) and a short end-to-end demo. Exits non-zero on any
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Debian packages the build needs: libclang-dev for bindgen (astcenc-rs);
# mesa-vulkan-drivers and libvulkan1 for the GPU tests (Mesa's software
# Vulkan device, lavapipe).
DEBIAN_PACKAGES=(libclang-dev mesa-vulkan-drivers libvulkan1)

step "system packages"
if [ "${AMSP_SKIP_SYSTEM_PACKAGES:-0}" = 1 ]; then
    echo "skipped (AMSP_SKIP_SYSTEM_PACKAGES=1): ${DEBIAN_PACKAGES[*]} must be installed"
elif ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "error: no dpkg/apt-get: install the equivalents of ${DEBIAN_PACKAGES[*]}," >&2
    echo "then rerun with AMSP_SKIP_SYSTEM_PACKAGES=1" >&2
    exit 1
else
    missing=()
    for package in "${DEBIAN_PACKAGES[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" = 0 ]; then
        echo "already installed: ${DEBIAN_PACKAGES[*]}"
    else
        as_root=()
        if [ "$(id -u)" != 0 ]; then
            if ! command -v sudo >/dev/null 2>&1; then
                echo "error: need root or sudo to install ${missing[*]}" >&2
                exit 1
            fi
            as_root=(sudo)
        fi
        echo "installing ${missing[*]}"
        installed=0
        for attempt in 1 2; do
            if "${as_root[@]}" apt-get update -q \
                && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
                    apt-get install -y -q --no-install-recommends "${missing[@]}"; then
                installed=1
                break
            fi
            if [ "$attempt" = 1 ]; then sleep 5; fi
        done
        if [ "$installed" != 1 ]; then
            echo "error: apt-get could not install ${missing[*]}" >&2
            exit 1
        fi
    fi
fi

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
# Vulkan's loader looks for a display server's runtime folder and prints an
# error line when there is none (a headless CI machine); give it one.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    XDG_RUNTIME_DIR="$(mktemp -d)"
    export XDG_RUNTIME_DIR
fi
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

step "end-to-end demo (small)"
# The test profile's build is reused (dependencies are optimised in it), so
# no separate release build is needed here.
cargo run --locked -p amsp-cli --quiet -- demo --assets 400 --textures 4 --texture-size 512

echo
echo "all checks passed"
