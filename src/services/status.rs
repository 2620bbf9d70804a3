//! The operator's announcement, for the home page.

use fixpath_core::api::{Announcement, Endpoint, Status};

use super::http;

/// The current announcement; `None` when there is none or the helper is unreachable
/// (the home page then simply shows no banner).
pub async fn announcement() -> Option<Announcement> {
    http::get_json::<Status>(Endpoint::Status, &[], 3_000)
        .await
        .ok()
        .and_then(|(s, _)| s.announcement)
}
