#!/usr/bin/env bash
# Runs every test: unit, integration (real Docker engine) and end-to-end (`dotnet build` of generated projects).
# Makes its own prerequisites ready first, so it works on a fresh machine and in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/phase.sh

phase "prerequisites (Debian packages)" "a few seconds; minutes on a fresh machine"
bash eng/prerequisites.sh
phase "Docker engine and base image" "a few seconds; about 30s on a fresh machine"
bash eng/docker-engine.sh
bash eng/postgres.sh

phase "building the solution" "about 1m30s; 20s when up to date"
dotnet build BriocheJob.slnx -c Release -v q -nologo

status=0
# The style of .editorconfig: a change that `dotnet format` would make is a failure.
phase "checking style (dotnet format BriocheJob.slnx --verify-no-changes)" "about 1m; several on a loaded machine"
dotnet format BriocheJob.slnx --verify-no-changes --no-restore -v q || { echo "eng/test.sh: run 'dotnet format BriocheJob.slnx' to fix the style" >&2; status=1; }

results=$(mktemp -d)
for project in tests/BriocheJob.Tests tests/BriocheJob.IntegrationTests; do
    name=$(basename "$project")
    case "$name" in
        BriocheJob.Tests) expected="about 1m (unit tests, including the bounded fuzz test)" ;;
        *) expected="about 2m (integration: real Docker builds and dotnet build)" ;;
    esac
    phase "testing $name" "$expected"
    dotnet test "$project" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

# One plain closing line over every project, counted from the TRX results.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then
    echo "eng/test.sh: no test ran" >&2
    status=1
fi
exit $status
