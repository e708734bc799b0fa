//! A JSON body extractor whose rejections use the API's error shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use herald_api::ErrorCode;

use crate::error::AppError;

/// Like `axum::Json`, but a malformed or oversized body is a `{"code", "message"}` error.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AppJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::BytesRejection(rejection))
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(AppError::PayloadTooLarge)
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::BadRequest {
                code: ErrorCode::UnsupportedMediaType,
                message: "send the body as JSON with Content-Type: application/json".to_owned(),
                field: None,
            }),
            Err(rejection) => Err(AppError::BadRequest {
                code: ErrorCode::InvalidJson,
                message: rejection.body_text(),
                field: None,
            }),
        }
    }
}
