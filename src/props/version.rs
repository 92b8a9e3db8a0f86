//! Properties of `pg::version::PgVersion::parse`, the reader of PG_VERSION: it never
//! panics, reads `N` and `N.M` (surrounded by blanks and line ends) for any numbers, and
//! reads back what `Display` writes for every version PostgreSQL has (`9.6`, `15`).
//! Contract: docs/contract.md §3, §6.

use proptest::prelude::*;

use super::{config, lossy_bytes, text, CASES};
use crate::pg::version::PgVersion;

fn blank() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", "\n", "\r\n", "\t", " \n"])
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn numbers_read_back(maj in any::<u32>(), min in any::<u32>(), a in blank(), b in blank()) {
        prop_assert_eq!(PgVersion::parse(&format!("{a}{maj}.{min}{b}")), Some(PgVersion::new(maj, min)));
        prop_assert_eq!(PgVersion::parse(&format!("{a}{maj}{b}")), Some(PgVersion::new(maj, 0)));
    }

    #[test]
    fn display_reads_back(maj in 0u32..40, min in 0u32..10) {
        // from 10 on a version is one number; before, two
        let v = if maj >= 10 { PgVersion::new(maj, 0) } else { PgVersion::new(maj, min) };
        prop_assert_eq!(PgVersion::parse(&v.to_string()), Some(v));
    }

    #[test]
    fn order_is_numeric(a in (any::<u32>(), any::<u32>()), b in (any::<u32>(), any::<u32>())) {
        let (va, vb) = (PgVersion::new(a.0, a.1), PgVersion::new(b.0, b.1));
        prop_assert_eq!(va.cmp(&vb), a.cmp(&b));
        prop_assert_eq!(va.uses_standby_signal(), a.0 >= 12);
        prop_assert_eq!(va.has_exclusive_backup(), a.0 < 15);
    }

    #[test]
    fn arbitrary_text_never_panics(t in text(24), b in lossy_bytes(24)) {
        for input in [&t, &b] {
            if let Some(v) = PgVersion::parse(input) {
                // only digits (and a `+` sign u32's parser takes) around at most one dot
                let s = input.trim();
                prop_assert!(s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '+'), "{:?}", s);
                prop_assert!(s.matches('.').count() <= 1);
                prop_assert!(v.major.to_string().len() <= s.len());
            }
        }
    }
}
