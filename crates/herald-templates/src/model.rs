//! The template as Meta's `message_templates` JSON, plus Herald's own keys under `"herald"`.
//!
//! Meta's JSON is read as Meta writes it in its documentation and API answers: any letter case
//! for the enumerated values (`"type": "url"`, `"category": "utility"`, normalised to upper case),
//! `body_text` as a list of lists or a flat list, a sample given as a string or a list. Every
//! kind of component and button Meta documents is typed; one Herald does not know yet is kept
//! as it came (`TemplateComponent::Unsupported`, `ButtonKind::Other`, `HeaderFormat::Other`),
//! and fields Herald does not use are kept in `other`, so import, export and sync lose nothing.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An enumeration Meta writes in any letter case; a value Herald does not know is kept as
/// written in `Other`.
macro_rules! meta_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
            /// A value Herald does not know, kept as written.
            Other(String),
        }

        impl $name {
            /// Every value Herald knows.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),*];

            /// Meta's text form (upper case), or the unknown value as written.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(text) => text,
                }
            }

            /// Reads Meta's value in any letter case.
            pub fn parse(text: &str) -> Self {
                $(if text.eq_ignore_ascii_case($text) {
                    return Self::$variant;
                })*
                Self::Other(text.to_owned())
            }

            /// Whether Herald knows this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Self::parse(&String::deserialize(deserializer)?))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

meta_enum! {
    /// A template's category.
    pub enum Category {
        /// Promotions, offers, news.
        Marketing = "MARKETING",
        /// Updates about something the customer asked for.
        Utility = "UTILITY",
        /// One-time passcodes.
        Authentication = "AUTHENTICATION",
    }
}

meta_enum! {
    /// What a header shows.
    pub enum HeaderFormat {
        /// Text of at most 60 characters.
        Text = "TEXT",
        /// A JPG or PNG picture.
        Image = "IMAGE",
        /// An MP4 or 3GP video.
        Video = "VIDEO",
        /// A PDF document.
        Document = "DOCUMENT",
        /// An animated GIF, sent as an MP4 file.
        Gif = "GIF",
        /// A map pin, given at send time.
        Location = "LOCATION",
        /// A product of the catalog (product card carousels).
        Product = "PRODUCT",
    }
}

meta_enum! {
    /// The type of a button.
    pub enum ButtonKind {
        /// A reply the contact taps; its text comes back as the answer.
        QuickReply = "QUICK_REPLY",
        /// Opens a web page; the URL may end with one variable.
        Url = "URL",
        /// Calls a phone number.
        PhoneNumber = "PHONE_NUMBER",
        /// Copies a coupon code given at send time.
        CopyCode = "COPY_CODE",
        /// Authentication: copies or autofills the one-time passcode.
        Otp = "OTP",
        /// Opens a WhatsApp Flow.
        Flow = "FLOW",
        /// Opens the business's catalog.
        Catalog = "CATALOG",
        /// Multi-product message: opens the products chosen at send time.
        Mpm = "MPM",
        /// Single product message (product card carousels).
        Spm = "SPM",
        /// Calls the business on WhatsApp.
        VoiceCall = "VOICE_CALL",
    }
}

meta_enum! {
    /// How an OTP button hands over the code.
    pub enum OtpType {
        /// The contact copies the code.
        CopyCode = "COPY_CODE",
        /// The contact taps to autofill the code in the app.
        OneTap = "ONE_TAP",
        /// The app receives the code without a tap.
        ZeroTap = "ZERO_TAP",
    }
}

impl Default for Category {
    fn default() -> Self {
        Self::Other(String::new())
    }
}

/// One template: what Meta's template API takes, plus Herald's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Lowercase letters, digits and `_`; at most 512 characters.
    #[serde(default)]
    pub name: String,
    /// A language code from Meta's supported list, e.g. `en_US`.
    #[serde(default)]
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`, in any letter case; an unknown value is
    /// kept so that it can be reported.
    #[serde(default)]
    pub category: Category,
    /// `positional` (`{{1}}`, the default) or `named` (`{{first_name}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_format: Option<ParameterFormat>,
    /// Header, body, footer, buttons and the kinds' own parts, in Meta's shape.
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
    #[serde(alias = "POSITIONAL", alias = "Positional")]
    Positional,
    /// `{{first_name}}`, ...
    #[serde(alias = "NAMED", alias = "Named")]
    Named,
}

/// One entry of `components` (or of a carousel card's `components`).
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateComponent {
    /// Text, media or a location shown above the body.
    Header(Header),
    /// The message itself.
    Body(Body),
    /// Small grey text under the body.
    Footer(Footer),
    /// The buttons.
    Buttons(Buttons),
    /// Up to 10 cards scrolled sideways under the body.
    Carousel(Carousel),
    /// The limited-time offer's title and countdown.
    LimitedTimeOffer(LimitedTimeOffer),
    /// Asks the contact for leave to call them (no parameters; its fields kept).
    CallPermissionRequest(Map<String, Value>),
    /// A component Herald does not know, kept as it came.
    Unsupported(Map<String, Value>),
}

meta_enum! {
    /// The `type` of a component.
    pub enum ComponentKind {
        /// `HEADER`.
        Header = "HEADER",
        /// `BODY`.
        Body = "BODY",
        /// `FOOTER`.
        Footer = "FOOTER",
        /// `BUTTONS`.
        Buttons = "BUTTONS",
        /// `CAROUSEL`.
        Carousel = "CAROUSEL",
        /// `LIMITED_TIME_OFFER`.
        LimitedTimeOffer = "LIMITED_TIME_OFFER",
        /// `CALL_PERMISSION_REQUEST`: asks the contact's leave to call them.
        CallPermissionRequest = "CALL_PERMISSION_REQUEST",
    }
}

impl TemplateComponent {
    /// The component's `type`.
    pub fn kind(&self) -> ComponentKind {
        match self {
            Self::Header(_) => ComponentKind::Header,
            Self::Body(_) => ComponentKind::Body,
            Self::Footer(_) => ComponentKind::Footer,
            Self::Buttons(_) => ComponentKind::Buttons,
            Self::Carousel(_) => ComponentKind::Carousel,
            Self::LimitedTimeOffer(_) => ComponentKind::LimitedTimeOffer,
            Self::CallPermissionRequest(_) => ComponentKind::CallPermissionRequest,
            Self::Unsupported(fields) => ComponentKind::Other(
                fields
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
        }
    }
}

#[derive(Serialize)]
struct Tagged<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    inner: &'a T,
}

impl Serialize for TemplateComponent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kind = self.kind();
        let kind = kind.as_str();
        match self {
            Self::Header(inner) => Tagged { kind, inner }.serialize(serializer),
            Self::Body(inner) => Tagged { kind, inner }.serialize(serializer),
            Self::Footer(inner) => Tagged { kind, inner }.serialize(serializer),
            Self::Buttons(inner) => Tagged { kind, inner }.serialize(serializer),
            Self::Carousel(inner) => Tagged { kind, inner }.serialize(serializer),
            Self::LimitedTimeOffer(inner) => Tagged { kind, inner }.serialize(serializer),
            Self::CallPermissionRequest(inner) => Tagged { kind, inner }.serialize(serializer),
            Self::Unsupported(fields) => fields.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for TemplateComponent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut fields = Map::<String, Value>::deserialize(deserializer)?;
        let kind = match fields.get("type") {
            Some(Value::String(kind)) => ComponentKind::parse(kind),
            Some(_) => return Err(D::Error::custom("a component's type must be text")),
            None => return Err(D::Error::custom("a component has no type")),
        };
        if !kind.is_known() {
            return Ok(Self::Unsupported(fields));
        }
        fields.remove("type");
        let fields = Value::Object(fields);
        let read = |error: serde_json::Error| D::Error::custom(format!("{kind}: {error}"));
        Ok(match kind {
            ComponentKind::Header => Self::Header(serde_json::from_value(fields).map_err(read)?),
            ComponentKind::Body => Self::Body(serde_json::from_value(fields).map_err(read)?),
            ComponentKind::Footer => Self::Footer(serde_json::from_value(fields).map_err(read)?),
            ComponentKind::Buttons => Self::Buttons(serde_json::from_value(fields).map_err(read)?),
            ComponentKind::Carousel => {
                Self::Carousel(serde_json::from_value(fields).map_err(read)?)
            }
            ComponentKind::LimitedTimeOffer => {
                Self::LimitedTimeOffer(serde_json::from_value(fields).map_err(read)?)
            }
            ComponentKind::CallPermissionRequest => {
                Self::CallPermissionRequest(serde_json::from_value(fields).map_err(read)?)
            }
            ComponentKind::Other(_) => unreachable!("unknown kinds returned above"),
        })
    }
}

/// One sample or several, as Meta writes `example` values (`"example": "CODE"` or
/// `"example": ["https://…"]`); written back in the shape it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Samples {
    /// A single value.
    One(String),
    /// A list of values.
    Many(Vec<String>),
}

impl Samples {
    /// The first value, if any.
    pub fn first(&self) -> Option<&str> {
        match self {
            Self::One(value) => Some(value),
            Self::Many(values) => values.first().map(String::as_str),
        }
    }

    /// Every value.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Self::One(value) => std::slice::from_ref(value),
            Self::Many(values) => values,
        }
    }
}

/// The `HEADER` component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Text, a kind of media, or a location.
    pub format: HeaderFormat,
    /// The text of a text header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Sample values Meta reviews the template with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<HeaderExample>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Header {
    /// A header of `format` with nothing else set.
    pub fn new(format: HeaderFormat) -> Self {
        Self {
            text: (format == HeaderFormat::Text).then(String::new),
            format,
            example: None,
            other: Map::new(),
        }
    }
}

/// Samples of a header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeaderExample {
    /// The sample of a positional text header's variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text: Option<Samples>,
    /// The samples of a named text header's variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text_named_params: Option<Vec<NamedExample>>,
    /// Upload handles of a media header's sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_handle: Option<Samples>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `BODY` component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// At most 1024 characters (160 in a carousel card), with variables. Authentication
    /// templates are created without it: Meta writes the fixed text.
    #[serde(default)]
    pub text: String,
    /// Sample values Meta reviews the template with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<BodyExample>,
    /// Authentication: add "For your security, do not share this code."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_security_recommendation: Option<bool>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Samples of the body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BodyExample {
    /// Positional samples: one inner list per sample set (Herald uses the first); a flat list
    /// or a single string, as some of Meta's own examples write it, is read as one set.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "sample_sets"
    )]
    pub body_text: Option<Vec<Vec<String>>>,
    /// Named samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text_named_params: Option<Vec<NamedExample>>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `[["a", "b"]]` or `["a", "b"]`.
fn sample_sets<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<Vec<String>>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Sets {
        Nested(Vec<Vec<String>>),
        Flat(Vec<String>),
        One(String),
    }
    Ok(match Option::<Sets>::deserialize(deserializer)? {
        None => None,
        Some(Sets::Nested(sets)) => Some(sets),
        Some(Sets::Flat(values)) => Some(vec![values]),
        Some(Sets::One(value)) => Some(vec![vec![value]]),
    })
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
    /// At most 60 characters, no variables. Authentication templates are created without it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Authentication: "This code expires in N minutes." (1 to 90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_expiration_minutes: Option<i64>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `BUTTONS` component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Buttons {
    /// The buttons in display order.
    #[serde(default)]
    pub buttons: Vec<Button>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One button. Every type shares this shape; each uses the fields Meta defines for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ButtonKind,
    /// Label, at most 25 characters (a copy-code button's label is Meta's own).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// A URL button's address; it may end with one variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A phone button's number, with its country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// A URL button's full sample URL, or a copy-code button's sample code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Samples>,
    /// An OTP button's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_type: Option<OtpType>,
    /// A one-tap button's autofill label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autofill_text: Option<String>,
    /// The Android apps a one-tap or zero-tap button hands the code to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_apps: Option<Vec<SupportedApp>>,
    /// Zero-tap: the business accepted Meta's zero-tap terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero_tap_terms_accepted: Option<bool>,
    /// A Flow button's published Flow, by id (Meta lists it as a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<FlowId>,
    /// A Flow button's Flow, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_name: Option<String>,
    /// A Flow button's Flow, given whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_json: Option<String>,
    /// A Flow button's action: `navigate` (the default) or `data_exchange`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_action: Option<String>,
    /// A Flow button's first screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub navigate_screen: Option<String>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A Flow's id, as Meta writes it: text when created, a number in its list answers; written
/// back the way it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FlowId {
    /// As listed by Meta.
    Number(u64),
    /// As created.
    Text(String),
}

impl FlowId {
    /// The id as text.
    pub fn to_text(&self) -> String {
        match self {
            Self::Number(number) => number.to_string(),
            Self::Text(text) => text.clone(),
        }
    }
}

/// An Android app of a one-tap or zero-tap button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportedApp {
    /// The app's package name.
    #[serde(default)]
    pub package_name: String,
    /// The app's signing key hash.
    #[serde(default)]
    pub signature_hash: String,
}

impl Button {
    /// A button of `kind` with nothing else set.
    pub fn new(kind: ButtonKind) -> Self {
        Self {
            kind,
            text: String::new(),
            url: None,
            phone_number: None,
            example: None,
            otp_type: None,
            autofill_text: None,
            supported_apps: None,
            zero_tap_terms_accepted: None,
            flow_id: None,
            flow_name: None,
            flow_json: None,
            flow_action: None,
            navigate_screen: None,
            other: Map::new(),
        }
    }

    /// A quick reply labelled `text`.
    pub fn quick_reply(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            ..Self::new(ButtonKind::QuickReply)
        }
    }

    /// A URL button.
    pub fn url(text: &str, url: &str) -> Self {
        Self {
            text: text.to_owned(),
            url: Some(url.to_owned()),
            ..Self::new(ButtonKind::Url)
        }
    }

    /// A phone button.
    pub fn phone(text: &str, phone_number: &str) -> Self {
        Self {
            text: text.to_owned(),
            phone_number: Some(phone_number.to_owned()),
            ..Self::new(ButtonKind::PhoneNumber)
        }
    }

    /// The label shown on the button: its text, or the one WhatsApp shows for it.
    pub fn label(&self) -> &str {
        match (&self.kind, self.text.is_empty()) {
            (ButtonKind::CopyCode, true) => "Copy offer code",
            (ButtonKind::Otp, true) => "Copy code",
            _ => &self.text,
        }
    }

    /// Whether this is a quick reply (the other types are calls to action).
    pub fn is_quick_reply(&self) -> bool {
        self.kind == ButtonKind::QuickReply
    }

    /// The URL, empty when there is none.
    pub fn url_text(&self) -> &str {
        self.url.as_deref().unwrap_or_default()
    }

    /// How an authentication template's button hands over the code: an OTP button's type, or
    /// the `otp_type` of the URL Meta lists such a button as (`whatsapp.com/otp/code/?otp_type=…`).
    pub fn otp_kind(&self) -> Option<OtpType> {
        match self.kind {
            ButtonKind::Otp => self.otp_type.clone(),
            ButtonKind::Url if self.url_text().contains("whatsapp.com/otp/code") => {
                let query = self.url_text().split_once('?')?.1;
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("otp_type="))
                    .map(|kind| OtpType::parse(kind.split('&').next().unwrap_or(kind)))
            }
            _ => None,
        }
    }

    /// The first sample, if any.
    pub fn sample(&self) -> Option<&str> {
        self.example.as_ref().and_then(Samples::first)
    }
}

/// The `CAROUSEL` component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Carousel {
    /// The cards, in the order they scroll.
    #[serde(default)]
    pub cards: Vec<Card>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One card of a carousel: a media (or product) header, an optional body, up to 2 buttons.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// The card's header, body and buttons.
    #[serde(default)]
    pub components: Vec<TemplateComponent>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `LIMITED_TIME_OFFER` component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LimitedTimeOffer {
    /// The offer.
    #[serde(default)]
    pub limited_time_offer: Offer,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A limited-time offer's title and whether it counts down to an expiry given at send time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// The offer's title, at most 16 characters.
    #[serde(default)]
    pub text: String,
    /// Whether the message shows a countdown to the expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_expiration: Option<bool>,
    /// Fields Herald does not use, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
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
    /// The media file of each carousel card, by card (kept in the cards' order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub card_media: Vec<Option<MediaFile>>,
    /// The place a location header shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The products a catalog or multi-product button shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<ProductSelection>,
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

impl MediaFile {
    /// `media` with its public link set to `link` (`None` to clear it); a file known only by
    /// its link is named after the link's last segment.
    pub fn linked(media: Option<Self>, link: &str) -> Option<Self> {
        let link = link.trim();
        match media {
            Some(media) => Some(Self {
                link: (!link.is_empty()).then(|| link.to_owned()),
                ..media
            }),
            None if link.is_empty() => None,
            None => Some(Self {
                file_name: link
                    .rsplit('/')
                    .next()
                    .and_then(|segment| segment.split(['?', '#']).next())
                    .unwrap_or_default()
                    .to_owned(),
                mime_type: String::new(),
                size_bytes: 0,
                link: Some(link.to_owned()),
            }),
        }
    }
}

/// A location header's place. Coordinates are kept as typed: Meta's send takes them as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude in degrees, -90 to 90, e.g. `37.483307`.
    #[serde(default)]
    pub latitude: String,
    /// Longitude in degrees, -180 to 180, e.g. `-122.148981`.
    #[serde(default)]
    pub longitude: String,
    /// The place's name.
    #[serde(default)]
    pub name: String,
    /// Its address.
    #[serde(default)]
    pub address: String,
}

/// What a catalog or multi-product button opens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSelection {
    /// The product whose image is the message's thumbnail (its retailer id).
    #[serde(default)]
    pub thumbnail_product_retailer_id: String,
    /// Multi-product messages: sections of products, by retailer id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<ProductSection>,
}

/// A titled section of a multi-product message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSection {
    /// Its title, at most 24 characters.
    #[serde(default)]
    pub title: String,
    /// Products by retailer id.
    #[serde(default)]
    pub product_retailer_ids: Vec<String>,
}

/// Variable to source, per component. Keys are the variable as written between the braces
/// (`"1"` or `"first_name"`); a button's parameter (a URL's variable, a coupon code) is keyed
/// by the button's index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableMapping {
    /// Variables of a text header.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub header: BTreeMap<String, MappingSource>,
    /// Variables of the body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub body: BTreeMap<String, MappingSource>,
    /// The parameter of each URL or copy-code button, by button index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub buttons: BTreeMap<usize, MappingSource>,
    /// Each carousel card's variables, by card (kept in the cards' order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<CardMapping>,
    /// A limited-time offer's expiry: a Unix time in milliseconds or a date
    /// (`2026-12-31`, `2026-12-31T18:00`, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_expiration: Option<MappingSource>,
}

/// One carousel card's variables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardMapping {
    /// Variables of the card's body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub body: BTreeMap<String, MappingSource>,
    /// The parameter of each of the card's URL buttons, by button index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub buttons: BTreeMap<usize, MappingSource>,
}

impl CardMapping {
    fn is_empty(&self) -> bool {
        self.body.is_empty() && self.buttons.is_empty()
    }
}

impl VariableMapping {
    fn is_empty(&self) -> bool {
        self.header.is_empty()
            && self.body.is_empty()
            && self.buttons.is_empty()
            && self.cards.iter().all(CardMapping::is_empty)
            && self.offer_expiration.is_none()
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

    /// Why this source cannot fill a variable: a custom field without a name, or empty fixed
    /// text (SPEC section 5: the campaign is refused, naming the variable).
    pub fn incomplete(&self) -> Option<&'static str> {
        match self {
            Self::Field(_) => None,
            Self::CustomField(name) if name.trim().is_empty() => {
                Some("is mapped to a custom field with no name")
            }
            Self::Text(text) if text.trim().is_empty() => Some("is mapped to empty fixed text"),
            Self::CustomField(_) | Self::Text(_) => None,
        }
    }
}

/// Finds the first component of a kind in `components`.
macro_rules! find_component {
    ($components:expr, $variant:ident) => {
        $components.iter().find_map(|component| match component {
            TemplateComponent::$variant(found) => Some(found),
            _ => None,
        })
    };
}

/// The parts of a list of components (a template's or a carousel card's).
pub trait Components {
    /// The components.
    fn components(&self) -> &[TemplateComponent];

    /// The header, if any.
    fn header(&self) -> Option<&Header> {
        find_component!(self.components(), Header)
    }

    /// The body, if any.
    fn body(&self) -> Option<&Body> {
        find_component!(self.components(), Body)
    }

    /// The buttons, empty when there are none.
    fn buttons(&self) -> &[Button] {
        find_component!(self.components(), Buttons)
            .map_or(&[], |buttons| buttons.buttons.as_slice())
    }

    /// The body text, empty when there is no body.
    fn body_text(&self) -> &str {
        self.body().map_or("", |body| body.text.as_str())
    }

    /// The text of a text header.
    fn header_text(&self) -> Option<&str> {
        self.header()
            .filter(|header| header.format == HeaderFormat::Text)
            .and_then(|header| header.text.as_deref())
    }
}

impl Components for Template {
    fn components(&self) -> &[TemplateComponent] {
        &self.components
    }
}

impl Components for Card {
    fn components(&self) -> &[TemplateComponent] {
        &self.components
    }
}

impl Template {
    /// The category as Herald knows it.
    pub fn category(&self) -> &Category {
        &self.category
    }

    /// The footer, if any.
    pub fn footer(&self) -> Option<&Footer> {
        find_component!(self.components, Footer)
    }

    /// The footer text, empty when there is no footer.
    pub fn footer_text(&self) -> &str {
        self.footer().map_or("", |footer| footer.text.as_str())
    }

    /// The carousel's cards, empty when it has none.
    pub fn cards(&self) -> &[Card] {
        find_component!(self.components, Carousel).map_or(&[], |carousel| carousel.cards.as_slice())
    }

    /// The limited-time offer, if any.
    pub fn offer(&self) -> Option<&Offer> {
        find_component!(self.components, LimitedTimeOffer).map(|offer| &offer.limited_time_offer)
    }

    /// Whether `other` has the same content as this template: everything but Herald's own
    /// settings (mapping, flags, media files), which may change after approval.
    pub fn same_content(&self, other: &Self) -> bool {
        let mut without_settings = other.clone();
        without_settings.herald = self.herald.clone();
        *self == without_settings
    }

    /// Whether this is an authentication (one-time passcode) template.
    pub fn is_authentication(&self) -> bool {
        self.category == Category::Authentication
    }
}
