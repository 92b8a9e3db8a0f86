//! The black-box tests, one test binary (`cargo test --test blackbox`): the built `pgsql`
//! binary against real PostgreSQL 15 clusters made by `common` (needs root and
//! /usr/lib/postgresql/15/bin; `PGSQL_TEST_PGBIN` and `PGSQL_TEST_CLIENTBIN` point them at
//! another major's binaries). One module per area; `cargo test --test blackbox lifecycle::`
//! runs one of them, `versions::` the selection tests/versions.sh runs on every major.

mod common;
mod fakes;

mod after_crash;
mod bad_input;
mod by_hand;
mod docs;
mod fidelity;
mod frozen;
mod hangs;
mod hostile;
mod lifecycle;
mod logdate;
mod logging;
mod manpage;
mod metachar;
mod path_lookup;
mod promote_guard;
mod reasons;
mod running_invalid;
mod show;
mod symlinks;
mod tolerant;
mod versions;
