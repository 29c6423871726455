//! The FFI crate's own tokio runtime, for listeners and other background work started from the app.

use crate::error::{FieldcheckError, Result};
use std::sync::OnceLock;
use tokio::runtime::{Builder, Runtime};

/// The shared runtime, built on first use. Two workers: phones have few cores and little to do here.
pub(crate) fn runtime() -> Result<&'static Runtime> {
    static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("fieldcheck-ffi")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| FieldcheckError::Internal(format!("cannot start the background runtime: {e}")))
}
