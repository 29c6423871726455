//! Patrol grids (网格包干): each officer or township office patrols a named set of enterprises.
//!
//! A grid is a set of enterprises, not a polygon: the bureau assigns named units to a grid member
//! (拉网式巡逻 visits every unit on the list), an enterprise's map position is optional and often
//! rough, and membership stays explicit and auditable when an enterprise moves. Outlines on the map are
//! drawn from the members' positions.

use crate::DomainError;
use crate::bounded;
use crate::ids::{EnterpriseId, GridId, UserId};
use crate::limits::{COVERAGE_INTERVAL_DAYS, GRID_ENTERPRISES, LABEL_CHARS};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The visit interval coverage uses when none is asked for: a month (月度巡查).
pub const DEFAULT_INTERVAL_DAYS: u32 = 30;

/// A patrol area.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grid {
    pub id: GridId,
    pub name: String,
    /// The officer or township-office user who patrols it.
    pub owner: UserId,
    pub enterprises: Vec<EnterpriseId>,
}

impl Grid {
    /// A grid from raw input: a name, at most [`GRID_ENTERPRISES`] distinct enterprises.
    pub fn new(id: GridId, name: &str, owner: UserId, enterprises: Vec<EnterpriseId>) -> Result<Grid, DomainError> {
        let name = bounded::required_text("name", name, LABEL_CHARS)?;
        if enterprises.len() > GRID_ENTERPRISES {
            return Err(DomainError::TooMany { what: "enterprises".into(), max: GRID_ENTERPRISES });
        }
        let mut seen = HashSet::new();
        if let Some(dup) = enterprises.iter().find(|e| !seen.insert(**e)) {
            return Err(DomainError::Duplicate { what: format!("enterprise {dup}") });
        }
        Ok(Grid { id, name, owner, enterprises })
    }
}

/// One enterprise of a grid: when it was last visited and whether a visit is overdue.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    pub enterprise: EnterpriseId,
    /// When its last inspection was submitted; `None`: never.
    pub last_visit: Option<DateTime<Utc>>,
    pub days_since: Option<i64>,
    /// Never visited, or last visited more than the interval ago.
    pub overdue: bool,
}

/// The coverage of `grid` as of `now`: every member with its last visit, overdue first (then longest
/// unvisited first). `interval_days` must be within [`COVERAGE_INTERVAL_DAYS`].
pub fn coverage(
    grid: &Grid,
    last_visits: &HashMap<EnterpriseId, DateTime<Utc>>,
    interval_days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<Coverage>, DomainError> {
    if !COVERAGE_INTERVAL_DAYS.contains(&interval_days) {
        let (lo, hi) = (COVERAGE_INTERVAL_DAYS.start(), COVERAGE_INTERVAL_DAYS.end());
        return Err(DomainError::Invalid {
            field: "interval_days".into(),
            reason: format!("must be {lo} to {hi} / 须为{lo}至{hi}天"),
        });
    }
    let interval = Duration::days(i64::from(interval_days));
    let mut rows: Vec<Coverage> = grid
        .enterprises
        .iter()
        .map(|e| {
            let last = last_visits.get(e).copied();
            Coverage {
                enterprise: *e,
                last_visit: last,
                days_since: last.map(|at| (now - at).num_days()),
                overdue: last.is_none_or(|at| now - at > interval),
            }
        })
        .collect();
    rows.sort_by_key(|r| (!r.overdue, r.last_visit));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_and_long_ago_are_overdue_recent_is_not() {
        let now = DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let (a, b, c) = (EnterpriseId::new(), EnterpriseId::new(), EnterpriseId::new());
        let grid = Grid::new(GridId::new(), "东城一格", UserId::new(), vec![a, b, c]).unwrap();
        let visits = HashMap::from([(a, now - Duration::days(10)), (b, now - Duration::days(40))]);
        let rows = coverage(&grid, &visits, 30, now).unwrap();
        let by: HashMap<_, _> = rows.iter().map(|r| (r.enterprise, r)).collect();
        assert!(!by[&a].overdue && by[&b].overdue && by[&c].overdue);
        assert_eq!(by[&b].days_since, Some(40));
        assert_eq!(rows[0].enterprise, c, "never visited comes first");
        assert!(coverage(&grid, &visits, 0, now).is_err());
        assert!(Grid::new(GridId::new(), "x", UserId::new(), vec![a, a]).is_err());
        assert!(Grid::new(GridId::new(), " ", UserId::new(), vec![a]).is_err());
    }
}
