//! Business hours: open stretches per weekday in one fixed offset from UTC, checked from
//! their settings and asked whether a moment falls in them.

use protocol::BusinessHours;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Business hours, checked: open stretches per weekday in one fixed UTC offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    /// Offset from UTC, in minutes.
    pub utc_offset_minutes: i32,
    /// (weekday from Monday = 0, opening minute of the day, closing minute).
    pub open: Vec<(u8, u16, u16)>,
}

impl Hours {
    /// Checks settings: known days, `HH:MM` times, each stretch closing after it opens, an
    /// offset within UTC±14. A refusal is the key under `business_hours` (such as
    /// `.days[0].close`) and why.
    pub fn check(hours: &BusinessHours) -> Result<Hours, (String, String)> {
        if hours.utc_offset_minutes.abs() > 14 * 60 {
            return Err((".utc_offset_minutes".to_owned(), "must be within -840 and 840".to_owned()));
        }
        if hours.days.len() > 21 {
            return Err((".days".to_owned(), "at most 21 open stretches".to_owned()));
        }
        let minute = |key: String, text: &str| -> Result<u16, (String, String)> {
            let parsed = text.split_once(':').and_then(|(h, m)| {
                let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
                (h <= 24 && m < 60 && h * 60 + m <= 24 * 60 && text.len() == 5).then_some(h * 60 + m)
            });
            parsed.ok_or_else(|| (key, format!("{text:?} is not a time of day, HH:MM")))
        };
        let mut open = Vec::with_capacity(hours.days.len());
        for (index, stretch) in hours.days.iter().enumerate() {
            let at = format!(".days[{index}]");
            let day = DAYS
                .iter()
                .position(|day| *day == stretch.day)
                .ok_or_else(|| (format!("{at}.day"), format!("{:?} is not one of {}", stretch.day, DAYS.join(", "))))?;
            let (from, to) = (minute(format!("{at}.open"), &stretch.open)?, minute(format!("{at}.close"), &stretch.close)?);
            if to <= from {
                return Err((format!("{at}.close"), "must be after the opening time".to_owned()));
            }
            open.push((day as u8, from, to));
        }
        Ok(Hours { utc_offset_minutes: hours.utc_offset_minutes, open })
    }

    /// The settings these hours were checked from.
    pub fn settings(&self) -> BusinessHours {
        let time = |minute: u16| format!("{:02}:{:02}", minute / 60, minute % 60);
        BusinessHours {
            utc_offset_minutes: self.utc_offset_minutes,
            days: self
                .open
                .iter()
                .map(|&(day, from, to)| protocol::OpenHours { day: DAYS[usize::from(day) % 7].to_owned(), open: time(from), close: time(to) })
                .collect(),
        }
    }

    /// Whether `unix_seconds` falls in an open stretch.
    pub fn open_at(&self, unix_seconds: i64) -> bool {
        let local = unix_seconds + i64::from(self.utc_offset_minutes) * 60;
        let days = local.div_euclid(86_400);
        // 1970-01-01 was a Thursday (3, counting from Monday).
        let weekday = ((days + 3).rem_euclid(7)) as u8;
        let minute = (local.rem_euclid(86_400) / 60) as u16;
        self.open.iter().any(|&(day, from, to)| day == weekday && from <= minute && minute < to)
    }
}
