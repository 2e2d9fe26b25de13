#!/usr/bin/env bash
# Publishes the store fleet benchmark's writer (tests/Benchmarks/StoreWriter) as a Native AOT executable: against
# net9.0 with .NET 9's ILCompiler, the runtime its README figures were measured with (eng/pack.sh compiled the CLI so
# then; it now uses .NET 10's, which the registry serves since). Prints the executable's path. StoreFleetBenchmarks runs this when the
# executable is missing; run it yourself after changing the writer.
set -euo pipefail
cd "$(dirname "$0")/.."

linker=$(command -v clang || command -v clang-14 || true)
[ -n "$linker" ] || { echo "eng/publish-store-writer.sh: Native AOT needs clang (apt-get install clang)" >&2; exit 1; }

out="$PWD/artifacts/store-writer-aot"
aot=(-r linux-x64 -p:PublishAot=true -p:TargetFramework=net9.0 -p:Configuration=Release
     -p:UseArtifactsOutput=true -p:ArtifactsPath="$out" -p:CppCompilerAndLinker="$linker")
echo "publish-store-writer.sh: restoring and compiling StoreWriter with Native AOT (several minutes on 2 cores)" >&2
dotnet restore tests/Benchmarks/StoreWriter -v q "${aot[@]}" >&2
# LiteDB's own trim/AOT warnings (its BsonMapper uses reflection; the writer uses BsonDocument only) are expected.
dotnet publish tests/Benchmarks/StoreWriter --no-restore -c Release -nologo -v q "${aot[@]}" \
    | { grep -v -E 'warning (IL|NU)' || true; } >&2
exe="$out/publish/StoreWriter/release_linux-x64/StoreWriter"
[ -x "$exe" ] || { echo "eng/publish-store-writer.sh: $exe was not produced" >&2; exit 1; }
echo "$exe"
