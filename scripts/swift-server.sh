#!/usr/bin/env bash
# A one-node OpenStack Swift with its S3 API (the `s3api` middleware), for tests and CI: a real
# object store that checks SigV4 signatures, presigned-URL expiry and credentials.
#
#   scripts/swift-server.sh start <dir> [port]   prints the S3 endpoint, http://127.0.0.1:<port>
#   scripts/swift-server.sh stop <dir>           stops the servers that `start` wrote pids for
#
# Everything lives in <dir>: swift.conf, the rings, one conf per server, the object data
# (<dir>/node/sdb1), logs (<dir>/*.log) and pid files (<dir>/*.pid). The proxy listens on
# [port] (a free port when omitted); the account, container and object servers on free ports.
# All bind 127.0.0.1. Credentials: access key `test:tester`, secret `testing`.
# Needs the Debian packages swift swift-proxy swift-account swift-container swift-object.
set -euo pipefail

SERVERS=(account container object proxy)
READY_SECONDS=${SWIFT_READY_SECONDS:-90}

usage() {
  echo "usage: $0 start <dir> [port] | stop <dir>" >&2
  exit 2
}

# The Python that Swift's own commands run with (it has the `swift` package).
swift_python() {
  sed -n '1s/^#! *//p' "$(command -v swift-proxy-server)"
}

# <count> free ports on 127.0.0.1, all different (held open together while they are picked).
free_ports() {
  python3 -c '
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))' "$1"
}

# True when every server answers OK on <port>/healthcheck (python3 comes with Swift; curl may not).
is_healthy() { # <port>...
  python3 -c '
import sys, urllib.request
for port in sys.argv[1:]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=2) as answer:
            if answer.read() != b"OK": sys.exit(1)
    except OSError:
        sys.exit(1)' "$@"
}

write_server_conf() { # <name> <port> [extra lines...]
  local name=$1 port=$2
  shift 2
  {
    printf '[DEFAULT]\ndevices = %s/node\nmount_check = false\nbind_ip = 127.0.0.1\n' "$dir"
    printf 'bind_port = %s\nuser = %s\nswift_dir = %s\nworkers = 1\n' "$port" "$(id -un)" "$dir"
    printf 'log_name = %s\n\n' "$name"
    printf '%s\n' "$@"
  } >"$dir/$name-server.conf"
}

start() {
  for server in "${SERVERS[@]}"; do
    if ! command -v "swift-$server-server" >/dev/null; then
      echo "swift-$server-server is not installed: apt-get install -y swift swift-proxy swift-account swift-container swift-object" >&2
      exit 3
    fi
  done
  if [[ -e $dir/proxy.pid ]]; then
    echo "$dir already holds a Swift (proxy.pid); stop it first: $0 stop $dir" >&2
    exit 1
  fi
  mkdir -p "$dir/node/sdb1"
  dir=$(cd "$dir" && pwd)
  local picked
  read -r -a picked <<<"$(free_ports 4)"
  local proxy_port=${1:-${picked[3]}}
  declare -A ports=([account]=${picked[0]} [container]=${picked[1]} [object]=${picked[2]})

  printf '[swift-hash]\nswift_hash_path_suffix = dyi-test\nswift_hash_path_prefix = dyi-test\n' >"$dir/swift.conf"
  printf '[storage-policy:0]\nname = Policy-0\ndefault = yes\n' >>"$dir/swift.conf"
  # The rings `swift-ring-builder X.builder create 8 1 1`, `add r1z1-127.0.0.1:PORT/sdb1 100`
  # and `rebalance` would make, built in one Python process instead of nine (seconds saved).
  local python
  read -r -a python <<<"$(swift_python)" # `/usr/bin/python3`, or `/usr/bin/env python3`
  "${python[@]}" -c '
import sys
from swift.common.ring import RingBuilder
for name, port in zip(("account", "container", "object"), sys.argv[2:]):
    builder = RingBuilder(8, 1, 1)
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port),
                     "device": "sdb1", "weight": 100})
    builder.rebalance()
    builder.get_ring().save(f"{sys.argv[1]}/{name}.ring.gz")
' "$dir" "${ports[account]}" "${ports[container]}" "${ports[object]}"

  write_server_conf account "${ports[account]}" \
    '[pipeline:main]' 'pipeline = healthcheck account-server' \
    '[app:account-server]' 'use = egg:swift#account' \
    '[filter:healthcheck]' 'use = egg:swift#healthcheck'
  write_server_conf container "${ports[container]}" \
    '[pipeline:main]' 'pipeline = healthcheck container-server' \
    '[app:container-server]' 'use = egg:swift#container' \
    '[filter:healthcheck]' 'use = egg:swift#healthcheck'
  write_server_conf object "${ports[object]}" \
    '[pipeline:main]' 'pipeline = healthcheck object-server' \
    '[app:object-server]' 'use = egg:swift#object' \
    '[filter:healthcheck]' 'use = egg:swift#healthcheck'
  write_server_conf proxy "$proxy_port" \
    '[pipeline:main]' \
    'pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo proxy-logging proxy-server' \
    '[app:proxy-server]' 'use = egg:swift#proxy' 'account_autocreate = true' \
    '[filter:catch_errors]' 'use = egg:swift#catch_errors' \
    '[filter:gatekeeper]' 'use = egg:swift#gatekeeper' \
    '[filter:healthcheck]' 'use = egg:swift#healthcheck' \
    '[filter:proxy-logging]' 'use = egg:swift#proxy_logging' \
    '[filter:cache]' 'use = egg:swift#memcache' \
    '[filter:listing_formats]' 'use = egg:swift#listing_formats' \
    '[filter:bulk]' 'use = egg:swift#bulk' \
    '[filter:tempurl]' 'use = egg:swift#tempurl' \
    '[filter:s3api]' 'use = egg:swift#s3api' \
    '[filter:tempauth]' 'use = egg:swift#tempauth' 'user_test_tester = testing .admin' \
    '[filter:copy]' 'use = egg:swift#copy' \
    '[filter:slo]' 'use = egg:swift#slo' \
    '[filter:dlo]' 'use = egg:swift#dlo'

  for server in "${SERVERS[@]}"; do
    # setsid: a Swift server signals its whole process group when it stops, so each gets its own.
    setsid "swift-$server-server" "$dir/$server-server.conf" --verbose </dev/null >>"$dir/$server.log" 2>&1 &
    echo $! >"$dir/$server.pid"
  done

  local endpoint="http://127.0.0.1:$proxy_port"
  local deadline=$((SECONDS + READY_SECONDS))
  # Ready once every server answers its health check (the proxy's alone says nothing of the
  # storage servers behind it).
  until is_healthy "$proxy_port" "${ports[account]}" "${ports[container]}" "${ports[object]}"; do
    for server in "${SERVERS[@]}"; do
      if ! kill -0 "$(cat "$dir/$server.pid")" 2>/dev/null; then
        echo "swift-$server-server exited; its log:" >&2
        tail -n 30 "$dir/$server.log" >&2
        stop
        exit 1
      fi
    done
    if ((SECONDS >= deadline)); then
      echo "Swift at $endpoint did not answer within $READY_SECONDS s; logs are in $dir" >&2
      stop
      exit 1
    fi
    sleep 0.3
  done
  echo "$endpoint" >"$dir/endpoint"
  echo "$endpoint"
}

stop() {
  local pids=() pid server
  for server in "${SERVERS[@]}"; do
    [[ -f $dir/$server.pid ]] || continue
    pid=$(cat "$dir/$server.pid")
    kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  local deadline=$((SECONDS + 10))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for server in "${SERVERS[@]}"; do rm -f "$dir/$server.pid"; done
  rm -f "$dir/endpoint"
}

[[ $# -ge 2 ]] || usage
command=$1
dir=$2
shift 2
case $command in
  start) start "$@" ;;
  stop) stop ;;
  *) usage ;;
esac
