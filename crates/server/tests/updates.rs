//! The desktop app's update feed over HTTP: what the app's updater asks and downloads, with the
//! agent's token, from the folder the operator fills.

mod common;

use base64::Engine as _;
use common::{assert_error, config_toml, TestServer};
use reqwest::StatusCode;

/// A Tauri updater signature's shape: base64 of a minisign file whose trusted comment names
/// the version (the server reads only that; the app checks the signature itself).
fn signature_for(version: &str) -> String {
    let text = format!(
        "untrusted comment: signature from tauri secret key\nRUQ=\ntrusted comment: timestamp:1\tfile:x\tversion:{version}\nAAAA\n"
    );
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn the_app_is_offered_the_newest_signed_installer_and_downloads_it_with_its_token() {
    let server = TestServer::with_config_for(|addr| {
        config_toml(1, "", &format!("public_url = \"http://{addr}\""))
    })
    .await;
    let agent = server.login("101").await;
    let check = "/api/v1/updates/linux/x86_64/0.1.0?bundle_type=deb";

    // No folder yet: no update, not an error.
    let (status, _) = agent.get(check).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let folder = server.dir.path().join("data/updates/0.2.0");
    std::fs::create_dir_all(&folder).unwrap();
    let installer = b"!<arch>\ndebian-binary a debian package".repeat(1000);
    std::fs::write(folder.join("Switchboard_0.2.0_amd64.deb"), &installer).unwrap();
    std::fs::write(
        folder.join("Switchboard_0.2.0_amd64.deb.sig"),
        signature_for("0.2.0"),
    )
    .unwrap();
    std::fs::write(folder.join("notes.md"), "Templates for WhatsApp.\n").unwrap();

    let (status, offer) = agent.get(check).await;
    assert_eq!(status, StatusCode::OK, "{offer}");
    assert_eq!(offer["version"], "0.2.0");
    assert_eq!(offer["notes"], "Templates for WhatsApp.");
    assert_eq!(offer["signature"], signature_for("0.2.0"));
    let url = offer["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!(
            "{}/api/v1/updates/files/0.2.0/Switchboard_0.2.0_amd64.deb",
            server.base
        )
    );
    assert!(
        offer["pub_date"].as_str().unwrap().ends_with('Z'),
        "{offer}"
    );

    // The installer, with the token only.
    let download = server
        .http
        .get(url)
        .bearer_auth(&agent.token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().as_ref(), &installer[..]);
    let anonymous = server.http.get(url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = server.call(None, reqwest::Method::GET, check, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Up to date, another bundle type with nothing for it, an app run from a build folder.
    for path in [
        "/api/v1/updates/linux/x86_64/0.2.0?bundle_type=deb",
        "/api/v1/updates/linux/x86_64/0.1.0?bundle_type=rpm",
        "/api/v1/updates/linux/x86_64/0.1.0?bundle_type=unknown",
        "/api/v1/updates/linux/x86_64/0.1.0",
    ] {
        let (status, body) = agent.get(path).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}: {body}");
    }

    // The signature is what makes an installer servable.
    std::fs::remove_file(folder.join("Switchboard_0.2.0_amd64.deb.sig")).unwrap();
    let (status, _) = agent.get(check).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = agent
        .get("/api/v1/updates/files/0.2.0/Switchboard_0.2.0_amd64.deb")
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn an_update_request_that_cannot_be_read_is_refused_clearly() {
    let server = TestServer::start(1).await;
    let agent = server.login("101").await;
    for path in [
        "/api/v1/updates/linux/x86_64/one?bundle_type=deb",
        "/api/v1/updates/haiku/x86_64/0.1.0?bundle_type=deb",
        "/api/v1/updates/linux/sparc/0.1.0?bundle_type=deb",
    ] {
        let (status, body) = agent.get(path).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_version");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("e.g."),
            "{body}"
        );
    }
    for path in [
        "/api/v1/updates/files/0.2.0/..%2F..%2Fswitchboard.db",
        "/api/v1/updates/files/..%2Fdata/switchboard.db",
    ] {
        let (status, body) = agent.get(path).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
}
