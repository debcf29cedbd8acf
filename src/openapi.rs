//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

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
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// The document the server serves at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::app::registry().split_for_parts().1
}

/// The document as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
