//! Word lists the workspace generator draws names, users and schedule settings from.

pub const FIRST_NAMES: &[&str] = &[
    "ana", "ben", "chloe", "diego", "emma", "farid", "grace", "hiro", "ines", "jonas", "kemi", "liam", "maya", "noah",
    "olga", "pedro", "quinn", "rosa", "sami", "tara", "umar", "vera", "wei", "yara",
];

pub const LAST_NAMES: &[&str] = &[
    "lima", "okafor", "schmidt", "tanaka", "rossi", "nguyen", "kowalski", "haddad", "larsen", "mendes", "patel",
    "dubois", "garcia", "ivanova", "kim", "moreau",
];

pub const COLLECTION_NAMES: &[&str] = &[
    "Finance",
    "Growth",
    "Marketing Analytics",
    "Product",
    "Sales Ops",
    "Customer Success",
    "Data Platform",
    "Executive Dashboards",
    "Operations",
    "Support",
    "Experimentation",
    "Risk & Fraud",
    "Supply Chain",
    "People Analytics",
    "Partnerships",
    "Engineering Metrics",
    "Pricing",
    "Retention",
    "Onboarding",
    "Archive 2023",
];

pub const CADENCES: &[&str] = &[
    "Weekly",
    "Daily",
    "Monthly",
    "Quarterly",
    "Hourly",
    "Ad hoc",
    "Rolling 28d",
    "YoY",
];

pub const TOPICS: &[&str] = &[
    "Revenue",
    "Churn",
    "Signups",
    "Active Users",
    "Pipeline",
    "Refunds",
    "NPS",
    "Funnel",
    "Inventory",
    "Tickets",
    "Cohorts",
    "Conversion",
    "ARR",
    "Latency",
    "Campaigns",
    "Orders",
];

pub const DIMENSIONS: &[&str] = &["region", "plan", "channel", "cohort", "team", "product line"];

/// Rails-style zone names as Mode uses them in `time_zone`.
pub const TIME_ZONES: &[&str] = &[
    "UTC",
    "UTC",
    "Pacific Time (US & Canada)",
    "Eastern Time (US & Canada)",
    "Central Time (US & Canada)",
    "London",
    "Berlin",
    "Tokyo",
];

/// `(frequency, weight, period in minutes)`.
pub const FREQUENCIES: &[(&str, u32, i64)] = &[
    ("daily", 45, 24 * 60),
    ("weekly", 25, 7 * 24 * 60),
    ("hourly", 10, 60),
    ("monthly", 10, 30 * 24 * 60),
    ("every_30_minutes", 5, 30),
    ("every_15_minutes", 5, 15),
];

/// Human form of a schedule hour: 0 → "12:00 am", 20 → "8:00 pm".
pub fn hour_label(hour: u32) -> String {
    let suffix = if hour < 12 { "am" } else { "pm" };
    let h12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!("{h12}:00 {suffix}")
}

/// Human form of a schedule minute ("the top of the hour" is the documented one).
pub fn minute_label(minute: u32) -> String {
    if minute == 0 {
        "the top of the hour".to_string()
    } else {
        format!("{minute} minutes past the hour")
    }
}

/// The hour of a label made by [`hour_label`].
pub fn hour_of_label(label: &str) -> Option<u32> {
    let (clock, suffix) = label.split_once(' ')?;
    let h12: u32 = clock
        .strip_suffix(":00")?
        .parse()
        .ok()
        .filter(|h| (1..=12).contains(h))?;
    match suffix {
        "am" => Some(h12 % 12),
        "pm" => Some(h12 % 12 + 12),
        _ => None,
    }
}

/// The minute of a label made by [`minute_label`].
pub fn minute_of_label(label: &str) -> Option<u32> {
    if label == "the top of the hour" {
        return Some(0);
    }
    label
        .strip_suffix(" minutes past the hour")?
        .parse()
        .ok()
        .filter(|m| *m < 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_back_to_their_numbers() {
        for h in 0..24 {
            assert_eq!(hour_of_label(&hour_label(h)), Some(h));
        }
        for m in 0..60 {
            assert_eq!(minute_of_label(&minute_label(m)), Some(m));
        }
        assert_eq!(hour_of_label("13:00 pm"), None);
        assert_eq!(minute_of_label("soon"), None);
    }

    #[test]
    fn hour_labels_are_human() {
        assert_eq!(hour_label(0), "12:00 am");
        assert_eq!(hour_label(9), "9:00 am");
        assert_eq!(hour_label(12), "12:00 pm");
        assert_eq!(hour_label(20), "8:00 pm");
        assert_eq!(minute_label(0), "the top of the hour");
        assert_eq!(minute_label(30), "30 minutes past the hour");
    }
}
