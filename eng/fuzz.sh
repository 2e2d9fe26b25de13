#!/usr/bin/env bash
# Fuzzes for MINUTES (default 10): the unit suite's fuzz harness from fresh seeds (events files compressed and plain,
# the three BuildKit encodings, Dockerfiles, .dockerignore files, selectors), then the whole CLI as a process on
# mutated files and selectors. Prints runs, crashes and hangs; exits 1 when anything crashed or hung.
# BRIOCHE_JOB_FUZZ_SEED=N repeats a run.
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/phase.sh
minutes="${1:-10}"

phase "building the unit tests" "about 1m; seconds when up to date"
dotnet build tests/BriocheJob.Tests -c Release -v q -nologo

report=$(mktemp)
trap 'rm -f "$report"' EXIT
phase "fuzzing for $minutes minutes (half engine, half CLI processes)" "$minutes minutes"
status=0
BRIOCHE_JOB_FUZZ_MINUTES="$minutes" BRIOCHE_JOB_FUZZ_REPORT="$report" \
    dotnet test tests/BriocheJob.Tests -c Release --no-build -nologo -v q \
    --filter "FullyQualifiedName~FuzzTests" >/dev/null || status=1
if [ -s "$report" ]; then
    cat "$report"
else
    echo "eng/fuzz.sh: the fuzz run wrote no report" >&2
    status=1
fi
exit $status
