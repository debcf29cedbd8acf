//! Statistics of the register as of any date: counts, capital and members by sector
//! and district, registrations per year or quarter against plan.

pub mod ledger;
pub mod plans;
pub mod queries;
mod report;
mod routes;
pub mod views;

pub use routes::routes;
