//! WAL positions as the cluster attributes carry them (docs/contract.md §5.1): `0/5000060`
//! is written `0000000005000060`, two zero-padded 8-hex-digit halves.

use std::fmt;

/// A WAL position (log sequence number) as one 64-bit byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl Lsn {
    /// PostgreSQL's `X/Y` text form.
    pub fn parse(s: &str) -> Option<Lsn> {
        let (hi, lo) = s.trim().split_once('/')?;
        let hi = u64::from_str_radix(hi, 16)
            .ok()
            .filter(|v| *v <= u32::MAX as u64)?;
        let lo = u64::from_str_radix(lo, 16)
            .ok()
            .filter(|v| *v <= u32::MAX as u64)?;
        Some(Lsn((hi << 32) | lo))
    }

    /// The 16-digit attribute form.
    pub fn parse_attr(s: &str) -> Option<Lsn> {
        let s = s.trim();
        (s.len() == 16)
            .then(|| u64::from_str_radix(s, 16).ok().map(Lsn))
            .flatten()
    }

    /// PostgreSQL's `X/Y` text form (what pg_controldata and pg_waldump print).
    pub fn pg(self) -> String {
        format!("{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }

    /// The newer of replay and receive positions (either may be NULL).
    pub fn newer(a: Option<Lsn>, b: Option<Lsn>) -> Option<Lsn> {
        a.max(b)
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08X}{:08X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsn_forms() {
        let table = [
            ("0/5000060", "0000000005000060"),
            ("0/0", "0000000000000000"),
            ("1A/FF", "0000001A000000FF"),
            ("FFFFFFFF/FFFFFFFF", "FFFFFFFFFFFFFFFF"),
        ];
        for (pg, attr) in table {
            let l = Lsn::parse(pg).unwrap();
            assert_eq!(l.to_string(), attr);
            assert_eq!(Lsn::parse_attr(attr), Some(l));
            assert_eq!(l.pg(), pg);
        }
        assert_eq!(Lsn::parse("5000060"), None);
        assert_eq!(Lsn::parse("1/100000000"), None);
        assert_eq!(Lsn::parse_attr("05000060"), None);
        let a = Lsn::parse("0/10");
        let b = Lsn::parse("0/20");
        assert_eq!(Lsn::newer(a, b), b);
        assert_eq!(Lsn::newer(None, a), a);
        assert_eq!(Lsn::newer(None, None), None);
    }
}
