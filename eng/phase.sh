#!/usr/bin/env bash
# Sourced by the eng/ scripts: `phase "what starts" "how long it usually takes"` prints one line as a phase starts,
# so a long run is never silent. The expected lengths are from a 2-core VM; a warm cache makes them shorter.
phase() {
    echo "== $(date -u +%H:%M:%S) $1 (expect $2)"
}
