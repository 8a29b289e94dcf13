//! The admin API under `/_crm-exports/`, outside HubSpot's paths: what a test suite drives
//! to control this stand-in (new portals, reset, fixtures, snapshots, the clock, injected faults). Every route
//! needs a token holding `crm-exports.admin` (403 `MISSING_SCOPES` otherwise), and none
//! exists with `serve --admin-api off`. It reads and writes through the store's roles and
//! the shared clock and fault registry; it never imports `jobs`.

mod clock;
mod faults;
mod fixtures;
mod portals;
mod snapshots;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{delete, get, post};

pub use self::faults::inject;
pub use self::snapshots::wait_for_restore;
use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use crate::domain::scope::ADMIN_SCOPE;

/// Where the admin routes are nested.
pub const PREFIX: &str = "/_crm-exports";

/// The admin routes under [`PREFIX`], or none with `--admin-api off` (every admin path is
/// then the unknown-route 404). The prefix is written out so that the route reader of the
/// hostile-input tests, which reads this source, finds it.
pub fn router(enabled: bool) -> Router<AppState> {
    if !enabled {
        return Router::new();
    }
    Router::new().nest("/_crm-exports", routes())
}

fn routes() -> Router<AppState> {
    Router::new()
        .route("/portals", post(portals::create))
        .route("/portals/{portal_id}/reset", post(portals::reset))
        .route(
            "/portals/{portal_id}/fixtures",
            get(fixtures::dump).post(fixtures::load),
        )
        .route("/snapshots", get(snapshots::list).post(snapshots::create))
        .route("/snapshots/{name}", delete(snapshots::remove))
        .route("/snapshots/{name}/restore", post(snapshots::restore))
        .route("/clock", get(clock::show).post(clock::change))
        .route(
            "/faults",
            get(faults::list).post(faults::add).delete(faults::clear),
        )
}

/// A caller whose token holds the admin scope.
pub struct Admin(pub Auth);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state).await?;
        auth.require(&[ADMIN_SCOPE])?;
        Ok(Admin(auth))
    }
}
