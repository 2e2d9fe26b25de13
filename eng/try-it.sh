#!/usr/bin/env bash
# Try brioche-job: pack and install the tool, run a sample `dotnet build` that records a Brioche build and a
# Docker build, each with a failing job, then show `list` and `logs`. Records go to the default data home
# (~/.local/share/brioche-job, or $BRIOCHE_JOB_HOME).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source eng/phase.sh

phase "prerequisites (Debian packages)" "a few seconds; minutes on a fresh machine"
bash eng/prerequisites.sh
phase "Docker engine and base image" "a few seconds; about 30s on a fresh machine"
bash eng/docker-engine.sh
bash eng/pack.sh

# Brioche cannot be installed on these machines: the sample runs the test stand-in that behaves like
# `brioche build` (tests/FakeBrioche). With a real brioche, drop -p:BriocheExe.
phase "building the Brioche stand-in" "about 15s"
dotnet build tests/FakeBrioche -c Release -nologo -v q
brioche_exe="$repo/tests/FakeBrioche/bin/Release/net10.0/FakeBrioche"

sample=$(mktemp -d "${TMPDIR:-/tmp}/brioche-job-try-it.XXXXXX")
cp -r eng/sample/. "$sample/"
cat > "$sample/nuget.config" <<CONFIG
<configuration>
  <packageSources>
    <add key="brioche-job-local" value="$repo/artifacts/feed" />
  </packageSources>
</configuration>
CONFIG
export BRIOCHE_DATA_DIR="$sample/brioche-data"

echo
phase "dotnet build $sample/Sample.csproj (fails on purpose: one Brioche job and one Docker step fail)" "about 40s"
(cd "$sample" && dotnet build Sample.csproj -nologo -nodeReuse:false -tl:off -p:BriocheExe="$brioche_exe") || true

echo
echo "== dotnet brioche-job list"
dotnet brioche-job list --limit 10
echo
echo "== dotnet brioche-job logs        (the most recent failed job)"
dotnet brioche-job logs
echo
echo "== dotnet brioche-job logs -2     (the failed job before it)"
dotnet brioche-job logs -2
