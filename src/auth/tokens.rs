//! API tokens: issued with a random secret shown once, stored as a SHA-256 hash, revoked
//! rather than deleted.
//!
//! The secrets are 256 random bits, so a fast hash is enough: guessing is hopeless
//! without a slow hash's help, and every request can afford the lookup.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use validator::Validate;

use super::{Actor, Role};
use crate::audit::{self, Object};
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::organizations::store::now;
use crate::schema::{api_tokens, districts};

/// Tells a registry token apart from other secrets (in logs, in secret scanners).
const SECRET_PREFIX: &str = "coop_";

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = api_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub district_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    /// What the token is for, e.g. "Việt Yên steering committee".
    pub name: String,
    pub role: Role,
    /// The district a `district` token speaks for.
    pub district_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The token that created it; absent when created at the command line.
    pub created_by: Option<i64>,
    /// Absent while the token is valid.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Token> for TokenView {
    fn from(t: Token) -> TokenView {
        TokenView {
            id: t.id,
            name: t.name,
            role: Role::from_db(&t.role),
            district_id: t.district_id,
            created_at: t.created_at.and_utc(),
            created_by: t.created_by,
            revoked_at: t.revoked_at.map(|r| r.and_utc()),
        }
    }
}

/// A new token and its secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    #[serde(flatten)]
    pub token: TokenView,
    /// Send as `Authorization: Bearer <secret>`. Not stored: keep it now.
    pub secret: String,
}

/// A token to issue.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::domain::not_blank")
    )]
    #[schema(example = "Việt Yên steering committee", min_length = 1, max_length = 100)]
    pub name: String,
    pub role: Role,
    /// Required for `district` tokens, refused for the others.
    pub district_id: Option<i64>,
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    crate::text::hex(&Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The valid token with this secret hash.
pub fn find_active(conn: &mut Conn, secret_hash: &str) -> Result<Option<Token>, ApiError> {
    Ok(on_backend!(conn, c => api_tokens::table
        .filter(api_tokens::secret_hash.eq(secret_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(Token::as_select())
        .first(c)
        .optional())?)
}

pub fn find(conn: &mut Conn, id: i64) -> Result<Token, ApiError> {
    on_backend!(conn, c => api_tokens::table.find(id).select(Token::as_select()).first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("token {id}")))
}

pub fn list(conn: &mut Conn) -> Result<Vec<Token>, ApiError> {
    Ok(
        on_backend!(conn, c => api_tokens::table.order(api_tokens::id.asc()).select(Token::as_select()).load(c))?,
    )
}

/// Issues a token; returns it with its secret.
pub fn issue(conn: &mut Conn, actor: &Actor, input: NewToken) -> Result<IssuedToken, ApiError> {
    match (input.role, input.district_id) {
        (Role::District, None) => {
            return Err(ApiError::invalid("district_id", "is required for a district token"));
        }
        (Role::District, Some(d)) => {
            let exists = districts::table.find(d).select(districts::id);
            if on_backend!(conn, c => exists.first::<i64>(c).optional())?.is_none() {
                return Err(ApiError::invalid("district_id", format!("unknown district {d}")));
            }
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid("district_id", "only goes with role district"));
        }
        (_, None) => {}
    }
    let secret = new_secret()?;
    let row = (
        api_tokens::name.eq(crate::text::clean(&input.name)),
        api_tokens::role.eq(input.role.as_str()),
        api_tokens::district_id.eq(input.district_id),
        api_tokens::secret_hash.eq(hash_secret(&secret)),
        api_tokens::created_at.eq(now()),
        api_tokens::created_by.eq(actor.token_id),
    );
    let id: i64 = on_backend!(conn, c => diesel::insert_into(api_tokens::table)
        .values(row)
        .returning(api_tokens::id)
        .get_result(c))?;
    audit::created(conn, actor, "token.issue", Object::Token(id))?;
    Ok(IssuedToken { token: find(conn, id)?.into(), secret })
}

/// Revokes a token: it stops working at once and stays on record.
pub fn revoke(conn: &mut Conn, actor: &Actor, id: i64) -> Result<Token, ApiError> {
    audit::change(conn, actor, "token.revoke", Object::Token(id), |conn| {
        let token = find(conn, id)?;
        if token.revoked_at.is_some() {
            return Err(ApiError::conflict("id", format!("token {id} is revoked already")));
        }
        let target = api_tokens::table.find(id).filter(api_tokens::revoked_at.is_null());
        on_backend!(conn, c => diesel::update(target).set(api_tokens::revoked_at.eq(now())).execute(c))?;
        find(conn, id)
    })
}
