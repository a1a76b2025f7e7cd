//! Who is asking: extractors for the signed-in user (bearer token under `/api`, session cookie
//! elsewhere), for staff only, and for an optional user. Object-level rules live in
//! `domain::access` and the services; these extractors decide only "who".
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::{cookies, AppError, AppState};
use crate::domain::{Actor, ResourceId, TokenId, User};
use crate::services::{auth, tokens, By};

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session {
        secret: String,
    },
    Token {
        token_id: TokenId,
        resource_id: Option<ResourceId>,
    },
}

/// The signed-in user a request acts for.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub via: Via,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    /// The acting party, as services take it.
    pub fn by(&self) -> By {
        By::User {
            actor: self.actor(),
            email: self.user.email.clone(),
        }
    }

    pub fn session_secret(&self) -> Option<&str> {
        match &self.via {
            Via::Session { secret } => Some(secret),
            Via::Token { .. } => None,
        }
    }
}

/// The only addresses a device token (one limited to a machine) may call: it acts for a user,
/// often a staff account, and must not carry that user's other powers.
const DEVICE_PATHS: [&str; 2] = ["/api/v1/usage-events", "/api/v1/usage-events/batch"];

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

/// The caller's identity, looked up once per request and cached in its extensions.
#[derive(Clone)]
struct Identity(Option<CurrentUser>);

async fn identify(req: HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    if let Some(Identity(found)) = req.extensions().get::<Identity>() {
        return Ok(found.clone());
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    let found = if req.path().starts_with("/api/") {
        match bearer(&req)? {
            Some(secret) => {
                let bearer = state
                    .db(move |c| tokens::authenticate(c, &secret))
                    .await?
                    .ok_or_else(|| {
                        AppError::Unauthorized(
                            "The API token is unknown, expired or revoked.".into(),
                        )
                    })?;
                if bearer.resource_id.is_some() && !DEVICE_PATHS.contains(&req.path()) {
                    return Err(AppError::Forbidden(
                        "A device token only reports usage events for its machine.".into(),
                    ));
                }
                Some(CurrentUser {
                    user: bearer.user,
                    via: Via::Token {
                        token_id: bearer.token_id,
                        resource_id: bearer.resource_id,
                    },
                })
            }
            None => None,
        }
    } else {
        match cookies::read_signed(&req, &state.cookie_key, cookies::SESSION) {
            Some(secret) => {
                let lookup = secret.clone();
                state
                    .db(move |c| auth::session_user(c, &lookup))
                    .await?
                    .map(|user| CurrentUser {
                        user,
                        via: Via::Session { secret },
                    })
            }
            None => None,
        }
    };
    req.extensions_mut().insert(Identity(found.clone()));
    Ok(found)
}

/// `Authorization: Bearer <token>`; any other scheme is a clear 401.
fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(AppError::Unauthorized(
            "Send the API token as 'Authorization: Bearer <token>'.".into(),
        )),
    }
}

fn sign_in_needed(req: &HttpRequest) -> AppError {
    if req.path().starts_with("/api/") {
        AppError::Unauthorized("Send an API token as 'Authorization: Bearer <token>'.".into())
    } else {
        AppError::Unauthorized("Please sign in to see this page.".into())
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Boxed<CurrentUser>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            identify(req.clone())
                .await?
                .ok_or_else(|| sign_in_needed(&req))
        })
    }
}

/// A signed-in staff member (staff or admin); anyone else gets 403.
pub struct Staff(pub CurrentUser);

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Boxed<Staff>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = identify(req.clone())
                .await?
                .ok_or_else(|| sign_in_needed(&req))?;
            if !user.user.role.is_staff() {
                return Err(AppError::Forbidden(
                    "This is for the workshop's staff only.".into(),
                ));
            }
            Ok(Staff(user))
        })
    }
}

/// The signed-in user if there is one (public pages that greet members).
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = Boxed<MaybeUser>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeUser(identify(req).await?)) })
    }
}
