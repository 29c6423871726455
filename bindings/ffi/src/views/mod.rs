//! Screen-ready records handed to the apps, converted from core types. The core's own enums cross
//! as they are (`uniffi::remote`), so a new variant in the core fails this crate's build, not an app.

mod alarm;
mod answer;
mod enterprise;
mod inspection;
mod task;
mod template;
mod text;
mod today;

pub use alarm::*;
pub use answer::*;
pub use enterprise::*;
pub use inspection::*;
pub use task::*;
pub use template::*;
pub use text::*;
pub use today::*;
