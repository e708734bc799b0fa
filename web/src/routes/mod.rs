//! One module per page.

pub mod accounts;
pub mod campaigns;
pub mod interactions;
pub mod lists;
pub mod sign_in;
pub mod templates;
pub mod users;
