//! One decision function per intent kind. Each takes raw input and the records it is about, bounds the
//! input once (`limits`, `bounded`), checks the capability table and the state machines, and returns
//! the effects to apply or a refusal ([`crate::DomainError`], with its [`crate::error::RejectCode`]).
//! The phone's store calls it to act at once (optimistically); the platform calls the same function to
//! decide. Nothing here reads a clock or a database: records and times are passed in.

pub mod admin;
pub mod alarm;
pub mod enterprise;
pub mod inspection;
pub mod task;
