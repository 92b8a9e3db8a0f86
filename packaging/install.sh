#!/bin/bash
# Install (or remove) the pgsql agent binary as an OCF resource agent.
#
# usage: packaging/install.sh [--uninstall]
#
#   installs  $DESTDIR$OCF_ROOT/resource.d/$PROVIDER/pgsql  (mode 755, root:root)
#   so Pacemaker knows it as  ocf:$PROVIDER:pgsql
#
# Env:
#   PROVIDER  OCF provider directory (default: pgsqlrs, this project's own provider name;
#             "heartbeat" would replace resource-agents' shell agent and needs FORCE=1)
#   BIN       the binary to install (default: target/release/pgsql, relative to the repo root;
#             a relative BIN is taken relative to the repo root as well). When the default
#             binary is missing it is built with `cargo build --release`.
#   DESTDIR   staging root for packagers (default: empty = the live system)
#   OCF_ROOT  default /usr/lib/ocf
#   FORCE=1   allow PROVIDER=heartbeat / pacemaker
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
PROVIDER=${PROVIDER:-pgsqlrs}
DESTDIR=${DESTDIR:-}
OCF_ROOT=${OCF_ROOT:-/usr/lib/ocf}
DEFAULT_BIN=target/release/pgsql
BIN=${BIN:-$DEFAULT_BIN}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
export PATH="$PATH:$HOME/.cargo/bin"

die() { echo "install.sh: $*" >&2; exit 1; }

case $PROVIDER in
  ''|.|..|*/*|*[[:space:]]*) die "invalid PROVIDER '$PROVIDER'" ;;
  heartbeat|pacemaker)
    [ "${FORCE:-0}" = 1 ] || die "PROVIDER=$PROVIDER would replace a packaged agent; set FORCE=1 to do it anyway" ;;
esac

DIR=$DESTDIR$OCF_ROOT/resource.d/$PROVIDER
DEST=$DIR/pgsql

uninstall() {
  if [ -e "$DEST" ] || [ -L "$DEST" ]; then
    rm -f -- "$DEST"
    echo "removed $DEST"
  else
    echo "not installed: $DEST"
  fi
  # drop our provider directory when it is empty (never the packaged ones)
  case $PROVIDER in heartbeat|pacemaker) ;; *) rmdir -- "$DIR" 2>/dev/null || true ;; esac
}

install_bin() {
  if [ ! -x "$BIN" ] && [ "$BIN" = "$ROOT/$DEFAULT_BIN" ]; then
    command -v cargo >/dev/null || die "$BIN is missing and cargo is not on PATH (nor in \$HOME/.cargo/bin)"
    echo "building $BIN (cargo build --release)"
    (cd "$ROOT" && cargo build --release)
  fi
  { [ -f "$BIN" ] && [ -x "$BIN" ]; } || die "no executable at $BIN (run: cargo build --release, or set BIN=...)"
  install -d -m 755 "$DIR"
  # copy next to the target, then rename: a cluster running the agent never sees a
  # half-written file and a running binary is not overwritten in place (ETXTBSY)
  local tmp
  tmp=$(mktemp "$DIR/.pgsql.XXXXXX")
  trap 'rm -f -- "$tmp"' EXIT
  install -m 755 "$BIN" "$tmp"
  [ "$(id -u)" = 0 ] && chown 0:0 "$tmp"
  mv -f -- "$tmp" "$DEST"
  trap - EXIT
  echo "installed $BIN -> $DEST (ocf:$PROVIDER:pgsql)"
  if [ -z "$DESTDIR" ]; then
    # sanity: the installed agent answers meta-data
    "$DEST" meta-data >/dev/null || die "$DEST meta-data failed (rc $?)"
  fi
}

case "${1:-}" in
  ''|--install) install_bin ;;
  --uninstall|uninstall) uninstall ;;
  -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown argument '$1' (usage: install.sh [--uninstall])" ;;
esac
