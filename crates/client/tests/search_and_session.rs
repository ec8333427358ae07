//! Offline search and templates through the real sync, and the session: login errors that
//! say what to do, resume from the keychain, logout, and the real keychain when there is one.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use switchboard_client::{
    Client, ClientError, ClientOptions, KeyringStore, MemoryStore, SignInKept, TemplateFilter,
    TokenStore, View,
};
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn search_finds_nao_for_nao_across_synced_history() {
    // Given a customer who wrote with accents
    let server = TestServer::start(1).await;
    let chat = server
        .customer_writes("5511970000000", "Eu NÃO recebi o boleto")
        .await;
    server.customer_writes("5511970000000", "Obrigado").await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    eventually("the history is cached", || async {
        cached_bodies(&ana, chat).await.len() == 2
    })
    .await;

    // When Ana searches without accents, and while typing
    for typed in ["nao", "NAO", "NAO receb"] {
        let found = ana.search(typed).await.unwrap();

        // Then the message is found, with the match marked
        assert_eq!(found.messages.len(), 1, "{typed:?}: {found:?}");
        let hit = &found.messages[0];
        assert_eq!(hit.conversation_id, chat);
        assert_eq!(hit.conversation_name, "Customer 5511970000000");
        assert!(
            hit.snippet.iter().any(|s| s.matched && s.text == "NÃO"),
            "{typed:?}: {:?}",
            hit.snippet
        );
    }
    assert!(ana.search("pix").await.unwrap().messages.is_empty());
}

#[tokio::test]
async fn templates_are_filtered_from_the_cache_while_the_server_is_down() {
    // Given templates created by a manager, synced to Ana's cache
    let mut server = TestServer::start(2).await;
    let manager_desktop = Desktop::new();
    let manager = signed_in(&server, &manager_desktop, "101").await;
    let token = manager_desktop
        .tokens
        .load(&manager.profile().expect("signed in").key())
        .unwrap()
        .expect("the manager's token is in the store");
    let http = reqwest::Client::new();
    for (name, body, category, language) in [
        ("Saudação", "Olá {{contact.first_name}}!", "Geral", "pt-BR"),
        (
            "Boleto",
            "Segue a segunda via do boleto",
            "Cobrança",
            "pt-BR",
        ),
        ("Greeting", "Hello {{contact.name}}", "General", "en"),
    ] {
        let status = http
            .post(format!("http://{}/api/v1/templates", server.addr))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "name": name, "body": body, "category": category, "language": language
            }))
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "template created: {status}");
    }
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "102").await;
    eventually("templates are cached", || async {
        ana.templates(TemplateFilter::default())
            .await
            .unwrap()
            .len()
            == 3
    })
    .await;

    // When the server goes away
    server.stop().await;

    // Then search, category and language filters still answer, accent-insensitively
    let names = |templates: Vec<switchboard_protocol::Template>| -> Vec<String> {
        templates.into_iter().map(|t| t.name).collect()
    };
    let by_query = ana
        .templates(TemplateFilter {
            query: Some("saudacao".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(names(by_query), ["Saudação"]);
    let by_tabs = ana
        .templates(TemplateFilter {
            category: Some("cobranca".into()),
            language: Some("pt".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(names(by_tabs), ["Boleto"]);
    assert_eq!(ana.template_languages().await.unwrap(), ["en", "pt-BR"]);
    let found = ana.search("segunda via").await.unwrap();
    assert_eq!(
        found.templates.len(),
        1,
        "templates are in the global search too"
    );
}

#[tokio::test]
async fn login_errors_tell_a_wrong_password_from_an_unreachable_or_foreign_server() {
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let client = desktop.client();

    let wrong = client
        .login(&server.url(), "101", "not the password")
        .await
        .expect_err("wrong password");
    assert_eq!(wrong.code(), "invalid_credentials", "{wrong}");

    // A port where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let unreachable = client
        .login(&format!("http://{address}"), "101", PASSWORD)
        .await
        .expect_err("nothing listens there");
    assert_eq!(unreachable.code(), "unreachable", "{unreachable}");
    assert!(unreachable.to_string().contains("Check the address"));

    // Something that answers HTTP, but is not Switchboard.
    let foreign = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let foreign_addr = foreign.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = foreign.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found")
                .await;
        }
    });
    let not_ours = client
        .login(&format!("http://{foreign_addr}"), "101", PASSWORD)
        .await
        .expect_err("not a Switchboard server");
    assert_eq!(not_ours.code(), "not_switchboard", "{not_ours}");

    let bad = client
        .login("ftp://example.com", "101", PASSWORD)
        .await
        .expect_err("not an http address");
    assert_eq!(bad.code(), "invalid_server_url");
}

#[tokio::test]
async fn a_restarted_app_resumes_offline_from_the_keychain_and_logout_forgets_the_token() {
    // Given Ana signed in once, with a chat cached
    let mut server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let chat = server.customer_writes("5511980000000", "oi").await;
    eventually("cached", || async {
        !cached_bodies(&ana, chat).await.is_empty()
    })
    .await;
    assert_eq!(desktop.tokens.len(), 1, "the token is in the keychain");
    let account = ana.profile().expect("signed in").key();
    ana.shutdown().await;
    drop(ana);

    // The token is in the keychain only, never in the data folder.
    let token = desktop.tokens.load(&account).unwrap().unwrap();
    for entry in walk(desktop.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token leaked into {}",
            entry.display()
        );
    }

    // When the app starts again with the server down
    server.stop().await;
    let again = desktop.client();
    let agent = again.resume().await.unwrap().expect("resumes");

    // Then the cached chat shows at once
    assert_eq!(agent.extension, "101");
    assert_eq!(cached_bodies(&again, chat).await, ["oi"]);
    assert_eq!(again.conversations(View::Recent).await.unwrap().len(), 1);

    // And logging out removes the token; the next start has nobody to resume
    again.logout().await.unwrap();
    assert!(desktop.tokens.is_empty(), "logout removed the token");
    let after = desktop.client();
    assert!(after.resume().await.unwrap().is_none());
    let err = after
        .conversations(View::Recent)
        .await
        .expect_err("signed out");
    assert_eq!(err.code(), "not_signed_in");
}

/// A keychain that works until it is broken (no Secret Service, locked, refused): then every
/// call fails the way `KeyringStore` reports it.
#[derive(Debug, Default, Clone)]
struct BreakableKeychain {
    tokens: MemoryStore,
    broken: Arc<AtomicBool>,
}

impl BreakableKeychain {
    fn broken() -> BreakableKeychain {
        let keychain = BreakableKeychain::default();
        keychain.set_broken(true);
        keychain
    }

    fn set_broken(&self, broken: bool) {
        self.broken.store(broken, Ordering::SeqCst);
    }

    fn check(&self) -> switchboard_client::Result<()> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(ClientError::Keychain {
                detail: "The name org.freedesktop.secrets was not provided by any .service files"
                    .into(),
            });
        }
        Ok(())
    }
}

impl TokenStore for BreakableKeychain {
    fn load(&self, account: &str) -> switchboard_client::Result<Option<String>> {
        self.check()?;
        self.tokens.load(account)
    }
    fn save(&self, account: &str, token: &str) -> switchboard_client::Result<()> {
        self.check()?;
        self.tokens.save(account, token)
    }
    fn delete(&self, account: &str) -> switchboard_client::Result<()> {
        self.check()?;
        self.tokens.delete(account)
    }
}

fn client_with(desktop: &Desktop, keychain: &BreakableKeychain) -> Client {
    Client::new(
        ClientOptions::new(desktop.dir.path())
            .with_tokens(Arc::new(keychain.clone()))
            .with_timing(fast_timing()),
    )
}

#[tokio::test]
async fn without_a_usable_keychain_signing_in_works_for_this_run_and_the_next_start_asks_again() {
    // Given a machine whose keychain cannot be used, and a customer waiting
    let server = TestServer::start(1).await;
    let chat = server.customer_writes("5511960000000", "alô?").await;
    let desktop = Desktop::new();
    let keychain = BreakableKeychain::broken();

    // When Ana signs in
    let ana = client_with(&desktop, &keychain);
    ana.login(&server.url(), "101", PASSWORD)
        .await
        .expect("signing in never dead-ends on the keychain");

    // Then she works as usual, and the app can tell her why it will ask again next time
    wait_online(&ana).await;
    eventually("the chat is cached", || async {
        cached_bodies(&ana, chat).await == ["alô?"]
    })
    .await;
    match ana.sign_in_kept() {
        Some(SignInKept::ThisRunOnly { detail }) => {
            assert!(detail.contains("org.freedesktop.secrets"), "{detail}")
        }
        other => panic!("the session is kept for this run only, not {other:?}"),
    }
    assert!(keychain.tokens.is_empty());

    // And logging out works, and the next start has nobody to resume: it shows the login
    ana.logout()
        .await
        .expect("logging out works without a keychain");
    assert_eq!(ana.sign_in_kept(), None);
    let again = client_with(&desktop, &keychain);
    assert!(again.resume().await.expect("no error at start").is_none());
}

#[tokio::test]
async fn a_keychain_that_fails_later_neither_blocks_logout_nor_resumes_a_stale_token() {
    // Given Ana signed in while the keychain worked
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let keychain = BreakableKeychain::default();
    let ana = client_with(&desktop, &keychain);
    ana.login(&server.url(), "101", PASSWORD).await.unwrap();
    assert_eq!(ana.sign_in_kept(), Some(SignInKept::Keychain));
    wait_online(&ana).await;

    // When the keychain breaks (locked, its daemon gone)
    keychain.set_broken(true);

    // Then logging out still works and the next start does not resume
    ana.logout().await.expect("logging out works");
    keychain.set_broken(false);
    assert!(
        resumes_nobody(&desktop, &keychain).await,
        "the token left in the keychain is not resumed after a logout"
    );

    // And a start while the keychain is broken shows the login instead of an error
    sign_in_and_quit(&server, &desktop, &keychain).await;
    keychain.set_broken(true);
    assert!(
        resumes_nobody(&desktop, &keychain).await,
        "a broken keychain at start means nobody to resume"
    );

    // And signing in while it is broken leaves no stale resume behind
    sign_in_and_quit(&server, &desktop, &keychain).await;
    keychain.set_broken(false);
    assert!(
        resumes_nobody(&desktop, &keychain).await,
        "a sign-in kept for one run only is not resumed with an older keychain token"
    );
}

/// A fresh start of the app finds nobody to resume (and no error).
async fn resumes_nobody(desktop: &Desktop, keychain: &BreakableKeychain) -> bool {
    client_with(desktop, keychain)
        .resume()
        .await
        .expect("starting never fails on the keychain")
        .is_none()
}

/// Ana signs in, then the app quits (keeping what it keeps for the next start).
async fn sign_in_and_quit(server: &TestServer, desktop: &Desktop, keychain: &BreakableKeychain) {
    let ana = client_with(desktop, keychain);
    ana.login(&server.url(), "101", PASSWORD).await.unwrap();
    ana.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn an_expired_session_is_reported_once_and_stops_the_engine() {
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let mut changes = ana.subscribe();
    // The token stops working (logged out elsewhere).
    let account = ana.profile().expect("signed in").key();
    let token = desktop.tokens.load(&account).unwrap().unwrap();
    let status = reqwest::Client::new()
        .delete(format!("http://{}/api/v1/session", server.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success());
    server.proxy.cut();
    let expired = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(change) = changes.next().await {
            if change == switchboard_client::Change::SessionExpired {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(expired, Ok(true), "the UI is told to show the login screen");
}

/// The real OS keychain (Secret Service on Linux). Runs only where one answers, e.g. under
/// `dbus-run-session` with an unlocked `gnome-keyring-daemon` (TESTING.md); elsewhere it says
/// why it skipped.
#[test]
fn the_keyring_store_round_trips_a_token_through_the_system_keychain() {
    let store = KeyringStore::with_service("switchboard-client-tests");
    let account = format!("test-{}", uuid::Uuid::now_v7());
    if let Err(err) = store.save(&account, "probe") {
        println!("skipped: no usable system keychain here ({err})");
        return;
    }
    assert_eq!(store.load(&account).unwrap().as_deref(), Some("probe"));
    store.save(&account, "token-2").unwrap();
    assert_eq!(store.load(&account).unwrap().as_deref(), Some("token-2"));
    store.delete(&account).unwrap();
    assert_eq!(store.load(&account).unwrap(), None);
    store.delete(&account).expect("deleting twice is fine");
    let _ = ClientOptions::new("/tmp").with_tokens(Arc::new(store));
}

#[tokio::test]
async fn the_update_feed_is_the_signed_in_servers_and_answers_with_the_agents_token() {
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = desktop.client();
    assert!(ana.update_feed().is_none(), "nobody signed in: no feed");
    ana.login(&server.url(), "101", PASSWORD).await.unwrap();

    let feed = ana.update_feed().expect("a feed once signed in");
    assert!(
        !format!("{feed:?}").contains("Bearer"),
        "the token stays out of logs"
    );
    // What Tauri's updater does with the placeholders.
    let url = feed
        .url
        .as_str()
        .replace("%7B%7Btarget%7D%7D", "linux")
        .replace("%7B%7Barch%7D%7D", "x86_64")
        .replace("%7B%7Bcurrent_version%7D%7D", "0.1.0")
        .replace("{{bundle_type}}", "deb");
    assert!(url.starts_with(&server.url()), "{url}");
    let http = reqwest::Client::new();
    let answer = http
        .get(&url)
        .header("authorization", &feed.authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::NO_CONTENT, "{url}");
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), reqwest::StatusCode::UNAUTHORIZED);

    ana.logout().await.unwrap();
    assert!(ana.update_feed().is_none(), "signed out: no feed");
}

#[tokio::test]
async fn an_agent_with_a_temporary_password_chooses_their_own_before_anything_starts() {
    // Given an agent an administrator added with a temporary password
    let owner = format!(
        "\n[[agents]]\nextension = \"190\"\nname = \"Olga Owner\"\npassword = \"{PASSWORD}\"\nrole = \"system_owner\"\n"
    );
    let server = TestServer::start_with(format!("{}{owner}", config_toml(1))).await;
    let http = reqwest::Client::new();
    let session: serde_json::Value = http
        .post(format!("{}/api/v1/session", server.url()))
        .json(&serde_json::json!({"login": "190", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let added = http
        .post(format!("{}/api/v1/admin/agents", server.url()))
        .bearer_auth(session["token"].as_str().unwrap())
        .json(&serde_json::json!({"extension": "201", "name": "Nina", "password": "temporary-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), reqwest::StatusCode::OK);

    // When she signs in, the app asks for her own password first and starts nothing
    let desktop = Desktop::new();
    let nina = desktop.client();
    let error = nina
        .login(&server.url(), "201", "temporary-1")
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::PasswordChangeRequired);
    assert!(nina.me().is_none(), "nothing started yet");
    let error = nina.choose_password("short").await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidPassword, "{error}");
    let agent = nina
        .choose_password("nina's own password")
        .await
        .expect("a good password signs her in");
    assert_eq!(agent.extension, "201");
    wait_online(&nina).await;

    // Then she can change it again in Settings, and it is the one that signs her in
    let error = nina
        .change_password("not it", "yet another password")
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidPassword);
    nina.change_password("nina's own password", "yet another password")
        .await
        .unwrap();
    let later = Desktop::new().client();
    later
        .login(&server.url(), "201", "yet another password")
        .await
        .expect("the new password signs in with no further step");
}
