//! Who is calling, and may they: bearer tokens resolved to an [`Actor`], and the
//! policies that name which roles may call a route.
//!
//! A handler states its policy in its signature (`actor: Authorized<Reviewers>`): no
//! token is a 401, a token of another role a 403. Checks on the object itself (a district
//! touching another district's data) happen in the handler, with [`Actor::speaks_for`].

pub mod routes;
pub mod tokens;

use std::marker::PhantomData;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::db::Db;
pub use crate::domain::Role;
use crate::error::ApiError;

/// Who made a change: a token, or the command line (for the first admin token and
/// bulk loads).
#[derive(Debug, Clone)]
pub struct Actor {
    pub token_id: Option<i64>,
    pub role: Option<Role>,
    /// The district a `district` token speaks for.
    pub district_id: Option<i64>,
    /// The request that made the change, for the audit trail.
    pub request_id: Option<String>,
}

impl Actor {
    /// The operator at the command line.
    pub fn command_line() -> Actor {
        Actor { token_id: None, role: None, district_id: None, request_id: None }
    }

    /// The role as the audit trail records it.
    pub fn role_label(&self) -> &'static str {
        self.role.map_or("cli", Role::as_str)
    }

    /// 403 unless this actor may act for `district_id`: every role but `district` acts
    /// for all districts, a district committee only for its own.
    pub fn speaks_for(&self, district_id: Option<i64>) -> Result<(), ApiError> {
        match (self.role, self.district_id) {
            (Some(Role::District), Some(own)) if district_id != Some(own) => {
                Err(ApiError::Forbidden(format!(
                    "this token speaks for district {own} only{}",
                    district_id.map(|d| format!("; the record is in district {d}")).unwrap_or_default()
                )))
            }
            _ => Ok(()),
        }
    }
}

/// The request id the logging middleware gave the request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Roles allowed to call a route.
pub trait Policy {
    const ROLES: &'static [Role];
}

macro_rules! policy {
    ($(#[$meta:meta])* $name:ident = [$($role:ident),+]) => {
        $(#[$meta])*
        pub struct $name;
        impl Policy for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),+];
        }
    };
}

policy!(
    /// Token management, plan targets, reference data.
    Admins = [Admin]
);
policy!(
    /// The provincial office: decides submissions, edits the register directly.
    Reviewers = [Reviewer]
);
policy!(
    /// District steering committees, submitting for their district.
    Districts = [District]
);
policy!(
    /// Who may read submissions (a district only its own).
    SubmissionReaders = [Admin, Reviewer, Analyst, District]
);
policy!(
    /// Who may read the audit trail.
    AuditReaders = [Admin, Reviewer, Analyst]
);
policy!(
    /// Who may import records in bulk.
    Importers = [Admin, Reviewer]
);
policy!(
    /// Any valid token.
    AnyRole = [Admin, Reviewer, District, Analyst]
);

/// An authenticated caller whose role the policy `P` allows.
pub struct Authorized<P>(pub Actor, PhantomData<P>);

/// The secret of an `Authorization: Bearer` header; `Ok(None)` without the header.
pub fn bearer_secret(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into());
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, secret) = value.split_once(' ').ok_or_else(malformed)?;
    let secret = secret.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || secret.is_empty() {
        return Err(malformed());
    }
    Ok(Some(secret.to_owned()))
}

/// What the `Authorization` header of a request came to; set by [`authenticate`].
#[derive(Debug, Clone)]
pub enum Credentials {
    Valid(Actor),
    Refused(&'static str),
    Unavailable(String),
}

/// Middleware: resolves a bearer token before any handler runs, so that a handler's
/// `Authorized` is settled first, before its body is even read (no 422 for a caller
/// who may not make the request at all).
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let credentials = match bearer_secret(req.request()) {
        Ok(None) => None,
        Err(_) => Some(Credentials::Refused("the Authorization header must be `Bearer <token>`")),
        Ok(Some(secret)) => Some(match req.app_data::<web::Data<Db>>().cloned() {
            None => Credentials::Unavailable("no database configured".into()),
            Some(db) => {
                let hash = tokens::hash_secret(&secret);
                let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
                // On the primary: a revocation takes effect at once, replica lag or not.
                match db.on_primary().read(move |c| tokens::find_active(c, &hash)).await {
                    Ok(Some(token)) => Credentials::Valid(Actor {
                        token_id: Some(token.id),
                        role: Some(Role::from_db(&token.role)),
                        district_id: token.district_id,
                        request_id,
                    }),
                    Ok(None) => Credentials::Refused("the token is unknown or has been revoked"),
                    Err(e) => Credentials::Unavailable(e.to_string()),
                }
            }
        }),
    };
    if let Some(credentials) = credentials {
        req.extensions_mut().insert(credentials);
    }
    next.call(req).await
}

/// The caller the request's token names, if it is a valid one.
pub fn caller(req: &impl HttpMessage) -> Option<Actor> {
    match req.extensions().get::<Credentials>() {
        Some(Credentials::Valid(actor)) => Some(actor.clone()),
        _ => None,
    }
}

impl<P: Policy> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = req.extensions().get::<Credentials>().cloned();
        std::future::ready(match credentials {
            None => Err(ApiError::Unauthorized(
                "this route needs a token: send `Authorization: Bearer <token>`".into(),
            )),
            Some(Credentials::Refused(why)) => Err(ApiError::Unauthorized(why.into())),
            Some(Credentials::Unavailable(why)) => Err(ApiError::Unavailable(why)),
            Some(Credentials::Valid(actor)) => {
                let role = actor.role.expect("a token has a role");
                if P::ROLES.contains(&role) {
                    Ok(Authorized(actor, PhantomData))
                } else {
                    let allowed: Vec<&str> = P::ROLES.iter().map(|r| r.as_str()).collect();
                    Err(ApiError::Forbidden(format!(
                        "a {} token may not do this; it needs one of: {}",
                        role.as_str(),
                        allowed.join(", ")
                    )))
                }
            }
        })
    }
}
