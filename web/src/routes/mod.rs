//! One module per page.

pub mod accounts;
pub mod sign_in;
pub mod templates;
