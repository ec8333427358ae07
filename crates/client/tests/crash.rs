//! The desktop client killed (SIGKILL, a real process) in the middle of sending a reply with a
//! file: started again on the same data folder, it delivers the reply exactly once.
//!
//! The client that dies is this test binary run again as a child process (`crash_child`,
//! ignored unless a parent starts it): it signs in through the test proxy, sends the reply and
//! waits. The parent lets the server take the upload or the message but swallows the answer,
//! kills the child while it waits for it, and starts a new client on the child's folder.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use common::*;
use switchboard_client::{Client, ClientOptions, MemoryStore, OutgoingAttachment};
use uuid::Uuid;

const CHILD: &str = "SWITCHBOARD_CRASH_CHILD";
const BODY: &str = "segue o comprovante";

/// What the child is to do: `url`, `folder`, `conversation`, `file`, one per line.
fn child_spec(url: &str, folder: &std::path::Path, chat: Uuid, file: &std::path::Path) -> String {
    format!("{url}\n{}\n{chat}\n{}", folder.display(), file.display())
}

/// The child process: sign in, send the reply with its file, then wait to be killed.
#[tokio::test]
#[ignore = "run by the crash tests as their child process"]
async fn crash_child() {
    let spec = std::env::var(CHILD).expect("started by a crash test");
    let lines: Vec<&str> = spec.lines().collect();
    let [url, folder, chat, file] = lines[..] else {
        panic!("bad spec {spec:?}");
    };
    let client = Client::new(
        ClientOptions::new(folder)
            .with_tokens(Arc::new(MemoryStore::new()))
            .with_timing(fast_timing()),
    );
    client.login(url, "101", PASSWORD).await.expect("signs in");
    let chat: Uuid = chat.parse().unwrap();
    eventually("the conversation reached the cache", || async {
        !cached_bodies(&client, chat).await.is_empty()
    })
    .await;
    // Ready; the parent says when to send (once it is losing the server's answers).
    let folder = std::path::Path::new(folder);
    std::fs::write(folder.join("crash-ready"), "").unwrap();
    eventually("the parent says go", || async {
        folder.join("crash-go").exists()
    })
    .await;
    client
        .send(chat, BODY, vec![OutgoingAttachment::File(file.into())])
        .await
        .expect("queued");
    std::future::pending::<()>().await;
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_child(spec: &str) -> Killed {
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--ignored", "--nocapture"])
        .env(CHILD, spec)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the child client starts");
    Killed(child)
}

/// Kill the client once the server has taken what `taken` looks for (its answer swallowed),
/// restart it, and check the reply arrives exactly once with its one file.
async fn killed_after(taken: &'static str) {
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let me = {
        let ana = signed_in(&server, &desktop, "101").await;
        let id = ana.me().expect("signed in").id;
        ana.shutdown().await;
        id
    };
    let chat = server
        .customer_writes("5511900000099", "me manda o comprovante")
        .await;
    let file = desktop.dir.path().join("comprovante.txt");
    std::fs::write(&file, "pago em 02/12\n".repeat(1000)).unwrap();
    let uploads = || {
        let db = rusqlite::Connection::open(server.dir.path().join("switchboard.db")).unwrap();
        let count: i64 = db
            .query_row("SELECT COUNT(*) FROM attachments", [], |r| r.get(0))
            .unwrap();
        count
    };

    // The network takes what the client sends from now on, but loses the answers.
    let mut child = start_child(&child_spec(&server.url(), desktop.dir.path(), chat, &file));
    let folder = desktop.dir.path();
    eventually("the child signed in and has the chat", || async {
        folder.join("crash-ready").exists()
    })
    .await;
    server.proxy.swallow_answers_to(match taken {
        "upload" => "POST /api/v1/attachments",
        _ => "POST /api/v1/conversations/",
    });
    std::fs::write(folder.join("crash-go"), "").unwrap();
    match taken {
        "upload" => eventually("the server took the upload", || async { uploads() >= 1 }).await,
        _ => {
            eventually("the server took the reply", || async {
                server
                    .server_messages(me, chat)
                    .await
                    .iter()
                    .any(|m| m.body == BODY)
            })
            .await
        }
    }
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    server.proxy.forward();

    // Started again on the same folder (the keychain went with the process: sign in again).
    let restarted = signed_in(&server, &desktop, "101").await;
    eventually("the queued reply was delivered", || async {
        restarted.outbox().await.unwrap().is_empty()
    })
    .await;
    let stored: Vec<_> = server
        .server_messages(me, chat)
        .await
        .into_iter()
        .filter(|m| m.body == BODY)
        .collect();
    assert_eq!(stored.len(), 1, "the reply is on the server exactly once");
    assert_eq!(stored[0].attachments.len(), 1, "with its one file");
    assert_eq!(stored[0].attachments[0].filename, "comprovante.txt");
    let cached: Vec<_> = restarted
        .messages(chat, None, 100)
        .await
        .unwrap()
        .messages
        .into_iter()
        .filter(|m| m.body == BODY)
        .collect();
    assert_eq!(cached.len(), 1, "and once in the restarted app");
    assert_eq!(cached[0].id, stored[0].id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_after_the_server_took_the_file_sends_the_reply_once() {
    killed_after("upload").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_after_the_server_took_the_reply_sends_it_once() {
    killed_after("reply").await;
}
