#!/usr/bin/env bash
# Runs the demo on the in-memory transport: sales publishes orders, inventory and billing receive them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
swift run InMemoryDemo "$@"
