//! Properties of the WAL position readers in `pg::lsn`: `Lsn::parse` (PostgreSQL's
//! `X/Y`) and `Lsn::parse_attr` (the 16-digit attribute form) never panic; every u64
//! written by `Display` reads back with `parse_attr`; every `%X/%X` pair reads back as
//! `hi << 32 | lo`; halves above 32 bits are refused.
//! Contract: docs/contract.md §5.1.

use proptest::prelude::*;

use super::{config, lossy_bytes, text, CASES};
use crate::pg::lsn::Lsn;

fn blank() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", "\n", "\t", " \r\n"])
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn display_reads_back(v in any::<u64>(), a in blank(), b in blank()) {
        let s = Lsn(v).to_string();
        prop_assert_eq!(s.len(), 16);
        prop_assert!(s.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)));
        prop_assert_eq!(Lsn::parse_attr(&s), Some(Lsn(v)));
        prop_assert_eq!(Lsn::parse_attr(&format!("{a}{}{b}", s.to_lowercase())), Some(Lsn(v)));
    }

    #[test]
    fn pg_form_reads_back(hi in any::<u32>(), lo in any::<u32>(), zeros in 0usize..4, lower in any::<bool>(), a in blank(), b in blank()) {
        let l = Lsn((u64::from(hi) << 32) | u64::from(lo));
        let want = Some(l);
        prop_assert_eq!(Lsn::parse(&format!("{hi:X}/{lo:X}")), want);
        let z = "0".repeat(zeros);
        let s = if lower { format!("{z}{hi:x}/{z}{lo:x}") } else { format!("{z}{hi:X}/{z}{lo:X}") };
        prop_assert_eq!(Lsn::parse(&format!("{a}{s}{b}")), want);
        // the attribute form of the same position
        prop_assert_eq!(l.to_string(), format!("{hi:08X}{lo:08X}"));
    }

    #[test]
    fn halves_above_32_bits_are_refused(hi in any::<u64>(), lo in any::<u64>()) {
        let ok = hi <= u64::from(u32::MAX) && lo <= u64::from(u32::MAX);
        prop_assert_eq!(Lsn::parse(&format!("{hi:X}/{lo:X}")).is_some(), ok);
    }

    #[test]
    fn order_is_numeric(a in any::<u64>(), b in any::<u64>()) {
        prop_assert_eq!(Lsn(a).cmp(&Lsn(b)), a.cmp(&b));
        prop_assert_eq!(Lsn::newer(Some(Lsn(a)), Some(Lsn(b))), Some(Lsn(a.max(b))));
        prop_assert_eq!(Lsn::newer(None, Some(Lsn(b))), Some(Lsn(b)));
    }

    #[test]
    fn arbitrary_text_never_panics(t in text(20), b in lossy_bytes(20)) {
        for input in [&t, &b] {
            if let Some(l) = Lsn::parse_attr(input) {
                // canonical up to case, or with the `+` sign u64's parser accepts
                let s = input.trim();
                prop_assert!(l.to_string().eq_ignore_ascii_case(s) || s.starts_with('+'), "{:?}", s);
            }
            if let Some(l) = Lsn::parse(input) {
                let (h, lo) = input.trim().split_once('/').unwrap();
                let h = u64::from_str_radix(h, 16).unwrap();
                prop_assert_eq!(l.0 >> 32, h);
                prop_assert_eq!(l.0 & 0xFFFF_FFFF, u64::from_str_radix(lo, 16).unwrap());
            }
        }
    }
}
