#!/usr/bin/env bash
# Starts the two engines the remote-engine tests build on, idempotently, as root, beside the main dockerd (which is
# never stopped, restarted or reconfigured: other builds and tests share it):
#   1. a self-signed CA with a server certificate (127.0.0.1, localhost) and a client certificate, made with openssl,
#   2. a second dockerd listening on tcp://127.0.0.1:$BRIOCHE_JOB_DOCKER_TCP_PORT (plain TCP),
#   3. a third dockerd listening on tcp://127.0.0.1:$BRIOCHE_JOB_DOCKER_TLS_PORT with --tlsverify (client certs),
#   4. the base image copied into both from the main engine (docker save | docker load).
# Each extra dockerd has its own --data-root, --exec-root, --pidfile and unix socket, and the main one's flags.
# Runs from eng/docker-engine.sh once the main engine and its base image are ready. A missing part is a failure.
# Environment: BRIOCHE_JOB_DOCKER_TCP_PORT (default 23750), BRIOCHE_JOB_DOCKER_TLS_PORT (default 23760),
#              BRIOCHE_JOB_DOCKER_TLS_DIR (default /var/lib/brioche-job/docker-tls; the client's files are in client/),
#              BRIOCHE_JOB_BASE_IMAGE (default busybox:local), DOCKERD_WAIT_SECONDS (default 30).
set -euo pipefail

image="${BRIOCHE_JOB_BASE_IMAGE:-busybox:local}"
tcp_port="${BRIOCHE_JOB_DOCKER_TCP_PORT:-23750}"
tls_port="${BRIOCHE_JOB_DOCKER_TLS_PORT:-23760}"
tls_dir="${BRIOCHE_JOB_DOCKER_TLS_DIR:-/var/lib/brioche-job/docker-tls}"
wait_seconds="${DOCKERD_WAIT_SECONDS:-30}"
state=/var/lib/brioche-job/dockerd
run=/run/brioche-job-dockerd
marker=org.brioche-job.base-image

say() { echo "docker-remote-engines.sh: $*"; }
fail() { echo "docker-remote-engines.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it starts dockerd)"
command -v openssl >/dev/null 2>&1 || fail "openssl is missing (eng/docker-engine.sh installs it)"
command -v flock >/dev/null 2>&1 || fail "flock is missing (util-linux)"

mkdir -p "$state" "$run" "$tls_dir/client"
# Test runs start at once on a shared machine: one of them starts the engines, the others wait for it.
exec 9>"$run/lock"
flock -w 120 9 || fail "another run has held $run/lock for 120s"

# 1. Certificates, made once (ten years). A daemon already running keeps the files it was started with.
if [ ! -s "$tls_dir/ca.pem" ] || [ ! -s "$tls_dir/server-cert.pem" ] || [ ! -s "$tls_dir/client/key.pem" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    (
        cd "$work"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -subj "/CN=brioche-job test CA" -keyout ca-key.pem -out ca.pem \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
            -keyout server-key.pem -out server.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile server.ext -out server-cert.pem
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=brioche-job test client" \
            -keyout key.pem -out client.csr
        printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile client.ext -out cert.pem
    ) >"$work/openssl.log" 2>&1 || fail "openssl failed: $(tail -n 3 "$work/openssl.log")"
    install -m 0600 "$work/ca-key.pem" "$work/server-key.pem" "$tls_dir/"
    install -m 0644 "$work/ca.pem" "$work/server-cert.pem" "$tls_dir/"
    install -m 0644 "$work/ca.pem" "$work/cert.pem" "$tls_dir/client/"
    install -m 0600 "$work/key.pem" "$tls_dir/client/"
    say "made a self-signed CA and server/client certificates in $tls_dir"
else
    say "certificates in $tls_dir are ready"
fi
openssl verify -CAfile "$tls_dir/ca.pem" "$tls_dir/server-cert.pem" "$tls_dir/client/cert.pem" >/dev/null \
    || fail "the certificates in $tls_dir do not verify against $tls_dir/ca.pem"

# 2 and 3. Engines: NAME, then dockerd's extra flags. The unix socket is for this script's own docker CLI calls.
answers() { # SOCKET
    [ -S "$1" ] && [ "$(curl -s --max-time 3 --unix-socket "$1" http://localhost/_ping 2>/dev/null)" = OK ]
}
start_engine() { # NAME FLAGS...
    local name="$1"; shift
    local socket="$run/$name.sock" pidfile="$run/$name.pid" log="/var/log/brioche-job-dockerd-$name.log"
    if answers "$socket"; then
        say "$name engine is already running (pid $(cat "$pidfile" 2>/dev/null || echo '?'))"
        return
    fi
    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        say "$name engine (pid $(cat "$pidfile")) is running but not answering yet; waiting"
    else
        rm -f "$pidfile" "$socket"
        nohup dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
            --data-root "$state/$name" --exec-root "$run/$name" --pidfile "$pidfile" \
            -H "unix://$socket" "$@" >>"$log" 2>&1 </dev/null 9>&- &
        say "started the $name engine (dockerd pid $!, log $log)"
    fi
    for _ in $(seq 1 "$wait_seconds"); do
        answers "$socket" && return
        sleep 1
    done
    fail "the $name engine did not answer /_ping on $socket within ${wait_seconds}s (log: $log: $(tail -n 1 "$log" 2>/dev/null))"
}
start_engine tcp -H "tcp://127.0.0.1:$tcp_port"
start_engine tls -H "tcp://127.0.0.1:$tls_port" --tlsverify \
    --tlscacert "$tls_dir/ca.pem" --tlscert "$tls_dir/server-cert.pem" --tlskey "$tls_dir/server-key.pem"

# The listeners themselves, as a client sees them.
[ "$(curl -s --max-time 5 "http://127.0.0.1:$tcp_port/_ping")" = OK ] \
    || fail "nothing answers /_ping on tcp://127.0.0.1:$tcp_port"
[ "$(curl -s --max-time 5 --cacert "$tls_dir/client/ca.pem" --cert "$tls_dir/client/cert.pem" \
        --key "$tls_dir/client/key.pem" "https://127.0.0.1:$tls_port/_ping")" = OK ] \
    || fail "nothing answers /_ping over TLS on tcp://127.0.0.1:$tls_port"
say "tcp://127.0.0.1:$tcp_port answers; tcp://127.0.0.1:$tls_port answers over TLS with the client certificate"

# 4. The base image, copied from the main engine when absent or older.
marker_value="$(docker image inspect --format "{{index .Config.Labels \"$marker\"}}" "$image" 2>/dev/null)" \
    || fail "base image $image is missing from the main engine (run eng/docker-engine.sh)"
for name in tcp tls; do
    socket="unix://$run/$name.sock"
    if [ "$(DOCKER_HOST="$socket" docker image inspect --format "{{index .Config.Labels \"$marker\"}}" "$image" 2>/dev/null)" = "$marker_value" ]; then
        say "$name engine has $image"
        continue
    fi
    docker save "$image" | DOCKER_HOST="$socket" docker load >/dev/null || fail "copying $image into the $name engine failed"
    [ "$(DOCKER_HOST="$socket" docker image inspect --format "{{index .Config.Labels \"$marker\"}}" "$image" 2>/dev/null)" = "$marker_value" ] \
        || fail "base image $image is still missing from the $name engine after docker load"
    say "copied $image into the $name engine"
done
