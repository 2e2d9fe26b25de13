#!/usr/bin/env bash
# Packs the tool (dotnet-brioche-job) and the tasks (BriocheJob.Tasks) into artifacts/feed, then restores the
# repo's local tool manifest from it, so `dotnet brioche-job` works anywhere inside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."

feed="$PWD/artifacts/feed"
mkdir -p "$feed"
version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -1)

dotnet pack tool/BriocheJob.Cli -c Release -nologo -v q
dotnet pack tasks/BriocheJob.Tasks -c Release -nologo -v q

# Re-packing the same version must not pick up a stale copy from NuGet's global cache.
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
# The tool is a pointer package plus one package per runtime (linux-x64 precompiled, 'any' portable); drop them all.
rm -rf "$packages/dotnet-brioche-job/$version" "$packages/dotnet-brioche-job.linux-x64/$version" \
  "$packages/dotnet-brioche-job.any/$version" "$packages/briochejob.tasks/$version"

dotnet tool restore --add-source "$feed" >/dev/null
echo "Packed $version to $feed; 'dotnet brioche-job' is ready in this repo."
