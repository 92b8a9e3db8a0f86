#!/bin/bash
# Build the .deb and the .rpm of the pgsql agent into target/packages/, from a clean
# checkout, on Debian 12 (as root when packaging tools are missing: they are installed).
#
# usage: packaging/build.sh
#
# What it does, in order (any failure stops it):
#   1. installs what is missing of lintian, rpm (rpmbuild), rpmlint, rpm2cpio, cpio,
#      dpkg-dev, binutils, man-db, groff-base (dpkg-query first: apt is not touched when
#      everything is there; `apt-get update` before installing)
#   2. cargo build --release --locked; the agent's meta-data must report Cargo.toml's
#      version, and CHANGELOG.md must have a section for it
#   3. the man page ocf_<PROVIDER>_pgsql(7) from target/release/pgsql-manpage; groff -ww
#      and man -l must render it without a warning
#   4. the .deb (dpkg-deb, layout of packaging/stage.sh, packaging/debian/*.in), checked by
#      lintian: an error fails the build, warnings are printed
#   5. the .rpm (rpmbuild with packaging/rpm/pgsql.spec), checked by rpmlint: an error
#      fails the build (but no-signature: the packages are not signed), warnings are printed
#   6. both listed (dpkg-deb -c, rpm -qlp), extracted into a temp dir, and the extracted
#      agent run: its meta-data must carry the version
#
# Env:
#   PROVIDER     OCF provider directory (default pgsqlrs): /usr/lib/ocf/resource.d/$PROVIDER,
#                ocf_$PROVIDER_pgsql(7); the package is resource-agents-pgsqlrs, or
#                resource-agents-pgsqlrs-$PROVIDER for another provider (both can be
#                installed side by side). heartbeat and pacemaker are refused: their
#                directories belong to resource-agents and pacemaker.
#   MAINTAINER   "Name <email>" for the packages (default: the author of the last commit)
#   RELEASE      package revision / release (default 1): version <Cargo.toml>-<RELEASE>
#   SOURCE_DATE_EPOCH   dates of the files and changelogs (default: the last commit's)
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$ROOT"
export PATH="$PATH:$HOME/.cargo/bin"
die() { echo "build.sh: $*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*"; }

PROVIDER=${PROVIDER:-pgsqlrs}
case $PROVIDER in
  heartbeat|pacemaker) die "PROVIDER=$PROVIDER: that directory belongs to another package; packaging/install.sh FORCE=1 installs there by hand" ;;
esac
[[ $PROVIDER =~ ^[a-z0-9][a-z0-9+.-]*$ ]] ||
  die "invalid PROVIDER '$PROVIDER': lowercase letters, digits, '+', '-' and '.' (it names the package)"
PKG=resource-agents-pgsqlrs
[ "$PROVIDER" = pgsqlrs ] || PKG=$PKG-$PROVIDER
RELEASE=${RELEASE:-1}
[[ $RELEASE =~ ^[0-9][0-9a-z.+~]*$ ]] || die "invalid RELEASE '$RELEASE'"

# --- 1. tools ------------------------------------------------------------------------------
TOOLS=(lintian rpm rpmlint rpm2cpio cpio dpkg-dev binutils gzip man-db groff-base git)
missing=()
for p in "${TOOLS[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  [ "$(id -u)" = 0 ] || die "must run as root to install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
command -v cargo >/dev/null || die "cargo not found in PATH or \$HOME/.cargo/bin: install the Rust toolchain (rustup)"

VERSION=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml | sed -n 1p)
[ -n "$VERSION" ] || die "no version in Cargo.toml"
MAINTAINER=${MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || true)}
[[ $MAINTAINER =~ ^[^\<\>]+\ \<[^\<\>@\ ]+@[^\<\>@\ ]+\>$ ]] ||
  die "MAINTAINER must be 'Name <email>' (got '$MAINTAINER')"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)

OUT=$ROOT/target/packages
WORK=$ROOT/target/packaging
rm -rf "$WORK"
mkdir -p "$OUT" "$WORK"
rm -f "$OUT/$PKG"_*.deb "$OUT/$PKG"-[0-9]*.rpm

# --- 2. build ------------------------------------------------------------------------------
say "cargo build --release --locked (pgsql $VERSION, provider $PROVIDER, package $PKG)"
cargo build --release --locked
BIN=$ROOT/target/release/pgsql
meta_version() { "$1" meta-data | sed -n 's/^<resource-agent name="pgsql" version="\([^"]*\)">$/\1/p'; }
[ "$(meta_version "$BIN")" = "$VERSION" ] || die "$BIN meta-data does not report version $VERSION"
grep -q "^## $VERSION " CHANGELOG.md || die "CHANGELOG.md has no section '## $VERSION (date)'"

# --- 3. man page ---------------------------------------------------------------------------
PAGE=ocf_${PROVIDER}_pgsql.7
MANPAGE=$WORK/$PAGE
say "man page $PAGE"
target/release/pgsql-manpage --provider "$PROVIDER" --date "$DATE" --docdir "/usr/share/doc/$PKG" > "$MANPAGE"
warnings=$( { groff -man -ww -z "$MANPAGE"; MANWIDTH=80 man -l "$MANPAGE" >/dev/null; } 2>&1 )
[ -z "$warnings" ] || die "the man page does not render cleanly:
$warnings"
echo "groff -man -ww -z and MANWIDTH=80 man -l: no warnings; whatis: $(lexgrog "$MANPAGE" | cut -d: -f2-)"

export PROVIDER PKG BIN MANPAGE

# --- 4. .deb -------------------------------------------------------------------------------
ARCH=$(dpkg --print-architecture)
DEBVERSION=$VERSION-$RELEASE
DEB=$OUT/${PKG}_${DEBVERSION}_$ARCH.deb
say "$(basename "$DEB")"
mkdir -p "$WORK/shlibs/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$PKG" "$PKG" > "$WORK/shlibs/debian/control"
SHLIBS=$(cd "$WORK/shlibs" && dpkg-shlibdeps -O -e"$BIN" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$SHLIBS" ] || die "dpkg-shlibdeps found no library dependencies of $BIN"
DEB_CHANGELOG=$WORK/changelog.Debian
{
  printf '%s (%s) unstable; urgency=medium\n\n' "$PKG" "$DEBVERSION"
  printf '  * Release %s of pgsql, built by packaging/build.sh for provider %s.\n' "$VERSION" "$PROVIDER"
  printf '    What it contains: changelog.gz (CHANGELOG.md).\n\n'
  printf ' -- %s  %s\n' "$MAINTAINER" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} > "$DEB_CHANGELOG"
DEB_COPYRIGHT=$WORK/copyright
first=$(git log --reverse --format=%cd --date=format:%Y 2>/dev/null | sed -n 1p)
last=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)
YEARS=${first:-$last}
[ "$YEARS" = "$last" ] || YEARS=$YEARS-$last
crates=$(cargo tree -e normal --prefix none --format '{p} ({l})' --locked 2>/dev/null |
  grep -v ' (proc-macro)' | sed 's/ (\*)$//; s/ ([/][^)]*)//' | grep -v '^pgsql ' | sort -u | sed 's/^/  /')
while IFS= read -r line; do
  if [ "$line" = "@CRATES@" ]; then printf '%s\n' "$crates"; else printf '%s\n' "${line//@YEARS@/$YEARS}"; fi
done < packaging/debian/copyright.in > "$DEB_COPYRIGHT"
export DEB_CHANGELOG DEB_COPYRIGHT
DEBROOT=$WORK/deb
bash packaging/stage.sh "$DEBROOT" deb
mkdir -p "$DEBROOT/DEBIAN"
SIZE=$(du -sk --apparent-size --exclude=DEBIAN "$DEBROOT" | cut -f1)
while IFS= read -r line; do
  line=${line//@PKG@/$PKG}; line=${line//@DEBVERSION@/$DEBVERSION}; line=${line//@ARCH@/$ARCH}
  line=${line//@MAINTAINER@/$MAINTAINER}; line=${line//@SIZE@/$SIZE}; line=${line//@SHLIBS@/$SHLIBS}
  line=${line//@PROVIDER@/$PROVIDER}
  printf '%s\n' "$line"
done < packaging/debian/control.in > "$DEBROOT/DEBIAN/control"
(cd "$DEBROOT" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$DEBROOT/DEBIAN/md5sums"
chmod 0644 "$DEBROOT/DEBIAN/control" "$DEBROOT/DEBIAN/md5sums"
touch -d "@$SOURCE_DATE_EPOCH" "$DEBROOT/DEBIAN" "$DEBROOT/DEBIAN"/*
dpkg-deb --root-owner-group -Zxz --build "$DEBROOT" "$DEB" >/dev/null
say "lintian $(basename "$DEB")"
set +e
lintian --info --display-info --pedantic "$DEB"
rc=$?
set -e
[ $rc -eq 0 ] || die "lintian found errors in $DEB (exit $rc)"
echo "lintian: no errors"

# --- 5. .rpm -------------------------------------------------------------------------------
RPMTOP=$WORK/rpm
mkdir -p "$RPMTOP"
RPM_CHANGELOG=$WORK/changelog.rpm
{
  printf '* %s %s - %s-%s\n' "$(date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %d %Y')" "$MAINTAINER" "$VERSION" "$RELEASE"
  printf -- '- Release %s of pgsql for provider %s: see CHANGELOG.md\n' "$VERSION" "$PROVIDER"
} > "$RPM_CHANGELOG"
say "rpmbuild -bb packaging/rpm/pgsql.spec"
# stage.sh has compressed the man page already; Debian's brp-compress needs bash's read -d
# and runs under dash, so it is left out
rpmbuild -bb --nodeps --quiet \
  --define "_topdir $RPMTOP" \
  --define "_build_id_links none" \
  --define "use_source_date_epoch_as_buildtime 1" \
  --define "clamp_mtime_to_source_date_epoch 1" \
  --define "__brp_compress %{nil}" \
  --define "srcdir $ROOT" --define "provider $PROVIDER" --define "pkgname $PKG" \
  --define "pkgversion $VERSION" --define "pkgrelease $RELEASE" \
  --define "packager $MAINTAINER" --define "manpage $MANPAGE" --define "changelogfile $RPM_CHANGELOG" \
  packaging/rpm/pgsql.spec
built=$(find "$RPMTOP/RPMS" -name "$PKG-$VERSION-$RELEASE.*.rpm")
if [ -z "$built" ] || [ "$(echo "$built" | wc -l)" != 1 ]; then
  die "rpmbuild made no single package: $built"
fi
RPM=$OUT/$(basename "$built")
cp "$built" "$RPM"
say "rpmlint $(basename "$RPM")"
# Debian's rpmlint has no distribution profile: every licence name is "invalid" (its list
# is empty) and it wants bz2 man pages (RHEL and Fedora compress them with gzip). An
# error fails the build, except no-signature: signing is the distributor's step.
lint=$(rpmlint "$RPM" 2>&1 || true)
printf '%s\n' "$lint"
errors=$(printf '%s\n' "$lint" | grep ': E: ' | grep -v ': E: no-signature$' || true)
[ -z "$errors" ] || die "rpmlint found errors in $RPM:
$errors"
echo "rpmlint: no errors but no-signature"

# --- 6. what the packages hold -------------------------------------------------------------
say "dpkg-deb -c $(basename "$DEB")"
dpkg-deb -c "$DEB"
say "dpkg-deb -I $(basename "$DEB")"
dpkg-deb -I "$DEB" control
say "rpm -qlp $(basename "$RPM")"
rpm -qlp "$RPM"
say "rpm -qp --requires $(basename "$RPM")"
rpm -qp --requires "$RPM"
TMP=$(mktemp -d "$WORK/extract.XXXXXX")
mkdir -p "$TMP/deb" "$TMP/rpm"
dpkg-deb -x "$DEB" "$TMP/deb"
(cd "$TMP/rpm" && rpm2cpio "$RPM" | cpio -idm --quiet)
for kind in deb rpm; do
  agent=$TMP/$kind/usr/lib/ocf/resource.d/$PROVIDER/pgsql
  [ "$(meta_version "$agent")" = "$VERSION" ] || die "the $kind's agent does not report version $VERSION"
  zcat "$TMP/$kind/usr/share/man/man7/$PAGE.gz" | cmp -s - "$MANPAGE" || die "the $kind's man page differs"
  echo "$kind: $agent meta-data reports version $VERSION; $PAGE.gz is the checked page"
done
rm -rf "$TMP"

say "target/packages"
ls -l "$DEB" "$RPM"
