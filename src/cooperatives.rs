//! `/api/v1/cooperatives`: cooperatives (hợp tác xã, HTX).

crate::organization_routes! {
    kind: crate::domain::OrgKind::Cooperative,
    tag: "cooperatives",
    noun: "cooperative",
    paths: {
        collection: "/cooperatives",
        export: "/cooperatives/export",
        item: "/cooperatives/{id:[0-9]+}",
        status: "/cooperatives/{id:[0-9]+}/status",
        capital: "/cooperatives/{id:[0-9]+}/capital",
        members: "/cooperatives/{id:[0-9]+}/members",
        locations: "/cooperatives/{id:[0-9]+}/locations",
        history: "/cooperatives/{id:[0-9]+}/history"
    },
    operation_ids: {
        list: "list_cooperatives", export: "export_cooperatives", create: "create_cooperative", get: "get_cooperative",
        update: "update_cooperative", status: "change_cooperative_status",
        capital: "list_cooperative_capital", add_capital: "add_cooperative_capital",
        members: "list_cooperative_members", add_members: "add_cooperative_members",
        locations: "list_cooperative_locations", history: "list_cooperative_history"
    }
}
