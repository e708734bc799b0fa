//! Changing a template the way an editor does: one component or one sample at a time, keeping
//! Meta's component order (header, body, footer, buttons) and Meta's `example` shapes.

use crate::diagnostic::Component;
use crate::mapping::TemplateVariable;
use crate::model::{
    Body, BodyExample, Button, Buttons, Footer, Header, HeaderExample, MappingSource, NamedExample,
    Template, TemplateComponent,
};
use crate::text::analysed;
use crate::validate::BODY_MAX_CHARS;
use crate::variables::{VariableKind, scan};

fn order(component: &TemplateComponent) -> u8 {
    match component {
        TemplateComponent::Header(_) => 0,
        TemplateComponent::Body(_) => 1,
        TemplateComponent::Footer(_) => 2,
        TemplateComponent::Buttons(_) => 3,
    }
}

impl Template {
    /// Puts `component` in place of the one of its kind, or in Meta's order.
    fn put(&mut self, component: TemplateComponent) {
        let rank = order(&component);
        match self.components.iter().position(|c| order(c) == rank) {
            Some(index) => self.components[index] = component,
            None => {
                let at = self
                    .components
                    .iter()
                    .position(|c| order(c) > rank)
                    .unwrap_or(self.components.len());
                self.components.insert(at, component);
            }
        }
    }

    fn remove(&mut self, rank: u8) {
        self.components.retain(|c| order(c) != rank);
    }

    /// Sets or removes the header.
    pub fn set_header(&mut self, header: Option<Header>) {
        match header {
            Some(header) => self.put(TemplateComponent::Header(header)),
            None => self.remove(0),
        }
    }

    /// Sets the body text, keeping its samples.
    pub fn set_body_text(&mut self, text: String) {
        let example = self.body().and_then(|body| body.example.clone());
        self.put(TemplateComponent::Body(Body { text, example }));
    }

    /// Sets the footer text; an empty one removes the footer.
    pub fn set_footer_text(&mut self, text: String) {
        if text.is_empty() {
            self.remove(2);
        } else {
            self.put(TemplateComponent::Footer(Footer { text }));
        }
    }

    /// Sets the buttons; none removes the component.
    pub fn set_buttons(&mut self, buttons: Vec<Button>) {
        if buttons.is_empty() {
            self.remove(3);
        } else {
            self.put(TemplateComponent::Buttons(Buttons { buttons }));
        }
    }

    /// The number "Add variable" inserts: one more than the highest `{{n}}` of the body.
    pub fn next_body_variable(&self) -> u32 {
        scan(analysed(self.body_text(), BODY_MAX_CHARS))
            .iter()
            .filter_map(|token| match token.kind {
                VariableKind::Positional(number) => Some(number),
                _ => None,
            })
            .max()
            .map_or(1, |highest| highest.saturating_add(1))
    }

    /// Stores `value` as the sample of `variable`, where Meta reads it.
    pub fn set_sample(&mut self, variable: &TemplateVariable, value: String) {
        let position = variable
            .key
            .parse::<usize>()
            .ok()
            .and_then(|number| number.checked_sub(1));
        match (variable.component, variable.button) {
            (Component::Header, _) => {
                if let Some(mut header) = self.header().cloned() {
                    let example = header.example.get_or_insert_with(HeaderExample::default);
                    match position {
                        Some(index) => {
                            set_at(
                                example.header_text.get_or_insert_with(Vec::new),
                                index,
                                value,
                            );
                        }
                        None => set_named(
                            example
                                .header_text_named_params
                                .get_or_insert_with(Vec::new),
                            &variable.key,
                            value,
                        ),
                    }
                    self.put(TemplateComponent::Header(header));
                }
            }
            (_, Some(index)) => {
                let mut buttons = self.buttons().to_vec();
                if let Some(Button::Url { url, example, .. }) = buttons.get_mut(index) {
                    let prefix = url.split("{{").next().unwrap_or_default();
                    *example = Some(vec![format!("{prefix}{value}")]);
                }
                self.set_buttons(buttons);
            }
            _ => {
                let mut body = self.body().cloned().unwrap_or(Body {
                    text: String::new(),
                    example: None,
                });
                let example = body.example.get_or_insert_with(BodyExample::default);
                match position {
                    Some(index) => {
                        let sets = example.body_text.get_or_insert_with(Vec::new);
                        if sets.is_empty() {
                            sets.push(Vec::new());
                        }
                        set_at(&mut sets[0], index, value);
                    }
                    None => set_named(
                        example.body_text_named_params.get_or_insert_with(Vec::new),
                        &variable.key,
                        value,
                    ),
                }
                self.put(TemplateComponent::Body(body));
            }
        }
    }

    /// Maps `variable` to `source`, or unmaps it.
    pub fn set_mapping(&mut self, variable: &TemplateVariable, source: Option<MappingSource>) {
        let mapping = &mut self.herald.mapping;
        match (variable.component, variable.button, source) {
            (Component::Header, _, Some(source)) => {
                mapping.header.insert(variable.key.clone(), source);
            }
            (Component::Header, _, None) => {
                mapping.header.remove(&variable.key);
            }
            (_, Some(index), Some(source)) => {
                mapping.buttons.insert(index, source);
            }
            (_, Some(index), None) => {
                mapping.buttons.remove(&index);
            }
            (_, None, Some(source)) => {
                mapping.body.insert(variable.key.clone(), source);
            }
            (_, None, None) => {
                mapping.body.remove(&variable.key);
            }
        }
    }
}

fn set_at(values: &mut Vec<String>, index: usize, value: String) {
    if values.len() <= index {
        values.resize(index + 1, String::new());
    }
    values[index] = value;
}

fn set_named(examples: &mut Vec<NamedExample>, name: &str, value: String) {
    match examples
        .iter_mut()
        .find(|example| example.param_name == name)
    {
        Some(example) => example.example = value,
        None => examples.push(NamedExample {
            param_name: name.to_owned(),
            example: value,
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::mapping::variables_of;
    use crate::model::{ContactField, HeaderFormat};
    use crate::validate;

    use super::*;

    #[test]
    fn components_keep_meta_s_order_whatever_the_editing_order() {
        let mut template = Template::default();
        template.set_buttons(vec![Button::QuickReply { text: "Yes".into() }]);
        template.set_footer_text("Reply STOP to opt out".into());
        template.set_body_text("Hello there".into());
        template.set_header(Some(Header {
            format: HeaderFormat::Text,
            text: Some("News".into()),
            example: None,
        }));
        let ranks: Vec<u8> = template.components.iter().map(order).collect();
        assert_eq!(ranks, [0, 1, 2, 3]);
        template.set_footer_text(String::new());
        template.set_header(None);
        assert_eq!(
            template.components.iter().map(order).collect::<Vec<_>>(),
            [1, 3]
        );
    }

    #[test]
    fn samples_go_where_meta_reads_them_and_the_validator_sees_them() {
        let mut template = Template {
            name: "welcome".into(),
            language: "en_US".into(),
            category: "MARKETING".into(),
            ..Template::default()
        };
        template.set_body_text("Hello {{1}}, your code is {{2}} for today.".into());
        assert!(
            validate(&template)
                .iter()
                .any(|d| d.code == "example_missing")
        );
        for (variable, value) in variables_of(&template).iter().zip(["Ann", "X1"]) {
            template.set_sample(variable, value.into());
        }
        let samples: Vec<Option<String>> = variables_of(&template)
            .into_iter()
            .map(|v| v.sample)
            .collect();
        assert_eq!(samples, [Some("Ann".into()), Some("X1".into())]);
        assert!(
            !validate(&template)
                .iter()
                .any(|d| d.code == "example_missing")
        );
        assert_eq!(template.next_body_variable(), 3);
        template.set_body_text("Hello {{1}}, your code is {{2}} for today.".into());
        assert_eq!(
            variables_of(&template)[0].sample.as_deref(),
            Some("Ann"),
            "editing the text keeps the samples"
        );
    }

    #[test]
    fn mapping_is_set_and_cleared_per_variable() {
        let mut template = Template::default();
        template.set_body_text("Hi {{1}}".into());
        let variable = variables_of(&template).remove(0);
        template.set_mapping(
            &variable,
            Some(MappingSource::Field(ContactField::FirstName)),
        );
        assert!(crate::unmapped_variables(&template).is_empty());
        template.set_mapping(&variable, None);
        assert_eq!(crate::unmapped_variables(&template).len(), 1);
    }
}
