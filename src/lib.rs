//! coop-registry: the register of Vietnam's cooperative sector as a REST API.

pub mod app;
pub mod cooperatives;
pub mod cors;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod extract;
pub mod generate;
pub mod groups;
pub mod health;
pub mod http;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod organizations;
pub mod ratelimit;
pub mod reference;
pub mod schema;
pub mod stats;
pub mod text;
pub mod unions;
