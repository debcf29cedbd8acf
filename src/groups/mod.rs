//! `/api/v1/cooperative-groups`: cooperative groups (tổ hợp tác), lighter contract-based
//! groups of individuals with a founding date, a member count and a status.

pub(crate) mod changes;
pub(crate) mod input;
mod model;
mod routes;
pub(crate) mod store;
pub(crate) mod views;

pub use routes::routes;
pub use views::GroupView;
