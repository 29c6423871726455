//! State machines as tables: for each action, the states it may start from, the state it leads to and
//! the roles that may take it. Rectification tasks and alarms both use this, so every status change in
//! the product is checked the same way on phone and platform.

use super::DomainError;
use super::organisation::Role;
use std::fmt::Debug;

/// One row of a state machine's table.
pub struct Transition<S: 'static, A> {
    pub action: A,
    pub from: &'static [S],
    pub to: S,
    pub roles: &'static [Role],
}

/// Applies `action` by `role` to `state` under `table`.
pub fn apply<S, A>(
    entity: &'static str,
    table: &[Transition<S, A>],
    state: S,
    action: A,
    role: Role,
) -> Result<S, DomainError>
where
    S: Copy + PartialEq + Debug,
    A: Copy + PartialEq + Debug,
{
    let row = table.iter().find(|t| t.action == action).ok_or_else(|| DomainError::WrongState {
        entity,
        action: format!("{action:?}"),
        state: format!("{state:?}"),
    })?;
    if !row.roles.contains(&role) {
        return Err(DomainError::RoleMayNot { entity, action: format!("{action:?}"), role });
    }
    if !row.from.contains(&state) {
        return Err(DomainError::WrongState { entity, action: format!("{action:?}"), state: format!("{state:?}") });
    }
    Ok(row.to)
}
