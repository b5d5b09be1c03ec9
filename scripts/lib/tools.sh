# shellcheck shell=bash
# Sourced by scripts/run and scripts/test. Provides `ensure_tools`, which installs
# (only when missing) everything the build, the dev server and the tests need:
#
#   * rustup target wasm32-unknown-unknown
#   * cargo-leptos 0.3.10            (cargo install --locked --debug, against Debian's
#                                     libssl; once)
#   * wasm-bindgen-cli 0.2.130       (must equal the wasm-bindgen pin in Cargo.toml; only
#                                     the wasm-bindgen binary, ~3-5 min)
#   * wasm-opt from npm binaryen@132 (tools/, release builds; never Debian's binaryen v108)
#   * Debian chromium                (/usr/bin/chromium, used by Playwright)
#   * end2end/node_modules           (npm ci; re-run when end2end/package-lock.json changes)
#
# `ensure_tools` does it all; scripts/test runs `ensure_quick_tools` first and the two
# `cargo install`s (`ensure_cargo_tools`) in the background beside the Rust tests.
# Afterwards PATH starts with $CARGO_HOME/bin and tools/node_modules/.bin.
# The network only reaches crates.io, npm, PyPI and Debian: nothing here may download a
# prebuilt binary from anywhere else (so no `npx playwright install`, no cargo-binstall).

POSTROOM_ROOT="${POSTROOM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

POSTROOM_CARGO_LEPTOS_VERSION="0.3.10"
POSTROOM_WASM_BINDGEN_VERSION="0.2.130"
POSTROOM_BINARYEN_VERSION="132"

_pr_log() { printf '[postroom] %s\n' "$*" >&2; }

# Run a command as root (we usually are root; otherwise try passwordless sudo).
_pr_as_root() {
    if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        _pr_log "need root for: $*"
        return 1
    fi
}

# Put a directory first on PATH (removing other occurrences of it).
_pr_path_prepend() {
    local p=":$PATH:"
    while [[ "$p" == *":$1:"* ]]; do
        p="${p//:"$1":/:}"
    done
    p="${p#:}"
    p="${p%:}"
    PATH="$1${p:+:$p}"
    export PATH
}

_pr_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# apt-get install, running `apt-get update` first only when the package lists don't know
# the package, and once more (then retrying) if the install fails.
_pr_apt_install() {
    local policy
    export DEBIAN_FRONTEND=noninteractive
    policy="$(apt-cache policy "$@" 2>/dev/null || true)"
    if [[ -z "$policy" || "$policy" == *"Candidate: (none)"* ]]; then
        _pr_log "apt-get update"
        _pr_as_root apt-get update -qq || return 1
    fi
    _pr_log "apt-get install -y $*"
    if ! _pr_as_root apt-get install -y -q "$@" </dev/null; then
        _pr_log "apt-get install failed; refreshing package lists and retrying"
        _pr_as_root apt-get update -qq || return 1
        _pr_as_root apt-get install -y -q "$@" </dev/null || return 1
    fi
}

# Serialise tool installs between concurrent runs of our scripts (e.g. scripts/run while
# scripts/test is installing). Runs "$@" while holding the lock.
_pr_with_install_lock() {
    local lock="${CARGO_HOME:-$HOME/.cargo}/.postroom-tools.lock"
    mkdir -p "$(dirname "$lock")"
    if command -v flock >/dev/null 2>&1; then
        (
            flock -w 7200 9 || { echo "[postroom] could not lock $lock" >&2; exit 1; }
            "$@"
        ) 9>"$lock"
    else
        "$@"
    fi
}

_pr_have_wasm_target() {
    local installed
    installed="$(rustup target list --installed 2>/dev/null || true)"
    grep -qx 'wasm32-unknown-unknown' <<<"$installed"
}

_pr_cargo_leptos_ok() {
    local v
    v="$(cargo leptos --version 2>/dev/null || true)"
    [[ "$v" == *" $POSTROOM_CARGO_LEPTOS_VERSION" || "$v" == *" $POSTROOM_CARGO_LEPTOS_VERSION "* ]]
}

_pr_wasm_bindgen_ok() {
    local v
    v="$(wasm-bindgen --version 2>/dev/null || true)"
    [[ "$v" == "wasm-bindgen $POSTROOM_WASM_BINDGEN_VERSION"* ]]
}

_pr_install_cargo_leptos() {
    _pr_cargo_leptos_ok && return 0 # another run may have installed it while we waited
    _pr_log "installing cargo-leptos $POSTROOM_CARGO_LEPTOS_VERSION (cargo install --locked; the longest step of a fresh set-up)"
    local t0=$SECONDS
    # Built unoptimized (`--debug`, no debug info): half the CPU time of a release build
    # without LTO (measured here: 743 CPU-s, 6.2 min on 2 idle cores, against ~12.4 min),
    # and cargo-leptos mostly waits for cargo, wasm-bindgen and wasm-opt anyway: a debug
    # `cargo leptos build --split` takes ~4 s longer. The two parts that crunch bytes
    # themselves (brotli for --precompress, the wasm splitter) are optimized.
    #
    # cargo-leptos pulls in git2 with OpenSSL `vendored` (for `cargo leptos new`): that
    # compiles OpenSSL's C sources, minutes of CPU. openssl-sys links Debian's libssl
    # instead when OPENSSL_NO_VENDOR=1 and pkg-config finds it (libssl-dev).
    local ssl=()
    if ! pkg-config --exists openssl 2>/dev/null; then
        _pr_apt_install libssl-dev pkg-config || _pr_log "no libssl-dev: building OpenSSL from source"
    fi
    if pkg-config --exists openssl 2>/dev/null; then
        ssl=(env OPENSSL_NO_VENDOR=1)
    fi
    "${ssl[@]}" cargo install cargo-leptos --version "$POSTROOM_CARGO_LEPTOS_VERSION" --locked --debug \
        --config profile.dev.debug=0 \
        --config profile.dev.package.brotli.opt-level=3 \
        --config profile.dev.package.wasm_split_cli_support.opt-level=3 </dev/null || return 1
    _pr_log "cargo-leptos installed in $((SECONDS - t0))s"
}

_pr_install_wasm_bindgen() {
    _pr_wasm_bindgen_ok && return 0
    # No --locked: the CLI's own lock file does not build with this rustc (TOOLCHAIN.md).
    _pr_log "installing wasm-bindgen-cli $POSTROOM_WASM_BINDGEN_VERSION (~3-5 min)"
    local t0=$SECONDS
    # cargo-leptos runs only `wasm-bindgen`; the other binaries (test runner, ...) and the
    # default features are not needed.
    cargo install wasm-bindgen-cli --version "$POSTROOM_WASM_BINDGEN_VERSION" \
        --no-default-features --bin wasm-bindgen </dev/null || return 1
    _pr_log "wasm-bindgen-cli installed in $((SECONDS - t0))s"
}

# npm ci in a project folder unless node_modules matches the committed lock file.
# $1 = folder, $2 = a file under node_modules/.bin that must exist afterwards.
_pr_npm_ci() {
    local dir="$1" probe="$2" stamp lock want
    lock="$dir/package-lock.json"
    stamp="$dir/node_modules/.postroom-lock.sha256"
    [[ -f "$lock" ]] || { _pr_log "missing $lock (it must be committed)"; return 1; }
    want="$(_pr_sha256 "$lock")"
    if [[ -x "$dir/node_modules/.bin/$probe" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    _pr_log "npm ci in ${dir#"$POSTROOM_ROOT"/}/"
    (
        cd "$dir" &&
            PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error </dev/null
    ) || return 1
    [[ -x "$dir/node_modules/.bin/$probe" ]] || { _pr_log "npm ci in $dir did not provide $probe"; return 1; }
    printf '%s\n' "$want" >"$stamp"
}

_pr_ensure_node() {
    command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 && return 0
    _pr_log "node/npm missing"
    _pr_apt_install nodejs npm || return 1
}

# Everything, in the foreground (scripts/run, bench/*).
ensure_tools() {
    local t0=$SECONDS
    _pr_log "checking tools"
    ensure_quick_tools || return 1
    ensure_cargo_tools || return 1
    _pr_log "tools ready ($((SECONDS - t0))s): $(cargo leptos --version 2>/dev/null), $(wasm-bindgen --version), $(wasm-opt --version)"
}

# True when the two tools that `cargo install` compiles (minutes on a fresh machine) are
# already there in the right versions.
cargo_tools_ready() { _pr_cargo_leptos_ok && _pr_wasm_bindgen_ok; }

# The tools that install in seconds: the wasm target, node, wasm-opt, chromium, Playwright.
# Also puts $CARGO_HOME/bin and tools/node_modules/.bin first on PATH.
ensure_quick_tools() {
    _pr_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
    command -v cargo >/dev/null 2>&1 || { _pr_log "cargo not found (rustup toolchain expected)"; return 1; }

    # 1. wasm target
    if ! _pr_have_wasm_target; then
        _pr_log "rustup target add wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown </dev/null || return 1
    fi

    # 2. wasm-opt from npm (binaryen), project-local in tools/
    _pr_ensure_node || return 1
    _pr_npm_ci "$POSTROOM_ROOT/tools" wasm-opt || return 1
    _pr_path_prepend "$POSTROOM_ROOT/tools/node_modules/.bin"
    local wo
    wo="$(wasm-opt --version 2>/dev/null || true)"
    if [[ "$wo" != *"version $POSTROOM_BINARYEN_VERSION"* ]]; then
        _pr_log "wasm-opt on PATH is '$wo' ($(command -v wasm-opt || echo none)), expected binaryen version $POSTROOM_BINARYEN_VERSION"
        return 1
    fi

    # 3. Debian's chromium for Playwright
    if [[ ! -x /usr/bin/chromium ]]; then
        _pr_apt_install chromium || return 1
    fi

    # 4. Playwright and friends for end2end/
    _pr_npm_ci "$POSTROOM_ROOT/end2end" playwright || return 1
}

# cargo-leptos and wasm-bindgen-cli (only when missing or the wrong version). Safe to run
# in the background beside a build (scripts/test does, beside the Rust tests).
ensure_cargo_tools() {
    _pr_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
    if ! _pr_cargo_leptos_ok; then
        _pr_with_install_lock _pr_install_cargo_leptos || return 1
        _pr_cargo_leptos_ok || { _pr_log "cargo leptos --version does not report $POSTROOM_CARGO_LEPTOS_VERSION"; return 1; }
    fi
    if ! _pr_wasm_bindgen_ok; then
        _pr_with_install_lock _pr_install_wasm_bindgen || return 1
        _pr_wasm_bindgen_ok || { _pr_log "wasm-bindgen --version is not $POSTROOM_WASM_BINDGEN_VERSION"; return 1; }
    fi
}
