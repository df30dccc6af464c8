#!/usr/bin/env bash
# Installs what the package needs beyond Swift; sourced by demo.sh and test.sh.
# Usage: require_apt_packages PACKAGE...   (installs the missing ones on Debian/Ubuntu)
set -euo pipefail

required_swift="6.2"

if ! command -v swift >/dev/null 2>&1; then
    echo "error: 'swift' is not on PATH. Install Swift ${required_swift} or newer and try again." >&2
    exit 1
fi

version=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -n 1)
if [ -z "$version" ] || [ "$(printf '%s\n%s\n' "$required_swift" "$version" | sort -V | head -n 1)" != "$required_swift" ]; then
    echo "error: Swift ${required_swift} or newer is required; found '${version:-unknown}'." >&2
    exit 1
fi

require_apt_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: missing ${missing[*]}; install them with your system's package manager." >&2
        exit 1
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "Installing ${missing[*]}…"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# librdkafka 2.0.2 or newer (the Kafka transport) and SQLite (the SQLite idempotency store), found through
# pkg-config.
require_apt_packages pkg-config librdkafka-dev libsqlite3-dev
