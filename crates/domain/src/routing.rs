//! Offering queued chats to agents: the five polling strategies of SPEC §2.
//!
//! [`plan_offer`] is called when a chat enters a queue, when its offer times out, and when the
//! queue's agents change (presence, log-in, a chat freed). It returns the complete set of agents
//! the chat is offered to next, who lose it, and when to look again.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use switchboard_protocol::Presence;

use crate::AgentId;

/// How a queue picks the agents a new chat is offered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Every logged-in member at once; the first to answer wins.
    RingAll,
    /// Three available members at a time in priority order, three more at each timeout.
    HuntByThrees,
    /// One available member at a time, taking turns; moves on at each timeout.
    RoundRobin,
    /// The available member idle the longest; moves on at each timeout.
    LongestIdle,
    /// The available member who answered the fewest chats; moves on at each timeout.
    FewestAnswered,
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Strategy::RingAll,
        Strategy::HuntByThrees,
        Strategy::RoundRobin,
        Strategy::LongestIdle,
        Strategy::FewestAnswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::RingAll => "ring_all",
            Strategy::HuntByThrees => "hunt_by_threes",
            Strategy::RoundRobin => "round_robin",
            Strategy::LongestIdle => "longest_idle",
            Strategy::FewestAnswered => "fewest_answered",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|strategy| strategy.as_str() == s)
    }
}

/// A queue's offering rules, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePolicy {
    pub strategy: Strategy,
    pub offer_timeout: Duration,
    /// 0 means no limit.
    pub max_chats_per_agent: u32,
}

/// What routing needs to know about one queue member, listed in the queue's priority order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub agent: AgentId,
    pub logged_in: bool,
    pub presence: Presence,
    /// Chats this agent owns that are not resolved.
    pub open_chats: u32,
    /// When the agent last got a chat; `None` if never, which counts as idle the longest.
    pub last_assigned_at: Option<DateTime<Utc>>,
    /// Chats this agent answered from this queue (for `fewest_answered`).
    pub answered: u32,
}

/// Where a chat's offer stands now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferState {
    /// 0 for the first offer, +1 at each timeout.
    pub round: u32,
    /// Who sees the chat now.
    pub offered: Vec<AgentId>,
    /// For `round_robin`: the agent the queue's previous chat went to.
    pub last_round_robin: Option<AgentId>,
}

/// Why routing is asked again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The chat just entered the queue.
    New,
    /// The current offer's time ran out.
    Timeout,
    /// Members changed (presence, log-in, a chat freed): offer to whoever became eligible,
    /// without advancing the round.
    MembersChanged,
}

/// What to do with a chat's offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferPlan {
    pub round: u32,
    /// The full set of agents who see the chat after this plan, in priority order.
    pub offered: Vec<AgentId>,
    /// Agents who saw the chat and no longer do.
    pub withdrawn: Vec<AgentId>,
    /// When to call again with [`Trigger::Timeout`]; `None` when a timeout would change nothing.
    pub expires_at: Option<DateTime<Utc>>,
}

impl OfferPlan {
    /// Agents newly offered by this plan, compared to `before`.
    pub fn added<'a>(&'a self, before: &'a OfferState) -> impl Iterator<Item = AgentId> + 'a {
        self.offered
            .iter()
            .copied()
            .filter(|agent| !before.offered.contains(agent))
    }
}

/// Can this member be offered a chat under the queue's rules?
pub fn is_eligible(policy: &QueuePolicy, member: &Member) -> bool {
    if !member.logged_in {
        return false;
    }
    if policy.strategy == Strategy::RingAll {
        return true;
    }
    member.presence == Presence::Available
        && (policy.max_chats_per_agent == 0 || member.open_chats < policy.max_chats_per_agent)
}

/// Decide who a queued chat is offered to. `members` are in the queue's priority order.
pub fn plan_offer(
    policy: &QueuePolicy,
    members: &[Member],
    state: &OfferState,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> OfferPlan {
    let eligible: Vec<&Member> = members.iter().filter(|m| is_eligible(policy, m)).collect();
    let round = match trigger {
        Trigger::Timeout => state.round + 1,
        Trigger::New => 0,
        Trigger::MembersChanged => state.round,
    };

    let (offered, timer_useful) = match policy.strategy {
        Strategy::RingAll => (ids(&eligible), false),
        Strategy::HuntByThrees => {
            let width = 3usize.saturating_mul(round as usize + 1);
            let mut offered = state.offered.clone();
            for member in eligible.iter().take(width) {
                if !offered.contains(&member.agent) {
                    offered.push(member.agent);
                }
            }
            let all_offered = eligible.iter().all(|m| offered.contains(&m.agent));
            (offered, !all_offered)
        }
        Strategy::RoundRobin | Strategy::LongestIdle | Strategy::FewestAnswered => {
            let current = state.offered.first().copied();
            let keep_current = trigger == Trigger::MembersChanged
                && current.is_some_and(|agent| members.iter().any(|m| m.agent == agent));
            let pick = if keep_current {
                current
            } else {
                let ranked = rank_single(policy.strategy, &eligible, state);
                match (trigger, current) {
                    (Trigger::Timeout, Some(current)) => next_after(&ranked, current),
                    _ => ranked.first().copied(),
                }
            };
            (pick.into_iter().collect(), eligible.len() > 1)
        }
    };

    let withdrawn = state
        .offered
        .iter()
        .copied()
        .filter(|agent| !offered.contains(agent))
        .collect();
    let expires_at = (timer_useful && !offered.is_empty()).then(|| now + policy.offer_timeout);
    OfferPlan {
        round,
        offered,
        withdrawn,
        expires_at,
    }
}

fn ids(members: &[&Member]) -> Vec<AgentId> {
    members.iter().map(|m| m.agent).collect()
}

/// Eligible agents in the order a single-agent strategy tries them.
fn rank_single(strategy: Strategy, eligible: &[&Member], state: &OfferState) -> Vec<AgentId> {
    let mut ranked: Vec<&Member> = eligible.to_vec();
    match strategy {
        Strategy::RoundRobin => {
            // Start after the agent who got the previous chat, wrapping around.
            if let Some(last) = state.last_round_robin {
                if let Some(pos) = ranked.iter().position(|m| m.agent == last) {
                    ranked.rotate_left(pos + 1);
                }
            }
        }
        // Stable sorts keep the queue's priority order among equals.
        Strategy::LongestIdle => ranked.sort_by_key(|m| m.last_assigned_at),
        Strategy::FewestAnswered => ranked.sort_by_key(|m| m.answered),
        Strategy::RingAll | Strategy::HuntByThrees => {}
    }
    ids(&ranked)
}

/// The agent after `current` in `ranked`, wrapping around; the first one if `current` is gone.
fn next_after(ranked: &[AgentId], current: AgentId) -> Option<AgentId> {
    match ranked.iter().position(|agent| *agent == current) {
        Some(pos) => ranked.get((pos + 1) % ranked.len()).copied(),
        None => ranked.first().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn agent(n: u128) -> AgentId {
        AgentId::from_u128(n)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn member(n: u128) -> Member {
        Member {
            agent: agent(n),
            logged_in: true,
            presence: Presence::Available,
            open_chats: 0,
            last_assigned_at: None,
            answered: 0,
        }
    }

    fn policy(strategy: Strategy) -> QueuePolicy {
        QueuePolicy {
            strategy,
            offer_timeout: Duration::seconds(30),
            max_chats_per_agent: 2,
        }
    }

    fn state(round: u32, offered: &[u128]) -> OfferState {
        OfferState {
            round,
            offered: offered.iter().map(|n| agent(*n)).collect(),
            last_round_robin: None,
        }
    }

    fn agents(ns: &[u128]) -> Vec<AgentId> {
        ns.iter().map(|n| agent(*n)).collect()
    }

    #[test]
    fn eligibility_follows_presence_capacity_and_login() {
        // (strategy, logged_in, presence, open_chats, eligible)
        let table = [
            (Strategy::HuntByThrees, true, Presence::Available, 0, true),
            (Strategy::HuntByThrees, true, Presence::Away, 0, false),
            (Strategy::HuntByThrees, true, Presence::Dnd, 0, false),
            (Strategy::HuntByThrees, true, Presence::Available, 2, false),
            (Strategy::HuntByThrees, false, Presence::Available, 0, false),
            (Strategy::RoundRobin, true, Presence::Available, 1, true),
            (Strategy::RingAll, true, Presence::Away, 5, true),
            (Strategy::RingAll, true, Presence::Dnd, 0, true),
            (Strategy::RingAll, false, Presence::Available, 0, false),
        ];
        for (strategy, logged_in, presence, open_chats, expected) in table {
            let m = Member {
                logged_in,
                presence,
                open_chats,
                ..member(1)
            };
            assert_eq!(
                is_eligible(&policy(strategy), &m),
                expected,
                "{strategy:?} logged_in={logged_in} {presence:?} open={open_chats}"
            );
        }
    }

    #[test]
    fn no_limit_when_max_chats_is_zero() {
        let unlimited = QueuePolicy {
            max_chats_per_agent: 0,
            ..policy(Strategy::RoundRobin)
        };
        let busy = Member {
            open_chats: 500,
            ..member(1)
        };
        assert!(is_eligible(&unlimited, &busy));
    }

    #[test]
    fn ring_all_offers_every_logged_in_member_and_sets_no_timer() {
        let mut away = member(2);
        away.presence = Presence::Away;
        let mut out = member(3);
        out.logged_in = false;
        let plan = plan_offer(
            &policy(Strategy::RingAll),
            &[member(1), away, out, member(4)],
            &OfferState::default(),
            Trigger::New,
            now(),
        );
        assert_eq!(plan.offered, agents(&[1, 2, 4]));
        assert_eq!(plan.expires_at, None, "a timeout cannot widen ring_all");
    }

    #[test]
    fn hunt_by_threes_widens_by_three_at_each_timeout() {
        let members: Vec<Member> = (1..=8).map(member).collect();
        let p = policy(Strategy::HuntByThrees);
        // (trigger, state before, offered after, timer set)
        let table: [(Trigger, OfferState, Vec<AgentId>, bool); 4] = [
            (
                Trigger::New,
                OfferState::default(),
                agents(&[1, 2, 3]),
                true,
            ),
            (
                Trigger::Timeout,
                state(0, &[1, 2, 3]),
                agents(&[1, 2, 3, 4, 5, 6]),
                true,
            ),
            (
                Trigger::Timeout,
                state(1, &[1, 2, 3, 4, 5, 6]),
                agents(&[1, 2, 3, 4, 5, 6, 7, 8]),
                false,
            ),
            (
                Trigger::Timeout,
                state(2, &[1, 2, 3, 4, 5, 6, 7, 8]),
                agents(&[1, 2, 3, 4, 5, 6, 7, 8]),
                false,
            ),
        ];
        for (trigger, before, expected, timer) in table {
            let plan = plan_offer(&p, &members, &before, trigger, now());
            assert_eq!(plan.offered, expected, "from {before:?} on {trigger:?}");
            assert!(plan.withdrawn.is_empty(), "hunting never withdraws");
            assert_eq!(plan.expires_at.is_some(), timer, "timer from {before:?}");
        }
    }

    #[test]
    fn hunt_by_threes_skips_unavailable_and_full_agents() {
        let mut members: Vec<Member> = (1..=5).map(member).collect();
        members[0].presence = Presence::Away;
        members[2].open_chats = 2;
        let plan = plan_offer(
            &policy(Strategy::HuntByThrees),
            &members,
            &OfferState::default(),
            Trigger::New,
            now(),
        );
        assert_eq!(plan.offered, agents(&[2, 4, 5]));
        assert_eq!(
            plan.expires_at, None,
            "everyone eligible is already offered"
        );
    }

    #[test]
    fn hunt_by_threes_keeps_offers_when_members_change() {
        let mut members: Vec<Member> = (1..=4).map(member).collect();
        members[1].presence = Presence::Away;
        let plan = plan_offer(
            &policy(Strategy::HuntByThrees),
            &members,
            &state(0, &[1, 2, 3]),
            Trigger::MembersChanged,
            now(),
        );
        assert_eq!(plan.offered, agents(&[1, 2, 3, 4]));
        assert!(plan.withdrawn.is_empty());
    }

    #[test]
    fn round_robin_takes_turns_and_moves_on_at_timeout() {
        let members: Vec<Member> = (1..=3).map(member).collect();
        let p = policy(Strategy::RoundRobin);
        // (last chat went to, current offer, trigger, offered now, withdrawn)
        let table = [
            (None, vec![], Trigger::New, agents(&[1]), agents(&[])),
            (Some(1), vec![], Trigger::New, agents(&[2]), agents(&[])),
            (Some(3), vec![], Trigger::New, agents(&[1]), agents(&[])),
            (
                Some(1),
                vec![2],
                Trigger::Timeout,
                agents(&[3]),
                agents(&[2]),
            ),
            (
                Some(1),
                vec![3],
                Trigger::Timeout,
                agents(&[1]),
                agents(&[3]),
            ),
            (
                Some(1),
                vec![2],
                Trigger::MembersChanged,
                agents(&[2]),
                agents(&[]),
            ),
        ];
        for (last, current, trigger, offered, withdrawn) in table {
            let before = OfferState {
                round: 0,
                offered: agents(&current),
                last_round_robin: last.map(agent),
            };
            let plan = plan_offer(&p, &members, &before, trigger, now());
            assert_eq!(
                plan.offered, offered,
                "last={last:?} current={current:?} {trigger:?}"
            );
            assert_eq!(plan.withdrawn, withdrawn);
            assert!(plan.expires_at.is_some());
        }
    }

    #[test]
    fn longest_idle_prefers_never_assigned_then_oldest_assignment() {
        let mut members: Vec<Member> = (1..=3).map(member).collect();
        members[0].last_assigned_at = Some(now() - Duration::minutes(5));
        members[1].last_assigned_at = Some(now() - Duration::minutes(50));
        members[2].last_assigned_at = None;
        let p = policy(Strategy::LongestIdle);
        let first = plan_offer(&p, &members, &OfferState::default(), Trigger::New, now());
        assert_eq!(first.offered, agents(&[3]));
        let second = plan_offer(&p, &members, &state(0, &[3]), Trigger::Timeout, now());
        assert_eq!(second.offered, agents(&[2]));
        let third = plan_offer(&p, &members, &state(1, &[2]), Trigger::Timeout, now());
        assert_eq!(third.offered, agents(&[1]));
    }

    #[test]
    fn fewest_answered_breaks_ties_by_priority() {
        let mut members: Vec<Member> = (1..=4).map(member).collect();
        members[0].answered = 9;
        members[1].answered = 2;
        members[2].answered = 2;
        members[3].answered = 4;
        let p = policy(Strategy::FewestAnswered);
        let plan = plan_offer(&p, &members, &OfferState::default(), Trigger::New, now());
        assert_eq!(plan.offered, agents(&[2]));
        let next = plan_offer(&p, &members, &state(0, &[2]), Trigger::Timeout, now());
        assert_eq!(next.offered, agents(&[3]));
    }

    #[test]
    fn single_agent_strategy_with_one_candidate_sets_no_timer() {
        let plan = plan_offer(
            &policy(Strategy::LongestIdle),
            &[member(1)],
            &OfferState::default(),
            Trigger::New,
            now(),
        );
        assert_eq!(plan.offered, agents(&[1]));
        assert_eq!(plan.expires_at, None);
    }

    #[test]
    fn nobody_eligible_means_no_offer_and_no_timer() {
        for strategy in Strategy::ALL {
            let mut m = member(1);
            m.logged_in = false;
            let plan = plan_offer(
                &policy(strategy),
                &[m],
                &OfferState::default(),
                Trigger::New,
                now(),
            );
            assert!(plan.offered.is_empty(), "{strategy:?}");
            assert_eq!(plan.expires_at, None, "{strategy:?}");
        }
    }

    #[test]
    fn timer_is_the_offer_timeout_from_now() {
        let members: Vec<Member> = (1..=4).map(member).collect();
        let plan = plan_offer(
            &policy(Strategy::HuntByThrees),
            &members,
            &OfferState::default(),
            Trigger::New,
            now(),
        );
        assert_eq!(plan.expires_at, Some(now() + Duration::seconds(30)));
    }

    #[test]
    fn strategy_names_parse() {
        for strategy in Strategy::ALL {
            assert_eq!(Strategy::parse(strategy.as_str()), Some(strategy));
        }
        assert_eq!(Strategy::parse("random"), None);
    }
}
