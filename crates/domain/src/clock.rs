use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix time in milliseconds. Stored as BIGINT on both backends; written in JSON as an
/// RFC 3339 string (as Partner Center writes dates) and read back from either form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either {
            Millis(i64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Millis(ms) => Ok(Self(ms)),
            Either::Text(s) => {
                Self::parse(&s).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date"))
            }
        }
    }
}

/// The months as pages abbreviate them, January first.
pub const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Timestamp {
    pub const fn millis(self) -> i64 {
        self.0
    }
    #[must_use]
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0 + ms)
    }
    #[must_use]
    pub const fn plus_hours(self, h: i64) -> Self {
        Self(self.0 + h * 3_600_000)
    }
    #[must_use]
    pub const fn plus_days(self, d: i64) -> Self {
        Self(self.0 + d * 86_400_000)
    }
    pub fn to_offset(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
    /// RFC 3339 in UTC with milliseconds, as Partner Center writes dates.
    pub fn rfc3339(self) -> String {
        let t = self.to_offset();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
    /// `YYYY-MM-DD HH:MM` UTC, for pages.
    pub fn display(self) -> String {
        let t = self.to_offset();
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    }
    /// The day only, for pages where the time of day does not matter: `7 Dec 2026` (UTC).
    pub fn date(self) -> String {
        let t = self.to_offset();
        let month = MONTH_NAMES[usize::from(u8::from(t.month())) - 1];
        format!("{} {month} {}", t.day(), t.year())
    }
    /// Parses `YYYY-MM-DD` (start of that day, UTC) or full RFC 3339.
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim();
        if let Ok(t) =
            time::OffsetDateTime::parse(input, &time::format_description::well_known::Rfc3339)
        {
            return Some(Self((t.unix_timestamp_nanos() / 1_000_000) as i64));
        }
        let date = time::Date::parse(
            input,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()?;
        Some(Self(date.midnight().assume_utc().unix_timestamp() * 1000))
    }
}

/// Where time comes from. Production reads the system clock; tests move a `MockClock`.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place that reads the system clock"
    )]
    fn now(&self) -> Timestamp {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        Timestamp(i64::try_from(now).unwrap_or(i64::MAX))
    }
}

/// A clock tests can move forward to cross expiry boundaries.
#[derive(Debug, Clone)]
pub struct MockClock(Arc<AtomicI64>);

impl MockClock {
    pub fn at(t: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(t.0)))
    }
    pub fn advance_millis(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    pub fn advance_hours(&self, h: i64) {
        self.advance_millis(h * 3_600_000);
    }
}

impl Clock for MockClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_dates() {
        let t = Timestamp(1_700_000_000_123);
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20.123Z");
        assert_eq!(Timestamp::parse("2023-11-14T22:13:20.123Z"), Some(t));
        assert_eq!(
            Timestamp::parse("2023-11-14"),
            Some(Timestamp(1_699_920_000_000))
        );
        assert_eq!(Timestamp::parse("14/11/2023"), None);
        assert_eq!(t.date(), "14 Nov 2023");
        assert_eq!(Timestamp(0).date(), "1 Jan 1970");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2023-11-14T22:13:20.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }
}
