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
        Trigger::Timeout => state.round.saturating_add(1),
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
                match (policy.strategy, trigger, current) {
                    // The turn passes to whoever follows the agent who let it time out.
                    (Strategy::RoundRobin, Trigger::Timeout, Some(current))
                        if members.iter().any(|m| m.agent == current) =>
                    {
                        in_turn_after(members, &eligible, Some(current))
                            .first()
                            .copied()
                    }
                    (Strategy::RoundRobin, _, _) => {
                        in_turn_after(members, &eligible, state.last_round_robin)
                            .first()
                            .copied()
                    }
                    (_, Trigger::Timeout, Some(current)) => {
                        next_after(&rank_by_merit(policy.strategy, &eligible), current)
                    }
                    _ => rank_by_merit(policy.strategy, &eligible).first().copied(),
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

/// Eligible agents in the order `round_robin` tries them: starting after `last` in the queue's
/// order and wrapping around, whether or not `last` could take a chat now (someone who went
/// away does not send the turn back to the top of the list). From the top when `last` is not a
/// member.
fn in_turn_after(members: &[Member], eligible: &[&Member], last: Option<AgentId>) -> Vec<AgentId> {
    let position = |agent: AgentId| members.iter().position(|m| m.agent == agent);
    let mut ranked: Vec<&Member> = eligible.to_vec();
    if let Some(start) = last.and_then(position) {
        let n = members.len();
        // `position` finds every eligible member: they are `members`' own entries.
        ranked.sort_by_key(|m| (position(m.agent).unwrap_or(start) + n - start - 1) % n);
    }
    ids(&ranked)
}

/// Eligible agents in the order `longest_idle` and `fewest_answered` try them.
fn rank_by_merit(strategy: Strategy, eligible: &[&Member]) -> Vec<AgentId> {
    let mut ranked: Vec<&Member> = eligible.to_vec();
    // Stable sorts keep the queue's priority order among equals.
    match strategy {
        Strategy::LongestIdle => ranked.sort_by_key(|m| m.last_assigned_at),
        Strategy::FewestAnswered => ranked.sort_by_key(|m| m.answered),
        Strategy::RingAll | Strategy::HuntByThrees | Strategy::RoundRobin => {}
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
    fn round_robin_continues_after_the_last_agent_when_they_went_away() {
        // Given agent 2 took the last chat and then went away, and agent 3 let the next time out
        // and went away too
        let mut members: Vec<Member> = (1..=4).map(member).collect();
        members[1].presence = Presence::Away;
        let p = policy(Strategy::RoundRobin);
        let after_2 = OfferState {
            last_round_robin: Some(agent(2)),
            ..OfferState::default()
        };
        // When a chat arrives, then the turn is 3's, not the top of the list's
        let plan = plan_offer(&p, &members, &after_2, Trigger::New, now());
        assert_eq!(plan.offered, agents(&[3]), "the turn goes on after 2");
        members[2].presence = Presence::Away;
        let offered_3 = OfferState {
            offered: agents(&[3]),
            ..after_2
        };
        // When 3's offer times out, then it moves on to 4
        let plan = plan_offer(&p, &members, &offered_3, Trigger::Timeout, now());
        assert_eq!(plan.offered, agents(&[4]), "the turn goes on after 3");
        assert_eq!(plan.withdrawn, agents(&[3]));
    }

    #[test]
    fn rounds_stop_counting_at_the_largest_round() {
        let plan = plan_offer(
            &policy(Strategy::HuntByThrees),
            &[member(1)],
            &state(u32::MAX, &[1]),
            Trigger::Timeout,
            now(),
        );
        assert_eq!(
            plan.round,
            u32::MAX,
            "a timeout past the last round cannot overflow"
        );
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

/// Invariants of [`plan_offer`] over any queue: strategy, limit, members (presence, log-in,
/// load, history, priority order), the offer so far and the trigger.
#[cfg(test)]
mod properties {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use proptest::sample::select;
    // The trait, not routing's enum (written `super::Strategy` here).
    use proptest::strategy::Strategy;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn agent(n: u128) -> AgentId {
        AgentId::from_u128(n)
    }

    fn policies() -> impl Strategy<Value = QueuePolicy> {
        (select(super::Strategy::ALL.to_vec()), 1..600i64, 0..4u32).prop_map(
            |(strategy, timeout_s, max_chats_per_agent)| QueuePolicy {
                strategy,
                offer_timeout: Duration::seconds(timeout_s),
                max_chats_per_agent,
            },
        )
    }

    /// Up to eight members with distinct ids 1..=8 in any priority order.
    fn members() -> impl Strategy<Value = Vec<Member>> {
        let member = (
            any::<bool>(),
            select(vec![Presence::Available, Presence::Away, Presence::Dnd]),
            0..5u32,
            proptest::option::of(0..4i64),
            0..4u32,
        );
        (
            Just((1..=8u128).collect::<Vec<_>>()).prop_shuffle(),
            proptest::collection::vec(member, 0..=8),
        )
            .prop_map(|(ids, facts)| {
                ids.into_iter()
                    .zip(facts)
                    .map(
                        |(id, (logged_in, presence, open_chats, idle, answered))| Member {
                            agent: agent(id),
                            logged_in,
                            presence,
                            open_chats,
                            last_assigned_at: idle.map(|m| now() - Duration::minutes(m)),
                            answered,
                        },
                    )
                    .collect()
            })
    }

    /// The offer so far; ids 9 and 10 are agents who have since left the queue.
    fn states() -> impl Strategy<Value = OfferState> {
        (
            prop_oneof![0..6u32, Just(u32::MAX)],
            Just((1..=10u128).collect::<Vec<_>>()).prop_shuffle(),
            0..5usize,
            proptest::option::of(1..=10u128),
        )
            .prop_map(|(round, ids, offered, last)| OfferState {
                round,
                offered: ids[..offered].iter().map(|n| agent(*n)).collect(),
                last_round_robin: last.map(agent),
            })
    }

    fn triggers() -> impl Strategy<Value = Trigger> {
        select(vec![
            Trigger::New,
            Trigger::Timeout,
            Trigger::MembersChanged,
        ])
    }

    /// Eligibility as SPEC §2 states it, written independently of `is_eligible`.
    fn may_be_offered(policy: &QueuePolicy, m: &Member) -> bool {
        let has_room = policy.max_chats_per_agent == 0 || m.open_chats < policy.max_chats_per_agent;
        m.logged_in
            && (policy.strategy == super::Strategy::RingAll
                || (m.presence == Presence::Available && has_room))
    }

    /// The first eligible member after `anchor` in the queue's order, wrapping around (the
    /// anchor itself last); the first eligible one when `anchor` is not a member.
    fn next_in_turn(
        policy: &QueuePolicy,
        members: &[Member],
        anchor: Option<AgentId>,
    ) -> Option<AgentId> {
        let start = anchor.and_then(|a| members.iter().position(|m| m.agent == a));
        let order: Vec<&Member> = match start {
            Some(s) => (1..=members.len())
                .map(|k| &members[(s + k) % members.len()])
                .collect(),
            None => members.iter().collect(),
        };
        order
            .into_iter()
            .find(|m| may_be_offered(policy, m))
            .map(|m| m.agent)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn plans_offer_only_eligible_agents_once_and_withdraw_the_rest(
            policy in policies(),
            members in members(),
            state in states(),
            trigger in triggers(),
        ) {
            let plan = plan_offer(&policy, &members, &state, trigger, now());
            let eligible: Vec<AgentId> = members
                .iter()
                .filter(|m| may_be_offered(&policy, m))
                .map(|m| m.agent)
                .collect();
            for m in &members {
                prop_assert_eq!(is_eligible(&policy, m), may_be_offered(&policy, m), "{:?}", m);
            }

            // Nobody is offered twice.
            let mut seen = plan.offered.clone();
            seen.sort();
            seen.dedup();
            prop_assert_eq!(seen.len(), plan.offered.len(), "offered twice: {:?}", plan.offered);
            // Everyone newly offered may be offered (kept offers stay until a timeout).
            for added in plan.added(&state) {
                prop_assert!(eligible.contains(&added), "{} is not eligible", added);
            }
            // Exactly those who had the offer and lost it are withdrawn.
            let lost: Vec<AgentId> = state
                .offered
                .iter()
                .copied()
                .filter(|a| !plan.offered.contains(a))
                .collect();
            prop_assert_eq!(&plan.withdrawn, &lost);

            let round = match trigger {
                Trigger::New => 0,
                Trigger::Timeout => state.round.saturating_add(1),
                Trigger::MembersChanged => state.round,
            };
            prop_assert_eq!(plan.round, round);
            if plan.offered.is_empty() {
                prop_assert_eq!(plan.expires_at, None, "no timer without an offer");
            }
            if let Some(at) = plan.expires_at {
                prop_assert_eq!(at, now() + policy.offer_timeout);
            }

            match policy.strategy {
                super::Strategy::RingAll => {
                    prop_assert_eq!(&plan.offered, &eligible, "every eligible member, in order");
                    prop_assert_eq!(plan.expires_at, None);
                }
                super::Strategy::HuntByThrees => {
                    let width = 3 * (round as usize + 1);
                    let mut expected = state.offered.clone();
                    expected.extend(
                        eligible
                            .iter()
                            .take(width)
                            .filter(|a| !state.offered.contains(a)),
                    );
                    prop_assert_eq!(&plan.offered, &expected, "never withdraws; widens in order");
                    let someone_left = eligible.iter().any(|a| !plan.offered.contains(a));
                    prop_assert_eq!(plan.expires_at.is_some(), someone_left);
                }
                single => {
                    let current = state.offered.first().copied();
                    let kept = trigger == Trigger::MembersChanged
                        && current.is_some_and(|c| members.iter().any(|m| m.agent == c));
                    if kept {
                        prop_assert_eq!(plan.offered.first().copied(), current, "kept until its timeout");
                    } else {
                        prop_assert_eq!(plan.offered.len(), eligible.len().min(1));
                    }
                    prop_assert!(plan.offered.len() <= 1, "one agent at a time");
                    let timer = eligible.len() > 1 && !plan.offered.is_empty();
                    prop_assert_eq!(plan.expires_at.is_some(), timer);
                    let pick = plan.offered.first().copied();
                    match (single, trigger, current) {
                        (_, _, _) if kept => {}
                        (super::Strategy::RoundRobin, Trigger::Timeout, Some(c))
                            if members.iter().any(|m| m.agent == c) =>
                        {
                            prop_assert_eq!(pick, next_in_turn(&policy, &members, Some(c)));
                        }
                        (super::Strategy::RoundRobin, _, _) => {
                            let expected = next_in_turn(&policy, &members, state.last_round_robin);
                            prop_assert_eq!(pick, expected, "the turn continues after the last agent");
                        }
                        (_, Trigger::Timeout, Some(c)) => {
                            if eligible.len() > 1 {
                                prop_assert_ne!(pick, Some(c), "a timeout moves on");
                            }
                        }
                        (strategy, _, _) => {
                            // The best by the strategy's measure, earliest in priority among equals.
                            let key = |a: AgentId| {
                                let m = members.iter().find(|m| m.agent == a).unwrap();
                                match strategy {
                                    super::Strategy::LongestIdle => (m.last_assigned_at, 0),
                                    _ => (None, m.answered),
                                }
                            };
                            if let Some(pick) = pick {
                                let at = eligible.iter().position(|a| *a == pick).unwrap();
                                for (i, other) in eligible.iter().enumerate() {
                                    prop_assert!(key(pick) <= key(*other), "{} beats the pick", other);
                                    if i < at {
                                        prop_assert!(key(pick) < key(*other), "ties go by priority");
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        #[test]
        fn round_robin_gives_each_available_agent_one_chat_per_turn(
            members in members(),
            last in proptest::option::of(1..=8u128),
            max_chats_per_agent in 0..4u32,
        ) {
            // Given a queue whose members do not change, and loads that do not count
            // (their chats are answered as fast as they come)
            let policy = QueuePolicy {
                strategy: super::Strategy::RoundRobin,
                offer_timeout: Duration::seconds(30),
                max_chats_per_agent,
            };
            let eligible: Vec<AgentId> = members
                .iter()
                .filter(|m| may_be_offered(&policy, m))
                .map(|m| m.agent)
                .collect();
            // When as many chats arrive as there are eligible agents, each taken by its first
            let mut state = OfferState { last_round_robin: last.map(agent), ..OfferState::default() };
            let mut got = Vec::new();
            for _ in 0..eligible.len() {
                let plan = plan_offer(&policy, &members, &state, Trigger::New, now());
                let first = plan.offered[0];
                got.push(first);
                state.last_round_robin = Some(first);
            }
            // Then each eligible agent got exactly one, in the queue's order, wrapping around
            let mut sorted = got.clone();
            sorted.sort();
            let mut expected = eligible.clone();
            expected.sort();
            prop_assert_eq!(sorted, expected, "turns {:?}", got);
            for pair in got.windows(2) {
                prop_assert_eq!(Some(pair[1]), next_in_turn(&policy, &members, Some(pair[0])));
            }
        }
    }
}
