//! What an agent may do with a conversation, and what it changes (SPEC §2–3).
//!
//! Each `decide_*` function takes the facts the server loaded and returns either the change to
//! make or a [`Refusal`]. The storage layer makes claims atomic (only one agent can turn an
//! unowned chat into an owned one), so a decision made on facts that went stale a moment later
//! is caught there and reported as [`Refusal::AlreadyTaken`] too.

use switchboard_protocol::{ChannelKind, ConversationStatus};

use crate::AgentId;

/// The facts about one conversation that the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub channel: ChannelKind,
    pub status: ConversationStatus,
    pub owner: Option<Owner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub id: AgentId,
    pub name: String,
}

/// How the acting agent relates to the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The agent sees it in a list (offered, owner, participant, or archived by them).
    Visible,
    /// The agent saw it once (was offered it, or owned it) and lost it to a colleague. For
    /// Take and Reply they learn who has it now; everything else treats it as hidden.
    Lost,
    /// The agent does not see it: it must look as if it did not exist.
    Hidden,
}

/// Why an action is refused. Each maps to one API error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 404: unknown or not visible to this agent.
    NotVisible,
    /// 409: another agent owns it.
    AlreadyTaken { owner: Owner },
    /// 422: internal chats have no owner, no queue and cannot be resolved.
    InternalChat { action: &'static str },
    /// 409: the chat is resolved; the customer's next message opens a new one.
    Resolved,
    /// 409: an open customer chat must be resolved or transferred before it is deleted.
    StillOpen,
    /// 400: a transfer to the agent who already owns it.
    TransferToSelf,
}

/// What taking or replying does to ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The actor already owns it (or it is an internal chat): nothing changes.
    Keep,
    /// The actor becomes the owner; everyone else who saw it loses it.
    Take,
}

fn ensure_visible(access: Access) -> Result<(), Refusal> {
    match access {
        Access::Visible => Ok(()),
        Access::Lost | Access::Hidden => Err(Refusal::NotVisible),
    }
}

/// An agent who lost the race for a chat still on their screen is told who won.
fn ensure_visible_or_name_owner(
    facts: &Facts,
    actor: AgentId,
    access: Access,
) -> Result<(), Refusal> {
    match (access, &facts.owner) {
        (Access::Lost, Some(owner)) if owner.id != actor => Err(Refusal::AlreadyTaken {
            owner: owner.clone(),
        }),
        _ => ensure_visible(access),
    }
}

fn claim_for(facts: &Facts, actor: AgentId) -> Result<Claim, Refusal> {
    match &facts.owner {
        Some(owner) if owner.id == actor => Ok(Claim::Keep),
        Some(owner) => Err(Refusal::AlreadyTaken {
            owner: owner.clone(),
        }),
        None => Ok(Claim::Take),
    }
}

/// Press **Take**.
pub fn decide_take(facts: &Facts, actor: AgentId, access: Access) -> Result<Claim, Refusal> {
    ensure_visible_or_name_owner(facts, actor, access)?;
    if facts.channel == ChannelKind::Internal {
        return Err(Refusal::InternalChat { action: "taken" });
    }
    if facts.status == ConversationStatus::Resolved {
        return Err(Refusal::Resolved);
    }
    claim_for(facts, actor)
}

/// Send a message. The first reply to an unowned customer chat takes it.
pub fn decide_reply(facts: &Facts, actor: AgentId, access: Access) -> Result<Claim, Refusal> {
    ensure_visible_or_name_owner(facts, actor, access)?;
    if facts.channel == ChannelKind::Internal {
        return Ok(Claim::Keep);
    }
    if facts.status == ConversationStatus::Resolved {
        return Err(Refusal::Resolved);
    }
    claim_for(facts, actor)
}

/// Transfer to a colleague. Allowed to the owner, and to an offered agent while nobody owns it
/// (they hand it on instead of taking it). Resolved chats can be transferred from the Archived
/// list: the colleague gets the history.
pub fn decide_transfer(
    facts: &Facts,
    actor: AgentId,
    target: AgentId,
    access: Access,
) -> Result<(), Refusal> {
    ensure_visible(access)?;
    if facts.channel == ChannelKind::Internal {
        return Err(Refusal::InternalChat {
            action: "transferred",
        });
    }
    if let Some(owner) = &facts.owner {
        if owner.id != actor {
            return Err(Refusal::AlreadyTaken {
                owner: owner.clone(),
            });
        }
        if owner.id == target {
            return Err(Refusal::TransferToSelf);
        }
    }
    Ok(())
}

/// What resolving changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Already resolved: nothing to do.
    AlreadyResolved,
    /// Resolve; `claim` says whether the actor must take it first (resolving an unowned chat
    /// makes the resolver the agent who handled it).
    Resolve { claim: Claim },
}

pub fn decide_resolve(
    facts: &Facts,
    actor: AgentId,
    access: Access,
) -> Result<Resolution, Refusal> {
    ensure_visible(access)?;
    if facts.channel == ChannelKind::Internal {
        return Err(Refusal::InternalChat { action: "resolved" });
    }
    if facts.status == ConversationStatus::Resolved {
        return Ok(Resolution::AlreadyResolved);
    }
    Ok(Resolution::Resolve {
        claim: claim_for(facts, actor)?,
    })
}

/// Delete from my lists for good. An open customer chat I own would leave the customer talking
/// to nobody, so it must be resolved or transferred first.
pub fn decide_delete(facts: &Facts, actor: AgentId, access: Access) -> Result<(), Refusal> {
    ensure_visible(access)?;
    let owns_open_customer_chat = facts.channel != ChannelKind::Internal
        && facts.status != ConversationStatus::Resolved
        && facts.owner.as_ref().is_some_and(|owner| owner.id == actor);
    if owns_open_customer_chat {
        return Err(Refusal::StillOpen);
    }
    Ok(())
}

/// Where a customer's inbound message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundRoute {
    /// Append to the open conversation (sticky to its owner, or still offered).
    Append,
    /// Open a new conversation, routed afresh.
    OpenNew,
}

/// An inbound message continues the customer's conversation on that channel unless it was
/// resolved; then a new one starts.
pub fn route_inbound(existing: Option<ConversationStatus>) -> InboundRoute {
    match existing {
        Some(ConversationStatus::Queued | ConversationStatus::Open) => InboundRoute::Append,
        Some(ConversationStatus::Resolved) | None => InboundRoute::OpenNew,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANA: AgentId = AgentId::from_u128(1);
    const BRUNO: AgentId = AgentId::from_u128(2);
    const CARLA: AgentId = AgentId::from_u128(3);

    fn owner(id: AgentId) -> Owner {
        Owner {
            id,
            name: format!("agent {}", id.as_u128()),
        }
    }

    fn facts(channel: ChannelKind, status: ConversationStatus, owned_by: Option<AgentId>) -> Facts {
        Facts {
            channel,
            status,
            owner: owned_by.map(owner),
        }
    }

    use ChannelKind::{Internal, Whatsapp};
    use ConversationStatus::{Open, Queued, Resolved};

    #[test]
    fn take_table() {
        let table = [
            (
                facts(Whatsapp, Queued, None),
                Access::Visible,
                Ok(Claim::Take),
            ),
            (
                facts(Whatsapp, Open, Some(ANA)),
                Access::Visible,
                Ok(Claim::Keep),
            ),
            (
                facts(Whatsapp, Open, Some(BRUNO)),
                Access::Visible,
                Err(Refusal::AlreadyTaken {
                    owner: owner(BRUNO),
                }),
            ),
            (
                facts(Whatsapp, Queued, None),
                Access::Hidden,
                Err(Refusal::NotVisible),
            ),
            (
                facts(Whatsapp, Resolved, Some(ANA)),
                Access::Visible,
                Err(Refusal::Resolved),
            ),
            (
                facts(Internal, Open, None),
                Access::Visible,
                Err(Refusal::InternalChat { action: "taken" }),
            ),
        ];
        for (f, access, expected) in table {
            assert_eq!(decide_take(&f, ANA, access), expected, "{f:?} {access:?}");
        }
    }

    #[test]
    fn reply_table() {
        let table = [
            (
                facts(Whatsapp, Queued, None),
                Access::Visible,
                Ok(Claim::Take),
            ),
            (
                facts(Whatsapp, Open, Some(ANA)),
                Access::Visible,
                Ok(Claim::Keep),
            ),
            (
                facts(Whatsapp, Open, Some(CARLA)),
                Access::Visible,
                Err(Refusal::AlreadyTaken {
                    owner: owner(CARLA),
                }),
            ),
            (
                facts(Internal, Open, None),
                Access::Visible,
                Ok(Claim::Keep),
            ),
            (
                facts(Internal, Open, None),
                Access::Hidden,
                Err(Refusal::NotVisible),
            ),
            (
                facts(Whatsapp, Resolved, Some(ANA)),
                Access::Visible,
                Err(Refusal::Resolved),
            ),
        ];
        for (f, access, expected) in table {
            assert_eq!(decide_reply(&f, ANA, access), expected, "{f:?} {access:?}");
        }
    }

    #[test]
    fn transfer_table() {
        let table = [
            (facts(Whatsapp, Open, Some(ANA)), BRUNO, Ok(())),
            (facts(Whatsapp, Queued, None), BRUNO, Ok(())),
            (facts(Whatsapp, Resolved, Some(ANA)), BRUNO, Ok(())),
            (
                facts(Whatsapp, Open, Some(ANA)),
                ANA,
                Err(Refusal::TransferToSelf),
            ),
            (
                facts(Whatsapp, Open, Some(CARLA)),
                BRUNO,
                Err(Refusal::AlreadyTaken {
                    owner: owner(CARLA),
                }),
            ),
            (
                facts(Internal, Open, None),
                BRUNO,
                Err(Refusal::InternalChat {
                    action: "transferred",
                }),
            ),
        ];
        for (f, target, expected) in table {
            assert_eq!(
                decide_transfer(&f, ANA, target, Access::Visible),
                expected,
                "{f:?} to {target}"
            );
        }
    }

    #[test]
    fn resolve_table() {
        let table = [
            (
                facts(Whatsapp, Open, Some(ANA)),
                Ok(Resolution::Resolve { claim: Claim::Keep }),
            ),
            (
                facts(Whatsapp, Queued, None),
                Ok(Resolution::Resolve { claim: Claim::Take }),
            ),
            (
                facts(Whatsapp, Resolved, Some(ANA)),
                Ok(Resolution::AlreadyResolved),
            ),
            (
                facts(Whatsapp, Open, Some(BRUNO)),
                Err(Refusal::AlreadyTaken {
                    owner: owner(BRUNO),
                }),
            ),
            (
                facts(Internal, Open, None),
                Err(Refusal::InternalChat { action: "resolved" }),
            ),
        ];
        for (f, expected) in table {
            assert_eq!(decide_resolve(&f, ANA, Access::Visible), expected, "{f:?}");
        }
    }

    #[test]
    fn delete_table() {
        let table = [
            (facts(Whatsapp, Resolved, Some(ANA)), Ok(())),
            (facts(Whatsapp, Open, Some(ANA)), Err(Refusal::StillOpen)),
            (facts(Whatsapp, Queued, None), Ok(())),
            (facts(Internal, Open, None), Ok(())),
        ];
        for (f, expected) in table {
            assert_eq!(decide_delete(&f, ANA, Access::Visible), expected, "{f:?}");
        }
        for access in [Access::Hidden, Access::Lost] {
            assert_eq!(
                decide_delete(&facts(Whatsapp, Resolved, Some(BRUNO)), ANA, access),
                Err(Refusal::NotVisible)
            );
        }
    }

    #[test]
    fn inbound_after_resolve_opens_a_new_conversation() {
        assert_eq!(route_inbound(None), InboundRoute::OpenNew);
        assert_eq!(route_inbound(Some(Queued)), InboundRoute::Append);
        assert_eq!(route_inbound(Some(Open)), InboundRoute::Append);
        assert_eq!(route_inbound(Some(Resolved)), InboundRoute::OpenNew);
    }
}
