#!/usr/bin/env bash
# Builds the package and runs every test. Extra arguments go to `swift test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
# kcat is the independent Kafka client of the interoperability tests.
require_apt_packages kcat
swift build --build-tests
swift test --skip-build "$@"
