#!/usr/bin/env bash
# Makes a Docker Engine ready on a Debian machine, idempotently, as root:
#   1. installs docker.io and busybox-static when missing,
#   2. starts dockerd (no iptables, no bridge, vfs storage) when no engine answers,
#   3. imports a base image made from busybox-static when it is absent (there is no registry),
#   4. starts the plain-TCP and TLS engines the remote-engine tests use (eng/docker-remote-engines.sh).
# Environment: BRIOCHE_JOB_BASE_IMAGE (default busybox:local), DOCKERD_LOG (default /var/log/brioche-job-dockerd.log),
#              DOCKERD_WAIT_SECONDS (default 30).
set -euo pipefail

image="${BRIOCHE_JOB_BASE_IMAGE:-busybox:local}"
log="${DOCKERD_LOG:-/var/log/brioche-job-dockerd.log}"
wait_seconds="${DOCKERD_WAIT_SECONDS:-30}"
socket=/var/run/docker.sock

fail() { echo "docker-engine.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it installs packages and starts dockerd)"

# 1. Packages. apt-get update runs at most once, and only when something is missing.
missing=()
command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 || missing+=(docker.io)
[ -x /bin/busybox ] && dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || fail "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
        || fail "apt-get install ${missing[*]} failed"
fi

engine_answers() {
    [ -S "$socket" ] && [ "$(curl -s --max-time 3 --unix-socket "$socket" http://localhost/_ping 2>/dev/null)" = OK ]
}

# 2. Engine. Only started when nothing answers on the default socket.
if ! engine_answers; then
    if pgrep -x dockerd >/dev/null 2>&1; then
        echo "docker-engine.sh: dockerd is running but not answering yet; waiting" >&2
    else
        mkdir -p "$(dirname "$log")"
        nohup dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
            >>"$log" 2>&1 </dev/null &
    fi
    for _ in $(seq 1 "$wait_seconds"); do
        engine_answers && break
        sleep 1
    done
    engine_answers || fail "dockerd did not answer /_ping on $socket within ${wait_seconds}s (log: $log: $(tail -n 1 "$log" 2>/dev/null))"
fi

# 3. Base image from busybox-static: sh and common applets as symlinks, /tmp, and a root user so USER root works.
# The label marks an image made by this script; an older or foreign image under the same tag (say, one without
# /etc/passwd) is replaced, since ours is a superset of it.
marker=org.brioche-job.base-image
marker_value=2
has_marker() {
    [ "$(docker image inspect --format "{{index .Config.Labels \"$marker\"}}" "$image" 2>/dev/null)" = "$marker_value" ]
}
if ! has_marker; then
    root="$(mktemp -d)"
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/usr/bin" "$root/var"
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in sh ash cat cp echo env false grep head id ls mkdir mv pwd rm sed sleep sort tail tee test touch \
                  true uname wc which printf chmod ln find xargs expr tr cut dd du date hostname basename dirname; do
        ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/sh"]' --change "LABEL $marker=$marker_value" - "$image" >/dev/null \
        || fail "docker import of $image failed"
fi

has_marker || fail "base image $image is still missing after docker import"

# 4. Engines on tcp://127.0.0.1 (plain and TLS), beside this one.
bash "$(dirname "$0")/docker-remote-engines.sh"
