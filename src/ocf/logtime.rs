//! The date in log lines as ocf-shellfuncs writes it: `date "+$HA_DATEFMT"` in local time
//! (TZ as the C library reads it, else /etc/localtime), `%b %d %T ` when HA_DATEFMT is unset
//! or empty (ocf-directories), and the shell's word splitting of that date where the line
//! is put together.
//! Contract: docs/contract.md §1.4.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jiff::fmt::strtime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::env::Env;

/// HA_DATEFMT when it is unset or empty, as ocf-directories sets it.
pub const DEFAULT_DATEFMT: &str = "%b %d %T ";

const LOCALTIME: &str = "/etc/localtime";
const ZONEINFO: &str = "/usr/share/zoneinfo";
/// A TZif file is a few kB; anything larger is not read.
const MAX_TZIF: u64 = 256 * 1024;

/// How the lines of this process are dated: the format, decided once, and the time zone,
/// looked up when the first dated line is written (a run that dates no line reads no file).
#[derive(Debug)]
pub struct LogClock {
    fmt: String,
    /// TZ and TZDIR as given.
    tz_env: (Option<String>, Option<String>),
    tz: OnceLock<TimeZone>,
}

impl LogClock {
    /// HA_DATEFMT (a format `date` would not take, or jiff cannot render, falls back to
    /// the default) and the zone of TZ / TZDIR / /etc/localtime.
    pub fn from_env(env: &Env) -> LogClock {
        let asked = env.get("HA_DATEFMT").filter(|v| !v.is_empty());
        let fmt = c_locale(asked.unwrap_or(DEFAULT_DATEFMT));
        let epoch = Timestamp::UNIX_EPOCH.to_zoned_datetime(TimeZone::UTC);
        let fmt = if strtime::format(&fmt, &epoch).is_ok() {
            fmt
        } else {
            DEFAULT_DATEFMT.to_string()
        };
        let var = |k: &str| env.get(k).map(str::to_string);
        LogClock {
            fmt,
            tz_env: (var("TZ"), var("TZDIR")),
            tz: OnceLock::new(),
        }
    }

    /// What `date "+$HA_DATEFMT"` prints now (without its newline).
    pub fn now(&self) -> String {
        self.at(Timestamp::now())
    }

    /// What `date "+$HA_DATEFMT"` prints at `t`.
    pub fn at(&self, t: Timestamp) -> String {
        let tz = self.tz.get_or_init(|| {
            let (tz, dir) = &self.tz_env;
            zone(tz.as_deref(), dir.as_deref())
        });
        strtime::format(&self.fmt, &t.to_zoned_datetime(tz.clone())).unwrap_or_default()
    }
}

/// The conversions whose meaning depends on the locale, spelled out as the C locale
/// (the one Pacemaker runs agents with unless told otherwise) has them; `%%` stays.
fn c_locale(fmt: &str) -> String {
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('c') => out.push_str("%a %b %e %H:%M:%S %Y"),
            Some('x') => out.push_str("%m/%d/%y"),
            Some('X') => out.push_str("%H:%M:%S"),
            Some('r') => out.push_str("%I:%M:%S %p"),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// The time zone the C library would use: TZ (empty = UTC; `:name`, `/path`, a name in
/// TZDIR or /usr/share/zoneinfo, else a POSIX rule like `JST-9`), else /etc/localtime,
/// else UTC. Only the one file is read: no scan of the zoneinfo directory.
pub fn zone(tz: Option<&str>, tzdir: Option<&str>) -> TimeZone {
    let dir = tzdir.filter(|d| d.starts_with('/')).unwrap_or(ZONEINFO);
    match tz {
        None => tzif_file(Path::new(LOCALTIME)).unwrap_or(TimeZone::UTC),
        Some(v) => zone_of(v, Path::new(dir)).unwrap_or(TimeZone::UTC),
    }
}

fn zone_of(v: &str, dir: &Path) -> Option<TimeZone> {
    if v.is_empty() {
        return Some(TimeZone::UTC);
    }
    let (file_only, name) = match v.strip_prefix(':') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let from_file = if name.starts_with('/') {
        tzif_file(Path::new(name))
    } else if !name.is_empty() && name.split('/').all(|c| !c.is_empty() && c != "..") {
        tzif_file(&dir.join(name))
    } else {
        None
    };
    match from_file {
        Some(tz) => Some(tz),
        None if file_only => None,
        None => TimeZone::posix(name).ok(),
    }
}

/// A TZif file (a regular file of at most [`MAX_TZIF`] bytes; /etc/localtime is usually
/// a symlink into the zoneinfo directory, and the zone is named after its target).
fn tzif_file(path: &Path) -> Option<TimeZone> {
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_TZIF {
        return None;
    }
    let mut data = Vec::new();
    file.take(MAX_TZIF).read_to_end(&mut data).ok()?;
    let target = std::fs::read_link(path).unwrap_or_else(|_| PathBuf::from(path));
    let target = target.to_string_lossy();
    let name = target.rsplit_once("zoneinfo/").map_or(&*target, |(_, n)| n);
    TimeZone::tzif(name, &data).ok()
}

/// What `echo "PREFIX"$(date)"SUFFIX"` prints: the date's blanks split it into words (a
/// blank at either end separates it from the quoted text next to it) and echo joins the
/// words with one space. This is how ocf-shellfuncs puts its log lines together, so the
/// default `%b %d %T ` leaves two spaces before the tag of an HA_LOGFILE line.
pub fn echo_joined(prefix: &str, date: &str, suffix: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = (!prefix.is_empty()).then(|| prefix.to_string());
    for c in date.trim_end_matches('\n').chars() {
        if matches!(c, ' ' | '\t' | '\n') {
            words.extend(cur.take());
        } else {
            cur.get_or_insert_with(String::new).push(c);
        }
    }
    cur.get_or_insert_with(String::new).push_str(suffix);
    words.extend(cur);
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-02 00:48:33.5 UTC, a Wednesday.
    fn instant() -> Timestamp {
        Timestamp::new(1_796_172_513, 500_000_000).unwrap()
    }

    fn clock(pairs: &[(&str, &str)]) -> LogClock {
        LogClock::from_env(&Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn default_format_is_that_of_ocf_directories() {
        let utc = [("TZ", "UTC")];
        assert_eq!(clock(&utc).at(instant()), "Dec 02 00:48:33 ");
        let empty = [("TZ", "UTC"), ("HA_DATEFMT", "")];
        assert_eq!(clock(&empty).at(instant()), "Dec 02 00:48:33 ");
    }

    #[test]
    fn ha_datefmt_is_honoured() {
        let table = [
            ("%Y/%m/%d_%T ", "2026/12/02_09:48:33 "),
            ("%FT%T%:z", "2026-12-02T09:48:33+09:00"),
            ("%F %T.%3f %z %Z", "2026-12-02 09:48:33.500 +0900 JST"),
            ("%s", "1796172513"),
            ("%e %b %a %H%%", " 2 Dec Wed 09%"),
            ("%c", "Wed Dec  2 09:48:33 2026"),
            ("%x %X %r", "12/02/26 09:48:33 09:48:33 AM"),
            ("%D %R %j", "12/02/26 09:48 336"),
            ("%%c", "%c"),
        ];
        for (fmt, want) in table {
            let c = clock(&[("TZ", "JST-9"), ("HA_DATEFMT", fmt)]);
            assert_eq!(c.at(instant()), want, "{fmt}");
        }
    }

    #[test]
    fn a_format_that_cannot_be_rendered_falls_back_to_the_default() {
        for fmt in ["%", "%Ez", "%!", "%5"] {
            let c = clock(&[("TZ", "UTC"), ("HA_DATEFMT", fmt)]);
            assert_eq!(c.at(instant()), "Dec 02 00:48:33 ", "{fmt:?}");
        }
    }

    #[test]
    fn tz_as_the_c_library_reads_it() {
        let zoneinfo = Path::new(ZONEINFO).join("Asia/Tokyo").exists();
        let mut table = vec![
            ("", "+00:00"),
            ("JST-9", "+09:00"),
            ("EST5", "-05:00"),
            ("Nowhere/Land", "+00:00"),
            ("../../etc/passwd", "+00:00"),
            (":JST-9", "+00:00"),
        ];
        if zoneinfo {
            table.extend([
                ("Asia/Tokyo", "+09:00"),
                (":Asia/Tokyo", "+09:00"),
                ("/usr/share/zoneinfo/Asia/Tokyo", "+09:00"),
                (":/usr/share/zoneinfo/America/New_York", "-05:00"),
            ]);
        }
        for (tz, want) in table {
            let c = clock(&[("TZ", tz), ("HA_DATEFMT", "%:z")]);
            assert_eq!(c.at(instant()), want, "TZ={tz:?}");
        }
        assert!(
            zoneinfo,
            "no {ZONEINFO}/Asia/Tokyo: install tzdata (packaging/deps.sh)"
        );
        let c = clock(&[("TZ", "Asia/Tokyo"), ("HA_DATEFMT", "%Z")]);
        assert_eq!(c.at(instant()), "JST");
    }

    #[test]
    fn tzdir_is_where_names_are_looked_up() {
        let c = clock(&[("TZ", "Asia/Tokyo"), ("TZDIR", "/nonexistent")]);
        assert_eq!(c.at(instant()), "Dec 02 00:48:33 ", "not found: UTC");
    }

    #[test]
    fn words_are_split_and_joined_as_echo_does() {
        let table = [
            (
                "",
                "Dec 02 00:48:33 ",
                " tag:    INFO: x",
                "Dec 02 00:48:33  tag:    INFO: x",
            ),
            (
                "",
                "2026/12/02_00:48:33",
                " tag:    x",
                "2026/12/02_00:48:33 tag:    x",
            ),
            (
                "tag:\t",
                "Dec 02 00:48:33 ",
                "INFO: x",
                "tag:\tDec 02 00:48:33 INFO: x",
            ),
            ("tag:\t", "00:48:33", "INFO: x", "tag:\t00:48:33INFO: x"),
            ("", "Dec  2  00:48\t", "x", "Dec 2 00:48 x"),
            ("A:", " x", "B", "A: xB"),
            ("", "   ", " T", " T"),
            ("", "", "x", "x"),
            ("", "a%nb\n", "!", "a%nb!"),
            ("", "a\nb\n", "!", "a b!"),
        ];
        for (prefix, date, suffix, want) in table {
            assert_eq!(echo_joined(prefix, date, suffix), want, "{date:?}");
        }
    }
}
