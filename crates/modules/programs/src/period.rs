//! Payout periods, in UTC: calendar months `YYYY-MM`, ISO 8601 weeks
//! `YYYY-Www` (Monday to Sunday; week 1 holds the year's first Thursday)
//! and days `YYYY-MM-DD`. A program pays by one kind of period, the one
//! its schedule names (months when it has no schedule).

const MS_PER_DAY: i64 = 86_400_000;

/// What a period spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A calendar month, `YYYY-MM`.
    Month,
    /// An ISO 8601 week, `YYYY-Www`.
    Week,
    /// A day, `YYYY-MM-DD`.
    Day,
}

impl Kind {
    /// How a label of this kind is written, for messages.
    pub fn form(self) -> &'static str {
        match self {
            Kind::Month => "YYYY-MM",
            Kind::Week => "YYYY-Www (an ISO week)",
            Kind::Day => "YYYY-MM-DD",
        }
    }
}

use publica_types::calendar::{civil_from_days, days_from_civil};

/// Day of the week of a day since the epoch, Monday = 0 (1970-01-01 was a
/// Thursday).
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The Monday that starts ISO week 1 of `year`: the week of 4 January.
fn week_one(year: i64) -> i64 {
    let jan4 = days_from_civil(year, 1, 4);
    jan4 - weekday(jan4)
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A parsed label: its kind and its first and last-plus-one day since the
/// epoch.
fn span(label: &str) -> Option<(Kind, i64, i64)> {
    let b = label.as_bytes();
    let year = digits(label.get(..4)?).filter(|y| (1970..=9999).contains(y))?;
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let s = match b.len() {
        7 => {
            let m = digits(&label[5..7]).filter(|m| (1..=12).contains(m))?;
            let (ny, nm) = if m == 12 {
                (year + 1, 1)
            } else {
                (year, m + 1)
            };
            (
                Kind::Month,
                days_from_civil(year, m, 1),
                days_from_civil(ny, nm, 1),
            )
        }
        8 if b[5] == b'W' => {
            let w = digits(&label[6..8])?;
            let weeks = (week_one(year + 1) - week_one(year)) / 7;
            if !(1..=weeks).contains(&w) {
                return None;
            }
            let start = week_one(year) + 7 * (w - 1);
            (Kind::Week, start, start + 7)
        }
        10 if b[7] == b'-' => {
            let m = digits(&label[5..7]).filter(|m| (1..=12).contains(m))?;
            let d = digits(&label[8..10]).filter(|d| *d >= 1)?;
            let day = days_from_civil(year, m, d);
            // A date past the month's end would roll over: refuse it.
            if civil_from_days(day) != (year, m, d) {
                return None;
            }
            (Kind::Day, day, day + 1)
        }
        _ => return None,
    };
    // ISO week 1 of 1970 began in 1969, before the ledger's time.
    (s.1 >= 0).then_some(s)
}

/// The kind of a well-formed period label.
pub fn kind(label: &str) -> Option<Kind> {
    span(label).map(|(k, _, _)| k)
}

/// Parses `YYYY-MM` (years 1970..=9999) into (year, month).
pub fn parse(label: &str) -> Option<(i64, i64)> {
    match span(label)? {
        (Kind::Month, start, _) => {
            let (y, m, _) = civil_from_days(start);
            Some((y, m))
        }
        _ => None,
    }
}

/// True for a well-formed period label of any kind.
pub fn valid(label: &str) -> bool {
    span(label).is_some()
}

/// The first millisecond of a period.
pub fn start_ms(label: &str) -> Option<u64> {
    span(label).map(|(_, s, _)| (s * MS_PER_DAY) as u64)
}

/// The month containing `ms`.
pub fn of(ms: u64) -> String {
    of_kind(Kind::Month, ms)
}

/// The period of `kind` containing `ms`.
pub fn of_kind(kind: Kind, ms: u64) -> String {
    let day = ms as i64 / MS_PER_DAY;
    let (y, m, d) = civil_from_days(day);
    match kind {
        Kind::Month => format!("{y:04}-{m:02}"),
        Kind::Day => format!("{y:04}-{m:02}-{d:02}"),
        Kind::Week => {
            let monday = day - weekday(day);
            // The ISO year is the year of the week's Thursday.
            let (iy, _, _) = civil_from_days(monday + 3);
            let w = (monday - week_one(iy)) / 7 + 1;
            format!("{iy:04}-W{w:02}")
        }
    }
}

/// The civil date (year, month, day; UTC) of `ms` since the epoch.
pub fn date_of(ms: u64) -> (i64, i64, i64) {
    civil_from_days((ms / 86_400_000) as i64)
}

/// `ms` since the epoch as an RFC 3339 UTC timestamp, to the second.
pub use publica_types::calendar::utc_datetime as timestamp;

/// The period's number counted from the first of its kind (1970-01, the
/// first ISO week after the epoch, 1970-01-01 are each 0).
pub fn ordinal(label: &str) -> Option<i64> {
    let (kind, start, _) = span(label)?;
    Some(match kind {
        Kind::Month => {
            let (y, m, _) = civil_from_days(start);
            (y - 1970) * 12 + m - 1
        }
        // 1970-01-05 was the first Monday.
        Kind::Week => (start - 4) / 7,
        Kind::Day => start,
    })
}

/// Whole periods from `earlier` to `later` (negative when `later` comes
/// first); both must be valid and of one kind.
pub fn between(earlier: &str, later: &str) -> i64 {
    debug_assert_eq!(kind(earlier), kind(later), "periods of one kind");
    ordinal(later).expect("a valid period") - ordinal(earlier).expect("a valid period")
}

/// The first millisecond after a valid period.
pub fn end_ms(label: &str) -> u64 {
    let (_, _, end) = span(label).expect("a valid period");
    (end * MS_PER_DAY) as u64
}

/// The period after `label` (which must be valid), of the same kind.
pub fn next(label: &str) -> String {
    let (kind, _, end) = span(label).expect("a valid period");
    of_kind(kind, (end * MS_PER_DAY) as u64)
}

/// The period `n` periods before `label` (which must be valid), of the
/// same kind; the first period of its kind when there are fewer.
pub fn back(label: &str, n: u32) -> String {
    let (kind, mut start, _) = span(label).expect("a valid period");
    let mut out = label.to_string();
    for _ in 0..n {
        if start <= 0 {
            break;
        }
        out = of_kind(kind, (start * MS_PER_DAY - 1) as u64);
        start = span(&out).expect("valid").1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip() {
        assert_eq!(start_ms("1970-01"), Some(0));
        assert_eq!(start_ms("2027-03"), Some(1_803_859_200_000));
        assert_eq!(of(1_803_859_200_000), "2027-03");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        // 2024-02-29T23:59:59.5Z, a leap day.
        assert_eq!(timestamp(1_709_251_199_500), "2024-02-29T23:59:59Z");
        assert_eq!(
            timestamp(1_803_859_200_000 + 3_723_000),
            "2027-03-01T01:02:03Z"
        );
        assert_eq!(of(1_803_859_199_999), "2027-02");
        assert_eq!(next("2027-12"), "2028-01");
        assert_eq!(ordinal("1970-01"), Some(0));
        assert_eq!(between("2026-11", "2027-02"), 3);
        assert_eq!(between("2027-02", "2026-11"), -3);
        assert_eq!(end_ms("2027-02"), 1_803_859_200_000);
        assert!(end_ms("9999-12") > start_ms("9999-12").unwrap());
        assert_eq!(parse("2027-03"), Some((2027, 3)));
        assert_eq!(parse("2027-03-01"), None);
        for l in ["2024-02", "2024-03", "2000-02", "2100-12"] {
            let s = start_ms(l).unwrap();
            assert_eq!(of(s), l);
            assert_eq!(of(start_ms(&next(l)).unwrap() - 1), l);
        }
        for bad in [
            "2027-13", "2027-00", "27-03", "2027/03", "1969-12", "2027-3", "+027-03", "2027-+3",
        ] {
            assert!(!valid(bad), "{bad}");
        }
    }

    #[test]
    fn stepping_back() {
        assert_eq!(back("2027-03", 3), "2026-12");
        assert_eq!(back("2027-01-02", 3), "2026-12-30");
        assert_eq!(back("2027-W01", 3), "2026-W51");
        assert_eq!(back("2027-W01", 0), "2027-W01");
        assert_eq!(back("1970-02", 3), "1970-01");
        for label in ["2027-03", "2026-W53", "2024-03-01"] {
            assert_eq!(between(&back(label, 3), label), 3, "{label}");
        }
    }

    #[test]
    fn days_and_iso_weeks() {
        assert_eq!(kind("2027-01-15"), Some(Kind::Day));
        assert_eq!(kind("2027-W02"), Some(Kind::Week));
        assert_eq!(kind("2027-01"), Some(Kind::Month));
        assert_eq!(next("2024-02-28"), "2024-02-29");
        assert_eq!(next("2027-12-31"), "2028-01-01");
        assert_eq!(between("2027-01-30", "2027-02-02"), 3);
        // ISO weeks: 2026-12-31 (a Thursday) is in 2026-W53; 2027-01-01
        // too, and 2027-W01 begins on Monday 4 January.
        assert_eq!(
            of_kind(Kind::Week, start_ms("2026-12-31").unwrap()),
            "2026-W53"
        );
        assert_eq!(
            of_kind(Kind::Week, start_ms("2027-01-03").unwrap()),
            "2026-W53"
        );
        assert_eq!(start_ms("2027-W01"), start_ms("2027-01-04"));
        assert_eq!(next("2026-W53"), "2027-W01");
        assert_eq!(next("2027-W52"), "2028-W01");
        assert_eq!(between("2026-W52", "2027-W02"), 3);
        assert_eq!(end_ms("2027-W01"), start_ms("2027-01-11").unwrap());
        // 2008-12-29 (a Monday) starts 2009-W01.
        assert_eq!(
            of_kind(Kind::Week, start_ms("2008-12-29").unwrap()),
            "2009-W01"
        );
        assert_eq!(ordinal("1970-W02"), Some(0));
        assert_eq!(start_ms("1970-W02"), Some(4 * 86_400_000));
        for d in 0..800_i64 {
            let ms = (20_000 + d) as u64 * 86_400_000;
            for k in [Kind::Month, Kind::Week, Kind::Day] {
                let l = of_kind(k, ms);
                assert_eq!(kind(&l), Some(k), "{l}");
                let (s, e) = (start_ms(&l).unwrap(), end_ms(&l));
                assert!(s <= ms && ms < e, "{l}");
                assert_eq!(start_ms(&next(&l)), Some(e), "{l}");
            }
        }
        for bad in [
            "2027-W00",
            "2027-W53",
            "2027-W1",
            "2027-w01",
            "1970-W01",
            "2027-02-29",
            "2027-02-00",
            "2027-1-15",
            "2027-01-1a",
            "2027-13-01",
        ] {
            assert!(!valid(bad), "{bad}");
        }
    }
}
