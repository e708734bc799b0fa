//! The interactive list message an agent may send inside the customer service window (SPEC
//! section 5): a button that opens up to 10 options in sections. Its limits are Meta's
//! (developers.facebook.com/docs/whatsapp/guides/interactive-messages, "List Messages", and the
//! Cloud API's messages reference, read 2026-12-08): body up to 4,096 characters, header and
//! footer up to 60, the button up to 20, 1 to 10 sections each titled up to 24 (a title is
//! required once there are two), 1 to 10 rows in all, each with a unique id up to 200
//! characters, a title up to 24 and a description up to 72.

use serde::{Deserialize, Serialize};

/// Longest body.
pub const LIST_BODY_MAX_CHARS: usize = 4_096;
/// Longest header or footer.
pub const LIST_HEADER_MAX_CHARS: usize = 60;
/// Longest button label.
pub const LIST_BUTTON_MAX_CHARS: usize = 20;
/// Longest section title.
pub const LIST_SECTION_TITLE_MAX_CHARS: usize = 24;
/// Most sections, and most rows in all.
pub const LIST_MAX_ROWS: usize = 10;
/// Longest row id.
pub const LIST_ROW_ID_MAX_CHARS: usize = 200;
/// Longest row title.
pub const LIST_ROW_TITLE_MAX_CHARS: usize = 24;
/// Longest row description.
pub const LIST_ROW_DESCRIPTION_MAX_CHARS: usize = 72;

/// An interactive list message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListMessage {
    /// Text above the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// What the contact reads.
    pub body: String,
    /// Small text under the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// The label of the button that opens the list.
    pub button: String,
    /// The options, in sections.
    pub sections: Vec<ListSection>,
}

/// A section of a list message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSection {
    /// Its title (required once there are two sections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its options.
    pub rows: Vec<ListRow>,
}

/// One option of a list message; the contact's choice comes back as `list_reply` with its id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListRow {
    /// What the choice reports back; unique in the message.
    pub id: String,
    /// The option's title.
    pub title: String,
    /// A line under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A list message outside Meta's limits: the field (as a JSON path) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ListMessageError {
    /// Where, e.g. `list.sections[1].rows[0].title`.
    pub field: String,
    /// What is wrong, with the limit.
    pub message: String,
}

impl ListMessage {
    /// Checks every limit; the first field outside one is named.
    pub fn check(&self) -> Result<(), ListMessageError> {
        let fail = |field: String, message: String| Err(ListMessageError { field, message });
        let length = |text: &str| text.trim().chars().count();
        let within = |field: &str, text: &str, min: usize, max: usize| {
            let chars = length(text);
            if chars < min || chars > max {
                fail(
                    field.to_owned(),
                    format!("must have {min} to {max} characters (it has {chars})"),
                )
            } else {
                Ok(())
            }
        };
        within("list.body", &self.body, 1, LIST_BODY_MAX_CHARS)?;
        within("list.button", &self.button, 1, LIST_BUTTON_MAX_CHARS)?;
        if let Some(header) = &self.header {
            within("list.header", header, 0, LIST_HEADER_MAX_CHARS)?;
        }
        if let Some(footer) = &self.footer {
            within("list.footer", footer, 0, LIST_HEADER_MAX_CHARS)?;
        }
        if self.sections.is_empty() || self.sections.len() > LIST_MAX_ROWS {
            return fail(
                "list.sections".to_owned(),
                format!(
                    "a list has 1 to {LIST_MAX_ROWS} sections (it has {})",
                    self.sections.len()
                ),
            );
        }
        let rows: usize = self.sections.iter().map(|section| section.rows.len()).sum();
        if rows == 0 || rows > LIST_MAX_ROWS {
            return fail(
                "list.sections".to_owned(),
                format!("a list has 1 to {LIST_MAX_ROWS} options in all (it has {rows})"),
            );
        }
        let mut ids = std::collections::HashSet::new();
        for (s, section) in self.sections.iter().enumerate() {
            let at = format!("list.sections[{s}]");
            match &section.title {
                Some(title) => within(
                    &format!("{at}.title"),
                    title,
                    usize::from(self.sections.len() > 1),
                    LIST_SECTION_TITLE_MAX_CHARS,
                )?,
                None if self.sections.len() > 1 => {
                    return fail(
                        format!("{at}.title"),
                        "each section needs a title once there are two".to_owned(),
                    );
                }
                None => {}
            }
            if section.rows.is_empty() {
                return fail(
                    format!("{at}.rows"),
                    "a section has 1 option at least".to_owned(),
                );
            }
            for (r, row) in section.rows.iter().enumerate() {
                let at = format!("{at}.rows[{r}]");
                within(&format!("{at}.id"), &row.id, 1, LIST_ROW_ID_MAX_CHARS)?;
                within(
                    &format!("{at}.title"),
                    &row.title,
                    1,
                    LIST_ROW_TITLE_MAX_CHARS,
                )?;
                if let Some(description) = &row.description {
                    within(
                        &format!("{at}.description"),
                        description,
                        0,
                        LIST_ROW_DESCRIPTION_MAX_CHARS,
                    )?;
                }
                if !ids.insert(row.id.trim()) {
                    return fail(
                        format!("{at}.id"),
                        format!(
                            "the id \"{}\" is used twice: each option needs its own",
                            row.id
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// What the agents' thread shows of it: the body and the options.
    pub fn summary(&self) -> String {
        let options: Vec<&str> = self
            .sections
            .iter()
            .flat_map(|section| section.rows.iter().map(|row| row.title.as_str()))
            .collect();
        format!("{}\n[{}: {}]", self.body, self.button, options.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn row(id: &str, title: &str) -> ListRow {
        ListRow {
            id: id.to_owned(),
            title: title.to_owned(),
            description: None,
        }
    }

    fn list(sections: Vec<ListSection>) -> ListMessage {
        ListMessage {
            header: None,
            body: "Which day suits you?".to_owned(),
            footer: None,
            button: "Choose a day".to_owned(),
            sections,
        }
    }

    fn section(title: Option<&str>, rows: Vec<ListRow>) -> ListSection {
        ListSection {
            title: title.map(str::to_owned),
            rows,
        }
    }

    #[test]
    fn the_limits_table() {
        let ok = list(vec![section(
            None,
            vec![row("mon", "Monday"), row("tue", "Tuesday")],
        )]);
        assert_eq!(ok.check(), Ok(()));
        let field = |message: ListMessage| message.check().unwrap_err().field;
        assert_eq!(
            field(ListMessage {
                button: "A label longer than twenty".to_owned(),
                ..ok.clone()
            }),
            "list.button"
        );
        let eleven = (0..11).map(|n| row(&n.to_string(), "Day")).collect();
        assert_eq!(field(list(vec![section(None, eleven)])), "list.sections");
        assert_eq!(field(list(Vec::new())), "list.sections");
        let untitled = list(vec![
            section(Some("Week"), vec![row("mon", "Monday")]),
            section(None, vec![row("sat", "Saturday")]),
        ]);
        assert_eq!(field(untitled), "list.sections[1].title");
        let twice = list(vec![section(
            None,
            vec![row("mon", "Monday"), row("mon", "Mon")],
        )]);
        assert_eq!(field(twice), "list.sections[0].rows[1].id");
        let long_title = list(vec![section(None, vec![row("x", &"y".repeat(25))])]);
        assert_eq!(field(long_title), "list.sections[0].rows[0].title");
        assert_eq!(
            field(ListMessage {
                body: " ".to_owned(),
                ..ok.clone()
            }),
            "list.body"
        );
        assert_eq!(
            ok.summary(),
            "Which day suits you?\n[Choose a day: Monday, Tuesday]"
        );
    }

    proptest! {
        #[test]
        fn any_list_is_judged_without_panicking(
            body in ".{0,50}", button in ".{0,30}",
            titles in proptest::collection::vec(proptest::option::of(".{0,30}"), 0..12),
            rows in proptest::collection::vec((".{0,5}", ".{0,30}"), 0..12),
        ) {
            let sections = titles
                .into_iter()
                .map(|title| ListSection {
                    title,
                    rows: rows.iter().map(|(id, title)| row(id, title)).collect(),
                })
                .collect();
            let message = ListMessage { header: None, body, footer: None, button, sections };
            if message.check().is_ok() {
                let count: usize = message.sections.iter().map(|s| s.rows.len()).sum();
                prop_assert!((1..=LIST_MAX_ROWS).contains(&count));
            }
        }
    }
}
