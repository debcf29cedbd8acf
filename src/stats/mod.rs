//! Statistics of the register as of any date: counts, capital and members by sector
//! and district, registrations per year or quarter against plan.

mod breakdown;
pub mod ledger;
mod place;
mod plan_routes;
pub mod plans;
pub mod queries;
pub mod rebuild;
mod registrations;
mod report;
mod summary;
pub mod views;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(summary::stats_summary)
        .service(breakdown::stats_by_sector)
        .service(breakdown::stats_by_district)
        .service(registrations::stats_registrations)
        .service(plan_routes::list_plan_targets)
        .service(plan_routes::put_plan_target);
}
