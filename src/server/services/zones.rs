//! Time zones (IANA names, `chrono-tz`): the workspace's zone for forms and
//! the calendar, conversions between a local date and time and UTC.
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

pub fn parse(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The zone named, or UTC.
pub fn zone_or_utc(name: &str) -> Tz {
    parse(name).unwrap_or(Tz::UTC)
}

pub fn local(dt: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    dt.with_timezone(&tz).naive_local()
}

/// `YYYY-MM-DD` and `HH:MM` of `dt` in `tz`.
pub fn date_time_strings(dt: DateTime<Utc>, tz: Tz) -> (String, String) {
    let l = local(dt, tz);
    (
        l.format("%Y-%m-%d").to_string(),
        l.format("%H:%M").to_string(),
    )
}

/// A date written `YYYY-MM-DD`, years 0001–9999 only: chrono would also read
/// `+262143-12-31`, whose arithmetic (a week or a month on) overflows.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped || s.starts_with("0000") {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A date from a query or form field: empty is none, anything unreadable a field
/// error naming `field`.
pub fn date_param(s: &str, field: &str) -> Result<Option<NaiveDate>, crate::model::AppError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    parse_date(s).map(Some).ok_or_else(|| {
        crate::model::AppError::field(
            field,
            "Use a date like 2026-12-31 (YYYY-MM-DD, years 0001 to 9999).",
        )
    })
}

pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()
}

/// A wall-clock date and time in `tz` as an instant. In the hour that
/// clocks skip there is none; in the hour they repeat, the first one.
pub fn to_utc(date: NaiveDate, time: NaiveTime, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

/// The instant a local day starts (midnight, or the first valid minute).
pub fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    (0..24 * 60)
        .find_map(|m| {
            to_utc(
                date,
                NaiveTime::from_num_seconds_from_midnight_opt(m * 60, 0)?,
                tz,
            )
        })
        .unwrap_or_else(|| Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight")))
}

pub fn today(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_four_digit_years_only() {
        assert!(parse_date("9999-12-31").is_some());
        assert!(parse_date("0001-01-01").is_some());
        for bad in [
            "+262143-12-31",
            "262142-12-31",
            "0000-01-01",
            "-0001-01-01",
            "2026-1-01",
            "2026-02-30",
            "2026-12-31x",
            "\u{0}",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        assert!(date_param("", "date").unwrap().is_none());
        assert!(date_param("+262143-12-31", "date").is_err());
    }

    #[test]
    fn converts_wall_clock_times_in_a_zone() {
        let tz = parse("Europe/Berlin").unwrap();
        let d = parse_date("2026-07-01").unwrap();
        let t = parse_time("09:30").unwrap();
        assert_eq!(
            to_utc(d, t, tz).unwrap().to_rfc3339(),
            "2026-07-01T07:30:00+00:00"
        );
        // Spring forward: 02:30 does not exist in Berlin on 2026-03-29.
        assert!(to_utc(
            parse_date("2026-03-29").unwrap(),
            parse_time("02:30").unwrap(),
            tz
        )
        .is_none());
        assert_eq!(
            day_start(parse_date("2026-03-29").unwrap(), tz).to_rfc3339(),
            "2026-03-28T23:00:00+00:00"
        );
        assert!(parse("Mars/Olympus").is_none());
        assert_eq!(zone_or_utc("nope"), Tz::UTC);
    }
}
