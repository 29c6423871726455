//! Risk-based supervision on the platform: risk and green indices, double-random draws and their
//! assignments, patrol grids and their coverage, monitoring points and the alarm intake by credit code.
//! The rules are the domain's (`fieldcheck_domain::supervision`); this module loads the records they read,
//! stores what they decide (audited) and answers HTTP.

pub mod draws;
pub mod grids;
pub mod intake;
pub mod risk;

use crate::app::App;
use axum::Router;
use axum::routing::{get, post};

/// The supervision routes, merged into the platform's router.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/v1/risk", get(risk::list))
        .route("/v1/risk/formula", get(risk::formula))
        .route("/v1/enterprises/{id}/risk", get(risk::one))
        .route("/v1/draws", post(draws::create).get(draws::list))
        .route("/v1/draws/{id}", get(draws::one))
        .route("/v1/draws/{id}/verify", post(draws::verify))
        .route("/v1/grids", post(grids::create).get(grids::list))
        .route("/v1/grids/{id}/coverage", get(grids::coverage))
        .route("/v1/enterprises/{id}/monitoring-points", get(intake::points).put(intake::set_points))
}
