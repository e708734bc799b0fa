//! Moments as a person reads them, in the browser's time zone: the time alone for today, the
//! day and the time before.

/// `14:05` for a moment today, `3 Dec 14:05` for an earlier one (Unix ms).
pub fn time_label(at_ms: i64) -> String {
    // Unix ms fit an f64 exactly until the year 287,396.
    #[allow(clippy::cast_precision_loss)]
    let moment = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    let today = js_sys::Date::new_0();
    let clock = format!("{:02}:{:02}", moment.get_hours(), moment.get_minutes());
    let same_day = moment.get_full_year() == today.get_full_year()
        && moment.get_month() == today.get_month()
        && moment.get_date() == today.get_date();
    if same_day {
        clock
    } else {
        format!(
            "{} {} {clock}",
            moment.get_date(),
            month_abbreviation(moment.get_month())
        )
    }
}

/// A moment as a `datetime-local` input shows it, in the browser's time zone
/// (`2026-12-08T09:30`).
pub fn input_value(at_ms: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let moment = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        moment.get_full_year(),
        moment.get_month() + 1,
        moment.get_date(),
        moment.get_hours(),
        moment.get_minutes()
    )
}

/// The month's English abbreviation, from JavaScript's month number (0 is January).
fn month_abbreviation(month: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS.get(month as usize).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::month_abbreviation;

    #[test]
    fn months_are_named_from_javascript_s_numbers() {
        assert_eq!(month_abbreviation(0), "Jan");
        assert_eq!(month_abbreviation(11), "Dec");
        assert_eq!(month_abbreviation(12), "");
    }
}
