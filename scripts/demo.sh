#!/usr/bin/env bash
# Runs the first course case on the in-memory transport: sales sends the seed's order to the
# Message Bus, inventory and billing process it, and every request and answer is printed.
# Extra arguments go to MessageBusExample (e.g. --kafka HOST:PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
swift build --product MessageBusExample
.build/debug/MessageBusExample --demo "$@"
