//! HTTP routes of cooperatives and unions. Both resources have the same shape, so one
//! macro writes their handlers; each instance names its paths and operation ids.

/// Writes the handlers and `routes` function of one organization resource.
#[macro_export]
macro_rules! organization_routes {
    (
        kind: $kind:expr,
        tag: $tag:literal,
        noun: $noun:literal,
        paths: { collection: $collection:literal, export: $export:literal, item: $item:literal, status: $status:literal,
                 capital: $capital:literal, members: $members:literal, locations: $locations:literal, history: $history:literal },
        operation_ids: { list: $op_list:literal, export: $op_export:literal, create: $op_create:literal, get: $op_get:literal,
                 update: $op_update:literal, status: $op_status:literal, capital: $op_capital:literal,
                 add_capital: $op_add_capital:literal, members: $op_members:literal,
                 add_members: $op_add_members:literal, locations: $op_locations:literal, history: $op_history:literal }
    ) => {
        use actix_web::http::header;
        use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

        use $crate::db::Db;
        use $crate::error::{AnyToken, ApiError, BadIdOrQuery, BadQuery, InvalidFields, JsonBody, MalformedJson, MalformedJsonOrId, NoSuchRecord, NotModified, Problem, RecordChanged, ReviewerToken};
        use $crate::extract::{Json, NoQuery, Query};
        use $crate::http::{conditional_json, etag, page_response, Page, Precondition};
        use $crate::organizations::input::{ListQuery, NewCapitalEntry, NewMemberEntry, NewOrganization, OrganizationPatch, StatusChange};
        use $crate::organizations::views::{CapitalEntryView, LocationEntryView, MemberEntryView, OrganizationView};
        use $crate::auth::{AuditReaders, Authorized, Reviewers};
        use $crate::organizations::{changes, queries};

        const KIND: $crate::domain::OrgKind = $kind;

        fn record_response(builder: &mut actix_web::HttpResponseBuilder, view: &OrganizationView) -> HttpResponse {
            builder
                .insert_header((header::ETAG, etag(KIND.as_str(), view.id, view.version)))
                .json(view)
        }

        async fn load_view(db: &Db, id: i64) -> Result<OrganizationView, ApiError> {
            Ok(db.read(move |c| queries::find(c, KIND, id)).await?.into())
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_list,
            summary = concat!("List ", $noun, "s: filter, search, sort, page"),
            params(ListQuery),
            responses(
                (status = 200, description = "One page; `Link: rel=\"next\"` points at the next", body = Page<OrganizationView>,
                 headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"), ("ETag" = String))),
                NotModified,
                (status = 400, description = "Bad query parameter or cursor", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($collection)]
        pub async fn list(db: web::Data<Db>, req: HttpRequest, query: Query<ListQuery>) -> Result<HttpResponse, ApiError> {
            let filter = query.0;
            let page = db.read(move |c| queries::list(c, KIND, &filter)).await?;
            let page = Page {
                items: page.items.into_iter().map(OrganizationView::from).collect::<Vec<_>>(),
                next_cursor: page.next_cursor,
            };
            Ok(page_response(&req, &page))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_export,
            summary = concat!("Export ", $noun, "s as CSV or newline-delimited JSON"),
            description = "Takes the list's filters, search and sort; streams every matching record \
                           page by page, so memory stays flat however large the export.",
            params($crate::organizations::export::ExportQuery),
            responses(
                (status = 200, description = "The records, streamed",
                 content((String = "text/csv"), (OrganizationView = "application/x-ndjson"))),
                BadQuery,
            )
        )]
        #[get($export)]
        pub async fn export(db: web::Data<Db>, query: Query<$crate::organizations::export::ExportQuery>) -> Result<HttpResponse, ApiError> {
            let (format, body) = $crate::organizations::export::export(db.get_ref().clone(), KIND, query.0).await?;
            Ok(HttpResponse::Ok().content_type(format.content_type()).streaming(body))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_create,
            security(("bearer" = ["reviewer"])),
            summary = concat!("Register a ", $noun),
            request_body = NewOrganization,
            responses(
                (status = 201, description = "Registered; `Location` names the new record", body = OrganizationView,
                 headers(("Location" = String, description = "URL of the new record"), ("ETag" = String))),
                MalformedJson,
                ReviewerToken,
                (status = 409, description = "Registration number taken", body = Problem, content_type = "application/problem+json"),
                JsonBody,
                InvalidFields,
            )
        )]
        #[post($collection)]
        pub async fn create(db: web::Data<Db>, req: HttpRequest, actor: Authorized<Reviewers>, body: Json<NewOrganization>) -> Result<HttpResponse, ApiError> {
            let input = body.0;
            let id = db.write(move |c| changes::register(c, &actor.0, KIND, input)).await?;
            let view = load_view(&db, id).await?;
            let location = format!("{}/{}", req.path().trim_end_matches('/'), id);
            Ok(record_response(HttpResponse::Created().insert_header((header::LOCATION, location)), &view))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_get,
            summary = concat!("Read one ", $noun),
            params(("id" = i64, Path, description = "Record id")),
            responses(
                (status = 200, description = "The record", body = OrganizationView, headers(("ETag" = String))),
                NotModified,
                BadIdOrQuery,
                NoSuchRecord,
            )
        )]
        #[get($item)]
        pub async fn read(db: web::Data<Db>, req: HttpRequest, id: web::Path<i64>, _: NoQuery) -> Result<HttpResponse, ApiError> {
            let view = load_view(&db, id.into_inner()).await?;
            Ok(conditional_json(&req, &etag(KIND.as_str(), view.id, view.version), &view))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_update,
            security(("bearer" = ["reviewer"])),
            summary = concat!("Change some fields of a ", $noun),
            description = "A change of province, district or address records a dated location entry. \
                           Send `If-Match` with the record's ETag to update only the version you read.",
            params(("id" = i64, Path, description = "Record id"),
                   Precondition),
            request_body = OrganizationPatch,
            responses(
                (status = 200, description = "The changed record", body = OrganizationView, headers(("ETag" = String))),
                MalformedJsonOrId,
                ReviewerToken,
                NoSuchRecord,
                (status = 409, description = "Conflicts with the record's state", body = Problem, content_type = "application/problem+json"),
                RecordChanged,
                JsonBody,
                InvalidFields,
            )
        )]
        #[patch($item)]
        pub async fn update(db: web::Data<Db>, req: HttpRequest, actor: Authorized<Reviewers>, id: web::Path<i64>, body: Json<OrganizationPatch>) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let expected = Precondition::from_request(&req)?;
            let patch = body.0;
            db.write(move |c| changes::update(c, &actor.0, KIND, id, patch, &expected)).await?;
            let view = load_view(&db, id).await?;
            Ok(record_response(&mut HttpResponse::Ok(), &view))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_status,
            security(("bearer" = ["reviewer"])),
            summary = concat!("Suspend, reactivate or dissolve a ", $noun),
            description = "Records are never deleted: dissolution sets the status and its date, \
                           closes open union memberships that day, and is final.",
            params(("id" = i64, Path, description = "Record id"),
                   Precondition),
            request_body = StatusChange,
            responses(
                (status = 200, description = "The changed record", body = OrganizationView, headers(("ETag" = String))),
                MalformedJsonOrId,
                ReviewerToken,
                NoSuchRecord,
                (status = 409, description = "Already dissolved", body = Problem, content_type = "application/problem+json"),
                RecordChanged,
                JsonBody,
                InvalidFields,
            )
        )]
        #[post($status)]
        pub async fn change_status(db: web::Data<Db>, req: HttpRequest, actor: Authorized<Reviewers>, id: web::Path<i64>, body: Json<StatusChange>) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let expected = Precondition::from_request(&req)?;
            let change = body.0;
            db.write(move |c| changes::change_status(c, &actor.0, KIND, id, change, &expected)).await?;
            let view = load_view(&db, id).await?;
            Ok(record_response(&mut HttpResponse::Ok(), &view))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_capital,
            summary = concat!("Charter capital history of a ", $noun),
            params(("id" = i64, Path, description = "Record id")),
            responses(
                (status = 200, description = "Entries, oldest first", body = Vec<CapitalEntryView>),
                BadIdOrQuery,
                NoSuchRecord,
            )
        )]
        #[get($capital)]
        pub async fn capital(db: web::Data<Db>, id: web::Path<i64>, _: NoQuery) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let rows = db.read(move |c| queries::capital_history(c, KIND, id)).await?;
            Ok(HttpResponse::Ok().json(rows.into_iter().map(CapitalEntryView::from).collect::<Vec<_>>()))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_add_capital,
            security(("bearer" = ["reviewer"])),
            summary = concat!("Record a charter capital figure of a ", $noun),
            description = "The record's current capital is that of its latest entry.",
            params(("id" = i64, Path, description = "Record id"),
                   Precondition),
            request_body = NewCapitalEntry,
            responses(
                (status = 201, description = "The new entry", body = CapitalEntryView),
                MalformedJsonOrId,
                ReviewerToken,
                NoSuchRecord,
                (status = 409, description = "An entry for that date exists", body = Problem, content_type = "application/problem+json"),
                RecordChanged,
                JsonBody,
                InvalidFields,
            )
        )]
        #[post($capital)]
        pub async fn add_capital(db: web::Data<Db>, req: HttpRequest, actor: Authorized<Reviewers>, id: web::Path<i64>, body: Json<NewCapitalEntry>) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let expected = Precondition::from_request(&req)?;
            let entry = body.0;
            let row = db.write(move |c| changes::add_capital(c, &actor.0, KIND, id, entry, &expected)).await?;
            Ok(HttpResponse::Created().json(CapitalEntryView::from(row)))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_members,
            summary = concat!("Member count history of a ", $noun),
            params(("id" = i64, Path, description = "Record id")),
            responses(
                (status = 200, description = "Entries, oldest first", body = Vec<MemberEntryView>),
                BadIdOrQuery,
                NoSuchRecord,
            )
        )]
        #[get($members)]
        pub async fn members(db: web::Data<Db>, id: web::Path<i64>, _: NoQuery) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let rows = db.read(move |c| queries::member_history(c, KIND, id)).await?;
            Ok(HttpResponse::Ok().json(rows.into_iter().map(MemberEntryView::from).collect::<Vec<_>>()))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_add_members,
            security(("bearer" = ["reviewer"])),
            summary = concat!("Record a member count of a ", $noun),
            description = "The record's current member count is that of its latest entry.",
            params(("id" = i64, Path, description = "Record id"),
                   Precondition),
            request_body = NewMemberEntry,
            responses(
                (status = 201, description = "The new entry", body = MemberEntryView),
                MalformedJsonOrId,
                ReviewerToken,
                NoSuchRecord,
                (status = 409, description = "An entry for that date exists", body = Problem, content_type = "application/problem+json"),
                RecordChanged,
                JsonBody,
                InvalidFields,
            )
        )]
        #[post($members)]
        pub async fn add_members(db: web::Data<Db>, req: HttpRequest, actor: Authorized<Reviewers>, id: web::Path<i64>, body: Json<NewMemberEntry>) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let expected = Precondition::from_request(&req)?;
            let entry = body.0;
            let row = db.write(move |c| changes::add_members(c, &actor.0, KIND, id, entry, &expected)).await?;
            Ok(HttpResponse::Created().json(MemberEntryView::from(row)))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_locations,
            summary = concat!("Location history of a ", $noun),
            params(("id" = i64, Path, description = "Record id")),
            responses(
                (status = 200, description = "Entries, oldest first", body = Vec<LocationEntryView>),
                BadIdOrQuery,
                NoSuchRecord,
            )
        )]
        #[get($locations)]
        pub async fn locations(db: web::Data<Db>, id: web::Path<i64>, _: NoQuery) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let rows = db.read(move |c| queries::location_history(c, KIND, id)).await?;
            Ok(HttpResponse::Ok().json(rows.into_iter().map(LocationEntryView::from).collect::<Vec<_>>()))
        }

        #[utoipa::path(
            tag = $tag, operation_id = $op_history,
            summary = concat!("Changes to a ", $noun, ": its audit entries"),
            description = "Who changed the record, when, and the fields before and after; oldest first.",
            security(("bearer" = ["admin", "reviewer", "analyst"])),
            params(("id" = i64, Path, description = "Record id"), $crate::audit::routes::HistoryQuery),
            responses(
                (status = 200, description = "Entries, oldest first", body = $crate::http::Page<$crate::audit::AuditEntryView>,
                 headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
                BadIdOrQuery,
                AnyToken,
                (status = 403, description = "Role may not read the audit trail", body = Problem, content_type = "application/problem+json"),
                NoSuchRecord,
            )
        )]
        #[get($history)]
        pub async fn history(db: web::Data<Db>, req: HttpRequest, _actor: Authorized<AuditReaders>, id: web::Path<i64>, query: Query<$crate::audit::routes::HistoryQuery>) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let object = $crate::audit::Object::Organization(KIND, id);
            $crate::audit::routes::history(&db, &req, object, query.0, move |c| queries::find_plain(c, KIND, id).map(|_| ())).await
        }

        /// Registers this resource's routes.
        pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
            cfg.service(list)
                .service(export)
                .service(create)
                .service(read)
                .service(update)
                .service(change_status)
                .service(capital)
                .service(add_capital)
                .service(members)
                .service(add_members)
                .service(locations)
                .service(history);
        }
    };
}
