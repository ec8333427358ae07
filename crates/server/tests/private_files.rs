//! What the server writes to disk is readable by its own user only: `data_dir` is `0700`, the
//! media-link key, the SQLite database and stored files `0600`, whatever the umask.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 30, image::Rgb([10, 200, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn data_dir_secrets_database_and_files_are_readable_by_their_owner_only() {
    // Given: a server started in a fresh folder (the test process's umask is the usual 022,
    // which would leave files world-readable).
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    // When: an agent uploads an image (a stored file and a thumbnail).
    let part = reqwest::multipart::Part::bytes(png()).file_name("foto.png");
    let resp = server
        .http
        .post(format!("{}/api/v1/attachments", server.base))
        .bearer_auth(&ana.token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let upload: Value = resp.json().await.unwrap();
    let id = upload["id"].as_str().unwrap().replace('-', "");
    // Then: only the owner may read any of it.
    let data = server.dir.path().join("data");
    assert_eq!(mode(&data), 0o700, "data_dir");
    for sub in [
        "attachments",
        "attachments/tmp",
        "attachments/files",
        "attachments/thumbs",
    ] {
        assert_eq!(mode(&data.join(sub)), 0o700, "{sub}");
    }
    assert_eq!(
        mode(&data.join("media-link.key")),
        0o600,
        "the media-link key"
    );
    let stored = data.join(format!("attachments/files/{}/{id}", &id[id.len() - 2..]));
    assert_eq!(mode(&stored), 0o600, "a stored attachment");
    assert_eq!(
        mode(&data.join(format!("attachments/thumbs/{id}.jpg"))),
        0o600,
        "a thumbnail"
    );
    if !on_postgres() {
        let database = server.dir.path().join("switchboard.db");
        assert_eq!(mode(&database), 0o600, "the SQLite database");
        let wal = server.dir.path().join("switchboard.db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600, "its write-ahead log");
        }
    }
}

#[tokio::test]
async fn a_media_link_key_left_world_readable_is_rewritten_privately() {
    // Given: a data folder holding a key too short to use, readable by everyone.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("media-link.key"), b"short").unwrap();
    std::fs::set_permissions(
        data.join("media-link.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let config_path = dir.path().join("switchboard.toml");
    std::fs::write(
        &config_path,
        config_toml(1, "", &format!("data_dir = \"{}\"", data.display())),
    )
    .unwrap();
    let config = switchboard_server::config::load(&config_path).unwrap();
    let store = open_store(&config).await;
    // When: the server starts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = switchboard_server::launch_with_listener(config, store, listener)
        .await
        .unwrap();
    // Then: the new key replaced it, readable by the owner only.
    let key = data.join("media-link.key");
    assert!(std::fs::read(&key).unwrap().len() >= 32);
    assert_eq!(mode(&key), 0o600);
    running.stop().await;
}
