//! HTTP tests of the whole application, each on a fresh database, on SQLite and (with
//! `TEST_POSTGRES_URL`) on PostgreSQL.

mod harness;

mod audit;
mod cooperatives;
mod crash;
mod demo_figures;
mod fixtures;
mod groups;
mod import;
mod import_bulk;
mod input_errors;
mod list_plans;
mod lists;
mod name_tails;
mod openapi;
mod operations;
mod readiness;
mod reference;
mod reference_admin;
mod reliability;
mod replica;
mod roles;
mod shutdown;
mod stats_property;
mod submissions;
mod unions;
