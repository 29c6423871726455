//! Screen-ready records handed to the apps, converted from core types. The core's own enums cross
//! as they are (`uniffi::remote`), so a new variant in the core fails this crate's build, not an app.

mod answer;
mod template;
mod text;

pub use answer::*;
pub use template::*;
pub use text::*;
