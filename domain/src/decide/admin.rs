//! The command centre's administration: creating users, revoking devices, asking a phone for the
//! originals of an inspection's photos. Decided here like every other intent.

use crate::DomainError;
use crate::bounded;
use crate::capability::{self, Action};
use crate::ids::EvidenceId;
use crate::limits::{LABEL_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::organisation::{Role, Scope, User};

/// Decides a new user: bounded names, a scope that fits the role, an id and a login not taken.
/// `existing` is the stored user with the same id, if any; `login_taken` whether the login exists.
pub fn create_user(
    actor: &User,
    login: &str,
    password: &str,
    user: &User,
    existing: Option<&User>,
    login_taken: bool,
) -> Result<User, DomainError> {
    capability::require(actor.role, Action::ManageUsers)?;
    let login = bounded::required_text("login", login, LABEL_CHARS)?;
    let chars = password.chars().take(PASSWORD_MAX_CHARS + 1).count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        let reason = format!(
            "{PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters / 密码须为{PASSWORD_MIN_CHARS}至{PASSWORD_MAX_CHARS}个字符"
        );
        return Err(DomainError::Invalid { field: "password".into(), reason });
    }
    if existing.is_some() {
        return Err(DomainError::AlreadyExists { entity: "user", key: user.id.to_string() });
    }
    if login_taken {
        return Err(DomainError::AlreadyExists { entity: "login", key: login });
    }
    let fits = match (&user.role, &user.scope) {
        (Role::Commander, Scope::County) | (Role::Officer, Scope::Squadron { .. }) => true,
        (Role::Enterprise, Scope::Enterprise { .. }) => true,
        (Role::Township, Scope::Townships { townships }) => {
            bounded::distinct("townships", townships.iter(), 100)?;
            !townships.is_empty()
        }
        _ => false,
    };
    if !fits {
        let reason = "the scope does not fit the role / 权限范围与角色不符".into();
        return Err(DomainError::Invalid { field: "scope".into(), reason });
    }
    let certificate_no = match &user.certificate_no {
        Some(c) => Some(bounded::required_text("certificate number", c, LABEL_CHARS)?),
        None if user.role == Role::Officer => return Err(DomainError::Blank { field: "certificate number".into() }),
        None => None,
    };
    Ok(User {
        id: user.id,
        login,
        name: bounded::required_text("name", &user.name, LABEL_CHARS)?,
        role: user.role,
        scope: user.scope.clone(),
        certificate_no,
    })
}

/// Decides which photos of an inspection to ask for: the ones named (distinct, each in the record's
/// chain), or every photo when `requested` is empty.
pub fn request_originals(
    actor: &User,
    chain: &[EvidenceId],
    requested: &[EvidenceId],
) -> Result<Vec<EvidenceId>, DomainError> {
    capability::require(actor.role, Action::RequestOriginals)?;
    if requested.is_empty() {
        return Ok(chain.to_vec());
    }
    bounded::distinct("photos", requested.iter(), chain.len())?;
    if requested.iter().any(|r| !chain.contains(r)) {
        return Err(DomainError::NotFound { entity: "photo" });
    }
    Ok(requested.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    fn user(role: Role, scope: Scope) -> User {
        User {
            id: UserId::new(),
            login: "x".into(),
            name: "李四".into(),
            role,
            scope,
            certificate_no: Some("330784002".into()),
        }
    }

    #[test]
    fn an_existing_id_is_never_overwritten() {
        let commander = user(Role::Commander, Scope::County);
        let firm = user(Role::Enterprise, Scope::Enterprise { enterprise: Default::default() });
        let promoted = User { role: Role::Commander, scope: Scope::County, ..firm.clone() };
        let err = create_user(&commander, "boss", "long-enough", &promoted, Some(&firm), false).unwrap_err();
        assert_eq!(err, DomainError::AlreadyExists { entity: "user", key: firm.id.to_string() });
    }

    #[test]
    fn role_and_scope_must_fit_and_only_the_command_centre_creates() {
        let commander = user(Role::Commander, Scope::County);
        let odd = user(Role::Officer, Scope::County);
        assert!(create_user(&commander, "o", "long-enough", &odd, None, false).is_err());
        let officer = user(Role::Officer, Scope::Squadron { squadron: Default::default() });
        assert!(create_user(&officer, "o", "long-enough", &officer, None, false).is_err());
        assert!(create_user(&commander, "o", "short", &officer, None, false).is_err());
        assert!(create_user(&commander, "o", "long-enough", &officer, None, false).is_ok());
    }

    #[test]
    fn originals_are_asked_for_photos_of_the_record_only() {
        let commander = user(Role::Commander, Scope::County);
        let chain = [EvidenceId::new(), EvidenceId::new()];
        assert_eq!(request_originals(&commander, &chain, &[]).unwrap(), chain.to_vec());
        assert!(request_originals(&commander, &chain, &[EvidenceId::new()]).is_err());
        assert!(request_originals(&commander, &chain, &[chain[0], chain[0]]).is_err());
        let firm = user(Role::Enterprise, Scope::Enterprise { enterprise: Default::default() });
        assert!(request_originals(&firm, &chain, &[]).is_err());
    }
}
