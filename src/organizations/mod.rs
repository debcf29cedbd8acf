//! Cooperatives and cooperative unions: the records of the register. They share their
//! core fields, histories and rules, so this module serves both; `cooperatives` and
//! `unions` instantiate its routes.

pub mod changes;
pub mod create;
mod encode;
pub mod export;
pub mod input;
mod merge;
pub mod model;
mod plan;
pub mod queries;
mod reader;
mod record;
mod routes;
pub mod store;
pub mod tails;
pub mod views;

pub use views::OrganizationView;
