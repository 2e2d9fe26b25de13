#!/usr/bin/env bash
# Packs the tool (dotnet-brioche-job) and the tasks (BriocheJob.Tasks) into artifacts/feed, then restores the
# repo's local tool manifest from it, so `dotnet brioche-job` works anywhere inside the repo.
#
# The tool is three packages: a pointer 'dotnet-brioche-job' naming one package per runtime,
# 'dotnet-brioche-job.linux-x64' (a Native AOT executable: start-up in milliseconds) and 'dotnet-brioche-job.any'
# (portable, framework-dependent) for every other runtime. `dotnet tool install/restore` picks the right one.
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/phase.sh

feed="$PWD/artifacts/feed"
mkdir -p "$feed"
version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -1)
cli=tool/BriocheJob.Cli

# Native AOT links with clang; Debian's clang-14 installs only as clang-14.
linker=$(command -v clang || command -v clang-14 || true)
if [ -z "$linker" ]; then
    echo "eng/pack.sh: Native AOT needs clang (apt-get install clang)" >&2
    exit 1
fi

phase "packing the pointer and portable tool packages" "about 30s"
dotnet pack "$cli" -c Release -nologo -v q                  # the pointer package
dotnet pack "$cli" -c Release -nologo -v q -r any           # the portable fallback
# The AOT package is compiled against net10.0 with .NET 10's ILCompiler and NativeAOT runtime pack (the SDK picks
# their versions; both are restored from the registry). It starts faster than the .NET 9 build it replaced: a smaller
# executable (15.7 against 22.8 MB; size-optimised LINQ is the .NET 10 default under AOT) means less data for the
# runtime to rehydrate at every start. Its restore and intermediate files go under artifacts/aot so that the normal
# build's obj/ stays as it is.
aot=(-r linux-x64 -p:_IsPacking=true -p:Configuration=Release
     -p:UseArtifactsOutput=true -p:ArtifactsPath="$PWD/artifacts/aot" -p:CppCompilerAndLinker="$linker")
phase "compiling the Native AOT tool package" "about 1m"
dotnet restore "$cli" -v q "${aot[@]}"
dotnet pack "$cli" --no-restore -c Release -nologo -v q "${aot[@]}" | { grep -v ' warning ' || true; }
phase "packing the MSBuild tasks" "about 15s"
dotnet pack tasks/BriocheJob.Tasks -c Release -nologo -v q

# Re-packing the same version must not pick up a stale copy from NuGet's global cache, nor a stale entry in the
# SDK's tool resolver cache (it would still point at the previous package's files: "Run dotnet tool restore").
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
rm -rf "$packages/dotnet-brioche-job/$version" "$packages/dotnet-brioche-job.linux-x64/$version" \
  "$packages/dotnet-brioche-job.any/$version" "$packages/briochejob.tasks/$version"
rm -f "${DOTNET_CLI_HOME:-$HOME}/.dotnet/toolResolverCache/1/dotnet-brioche-job"

phase "restoring the repo's tool manifest" "a few seconds"
dotnet tool restore --add-source "$feed" >/dev/null
echo "Packed $version to $feed; 'dotnet brioche-job' is ready in this repo."
