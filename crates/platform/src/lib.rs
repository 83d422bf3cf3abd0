//! The platform's domain rules: accounts, users and roles, credentials, terms versions, support
//! access and the audit chain. Pure: no storage, no HTTP, no clock (every rule takes `now`).

pub mod access;
pub mod audit;
pub mod credentials;
pub mod kyc;
pub mod model;
pub mod roles;
pub mod signup;
pub mod terms;
pub mod throttle;

pub use roles::Role;
