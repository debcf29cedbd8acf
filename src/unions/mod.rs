//! `/api/v1/unions`: cooperative unions (liên hiệp HTX) and their member cooperatives.

pub(crate) mod memberships;

crate::organization_routes! {
    kind: crate::domain::OrgKind::Union,
    tag: "unions",
    noun: "cooperative union",
    paths: {
        collection: "/unions",
        export: "/unions/export",
        item: "/unions/{id:[0-9]+}",
        status: "/unions/{id:[0-9]+}/status",
        capital: "/unions/{id:[0-9]+}/capital",
        members: "/unions/{id:[0-9]+}/members",
        locations: "/unions/{id:[0-9]+}/locations",
        history: "/unions/{id:[0-9]+}/history"
    },
    operation_ids: {
        list: "list_unions", export: "export_unions", create: "create_union", get: "get_union",
        update: "update_union", status: "change_union_status",
        capital: "list_union_capital", add_capital: "add_union_capital",
        members: "list_union_member_counts", add_members: "add_union_member_count",
        locations: "list_union_locations", history: "list_union_history"
    }
}

/// The union's routes and those of its memberships.
pub fn all_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    routes(cfg);
    memberships::routes(cfg);
}
