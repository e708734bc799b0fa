//! Bytes -> an interactive list message (JSON, as the API takes it) -> Meta's limits: nothing
//! may panic, and a list that passes has 1 to 10 options with distinct ids.

#![no_main]

use herald_domain::{LIST_MAX_ROWS, ListMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(list) = serde_json::from_slice::<ListMessage>(bytes) else {
        return;
    };
    if list.check().is_ok() {
        let ids: Vec<&str> = list
            .sections
            .iter()
            .flat_map(|section| section.rows.iter().map(|row| row.id.trim()))
            .collect();
        assert!((1..=LIST_MAX_ROWS).contains(&ids.len()));
        let distinct: std::collections::HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(distinct.len(), ids.len());
        let _ = list.summary();
    }
});
