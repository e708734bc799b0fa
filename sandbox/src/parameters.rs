//! Meta's check of a template send: each component of the template that takes parameters must
//! come with exactly as many (132000 otherwise, with `details` naming the component), as Meta
//! counts them: a text header's variable, a media or location header, the body's distinct
//! variables, a URL button's trailing variable, a copy-code button's coupon, a limited-time
//! offer's expiry, and the same for every card of a carousel (which must all be sent).
//!
//! Written against Meta's documented behaviour, independently of Herald's own renderer, so a
//! wrong send fails here as it would at Meta.

use serde_json::Value;

/// Whether the send's `components` carry what the template's `components` need; the mismatch,
/// in Meta's wording, when they do not.
pub(crate) fn check(template: &Value, sent: &Value) -> Result<(), String> {
    check_part(template, sent, "")?;
    let cards = components_of_kind(template, "CAROUSEL")
        .and_then(|carousel| carousel.get("cards"))
        .and_then(Value::as_array);
    if let Some(cards) = cards {
        let sent_cards = sent_component(sent, "carousel", None)
            .and_then(|carousel| carousel.get("cards"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if sent_cards.len() != cards.len() {
            return Err(format!(
                "carousel: number of cards ({}) does not match the template's ({})",
                sent_cards.len(),
                cards.len()
            ));
        }
        for (index, card) in cards.iter().enumerate() {
            let sent_card = sent_cards
                .iter()
                .find(|sent| sent.get("card_index").and_then(number) == Some(index as u64))
                .ok_or_else(|| format!("carousel: card {index} is missing"))?;
            check_part(
                card.get("components").unwrap_or(&Value::Null),
                sent_card.get("components").unwrap_or(&Value::Null),
                &format!("card {index} "),
            )?;
        }
    }
    Ok(())
}

fn number(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}

fn kind_is(value: &Value, field: &str, wanted: &str) -> bool {
    value
        .get(field)
        .and_then(Value::as_str)
        .is_some_and(|kind| kind.eq_ignore_ascii_case(wanted))
}

fn components_of_kind<'a>(components: &'a Value, kind: &str) -> Option<&'a Value> {
    components
        .as_array()?
        .iter()
        .find(|component| kind_is(component, "type", kind))
}

/// The sent component of `kind` (and, for a button, `index`).
fn sent_component<'a>(sent: &'a Value, kind: &str, index: Option<usize>) -> Option<&'a Value> {
    sent.as_array()?.iter().find(|component| {
        kind_is(component, "type", kind)
            && index
                .is_none_or(|index| component.get("index").and_then(number) == Some(index as u64))
    })
}

fn count_sent(sent: Option<&Value>) -> usize {
    sent.and_then(|component| component.get("parameters"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// The distinct `{{…}}` of a text.
fn variables(text: &str) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !seen.contains(&name) {
            seen.push(name);
        }
        rest = &after[end + 2..];
    }
    seen.len()
}

fn expect(part: &str, what: &str, sent: usize, expected: usize) -> Result<(), String> {
    if sent == expected {
        Ok(())
    } else {
        Err(format!(
            "{part}{what}: number of localizable_params ({sent}) does not match the expected number of params ({expected})"
        ))
    }
}

/// The header, offer, body and buttons of a template (or a card) against what was sent.
fn check_part(template: &Value, sent: &Value, part: &str) -> Result<(), String> {
    if let Some(header) = components_of_kind(template, "HEADER") {
        let text = header
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let expected = if kind_is(header, "format", "TEXT") {
            variables(text)
        } else {
            1
        };
        expect(
            part,
            "header",
            count_sent(sent_component(sent, "header", None)),
            expected,
        )?;
    }
    let offer_counts_down = components_of_kind(template, "LIMITED_TIME_OFFER")
        .and_then(|offer| offer.pointer("/limited_time_offer/has_expiration"))
        .and_then(Value::as_bool)
        == Some(true);
    if offer_counts_down {
        expect(
            part,
            "limited_time_offer",
            count_sent(sent_component(sent, "limited_time_offer", None)),
            1,
        )?;
    }
    if let Some(body) = components_of_kind(template, "BODY") {
        let text = body.get("text").and_then(Value::as_str).unwrap_or_default();
        // An authentication template created without text carries Meta's "{{1}} is your
        // verification code."
        let expected = if text.is_empty() && body.get("add_security_recommendation").is_some() {
            1
        } else {
            variables(text)
        };
        expect(
            part,
            "body",
            count_sent(sent_component(sent, "body", None)),
            expected,
        )?;
    }
    let buttons = components_of_kind(template, "BUTTONS")
        .and_then(|buttons| buttons.get("buttons"))
        .and_then(Value::as_array);
    for (index, button) in buttons.into_iter().flatten().enumerate() {
        let url = button
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let takes_one = (kind_is(button, "type", "URL") && url.contains("{{"))
            || kind_is(button, "type", "COPY_CODE")
            || kind_is(button, "type", "OTP")
            || kind_is(button, "type", "MPM");
        if takes_one {
            expect(
                part,
                &format!("button {index}"),
                count_sent(sent_component(sent, "button", Some(index))),
                1,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check;

    #[test]
    fn every_component_needs_its_parameters() {
        let template = json!([
            {"type": "HEADER", "format": "IMAGE"},
            {"type": "BODY", "text": "Hi {{1}}, code {{2}} for {{1}}."},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Ok"}, {"type": "COPY_CODE", "example": "A"}]}
        ]);
        let text = |value: &str| json!({"type": "text", "text": value});
        let complete = json!([
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x/y.png"}}]},
            {"type": "body", "parameters": [text("Ann"), text("X")]},
            {"type": "button", "sub_type": "copy_code", "index": "1", "parameters": [{"type": "coupon_code", "coupon_code": "A1"}]}
        ]);
        assert_eq!(check(&template, &complete), Ok(()));
        let mut no_coupon = complete.clone();
        no_coupon.as_array_mut().unwrap().pop();
        assert_eq!(
            check(&template, &no_coupon),
            Err("button 1: number of localizable_params (0) does not match the expected number of params (1)".to_owned())
        );
        let mut short_body = complete;
        short_body[1]["parameters"] = json!([text("Ann")]);
        assert!(
            check(&template, &short_body)
                .unwrap_err()
                .starts_with("body:")
        );
    }

    #[test]
    fn a_carousel_sends_every_card_with_its_parameters() {
        let card = json!({"components": [
            {"type": "HEADER", "format": "IMAGE"},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Buy", "url": "https://x/{{1}}"}]}
        ]});
        let template = json!([{"type": "BODY", "text": "Our picks."}, {"type": "CAROUSEL", "cards": [card.clone(), card]}]);
        let sent_card = |index: u64| {
            json!({"card_index": index, "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x/y.png"}}]},
                {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "a"}]}
            ]})
        };
        assert_eq!(
            check(
                &template,
                &json!([{"type": "carousel", "cards": [sent_card(0), sent_card(1)]}])
            ),
            Ok(())
        );
        assert!(
            check(
                &template,
                &json!([{"type": "carousel", "cards": [sent_card(0)]}])
            )
            .is_err()
        );
        let mut headless = sent_card(1);
        headless["components"].as_array_mut().unwrap().remove(0);
        assert!(
            check(
                &template,
                &json!([{"type": "carousel", "cards": [sent_card(0), headless]}])
            )
            .unwrap_err()
            .starts_with("card 1 header")
        );
    }
}
