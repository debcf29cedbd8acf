//! `/api/v1/cooperative-groups`: cooperative groups (tổ hợp tác), lighter contract-based
//! groups of individuals with a founding date, a member count and a status.

mod input;
mod model;
mod routes;
mod store;
mod views;

pub use routes::routes;
pub use views::GroupView;
