//! Prometheus metrics, served at `/metrics` in the text exposition format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Labels of a webhook count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct WebhookLabels {
    /// `meta`, `sandbox` or `kaleyra`.
    pub provider: String,
    /// `stored`, `replayed`, `unknown_account`, `bad_signature` or `invalid`.
    pub outcome: String,
}

/// Labels of a provider call count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ProviderCallLabels {
    /// What was called, e.g. `create_template`.
    pub operation: String,
    /// `ok`, or the provider's error code (`none` for a transport failure).
    pub outcome: String,
}

/// Labels of an impossible hopper move.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct IllegalMoveLabels {
    /// The state the contact was in.
    pub from: String,
    /// The event the state machine refused.
    pub event: String,
}

/// Every metric the relay keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Webhooks received, by outcome.
    pub webhooks: Family<WebhookLabels, Counter>,
    /// Provider API calls, by operation and outcome.
    pub provider_calls: Family<ProviderCallLabels, Counter>,
    /// Passes of the campaign engine over the campaigns (tests wait on it instead of sleeping).
    pub campaign_rounds: Counter,
    /// Hopper moves the state machine refused (a bug: the row stayed where it was).
    pub illegal_moves: Family<IllegalMoveLabels, Counter>,
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("herald");
        let webhooks = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "webhooks",
            "Provider webhooks received, by outcome",
            webhooks.clone(),
        );
        let provider_calls = Family::<ProviderCallLabels, Counter>::default();
        registry.register(
            "provider_calls",
            "Calls to provider APIs, by operation and outcome",
            provider_calls.clone(),
        );
        let campaign_rounds = Counter::default();
        registry.register(
            "campaign_rounds",
            "Passes of the campaign engine over the campaigns",
            campaign_rounds.clone(),
        );
        let illegal_moves = Family::<IllegalMoveLabels, Counter>::default();
        registry.register(
            "illegal_hopper_moves",
            "Hopper moves the state machine refused, by state and event; each left its contact where it was",
            illegal_moves.clone(),
        );
        Self {
            registry,
            webhooks,
            provider_calls,
            campaign_rounds,
            illegal_moves,
        }
    }

    /// Counts a webhook.
    pub fn webhook(&self, provider: &str, outcome: &str) {
        self.webhooks
            .get_or_create(&WebhookLabels {
                provider: provider.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts a provider call and its outcome.
    pub fn provider_call<T>(
        &self,
        operation: &str,
        result: &Result<T, crate::providers::ProviderError>,
    ) {
        let outcome = match result {
            Ok(_) => "ok".to_owned(),
            Err(error) => error
                .code
                .map_or_else(|| "none".to_owned(), |code| code.to_string()),
        };
        self.provider_calls
            .get_or_create(&ProviderCallLabels {
                operation: operation.to_owned(),
                outcome,
            })
            .inc();
    }

    /// Counts a hopper move the state machine refused.
    pub fn illegal_move(&self, refused: &herald_domain::IllegalTransition) {
        self.illegal_moves
            .get_or_create(&IllegalMoveLabels {
                from: refused.from.to_string(),
                event: format!("{:?}", refused.event),
            })
            .inc();
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if encode(&mut text, &self.registry).is_err() {
            tracing::error!("cannot encode the metrics");
        }
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
