#!/usr/bin/env bash
# Whole-process figures for `logs`, side by side in one run, for the installed tool (bash eng/pack.sh first):
# wall and peak memory (/usr/bin/time -v) of each command on a 200 MB-of-text events file (4.2 M lines) and on a
# newline bomb (8.7 KB inflating to 200 MiB of newlines), against `zstd -dc FILE | cat`. Medians of RUNS (default 3).
# The tool's output goes into a pipe (cat > /dev/null), as a user's `| less` or `| grep` would read it.
#   bash eng/logs-bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
work=${BJ_LOGS_BENCH_DIR:-/tmp/brioche-job-logs-bench}
mkdir -p "$work"

version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -1)
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
tool=${BRIOCHE_JOB_BENCH_TOOL:-$(find "$packages/dotnet-brioche-job.linux-x64/$version" -name dotnet-brioche-job -type f 2>/dev/null | head -1)}
if [ -z "$tool" ] || [ ! -x "$tool" ]; then
    echo "eng/logs-bench.sh: the AOT tool is not installed; run bash eng/pack.sh" >&2
    exit 1
fi

make() {
    [ -f "$work/$1.bin.zst" ] && return
    dotnet run -c Release --project tests/Benchmarks -- make-events "$1" "$work/$1.bin.zst" >/dev/null
}
make text
make bomb

# measure NAME COMMAND...: runs the command RUNS times under /usr/bin/time -v, prints median wall and peak RSS.
measure() {
    local name=$1; shift
    local walls=() peaks=()
    for _ in $(seq "$runs"); do
        /usr/bin/time -v -o "$work/time.txt" sh -c "$*" >/dev/null 2>&1 || true
        walls+=("$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt" | awk -F: '{ print ($1 * 60) + $2 }')")
        peaks+=("$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")")
    done
    local wall peak
    wall=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
    peak=$(printf '%s\n' "${peaks[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
    printf '| %-44s | %8.2f s | %6d MB |\n' "$name" "$wall" "$((peak / 1024))"
}

text="$work/text.bin.zst"
bomb="$work/bomb.bin.zst"
echo "tool: $tool"
echo "| command | wall (median of $runs) | peak memory |"
echo "|---|---|---|"
# /usr/bin/time reports the largest process of the pipeline, so the tool is timed alone and its output piped on.
measure "zstd -dc FILE | cat (200 MB text)" "zstd -dc '$text' | cat"
measure "logs FILE | cat (200 MB text)" "'$tool' logs '$text' | cat"
measure "logs --json FILE | cat" "'$tool' logs --json '$text' | cat"
measure "logs --reverse FILE | cat" "'$tool' logs --reverse '$text' | cat"
measure "logs --stream stderr FILE | cat" "'$tool' logs --stream stderr '$text' | cat"
measure "logs --follow FILE | cat (finished file)" "'$tool' logs --follow '$text' | cat"
measure "logs --tail 20 FILE" "'$tool' logs --tail 20 '$text' | cat"
measure "zstd -dc BOMB | cat (8.7 KB -> 200 MiB)" "zstd -dc '$bomb' | cat"
measure "logs BOMB | cat" "'$tool' logs '$bomb' | cat"
measure "logs --reverse BOMB | cat" "'$tool' logs --reverse '$bomb' | cat"
measure "logs --json BOMB | head -1" "'$tool' logs --json '$bomb' | head -1"
measure "logs BOMB | head -1" "'$tool' logs '$bomb' | head -1"
