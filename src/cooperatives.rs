//! `/api/v1/cooperatives`: cooperatives (hợp tác xã, HTX).

crate::organization_routes! {
    kind: crate::domain::OrgKind::Cooperative,
    tag: "cooperatives",
    noun: "cooperative",
    paths: {
        collection: "/cooperatives",
        export: "/cooperatives/export",
        item: "/cooperatives/{id}",
        status: "/cooperatives/{id}/status",
        capital: "/cooperatives/{id}/capital",
        members: "/cooperatives/{id}/members",
        locations: "/cooperatives/{id}/locations"
    },
    operation_ids: {
        list: "list_cooperatives", export: "export_cooperatives", create: "create_cooperative", get: "get_cooperative",
        update: "update_cooperative", status: "change_cooperative_status",
        capital: "list_cooperative_capital", add_capital: "add_cooperative_capital",
        members: "list_cooperative_members", add_members: "add_cooperative_members",
        locations: "list_cooperative_locations"
    }
}
