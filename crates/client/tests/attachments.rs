//! What the desktop's reply box does with files and templates, against the real server:
//! checks before upload with the server's own limit, dropped files staged until sent,
//! thumbnails of images, and template management by a manager.

mod common;

use common::*;
use switchboard_client::OutgoingAttachment;
use switchboard_protocol::TemplateRequest;

/// A valid 2×2 PNG (the server decodes images to make thumbnails).
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x10\x49\x44\x41\x54\x78\x9c\x63\xf8\xdf\xc0\x00\x44\x0c\x10\x0a\x00\x2d\xee\x05\xfd\x8b\x3f\x6e\x84\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

#[tokio::test]
async fn files_are_checked_with_the_servers_own_limit_before_any_upload() {
    // Given a server that takes files up to 2,000 bytes
    let config =
        config_toml(1).replacen("[server]\n", "[server]\nmax_attachment_bytes = 2000\n", 1);
    let server = TestServer::start_with(config).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    eventually("the client learned the server's limit", || async {
        ana.attachment_rules().await.unwrap().max_bytes == 2000
    })
    .await;

    // When Ana checks a small PNG, a big PDF, a program and a missing file
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("foto.png");
    std::fs::write(&png, PNG).unwrap();
    let big = dir.path().join("manual.pdf");
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(3_000, b' ');
    pdf.extend_from_slice(b"\n%%EOF\n");
    std::fs::write(&big, &pdf).unwrap();
    let exe = dir.path().join("setup.exe");
    std::fs::write(&exe, b"MZ\x90\0\x03\0\0\0\x04\0\0\0").unwrap();
    let checks = ana
        .check_files(vec![png, big, exe, dir.path().join("gone.txt")])
        .await
        .unwrap();

    // Then only the PNG may go, and every refusal names its file and says why
    assert_eq!(checks[0].refusal, None);
    assert!(checks[0].image);
    let reasons: Vec<String> = checks[1..]
        .iter()
        .map(|c| c.refusal.clone().expect("refused"))
        .collect();
    assert_eq!(
        reasons[0],
        "manual.pdf: it is 2.9 KB; the server accepts files up to 2 KB."
    );
    assert!(
        reasons[1].starts_with("setup.exe") && reasons[1].contains("cannot be sent"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].starts_with("gone.txt") && reasons[2].contains("cannot be read"),
        "{reasons:?}"
    );

    // And staging a dropped file over the limit is refused before it is written
    let err = ana
        .stage_attachment("huge.pdf", pdf.clone())
        .await
        .expect_err("too large");
    assert_eq!(err.code(), "file_too_large", "{err}");
}

#[tokio::test]
async fn a_dropped_image_is_sent_shown_as_a_thumbnail_and_its_staged_copy_removed() {
    let server = TestServer::start(1).await;
    let chat = server
        .customer_writes("5511955557777", "Manda a foto?")
        .await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    eventually("the chat is cached", || async {
        ana.conversation(chat).await.unwrap().is_some()
    })
    .await;

    // When Ana drops a picture (the page hands over bytes) and sends it
    let staged = ana
        .stage_attachment("../../foto da loja.png", PNG.to_vec())
        .await
        .expect("staged");
    assert!(staged.is_file());
    assert!(
        staged.starts_with(desktop.dir.path()),
        "a hostile name stays inside the app's folder: {staged:?}"
    );
    let checks = ana.check_files(vec![staged.clone()]).await.unwrap();
    assert_eq!(checks[0].refusal, None, "{checks:?}");
    ana.send(chat, "", vec![OutgoingAttachment::File(staged.clone())])
        .await
        .expect("queued");

    // Then the server has it, the app shows its thumbnail, and the staged copy is gone
    let sent_attachment = || async {
        ana.messages(chat, None, 50)
            .await
            .unwrap()
            .messages
            .iter()
            // The server's copy replaced the local one (whose id is its client id).
            .filter(|m| m.client_id.is_some_and(|c| c != m.id))
            .find_map(|m| m.attachments.first().cloned())
    };
    eventually("the reply is on the server", || async {
        sent_attachment().await.is_some()
    })
    .await;
    let attachment = sent_attachment().await.unwrap();
    assert_eq!(attachment.mime, "image/png");
    let thumbnail = ana.thumbnail(attachment.id).await.expect("a thumbnail");
    let bytes = std::fs::read(&thumbnail).unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG thumbnail");
    assert_eq!(
        ana.thumbnail(attachment.id).await.unwrap(),
        thumbnail,
        "fetched once, then kept"
    );
    eventually("the staged copy is removed once sent", || async {
        !staged.exists()
    })
    .await;

    // And an attachment Ana cannot see has no thumbnail for her
    let err = ana
        .thumbnail(uuid::Uuid::now_v7())
        .await
        .expect_err("unknown attachment");
    assert_eq!(err.code(), "not_found", "{err}");
}

#[tokio::test]
async fn a_manager_creates_edits_and_deletes_templates_and_an_agent_may_not() {
    let server = TestServer::start(2).await;
    let (one, two) = (Desktop::new(), Desktop::new());
    let manager = signed_in(&server, &one, "101").await;
    let agent = signed_in(&server, &two, "102").await;
    let request = |name: &str| TemplateRequest {
        name: name.into(),
        body: "Seu boleto vence amanhã, {{contact.first_name}}.".into(),
        category: "Financeiro".into(),
        language: "pt-BR".into(),
    };

    let created = manager
        .create_template(request("Boleto"))
        .await
        .expect("a manager may create");
    let in_cache = |client: switchboard_client::Client, name: &'static str| async move {
        client
            .templates(Default::default())
            .await
            .unwrap()
            .iter()
            .any(|t| t.name == name)
    };
    assert!(
        in_cache(manager.clone(), "Boleto").await,
        "the manager's list has it at once"
    );
    eventually("the agent's app receives the new template", || {
        in_cache(agent.clone(), "Boleto")
    })
    .await;

    manager
        .update_template(created.id, request("Boleto vencendo"))
        .await
        .expect("a manager may edit");
    eventually("the agent sees the new name", || {
        in_cache(agent.clone(), "Boleto vencendo")
    })
    .await;

    let refused = agent
        .delete_template(created.id)
        .await
        .expect_err("an agent may not delete");
    assert_eq!(refused.code(), "forbidden", "{refused}");
    let refused = agent
        .create_template(request("Pirata"))
        .await
        .expect_err("an agent may not create");
    assert_eq!(refused.code(), "forbidden", "{refused}");

    manager
        .delete_template(created.id)
        .await
        .expect("a manager may delete");
    assert!(!in_cache(manager.clone(), "Boleto vencendo").await);
    eventually("the template leaves the agent's app", || async {
        !in_cache(agent.clone(), "Boleto vencendo").await
    })
    .await;
}
