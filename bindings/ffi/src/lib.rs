//! Fieldcheck's native API for the Android and iOS apps: thin uniffi wrappers over `fieldcheck-core`.
//! Every rule lives in the core; this crate only converts types, maps errors into one stable public
//! error, and runs long work on its own tokio runtime.

uniffi::setup_scaffolding!();

mod alarms;
mod app;
mod attention;
mod changes;
mod client;
mod credit_code;
mod custom_types;
mod diagnostics;
mod enterprises;
mod error;
mod inspections;
mod legal_time;
mod photos;
mod rows;
mod runtime;
mod settings;
mod sync;
mod tasks;
mod templates;
#[cfg(feature = "test-support")]
pub mod testing;
mod views;

pub use alarms::AlarmsClient;
pub use app::*;
pub use attention::{AttentionItem, ChangeAction};
pub use changes::{Change, ChangeKind, ChangeListener, Subscription};
pub use client::FieldcheckClient;
pub use credit_code::{CreditCodeCheck, check_credit_code};
pub use diagnostics::{echo_length, live_objects, live_objects_since, object_mark};
pub use enterprises::EnterprisesClient;
pub use error::FieldcheckError;
pub use inspections::{AnswerOutcome, FindingInput, InspectionsClient, InspectorInput, SubmitResult};
pub use photos::PhotoView;
pub use settings::DeviceSigner;
pub use sync::{SignedIn, SyncListener, SyncProgress, SyncState, SyncStatus};
pub use tasks::TasksClient;
pub use templates::TemplatesClient;
pub use views::*;
