#!/usr/bin/env bash
# Checks what the package needs beyond its own sources; sourced by demo.sh and test.sh.
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
