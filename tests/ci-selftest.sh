#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Proves that the CI entry point cannot hide a failure: in a copy of this checkout, a unit
# test binary that aborts, and a source tree that does not compile (with a stale
# target/release/pgsql left in place), must each make tests/run-all.sh exit non-zero with a
# failure counted. Uses RUN_LAYERS=fast (style, build, unit tests) so it stays short.
#
# usage: tests/ci-selftest.sh          (as root, like tests/run-all.sh)
# Last line: "ci-selftest: N passed, M failed".
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck disable=SC2034  # read by lib/tap.sh
TAP_LAYER=ci-selftest
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"
need_root ci-selftest.sh

W=$(mktemp -d /tmp/pgsql-ci-selftest.XXXXXX)
# one target directory for both copies: the dependencies build once. A new one starts as a
# copy of this checkout's target/ (when there is one), so the crates.io dependencies are
# already built and only the copies' own crate compiles (about 2 minutes saved in CI)
export CARGO_TARGET_DIR=${SELFTEST_TARGET:-/tmp/pgsql-ci-selftest-target}
if [ ! -e "$CARGO_TARGET_DIR" ] && [ -d "$ROOT/target" ]; then
  cp -a --reflink=auto "$ROOT/target" "$CARGO_TARGET_DIR" || rm -rf "$CARGO_TARGET_DIR"
fi
tap_before_finish() { rm -rf "$W"; }

# copy DIR : this checkout's tracked files (as committed or changed) into DIR
copy() {
  mkdir -p "$1"
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$ROOT" && xargs -0 cp --parents -t "$1" 2>/dev/null)
}

# run_fast DIR LOG : the fast layers of run-all.sh in DIR; its exit status
run_fast() { (cd "$1" && TEST_LOGS="$1/logs" RUN_LAYERS=fast timeout 1500 bash tests/run-all.sh) > "$2" 2>&1; }

say "copies in $W, target directory $CARGO_TARGET_DIR"

# --- a test binary that aborts ---------------------------------------------------------
A=$W/abort; copy "$A"
cat >> "$A/src/lib.rs" <<'RS'

#[cfg(test)]
mod ci_selftest_abort {
    #[test]
    fn aborts() {
        std::process::abort();
    }
}
RS
run_fast "$A" "$W/abort.log"; rc=$?
check "an aborting unit test binary: run-all.sh exits non-zero (exit $rc)" test "$rc" != 0
unit_failed() { grep -qE '^unit tests +[0-9]+ passed, [1-9][0-9]* failed' "$W/abort.log"; }
check "... and its unit-tests layer counts a failure" unit_failed
last_line_fails() { tail -1 "$W/abort.log" | grep -qE '^[0-9]+ passed, [1-9][0-9]* failed$'; }
check "... and its last line says so" last_line_fails
[ "$FAIL" = 0 ] || sed 's/^/# /' "$W/abort.log" | tail -30

# --- a build that fails, with a stale binary in place ----------------------------------
B=$W/broken; copy "$B"
printf '\nfn this_does_not_compile( {\n' >> "$B/src/main.rs"
mkdir -p "$CARGO_TARGET_DIR/release"
printf '#!/bin/sh\nexit 0\n' > "$CARGO_TARGET_DIR/release/pgsql"; chmod 755 "$CARGO_TARGET_DIR/release/pgsql"
run_fast "$B" "$W/broken.log"; rc=$?
check "a failed build with a stale target/release/pgsql: run-all.sh exits non-zero (exit $rc)" test "$rc" != 0
build_failed() { grep -qx 'build failed' "$W/broken.log"; }
check "... and it says the build failed" build_failed
stale_gone() { [ ! -e "$CARGO_TARGET_DIR/release/pgsql" ]; }
check "... and the stale binary was removed, not tested" stale_gone
[ "$FAIL" = 0 ] || sed 's/^/# /' "$W/broken.log" | tail -30

finish
