#!/usr/bin/env bash
# Builds the package and runs every test. Extra arguments go to `swift test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
# kcat is the independent Kafka client of the interoperability tests; python3 computes a webhook
# signature independently of the package.
require_apt_packages kcat python3
swift build --build-tests
swift test --skip-build "$@"
