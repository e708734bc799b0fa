//! The templates a new sandbox account already holds, as if made in Meta's own console: one of
//! every kind Meta lets a business create, in the shape Meta's template list answers with (upper
//! case types, an authentication template's OTP button listed as a URL with Meta's own text, a
//! Flow id as a number), plus one with a button type Herald does not know.

use serde_json::{Value, json};

/// `(name, language, category, extra top-level fields, components)` of each template.
pub(crate) fn templates() -> Vec<(&'static str, &'static str, &'static str, Value, Value)> {
    let none = json!({});
    vec![
        (
            "sandbox_order_update",
            "en_US",
            "UTILITY",
            none.clone(),
            json!([
                {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["A-1001"]}},
                {"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped and arrives tomorrow.", "example": {"body_text": [["Ann", "A-1001"]]}},
                {"type": "FOOTER", "text": "Sandbox Shop"},
                {"type": "BUTTONS", "buttons": [
                    {"type": "URL", "text": "Track order", "url": "https://shop.example.com/track/{{1}}", "example": ["https://shop.example.com/track/A-1001"]},
                    {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "15550051310"}
                ]}
            ]),
        ),
        (
            "sandbox_login_code",
            "en_US",
            "AUTHENTICATION",
            json!({"message_send_ttl_seconds": 600}),
            json!([
                {"type": "BODY", "text": "*{{1}}* is your verification code. For your security, do not share this code.", "add_security_recommendation": true, "example": {"body_text": [["482913"]]}},
                {"type": "FOOTER", "text": "This code expires in 10 minutes.", "code_expiration_minutes": 10},
                {"type": "BUTTONS", "buttons": [
                    {"type": "URL", "text": "Copy code", "url": "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}", "example": ["https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp482913"]}
                ]}
            ]),
        ),
        (
            "sandbox_summer_carousel",
            "en_US",
            "MARKETING",
            none.clone(),
            json!([
                {"type": "BODY", "text": "Hello {{1}}, our freshest picks of the week are here.", "example": {"body_text": [["Ann"]]}},
                {"type": "CAROUSEL", "cards": [
                    card("Lemons", "lemons"),
                    card("Limes", "limes"),
                    card("Oranges", "oranges")
                ]}
            ]),
        ),
        (
            "sandbox_flash_sale",
            "en_US",
            "MARKETING",
            none.clone(),
            json!([
                {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://scontent.whatsapp.net/sandbox/sale.png"]}},
                {"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": "Flash sale!", "has_expiration": true}},
                {"type": "BODY", "text": "Good news for you, {{1}}! Everything is 25% off with your code.", "example": {"body_text": [["Ann"]]}},
                {"type": "BUTTONS", "buttons": [
                    {"type": "COPY_CODE", "example": "FLASH25"},
                    {"type": "URL", "text": "Shop now", "url": "https://shop.example.com/sale?code={{1}}", "example": ["https://shop.example.com/sale?code=FLASH25"]}
                ]}
            ]),
        ),
        (
            "sandbox_welcome_coupon",
            "en_US",
            "MARKETING",
            json!({"parameter_format": "NAMED"}),
            json!([
                {"type": "HEADER", "format": "TEXT", "text": "Welcome to Sandbox Shop"},
                {"type": "BODY", "text": "Hi {{first_name}}, here is 10% off your first order with the code below.", "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ann"}]}},
                {"type": "BUTTONS", "buttons": [
                    {"type": "QUICK_REPLY", "text": "No thanks"},
                    {"type": "COPY_CODE", "example": "WELCOME10"}
                ]}
            ]),
        ),
        (
            "sandbox_book_visit",
            "en_US",
            "UTILITY",
            json!({"sub_category": "FORM"}),
            json!([
                {"type": "BODY", "text": "Book your next visit in a few taps, it only takes a minute."},
                {"type": "BUTTONS", "buttons": [
                    {"type": "FLOW", "text": "Book now", "flow_id": 1_079_254_650_791_678_u64, "flow_action": "NAVIGATE", "navigate_screen": "BOOKING"}
                ]}
            ]),
        ),
        (
            "sandbox_catalog",
            "en_US",
            "MARKETING",
            none.clone(),
            json!([
                {"type": "BODY", "text": "Now shop our whole range right here on WhatsApp, {{1}}!", "example": {"body_text": [["Ann"]]}},
                {"type": "FOOTER", "text": "Sandbox Shop"},
                {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View catalog"}]}
            ]),
        ),
        (
            "sandbox_cart_reminder",
            "en_US",
            "MARKETING",
            none.clone(),
            json!([
                {"type": "HEADER", "format": "TEXT", "text": "Forget something?"},
                {"type": "BODY", "text": "Looks like you left these items in your cart, still interested?"},
                {"type": "BUTTONS", "buttons": [{"type": "MPM", "text": "View items"}]}
            ]),
        ),
        (
            "sandbox_delivery_location",
            "en_US",
            "UTILITY",
            none.clone(),
            json!([
                {"type": "HEADER", "format": "LOCATION"},
                {"type": "BODY", "text": "Your parcel {{1}} waits for you at this pick-up point.", "example": {"body_text": [["P-77"]]}},
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Got it"}]}
            ]),
        ),
        (
            "sandbox_call_us",
            "en_US",
            "MARKETING",
            none.clone(),
            json!([
                {"type": "BODY", "text": "Talk to our team about the new plans, we answer every call."},
                {"type": "BUTTONS", "buttons": [
                    {"type": "VOICE_CALL", "text": "Call now"},
                    {"type": "URL", "text": "See plans", "url": "https://shop.example.com/plans"}
                ]}
            ]),
        ),
        (
            "sandbox_pay_order",
            "en_US",
            "UTILITY",
            none,
            json!([
                {"type": "BODY", "text": "Your order {{1}} is ready: review it and pay in WhatsApp.", "example": {"body_text": [["A-1001"]]}},
                {"type": "BUTTONS", "buttons": [{"type": "ORDER_DETAILS", "text": "Review and pay"}]}
            ]),
        ),
    ]
}

fn card(fruit: &str, path: &str) -> Value {
    json!({"components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": [format!("https://scontent.whatsapp.net/sandbox/{path}.png")]}},
        {"type": "BODY", "text": format!("{fruit} for your table, use code {{{{1}}}} today."), "example": {"body_text": [["FRESH10"]]}},
        {"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": "More like this"},
            {"type": "URL", "text": "Buy now", "url": "https://shop.example.com/p/{{1}}", "example": [format!("https://shop.example.com/p/{path}")]}
        ]}
    ]})
}
