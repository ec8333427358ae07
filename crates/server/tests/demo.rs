//! The demo command end to end: the real binary starts on a free port with demo data, and
//! agents signing in find the waiting customers and their own history.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn login(http: &reqwest::Client, base: &str, login: &str) -> String {
    let resp = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"login": login, "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn list(http: &reqwest::Client, base: &str, token: &str, view: &str) -> Vec<Value> {
    let body: Value = http
        .get(format!("{base}/api/v1/conversations?view={view}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["conversations"].as_array().unwrap().clone()
}

#[tokio::test]
async fn demo_serves_waiting_customers_on_every_channel() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args(["demo", "--listen", "127.0.0.1:0", "--customers-every", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _child = Child(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    let http = reqwest::Client::new();

    // Ana is in both queues: she is offered the WhatsApp, SMS and live-chat customers (support,
    // ring_all) and the Messenger one (sales, hunt_by_threes).
    let ana = login(&http, &base, "101").await;
    let recent = list(&http, &base, &ana, "recent").await;
    let mut channels: Vec<&str> = recent
        .iter()
        .map(|c| c["channel"].as_str().unwrap())
        .collect();
    channels.sort();
    assert_eq!(
        channels,
        ["facebook", "livechat", "sms", "whatsapp"],
        "{recent:?}"
    );
    assert!(recent
        .iter()
        .all(|c| c["status"] == "queued" && c["unread"].as_u64() > Some(0)));
    let archived = list(&http, &base, &ana, "archived").await;
    assert_eq!(archived.len(), 1, "Ana's resolved chat with Luiza");
    assert_eq!(archived[0]["status"], "resolved");
    assert_eq!(archived[0]["contact"]["display_name"], "Luiza Martins");

    // The supervisor is in the support queue only.
    let marina = login(&http, &base, "100").await;
    let manager_channels: Vec<String> = list(&http, &base, &marina, "recent")
        .await
        .iter()
        .map(|c| c["channel"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(manager_channels.len(), 3, "{manager_channels:?}");
    assert!(!manager_channels.contains(&"facebook".to_string()));

    // A reply goes out through the fake WhatsApp provider and is accepted there.
    let whatsapp = recent.iter().find(|c| c["channel"] == "whatsapp").unwrap();
    let id = whatsapp["id"].as_str().unwrap();
    let reply: Value = http
        .post(format!("{base}/api/v1/conversations/{id}/messages"))
        .bearer_auth(&ana)
        .json(&json!({"client_id": uuid::Uuid::now_v7(), "body": "Olá João! Vou verificar o pedido."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut status = String::new();
    for _ in 0..50 {
        let page: Value = http
            .get(format!("{base}/api/v1/conversations/{id}/messages"))
            .bearer_auth(&ana)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mine = page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == reply["id"])
            .cloned()
            .unwrap();
        status = mine["status"].as_str().unwrap().to_string();
        if status == "sent" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "sent", "the fake WhatsApp accepted the reply");

    // Simulated customers keep writing in.
    let mut grew = false;
    for _ in 0..60 {
        if list(&http, &base, &ana, "recent").await.len() > recent.len() {
            grew = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(grew, "a new simulated customer wrote in");
}
