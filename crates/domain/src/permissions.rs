//! What each role may do beyond working its own chats.

use switchboard_protocol::Role;

/// Quick-reply templates are shared by everyone; only managers and owners curate them.
pub fn can_manage_templates(role: Role) -> bool {
    matches!(role, Role::Manager | Role::GroupOwner | Role::SystemOwner)
}

/// Blocked visitors and other operator lists.
pub fn can_manage_blocks(role: Role) -> bool {
    can_manage_templates(role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_matrix() {
        let table = [
            (Role::Agent, false),
            (Role::Manager, true),
            (Role::GroupOwner, true),
            (Role::SystemOwner, true),
        ];
        for (role, allowed) in table {
            assert_eq!(can_manage_templates(role), allowed, "{role:?}");
            assert_eq!(can_manage_blocks(role), allowed, "{role:?}");
        }
    }
}
