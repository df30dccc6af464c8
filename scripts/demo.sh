#!/usr/bin/env bash
# Runs the course cases' demos on the in-memory transport; each starts its applications, sends
# itself the seed's requests and prints every request and answer.
#
#   scripts/demo.sh                       every case, in order
#   scripts/demo.sh 001                   one case, by number or name (000 MessageBus, 001 DatatypeChannel, 002 ChannelAdapter, 003 Communication, 004 CQRS)
#   scripts/demo.sh 001 --kafka HOST:PORT arguments after the case go to its example
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh

cases=(
    "000 MessageBus MessageBusExample"
    "001 DatatypeChannel DatatypeChannelExample"
    "002 ChannelAdapter ChannelAdapterExample"
    "003 Communication ChannelAdapterExample styles"
    "004 CQRS CQRSExample"
)

selected=()
if [[ $# -gt 0 && $1 != --* ]]; then
    for entry in "${cases[@]}"; do
        read -r number name product demo <<<"$entry"
        # The first case of a product is the one its name selects.
        if [[ $1 == "$number" || $1 == "$name" || $1 == "$product" ]]; then
            selected=("$entry")
            break
        fi
    done
    if [[ ${#selected[@]} -eq 0 ]]; then
        echo "error: no course case '$1'; the cases are: ${cases[*]}" >&2
        exit 64
    fi
    shift
else
    selected=("${cases[@]}")
fi

for entry in "${selected[@]}"; do
    read -r number name product demo <<<"$entry"
    echo "=== Course case $number: $name ($product --demo${demo:+ $demo}${*:+ $*})"
    echo
    swift build --product "$product"
    ".build/debug/$product" --demo ${demo:+"$demo"} "$@"
done
