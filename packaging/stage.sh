#!/bin/bash
# Lay out the files of the pgsql package under DESTDIR: one layout for the .deb and the .rpm.
#
# usage: packaging/stage.sh DESTDIR deb|rpm
#
#   <DESTDIR>/usr/lib/ocf/resource.d/<PROVIDER>/pgsql      the agent (stripped, 755)
#   <DESTDIR>/usr/share/man/man7/ocf_<PROVIDER>_pgsql.7.gz  the man page
#   <DESTDIR>/usr/share/doc/<PKG>/README.md, docs/*.md (+ the benchmark chart), docs/ja/*.md
#   deb: .../doc/<PKG>/changelog.gz (CHANGELOG.md), changelog.Debian.gz, copyright
#   rpm: .../doc/<PKG>/CHANGELOG.md, /usr/share/licenses/<PKG>/LICENSE
#
# Env (packaging/build.sh sets them; the rpm spec passes them on):
#   PROVIDER, PKG        OCF provider and package name
#   BIN, MANPAGE         the built agent and the generated man page
#   DEB_CHANGELOG, DEB_COPYRIGHT   (deb) the generated Debian changelog and copyright
#   SOURCE_DATE_EPOCH    the time every staged file gets (reproducible packages; default now)
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
die() { echo "stage.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: stage.sh DESTDIR deb|rpm"
DEST=$1 FLAVOUR=$2
: "${PROVIDER:?}" "${PKG:?}" "${BIN:?}" "${MANPAGE:?}"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}

AGENTDIR=$DEST/usr/lib/ocf/resource.d/$PROVIDER
MANDIR=$DEST/usr/share/man/man7
DOC=$DEST/usr/share/doc/$PKG
PAGE=$MANDIR/ocf_${PROVIDER}_pgsql.7

install -d -m 0755 "$AGENTDIR" "$MANDIR" "$DOC/docs" "$DOC/docs/ja"
install -m 0755 "$BIN" "$AGENTDIR/pgsql"
# as dh_strip does: no symbol table, no .comment/.note (the binary keeps its build id)
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$AGENTDIR/pgsql"
install -m 0644 "$MANPAGE" "$PAGE"
gzip -9n "$PAGE"
install -m 0644 "$ROOT/README.md" "$DOC/"
install -m 0644 "$ROOT"/docs/*.md "$ROOT/docs/benchmarks.png" "$DOC/docs/"
install -m 0644 "$ROOT"/docs/ja/*.md "$DOC/docs/ja/"

case $FLAVOUR in
  deb)
    : "${DEB_CHANGELOG:?}" "${DEB_COPYRIGHT:?}"
    install -m 0644 "$ROOT/CHANGELOG.md" "$DOC/changelog"
    install -m 0644 "$DEB_CHANGELOG" "$DOC/changelog.Debian"
    gzip -9n "$DOC/changelog" "$DOC/changelog.Debian"
    install -m 0644 "$DEB_COPYRIGHT" "$DOC/copyright"
    ;;
  rpm)
    install -m 0644 "$ROOT/CHANGELOG.md" "$DOC/"
    install -D -m 0644 "$ROOT/LICENSE" "$DEST/usr/share/licenses/$PKG/LICENSE"
    ;;
  *) die "unknown flavour '$FLAVOUR' (deb or rpm)" ;;
esac

find "$DEST" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
