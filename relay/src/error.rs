//! The one mapping from failures to HTTP responses: every API error is
//! `{"code", "message", "field"?, "diagnostics"?}` with a stable code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use herald_api::{ErrorBody, ErrorCode};
use herald_store::StoreError;
use herald_templates::{Code, Component, Diagnostic};

/// Result of a handler.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Every way an API call can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 401: no valid session.
    #[error("sign in first")]
    Unauthenticated,
    /// 401: wrong user name or password.
    #[error("wrong user name or password")]
    BadCredentials,
    /// 401: a webhook without a valid signature; nothing is stored.
    #[error("the webhook signature is missing or wrong")]
    SignatureInvalid,
    /// 403: the user's role may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// 404: no such thing.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: a unique value is taken.
    #[error("{message}")]
    Conflict {
        /// The field holding the duplicate.
        field: &'static str,
        /// What is duplicated.
        message: String,
    },
    /// 400: the request is malformed or a field is out of bounds.
    #[error("{message}")]
    BadRequest {
        /// Stable code, e.g. `invalid_json`.
        code: ErrorCode,
        /// What is wrong.
        message: String,
        /// The field at fault.
        field: Option<&'static str>,
    },
    /// 422: the template core refused the template; every diagnostic is returned.
    #[error("the template has errors")]
    TemplateInvalid(Vec<Diagnostic>),
    /// 409: the action does not fit the current state (e.g. editing a deleted template).
    #[error("{message}")]
    InvalidState {
        /// Stable code.
        code: ErrorCode,
        /// What is wrong.
        message: String,
    },
    /// 413: the body is over the route's limit.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 502: the provider refused or failed; its code and message are passed on.
    #[error("the provider refused: {}", .0.message)]
    Provider(Box<crate::providers::ProviderError>),
    /// 429: too many attempts.
    #[error("too many attempts: wait a minute and try again")]
    TooManyAttempts,
    /// 500: anything unexpected; the detail is logged, never sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::providers::ProviderError> for AppError {
    fn from(error: crate::providers::ProviderError) -> Self {
        Self::Provider(Box::new(error))
    }
}

impl AppError {
    /// A 400 naming `field`.
    pub fn invalid(code: ErrorCode, field: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
            field: Some(field),
        }
    }

    fn status_and_body(&self) -> (StatusCode, ErrorBody) {
        let body = |code: ErrorCode, field: Option<&str>| ErrorBody {
            code,
            message: self.to_string(),
            field: field.map(str::to_owned),
            diagnostics: Vec::new(),
        };
        match self {
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                body(ErrorCode::Unauthenticated, None),
            ),
            Self::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                body(ErrorCode::BadCredentials, None),
            ),
            Self::SignatureInvalid => (
                StatusCode::UNAUTHORIZED,
                body(ErrorCode::SignatureInvalid, None),
            ),
            Self::Forbidden => (StatusCode::FORBIDDEN, body(ErrorCode::Forbidden, None)),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, body(ErrorCode::NotFound, None)),
            Self::Conflict { field, .. } => {
                (StatusCode::CONFLICT, body(ErrorCode::Conflict, Some(field)))
            }
            Self::BadRequest { code, field, .. } => (StatusCode::BAD_REQUEST, body(*code, *field)),
            Self::TemplateInvalid(diagnostics) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody {
                    diagnostics: diagnostics.clone(),
                    ..body(ErrorCode::TemplateInvalid, None)
                },
            ),
            Self::InvalidState { code, .. } => (StatusCode::CONFLICT, body(*code, None)),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                body(ErrorCode::PayloadTooLarge, None),
            ),
            Self::Provider(error) => {
                let message = match (
                    error
                        .code
                        .map(|code| code.to_string())
                        .or(error.code_text.clone()),
                    &error.details,
                ) {
                    (Some(code), Some(details)) => {
                        format!("{} (error {code}: {details})", error.message)
                    }
                    (Some(code), None) => format!("{} (error {code})", error.message),
                    _ => error.message.clone(),
                };
                // A template refusal that names its part is shown beside that field.
                let diagnostics = error
                    .subcode
                    .and_then(Component::refused_by_meta)
                    .map(|component| {
                        let reason = error.user_message.as_deref().unwrap_or(&message).to_owned();
                        Diagnostic::new(Code::ProviderRefused, component, reason, None)
                    })
                    .into_iter()
                    .collect();
                (
                    StatusCode::BAD_GATEWAY,
                    ErrorBody {
                        message,
                        diagnostics,
                        ..body(ErrorCode::ProviderError, None)
                    },
                )
            }
            Self::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                body(ErrorCode::TooManyAttempts, None),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorBody {
                    code: ErrorCode::Internal.to_owned(),
                    message: "something went wrong on the server; it has been logged".to_owned(),
                    field: None,
                    diagnostics: Vec::new(),
                },
            ),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound("record"),
            StoreError::Conflict { constraint } => Self::Conflict {
                field: constraint,
                message: format!("this {constraint} is already taken"),
            },
            StoreError::Other(cause) => Self::Internal(anyhow::Error::from_boxed(cause)),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        let (status, body) = self.status_and_body();
        (status, Json(body)).into_response()
    }
}
