//! Payout periods: calendar months in UTC, written `YYYY-MM`.

const MS_PER_DAY: i64 = 86_400_000;

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Parses `YYYY-MM` (years 1970..=9999) into (year, month).
pub fn parse(label: &str) -> Option<(i64, i64)> {
    let b = label.as_bytes();
    if b.len() != 7
        || b[4] != b'-'
        || !label[..4]
            .bytes()
            .chain(label[5..].bytes())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let y: i64 = label[..4].parse().ok()?;
    let m: i64 = label[5..].parse().ok()?;
    ((1970..=9999).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

/// True for a well-formed period label.
pub fn valid(label: &str) -> bool {
    parse(label).is_some()
}

/// The first millisecond of a period.
pub fn start_ms(label: &str) -> Option<u64> {
    let (y, m) = parse(label)?;
    Some((days_from_civil(y, m, 1) * MS_PER_DAY) as u64)
}

/// The period containing `ms`.
pub fn of(ms: u64) -> String {
    let (y, m, _) = civil_from_days(ms as i64 / MS_PER_DAY);
    format!("{y:04}-{m:02}")
}

/// The civil date (year, month, day; UTC) of `ms` since the epoch.
pub fn date_of(ms: u64) -> (i64, i64, i64) {
    civil_from_days((ms / 86_400_000) as i64)
}

/// `ms` since the epoch as an RFC 3339 UTC timestamp, to the second.
pub fn timestamp(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Months from 1970-01 to a valid period (1970-01 is 0).
pub fn ordinal(label: &str) -> Option<i64> {
    let (y, m) = parse(label)?;
    Some((y - 1970) * 12 + m - 1)
}

/// Whole periods from `earlier` to `later` (negative when `later` comes
/// first); both must be valid.
pub fn months_between(earlier: &str, later: &str) -> i64 {
    ordinal(later).expect("a valid period") - ordinal(earlier).expect("a valid period")
}

/// The first millisecond after a valid period.
pub fn end_ms(label: &str) -> u64 {
    let (y, m) = parse(label).expect("a valid period");
    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(y, m, 1) * MS_PER_DAY) as u64
}

/// The period after `label` (which must be valid).
pub fn next(label: &str) -> String {
    let (y, m) = parse(label).expect("a valid period");
    if m == 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", m + 1)
    }
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
        assert_eq!(months_between("2026-11", "2027-02"), 3);
        assert_eq!(months_between("2027-02", "2026-11"), -3);
        assert_eq!(end_ms("2027-02"), 1_803_859_200_000);
        assert!(end_ms("9999-12") > start_ms("9999-12").unwrap());
        for l in ["2024-02", "2024-03", "2000-02", "2100-12"] {
            let s = start_ms(l).unwrap();
            assert_eq!(of(s), l);
            assert_eq!(of(start_ms(&next(l)).unwrap() - 1), l);
        }
        for bad in [
            "2027-13", "2027-00", "27-03", "2027/03", "1969-12", "2027-3",
        ] {
            assert!(!valid(bad), "{bad}");
        }
    }
}
