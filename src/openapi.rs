//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coop-registry",
        description = "The register of Vietnam's cooperative sector: cooperatives (hợp tác xã), \
                       cooperative unions (liên hiệp hợp tác xã) and cooperative groups (tổ hợp tác), \
                       with their sectors, locations, charter capital and members over time.\n\n\
                       Errors are RFC 9457 problem documents (`application/problem+json`) that name \
                       the fields at fault. Money is an integer number of đồng (VND); dates are \
                       calendar dates (YYYY-MM-DD).",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    tags(
        (name = "reference", description = "Provinces, districts and sectors"),
        (name = "cooperatives", description = "Cooperatives (hợp tác xã, HTX)"),
        (name = "unions", description = "Cooperative unions (liên hiệp HTX) and their member cooperatives"),
        (name = "cooperative-groups", description = "Cooperative groups (tổ hợp tác)"),
        (name = "statistics", description = "Figures as of any date, registrations against plan, plan targets"),
        (name = "submissions", description = "Registrations, amendments and dissolutions filed by district steering committees and decided by the provincial office"),
        (name = "audit", description = "Who changed what, when: the append-only audit trail"),
        (name = "tokens", description = "API tokens and their roles"),
        (name = "operations", description = "Health and readiness"),
    ),
    components(schemas(
        crate::organizations::input::NewOrganization,
        crate::submissions::payload::OrganizationAmendment,
        crate::submissions::payload::GroupAmendment,
        crate::submissions::payload::Dissolution,
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// Bearer tokens. An operation's security requirement lists the roles that may call it
/// (OpenAPI 3.1 allows role names for non-OAuth schemes); reading the public register
/// and statistics needs none.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token issued by an administrator (`POST /api/v1/tokens`, or \
                         `coop-registry token create` for the first one).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every POST takes an `Idempotency-Key` (the middleware in `idempotency` serves them all).
struct IdempotentPosts;

impl Modify for IdempotentPosts {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let Some(post) = item.post.as_mut() else { continue };
            let parameter = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the same key with the same request replays the first \
                     response (marked `Idempotent-Replayed: true`) and changes nothing; with \
                     another request it is a 422. Keys are kept 48 hours.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some("^[!-~]+$")),
                ))
                .build();
            post.parameters.get_or_insert_with(Vec::new).push(parameter);
            let answers = [
                ("400", "Malformed request or `Idempotency-Key`"),
                ("409", "A request with this `Idempotency-Key` is still being handled"),
                ("422", "The `Idempotency-Key` was used with another request"),
            ];
            for (status, description) in answers {
                post.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description, &[]).into());
            }
        }
    }
}

/// A problem+json response with these headers (name, description, type).
fn problem(description: &str, headers: &[(&str, &str, Type)]) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
    );
    for (name, about, kind) in headers {
        let header = HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(kind.clone()))
            .description(Some(*about))
            .build();
        response = response.header(*name, header);
    }
    response.build()
}

/// Answers any operation may give that no handler decides: 429 past the rate limit
/// (every route but the probes and the metrics scrape) and 503 while the database is
/// busy past the query timeout or unreachable, each with `Retry-After`. Defined once
/// under `components/responses` and referred to by every operation.
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let retry_after = ("Retry-After", "Seconds to wait before trying again", Type::Integer);
        let rate_limit = [
            retry_after.clone(),
            ("RateLimit-Limit", "Requests allowed in a burst", Type::Integer),
            ("RateLimit-Remaining", "Requests left in the current window", Type::Integer),
            ("RateLimit-Reset", "Seconds until the allowance is whole again", Type::Integer),
        ];
        let shared = [
            ("429", "TooManyRequests", problem("Too many requests from this token or address", &rate_limit)),
            (
                "503",
                "Unavailable",
                problem("The database is busy or unreachable; retry later", &[retry_after]),
            ),
        ];
        let components = openapi.components.get_or_insert_with(Default::default);
        for (_, name, response) in &shared {
            components.responses.insert((*name).to_owned(), response.clone().into());
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            if crate::ratelimit::exempt(path) {
                continue;
            }
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                for (status, name, _) in &shared {
                    let reference = Ref::new(format!("#/components/responses/{name}"));
                    operation.responses.responses.entry((*status).to_owned()).or_insert(reference.into());
                }
            }
        }
    }
}

/// The document the server serves at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    complete(crate::app::registry().split_for_parts().1)
}

/// What can only be added once every route is in: the idempotency header of POSTs, the
/// refusals every limited route may give.
pub fn complete(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    IdempotentPosts.modify(&mut api);
    Refusals.modify(&mut api);
    api
}

/// The document as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
