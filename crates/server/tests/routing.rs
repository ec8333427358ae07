//! Queue strategies executed by the real server: who is offered a chat, and how offers move
//! when their time runs out, when presence changes and when agents are at capacity.

mod common;

use std::collections::HashSet;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn offered_to(agents: &[Agent], conversation: uuid::Uuid) -> Vec<String> {
    let mut out = Vec::new();
    for agent in agents {
        if agent.sees(conversation).await {
            out.push(agent.extension.clone());
        }
    }
    out
}

async fn login_all(server: &TestServer, n: u32) -> Vec<Agent> {
    let mut agents = Vec::new();
    for i in 1..=n {
        agents.push(server.login(&(100 + i).to_string()).await);
    }
    agents
}

#[tokio::test]
async fn hunt_by_threes_widens_every_offer_timeout() {
    let server = TestServer::with_config(&config_toml(
        7,
        // Long enough for the first look to come before the first widening on a loaded
        // machine (seven agents asked one after the other).
        "strategy = \"hunt_by_threes\"\noffer_timeout_s = 6",
        "",
    ))
    .await;
    let agents = login_all(&server, 7).await;
    let chat = server.inbound("wa", "5511000000001", "Oi").await;
    assert_eq!(
        offered_to(&agents, chat.conversation_id).await,
        ["101", "102", "103"]
    );
    // Sample until the offer has widened and two looks in a row agree (a look that straddles
    // the widening sees half of it; the next widening is six seconds away).
    let mut widened = Vec::new();
    for _ in 0..600 {
        let first = offered_to(&agents, chat.conversation_id).await;
        if first.len() > 3 && offered_to(&agents, chat.conversation_id).await == first {
            widened = first;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        widened,
        ["101", "102", "103", "104", "105", "106"],
        "the next three in priority order"
    );
    eventually("all seven are offered", || async {
        offered_to(&agents, chat.conversation_id).await.len() == 7
    })
    .await;
    // Once someone answers, the hunt stops and the others lose it.
    agents[6].take(chat.conversation_id).await;
    assert_eq!(offered_to(&agents, chat.conversation_id).await, ["107"]);
}

#[tokio::test]
async fn only_available_agents_under_their_limit_are_hunted() {
    let server = TestServer::with_config(&config_toml(
        5,
        "strategy = \"hunt_by_threes\"\noffer_timeout_s = 60\nmax_chats_per_agent = 1",
        "",
    ))
    .await;
    let agents = login_all(&server, 5).await;
    agents[0]
        .call(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "away"})),
        )
        .await;
    // 102 is busy with one chat already: at the limit.
    let busy = server.inbound("wa", "5511000000002", "primeiro").await;
    agents[1].take(busy.conversation_id).await;

    let chat = server.inbound("wa", "5511000000003", "Oi").await;
    assert_eq!(
        offered_to(&agents, chat.conversation_id).await,
        ["103", "104", "105"]
    );

    // 101 comes back: the waiting chat is offered to them too, without waiting for a timeout.
    agents[0]
        .call(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "available"})),
        )
        .await;
    assert!(agents[0].sees(chat.conversation_id).await);
}

#[tokio::test]
async fn ring_all_offers_everyone_logged_in_whatever_their_presence() {
    let server = TestServer::start(3).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    bruno
        .call(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "dnd"})),
        )
        .await;
    let chat = server.inbound("wa", "5511000000004", "Oi").await;
    assert!(ana.sees(chat.conversation_id).await);
    assert!(bruno.sees(chat.conversation_id).await);
    // 103 was not logged in; signing in brings the waiting chat to them.
    let carla = server.login("103").await;
    assert!(carla.sees(chat.conversation_id).await);
}

#[tokio::test]
async fn round_robin_takes_turns_and_moves_on_when_unanswered() {
    let server = TestServer::with_config(&config_toml(
        3,
        // Long enough that no offer moves on before all three are looked at, even on a
        // loaded machine; the last step waits for it.
        "strategy = \"round_robin\"\noffer_timeout_s = 3",
        "",
    ))
    .await;
    let agents = login_all(&server, 3).await;
    let first = server.inbound("wa", "5511000000005", "um").await;
    let second = server.inbound("wa", "5511000000006", "dois").await;
    let third = server.inbound("wa", "5511000000007", "três").await;
    let a = offered_to(&agents, first.conversation_id).await;
    let b = offered_to(&agents, second.conversation_id).await;
    let c = offered_to(&agents, third.conversation_id).await;
    assert_eq!(
        (a.len(), b.len(), c.len()),
        (1, 1, 1),
        "one agent at a time"
    );
    let distinct: HashSet<_> = [&a[0], &b[0], &c[0]].into_iter().collect();
    assert_eq!(distinct.len(), 3, "turns rotate: {a:?} {b:?} {c:?}");

    // Unanswered, the first chat moves to the next agent.
    let before = a[0].clone();
    eventually("the offer moves on", || async {
        let now = offered_to(&agents, first.conversation_id).await;
        now.len() == 1 && now[0] != before
    })
    .await;
}

#[tokio::test]
async fn longest_idle_prefers_the_agent_who_waited_longest() {
    let server = TestServer::with_config(&config_toml(
        3,
        "strategy = \"longest_idle\"\noffer_timeout_s = 60",
        "",
    ))
    .await;
    let agents = login_all(&server, 3).await;
    // 101 and 102 each just got a chat (by extension route to 101 and a take).
    let one = server.inbound("wa", "5511000000008", "um").await;
    let first_pick = offered_to(&agents, one.conversation_id).await;
    assert_eq!(
        first_pick,
        ["101"],
        "nobody had a chat: priority order decides"
    );
    agents[0].take(one.conversation_id).await;
    let two = server.inbound("wa", "5511000000009", "dois").await;
    assert_eq!(offered_to(&agents, two.conversation_id).await, ["102"]);
    agents[1].take(two.conversation_id).await;
    let three = server.inbound("wa", "5511000000010", "três").await;
    assert_eq!(offered_to(&agents, three.conversation_id).await, ["103"]);
    agents[2].take(three.conversation_id).await;
    let four = server.inbound("wa", "5511000000011", "quatro").await;
    assert_eq!(
        offered_to(&agents, four.conversation_id).await,
        ["101"],
        "101 has been idle the longest"
    );
}

#[tokio::test]
async fn fewest_answered_prefers_the_least_busy_agent() {
    let server = TestServer::with_config(&config_toml(
        2,
        "strategy = \"fewest_answered\"\noffer_timeout_s = 60",
        "",
    ))
    .await;
    let agents = login_all(&server, 2).await;
    let one = server.inbound("wa", "5511000000012", "um").await;
    assert_eq!(offered_to(&agents, one.conversation_id).await, ["101"]);
    let (status, _) = agents[0].take(one.conversation_id).await;
    assert_eq!(status, StatusCode::OK);
    let two = server.inbound("wa", "5511000000013", "dois").await;
    assert_eq!(
        offered_to(&agents, two.conversation_id).await,
        ["102"],
        "101 answered one already"
    );
}
