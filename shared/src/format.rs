//! Vietnamese display formats: `dd/mm/yyyy` dates and `1.234.567 đ` amounts.

/// Civil date (year, month 1–12, day 1–31) of a unix time in seconds, UTC+7
/// (Vietnam has one time zone and no daylight saving).
pub fn civil_date_vn(unix_seconds: i64) -> (i64, u32, u32) {
    let days = (unix_seconds + 7 * 3600).div_euclid(86_400);
    // Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `dd/mm/yyyy` in Vietnam's time zone.
pub fn date_vi(unix_seconds: i64) -> String {
    let (y, m, d) = civil_date_vn(unix_seconds);
    format!("{d:02}/{m:02}/{y:04}")
}

/// `dd/mm/yyyy HH:MM` in Vietnam's time zone.
pub fn datetime_vi(unix_seconds: i64) -> String {
    let minutes = (unix_seconds + 7 * 3600).rem_euclid(86_400) / 60;
    format!(
        "{} {:02}:{:02}",
        date_vi(unix_seconds),
        minutes / 60,
        minutes % 60
    )
}

/// Groups digits with dots, Vietnamese style: `1.234.567`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// An amount of đồng: `1.234.567 đ`.
pub fn vnd(amount: i64) -> String {
    format!("{} đ", group_thousands(amount))
}

/// Lower-case hexadecimal of some bytes (ids, tokens, hashes).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads an amount of đồng as people type it: `36.000.000`, `36 000 000 đ`,
/// `36000000`. `None` for anything else (letters, decimals, empty).
pub fn parse_vnd(text: &str) -> Option<i64> {
    let digits: String = text
        .trim()
        .trim_end_matches('đ')
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Reads a decimal written either way: `12,5` (Vietnamese) or `12.5`.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() || text.matches('.').count() > 1 {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_decimals_are_read_as_typed() {
        assert_eq!(parse_vnd("36.000.000"), Some(36_000_000));
        assert_eq!(parse_vnd(" 36 000 000 đ"), Some(36_000_000));
        assert_eq!(parse_vnd("1234"), Some(1234));
        assert_eq!(parse_vnd("12,5"), None);
        assert_eq!(parse_vnd("ba triệu"), None);
        assert_eq!(parse_vnd(""), None);
        assert_eq!(parse_decimal("12,5"), Some(12.5));
        assert_eq!(parse_decimal("0.75"), Some(0.75));
        assert_eq!(parse_decimal("1.234,5"), None);
        assert_eq!(parse_decimal("abc"), None);
    }

    #[test]
    fn dates_are_day_month_year_in_vietnam_time() {
        assert_eq!(date_vi(0), "01/01/1970");
        // 05/04/2024 00:30 in Hà Nội is 04/04/2024 17:30 UTC.
        assert_eq!(date_vi(1_712_251_800), "05/04/2024");
        assert_eq!(date_vi(1_712_251_800 - 3600), "04/04/2024");
        assert_eq!(date_vi(951_782_400), "29/02/2000");
        assert_eq!(date_vi(-86_400), "31/12/1969");
        assert_eq!(datetime_vi(1_712_251_800), "05/04/2024 00:30");
    }

    #[test]
    fn amounts_use_dots_and_dong() {
        assert_eq!(vnd(1_234_567), "1.234.567 đ");
        assert_eq!(vnd(0), "0 đ");
        assert_eq!(vnd(999), "999 đ");
        assert_eq!(vnd(1000), "1.000 đ");
        assert_eq!(vnd(-25_000_000), "-25.000.000 đ");
    }
}
