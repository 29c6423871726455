//! Risk-based supervision on the platform: risk and green indices, double-random draws and their
//! assignments, patrol grids and their coverage, monitoring points and the alarm intake by credit code.
//! The rules are the domain's (`fieldcheck_domain::supervision`); this module loads the records they read,
//! stores what they decide (audited) and answers HTTP.

pub mod draws;
pub mod grids;
pub mod intake;
pub mod risk;

use crate::app::App;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The supervision routes, merged into the platform's router.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(risk::list))
        .routes(routes!(risk::formula))
        .routes(routes!(risk::one))
        .routes(routes!(draws::create, draws::list))
        .routes(routes!(draws::one))
        .routes(routes!(draws::verify))
        .routes(routes!(grids::create, grids::list))
        .routes(routes!(grids::coverage))
        .routes(routes!(intake::points, intake::set_points))
}
