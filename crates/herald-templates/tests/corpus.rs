//! Herald against Meta: every template of the corpus in `tests/corpus/` (its README names each
//! source) is validated, and Herald's verdict must be Meta's: no error for a template Meta
//! approved, an error for one it refused (the error its subcode names, when it has one).
//!
//! Each file is a test of its own, named after it, so `docs/template-rules.md` can point at the
//! evidence behind each rule; `the_agreement_figure` prints the whole table and the figure.
//! A case whose `superseded` field says Meta has changed its mind since is held to today's
//! verdict.
//!
//! Run: `cargo test -p herald-templates --test corpus -- --nocapture the_agreement_figure`

use std::path::Path;

use herald_templates::{Code, Diagnostic, parse_template, validate};
use serde_json::Value;

/// The codes that answer a Meta template-creation subcode.
fn codes_of_subcode(subcode: i64) -> &'static [Code] {
    match subcode {
        2_388_299 => &[Code::VariableAtEdge],
        2_388_293 => &[Code::TooManyVariables],
        2_388_060 => &[Code::ButtonTextInvalid],
        2_388_047 => &[
            Code::HeaderTextInvalid,
            Code::HeaderTextTooLong,
            Code::HeaderTooManyVariables,
        ],
        2_388_073 => &[Code::FooterHasVariable, Code::FooterTooLong],
        2_388_072 => &[
            Code::VariableMalformed,
            Code::BodyEmpty,
            Code::VariablesAdjacent,
        ],
        2_388_040 => &[
            Code::BodyTooLong,
            Code::HeaderTextTooLong,
            Code::FooterTooLong,
            Code::ButtonTextInvalid,
        ],
        2_388_019 => &[Code::TemplateLimit],
        _ => &[],
    }
}

/// The cases where Herald knowingly differs from the verdict on record, and why. The
/// agreement figure counts them as disagreements.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "meta-overview-named-order-confirmation.json",
        "Meta's own example (May 2026) ends with {{order_number}}.; a June 2026 refusal (2388299) of \"... contatta direttamente {{3}}.\" says Meta refuses a variable followed only by punctuation now, and SPEC section 3 follows the refusal",
    ),
    (
        "glific-4383-otp-verification.json",
        "a custom OTP label was refused in August 2025 while Meta's page (November 2025) documents it as allowed: no error without a clearer ruling",
    ),
    (
        "megaapp-324-test-v2.json",
        "Meta refused a flat body_text with two values; Herald reads it and always writes Meta's list of lists, so what Herald submits is the accepted shape",
    ),
    (
        "meta-payment-request-payment-request-br.json",
        "Brazil's PAYMENT_REQUEST buttons are not modelled yet: kept and shown as component_unsupported",
    ),
];

/// What Herald said of one case, and whether Meta said the same.
struct Outcome {
    file: &'static str,
    meta: String,
    herald: Vec<Diagnostic>,
    agrees: bool,
}

fn judge(file: &'static str) -> Outcome {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file);
    let case: Value = serde_json::from_slice(&std::fs::read(&path).expect("the corpus file reads"))
        .expect("the corpus file is JSON");
    let template = parse_template(case["template"].to_string().as_bytes())
        .unwrap_or_else(|error| panic!("{file}: Meta's JSON must be readable: {error}"));
    let superseded = case.get("superseded").is_some();
    let refused = case["verdict"] == "refused" || superseded;
    let herald: Vec<Diagnostic> = validate(&template)
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    let expected = case["meta_subcode"]
        .as_i64()
        .map(codes_of_subcode)
        .unwrap_or_default();
    let agrees = if refused {
        !herald.is_empty()
            && (expected.is_empty() || herald.iter().any(|found| expected.contains(&found.code)))
    } else {
        herald.is_empty()
    };
    let meta = match (refused, case["meta_subcode"].as_i64(), superseded) {
        (true, _, true) => "refused today".to_owned(),
        (true, Some(subcode), _) => format!("refused {subcode}"),
        (true, None, _) => "refused".to_owned(),
        (false, ..) => "approved".to_owned(),
    };
    Outcome {
        file,
        meta,
        herald,
        agrees,
    }
}

#[track_caller]
fn assert_agrees(file: &'static str) {
    let outcome = judge(file);
    if let Some((_, reason)) = KNOWN_DISAGREEMENTS.iter().find(|(known, _)| *known == file) {
        assert!(
            !outcome.agrees,
            "{file} agrees now: take it off KNOWN_DISAGREEMENTS ({reason})"
        );
        return;
    }
    assert!(
        outcome.agrees,
        "{file}: Meta {}, Herald found {:#?}",
        outcome.meta, outcome.herald
    );
}

macro_rules! corpus {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                assert_agrees($file);
            }
        )*

        const FILES: &[&str] = &[$($file),*];
    };
}

corpus! {
    c360dialog_sample => "360dialog-sample.json",
    aws_eum_order_update_basic => "aws-eum-order-update-basic.json",
    aws_eum_order_update_with_button => "aws-eum-order-update-with-button.json",
    chatwoot_6704_semana_do_consumidor => "chatwoot-6704-semana-do-consumidor.json",
    gabrieldwight_194_order_shipped => "gabrieldwight-194-order-shipped.json",
    gabrieldwight_96_scadenza_revisione => "gabrieldwight-96-scadenza-revisione.json",
    glific_4383_otp_verification => "glific-4383-otp-verification.json",
    issue15_button_emoji => "issue15-button-emoji.json",
    issue15_contatta_direttamente => "issue15-contatta-direttamente.json",
    issue15_hola_usted_recibe => "issue15-hola-usted-recibe.json",
    issue15_youre_booked => "issue15-youre-booked.json",
    jyt_pr2134_fixed_jyt_partner_message_v1 => "jyt-pr2134-fixed-jyt-partner-message-v1.json",
    jyt_pr2134_jyt_partner_message_v1 => "jyt-pr2134-jyt-partner-message-v1.json",
    jyt_templates_2388060_jyt_production_run_assigned_v3 => "jyt-templates-2388060-jyt-production-run-assigned-v3.json",
    jyt_templates_assigned_jyt_production_run_assigned_v3 => "jyt-templates-assigned-jyt-production-run-assigned-v3.json",
    megaapp_324_test_v2 => "megaapp-324-test-v2.json",
    meta_auth_copy_code_authentication_code_copy_code_button => "meta-auth-copy-code-authentication-code-copy-code-button.json",
    meta_auth_one_tap_authentication_code_autofill_button => "meta-auth-one-tap-authentication-code-autofill-button.json",
    meta_auth_zero_tap_terms_zero_tap_auth_template => "meta-auth-zero-tap-terms-zero-tap-auth-template.json",
    meta_auth_zero_tap_zero_tap_auth_template => "meta-auth-zero-tap-zero-tap-auth-template.json",
    meta_boundary_11_quick_replies_pick_your_store => "meta-boundary-11-quick-replies-pick-your-store.json",
    meta_boundary_auth_expiry_authentication_code_copy_code_button => "meta-boundary-auth-expiry-authentication-code-copy-code-button.json",
    meta_boundary_auth_hash_zero_tap_auth_template => "meta-boundary-auth-hash-zero-tap-auth-template.json",
    meta_boundary_coupon_21_coupon_code_onetime_winter_2025 => "meta-boundary-coupon-21-coupon-code-onetime-winter-2025.json",
    meta_boundary_flow_two_sources_example_template_name => "meta-boundary-flow-two-sources-example-template-name.json",
    meta_boundary_header_vars_seasonal_promotion => "meta-boundary-header-vars-seasonal-promotion.json",
    meta_boundary_lto_text_limited_time_offer_caribbean_pkg_2023 => "meta-boundary-lto-text-limited-time-offer-caribbean-pkg-2023.json",
    meta_boundary_url_middle_seasonal_promotion_link => "meta-boundary-url-middle-seasonal-promotion-link.json",
    meta_call_button_call_us => "meta-call-button-call-us.json",
    meta_call_permission_vip_early_access_call => "meta-call-permission-vip-early-access-call.json",
    meta_carousel_carousel_template_media_cards_v1 => "meta-carousel-carousel-template-media-cards-v1.json",
    meta_carousel_one_card_carousel_template_media_cards_v1 => "meta-carousel-one-card-carousel-template-media-cards-v1.json",
    meta_catalog_intro_catalog_offer => "meta-catalog-intro-catalog-offer.json",
    meta_components_grouping_ok_store_reopening_mixed => "meta-components-grouping-ok-store-reopening-mixed.json",
    meta_components_grouping_store_reopening => "meta-components-grouping-store-reopening.json",
    meta_components_grouping2_store_reopening_links => "meta-components-grouping2-store-reopening-links.json",
    meta_components_order_confirmation => "meta-components-order-confirmation.json",
    meta_components_order_delivery_update => "meta-components-order-delivery-update.json",
    meta_components_seasonal_promotion => "meta-components-seasonal-promotion.json",
    meta_coupon_coupon_code_onetime_winter_2025 => "meta-coupon-coupon-code-onetime-winter-2025.json",
    meta_coupon_named_winter_sale_coupon => "meta-coupon-named-winter-sale-coupon.json",
    meta_custom_marketing_welcome_discount_template => "meta-custom-marketing-welcome-discount-template.json",
    meta_flow_id_example_template_name => "meta-flow-id-example-template-name.json",
    meta_flow_json_example_template_name => "meta-flow-json-example-template-name.json",
    meta_flow_name_example_template_name => "meta-flow-name-example-template-name.json",
    meta_library_my_delivery_update => "meta-library-my-delivery-update.json",
    meta_location_named_order_delivery_update => "meta-location-named-order-delivery-update.json",
    meta_lto_footer_limited_time_offer_caribbean_pkg_2023 => "meta-lto-footer-limited-time-offer-caribbean-pkg-2023.json",
    meta_lto_limited_time_offer_caribbean_pkg_2023 => "meta-lto-limited-time-offer-caribbean-pkg-2023.json",
    meta_mpm_abandoned_cart => "meta-mpm-abandoned-cart.json",
    meta_overview_named_order_confirmation => "meta-overview-named-order-confirmation.json",
    meta_overview_positional_order_confirmation => "meta-overview-positional-order-confirmation.json",
    meta_payment_request_payment_request_br => "meta-payment-request-payment-request-br.json",
    meta_product_carousel_carousel_template_product_cards_v1 => "meta-product-carousel-carousel-template-product-cards-v1.json",
    meta_review_sequence_delivery_window_notice => "meta-review-sequence-delivery-window-notice.json",
    meta_review_special_chars_payment_due_notice => "meta-review-special-chars-payment-due-notice.json",
    meta_sample_hello_world => "meta-sample-hello-world.json",
    meta_spm_spm_template_named_params => "meta-spm-spm-template-named-params.json",
    meta_ttl_test_template => "meta-ttl-test-template.json",
    meta_utility_reservation_confirmation => "meta-utility-reservation-confirmation.json",
    meta_webhook_rejection_abandoned_cart => "meta-webhook-rejection-abandoned-cart.json",
    netflie_231_order_being_prepared => "netflie-231-order-being-prepared.json",
    netflie_231_refund_processed => "netflie-231-refund-processed.json",
    piusalfred_100_appointment_reminder => "piusalfred-100-appointment-reminder.json",
    pywa_115_maintenance_reminder => "pywa-115-maintenance-reminder.json",
}

#[test]
#[allow(clippy::print_stdout)] // the table and the figure are this test's report
fn the_agreement_figure() {
    let listed: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"))
            .expect("the corpus folder reads")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .collect();
    for name in &listed {
        assert!(
            FILES.contains(&name.as_str()),
            "{name} is in the corpus but has no test: add it to corpus!"
        );
    }
    let outcomes: Vec<Outcome> = FILES.iter().map(|file| judge(file)).collect();
    let agreeing = outcomes.iter().filter(|outcome| outcome.agrees).count();
    println!("| file | Meta | Herald's errors | agrees |");
    println!("| --- | --- | --- | --- |");
    for outcome in &outcomes {
        let codes: Vec<&str> = outcome
            .herald
            .iter()
            .map(|found| found.code.as_str())
            .collect();
        println!(
            "| {} | {} | {} | {} |",
            outcome.file,
            outcome.meta,
            if codes.is_empty() {
                "none".to_owned()
            } else {
                codes.join(", ")
            },
            if outcome.agrees { "yes" } else { "NO" }
        );
    }
    println!(
        "agreement: {agreeing} of {} ({:.1} %)",
        outcomes.len(),
        100.0 * agreeing as f64 / outcomes.len() as f64
    );
    for (file, reason) in KNOWN_DISAGREEMENTS {
        println!("known disagreement: {file}: {reason}");
    }
    let disagreeing: Vec<&str> = outcomes
        .iter()
        .filter(|outcome| !outcome.agrees)
        .map(|outcome| outcome.file)
        .collect();
    let mut known: Vec<&str> = KNOWN_DISAGREEMENTS.iter().map(|(file, _)| *file).collect();
    known.sort_unstable();
    assert_eq!(
        disagreeing, known,
        "every case agrees with Meta but the known ones"
    );
}
