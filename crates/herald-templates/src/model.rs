//! The template as Meta's `message_templates` JSON, plus Herald's own keys under `"herald"`.
//!
//! Fields Herald does not use (an `id`, a `status` from an export, ...) are kept in `other`, so
//! reading and writing a file loses nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One template: what Meta's template API takes, plus Herald's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Lowercase letters, digits and `_`; at most 512 characters.
    #[serde(default)]
    pub name: String,
    /// A language code from Meta's supported list, e.g. `en_US`.
    #[serde(default)]
    pub language: String,
    /// `MARKETING` or `UTILITY` (kept as text so that a wrong value can be reported).
    #[serde(default)]
    pub category: String,
    /// `positional` (`{{1}}`, the default) or `named` (`{{first_name}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_format: Option<ParameterFormat>,
    /// Header, body, footer and buttons, in Meta's shape.
    #[serde(default)]
    pub components: Vec<TemplateComponent>,
    /// Herald's own settings.
    #[serde(default, skip_serializing_if = "HeraldSettings::is_default")]
    pub herald: HeraldSettings,
    /// Every other key of the file, kept as it was.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// How variables are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterFormat {
    /// `{{1}}`, `{{2}}`, ...
    #[serde(alias = "POSITIONAL")]
    Positional,
    /// `{{first_name}}`, ...
    #[serde(alias = "NAMED")]
    Named,
}

/// One entry of `components`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "UPPERCASE")]
pub enum TemplateComponent {
    /// Text or media shown above the body.
    #[serde(alias = "header")]
    Header(Header),
    /// The message itself.
    #[serde(alias = "body")]
    Body(Body),
    /// Small grey text under the body.
    #[serde(alias = "footer")]
    Footer(Footer),
    /// Quick replies or call-to-action buttons.
    #[serde(alias = "buttons")]
    Buttons(Buttons),
}

/// What a header shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HeaderFormat {
    /// Text of at most 60 characters.
    #[serde(alias = "text")]
    Text,
    /// A JPG or PNG picture.
    #[serde(alias = "image")]
    Image,
    /// An MP4 or 3GP video.
    #[serde(alias = "video")]
    Video,
    /// A PDF document.
    #[serde(alias = "document")]
    Document,
}

/// The `HEADER` component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Text or a kind of media.
    pub format: HeaderFormat,
    /// The text of a text header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Sample values Meta reviews the template with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<HeaderExample>,
}

/// Samples of a header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeaderExample {
    /// The sample of a positional text header's variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text: Option<Vec<String>>,
    /// The samples of a named text header's variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text_named_params: Option<Vec<NamedExample>>,
    /// Upload handles of a media header's sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_handle: Option<Vec<String>>,
}

/// The `BODY` component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// At most 1024 characters, with variables.
    #[serde(default)]
    pub text: String,
    /// Sample values Meta reviews the template with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<BodyExample>,
}

/// Samples of the body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BodyExample {
    /// Positional samples: one inner list per sample set; Herald uses the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<Vec<Vec<String>>>,
    /// Named samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text_named_params: Option<Vec<NamedExample>>,
}

/// A named variable's sample value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedExample {
    /// The variable's name, without braces.
    pub param_name: String,
    /// The sample value.
    pub example: String,
}

/// The `FOOTER` component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Footer {
    /// At most 60 characters, no variables.
    #[serde(default)]
    pub text: String,
}

/// The `BUTTONS` component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Buttons {
    /// The buttons in display order.
    #[serde(default)]
    pub buttons: Vec<Button>,
}

/// One button.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Button {
    /// A reply the contact taps; its text comes back as the answer.
    QuickReply {
        /// Label, at most 25 characters.
        #[serde(default)]
        text: String,
    },
    /// Opens a web page; the URL may end with one variable in its query string.
    Url {
        /// Label, at most 25 characters.
        #[serde(default)]
        text: String,
        /// Full http(s) URL.
        #[serde(default)]
        url: String,
        /// A full sample URL, required when the URL has a variable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        example: Option<Vec<String>>,
    },
    /// Calls a phone number.
    PhoneNumber {
        /// Label, at most 25 characters.
        #[serde(default)]
        text: String,
        /// International number with its country prefix.
        #[serde(default)]
        phone_number: String,
    },
}

impl Button {
    /// The label shown on the button.
    pub fn text(&self) -> &str {
        match self {
            Self::QuickReply { text } | Self::Url { text, .. } | Self::PhoneNumber { text, .. } => {
                text
            }
        }
    }

    /// Whether this is a call-to-action button (URL or phone).
    pub fn is_call_to_action(&self) -> bool {
        !matches!(self, Self::QuickReply { .. })
    }
}

/// Herald's own keys, stored under `"herald"` in the template file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeraldSettings {
    /// Which customer field (or fixed text) fills each variable.
    #[serde(default, skip_serializing_if = "VariableMapping::is_empty")]
    pub mapping: VariableMapping,
    /// Whether agents may use it to reach a contact after the 24-hour window.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recontact: bool,
    /// Whether agents may send it to a single contact.
    #[serde(default, skip_serializing_if = "is_false")]
    pub available_to_agents: bool,
    /// The file of a media header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaFile>,
}

impl HeraldSettings {
    fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(value: &bool) -> bool {
    !value
}

/// The media file of a header, as the editor or the upload saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaFile {
    /// Original file name, e.g. `summer.jpg`.
    pub file_name: String,
    /// MIME type, e.g. `image/jpeg`.
    #[serde(default)]
    pub mime_type: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Public HTTPS address Meta fetches the media from at send time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Variable to source, per component. Keys are the variable as written between the braces
/// (`"1"` or `"first_name"`); a URL button's variable is keyed by the button's index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableMapping {
    /// Variables of a text header.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub header: BTreeMap<String, MappingSource>,
    /// Variables of the body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub body: BTreeMap<String, MappingSource>,
    /// The variable of each URL button, by button index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub buttons: BTreeMap<usize, MappingSource>,
}

impl VariableMapping {
    fn is_empty(&self) -> bool {
        self.header.is_empty() && self.body.is_empty() && self.buttons.is_empty()
    }
}

/// Where a variable's value comes from when a message is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingSource {
    /// A standard field of the contact.
    Field(ContactField),
    /// A custom field of the contact, by name.
    CustomField(String),
    /// The same text for every contact.
    Text(String),
}

/// The standard fields every contact has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Phone, digits with the international prefix.
    Phone,
    /// Mobile, digits with the international prefix.
    Mobile,
    /// Email address.
    Email,
}

impl ContactField {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::FirstName => "First name",
            Self::LastName => "Last name",
            Self::Phone => "Phone",
            Self::Mobile => "Mobile",
            Self::Email => "Email",
        }
    }
}

impl MappingSource {
    /// How the source is named to users, e.g. `First name` or `custom field "tier"`.
    pub fn describe(&self) -> String {
        match self {
            Self::Field(field) => field.label().to_owned(),
            Self::CustomField(name) => format!("custom field \"{name}\""),
            Self::Text(_) => "fixed text".to_owned(),
        }
    }
}

impl Template {
    /// The header, if any.
    pub fn header(&self) -> Option<&Header> {
        self.components
            .iter()
            .find_map(|component| match component {
                TemplateComponent::Header(header) => Some(header),
                _ => None,
            })
    }

    /// The body, if any.
    pub fn body(&self) -> Option<&Body> {
        self.components
            .iter()
            .find_map(|component| match component {
                TemplateComponent::Body(body) => Some(body),
                _ => None,
            })
    }

    /// The footer, if any.
    pub fn footer(&self) -> Option<&Footer> {
        self.components
            .iter()
            .find_map(|component| match component {
                TemplateComponent::Footer(footer) => Some(footer),
                _ => None,
            })
    }

    /// The buttons, empty when there are none.
    pub fn buttons(&self) -> &[Button] {
        self.components
            .iter()
            .find_map(|component| match component {
                TemplateComponent::Buttons(buttons) => Some(buttons.buttons.as_slice()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The body text, empty when there is no body.
    pub fn body_text(&self) -> &str {
        self.body().map_or("", |body| body.text.as_str())
    }

    /// The footer text, empty when there is no footer.
    pub fn footer_text(&self) -> &str {
        self.footer().map_or("", |footer| footer.text.as_str())
    }

    /// The text of a text header.
    pub fn header_text(&self) -> Option<&str> {
        self.header()
            .filter(|header| header.format == HeaderFormat::Text)
            .and_then(|header| header.text.as_deref())
    }
}
