#!/usr/bin/env bash
# Installs the Debian packages brioche-job and its tests use, idempotently:
# zstd (the CLI the tests cross-check with; the tool itself needs no native zstd),
# b3sum (BLAKE3, for the Brioche stand-in's recipe hashes), clang (the linker Native AOT packing needs), and
# zsh and tmux (the shell completion tests drive real bash and zsh through a tmux pty), and chromium (the headless
# browser the HTML timeline test drives; nothing downloads a browser of its own).
set -euo pipefail

needed=()
for pkg in zstd b3sum zsh tmux chromium; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || needed+=("$pkg")
done

command -v clang >/dev/null || command -v clang-14 >/dev/null || needed+=(clang)

if [ ${#needed[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "eng/prerequisites.sh: need root to install ${needed[*]}" >&2
        exit 1
    fi
    echo "Installing ${needed[*]}..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
fi
