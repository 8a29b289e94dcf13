//! Bearer-token authentication as HubSpot does it: `Authorization: Bearer <token>`, tokens
//! looked up by their SHA-256 hash, 401 `INVALID_AUTHENTICATION` when missing or unknown,
//! and 403 `MISSING_SCOPES` naming the scopes that would have sufficed.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::store::{PortalId, TokenInfo};

/// The authenticated caller: its portal and scopes.
#[derive(Clone, Debug)]
pub struct Auth {
    pub portal: PortalId,
    /// The token as the store holds it, shared rather than copied per request.
    token: Arc<TokenInfo>,
}

impl Auth {
    /// The token's row id: the key of its rate-limit windows.
    pub fn token_id(&self) -> i64 {
        self.token.id
    }

    /// The scopes the token holds.
    pub fn scopes(&self) -> &[String] {
        &self.token.scopes
    }

    /// Passes if the token holds any one of `any_of`.
    pub fn require(&self, any_of: &[&str]) -> ApiResult<()> {
        if any_of
            .iter()
            .any(|s| self.token.scopes.iter().any(|held| held == s))
        {
            Ok(())
        } else {
            Err(ApiError::missing_scopes(any_of))
        }
    }
}

/// The 401 message for a token this server does not know (or no longer honours).
pub const INVALID_TOKEN: &str = "The access token provided is invalid, has been revoked, or belongs to no portal on this server.";

pub fn hash_token(token: &str) -> String {
    hex_string(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex of a 32-byte digest. `hex::encode` goes through an iterator of chars;
/// every authenticated request hashes its token, so this writes the digits in place.
fn hex_string(digest: &[u8]) -> String {
    let mut digits = [0u8; 64];
    match hex::encode_to_slice(digest, &mut digits) {
        Ok(()) => String::from_utf8_lossy(&digits).into_owned(),
        Err(_) => hex::encode(digest),
    }
}

/// A new private-app style token: `pat-na1-` and a random UUID.
pub fn generate_token() -> String {
    format!("pat-na1-{}", uuid::Uuid::new_v4())
}

/// Looks the bearer token of `headers` up: 401 when it is missing, unknown or revoked.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Auth> {
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let token = header.and_then(|h| {
        let (scheme, token) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(ApiError::unauthenticated(
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        ));
    };
    match state
        .store
        .portals
        .token_by_hash(&hash_token(token))
        .await?
    {
        Some(token) => {
            super::access_log::note_portal(token.portal);
            Ok(Auth {
                portal: token.portal,
                token,
            })
        }
        None => Err(ApiError::unauthenticated(INVALID_TOKEN)),
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The rate limiter authenticated the request already when limits are on.
        if let Some(auth) = parts.extensions.get::<Auth>() {
            return Ok(auth.clone());
        }
        authenticate(state, &parts.headers).await
    }
}
