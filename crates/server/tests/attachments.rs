//! Attachments: uploads checked by content, size limits, safe names, thumbnails, and who may
//! download what.

mod common;

use std::io::{Cursor, Write};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn png_bytes() -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg_bytes() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 64, |x, _| image::Rgb([x as u8 * 4, 0, 0]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\nxref\n0 3\ntrailer << /Size 3 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n".to_vec()
}

fn docx_bytes() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("[Content_Types].xml", stored).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#).unwrap();
    zip.start_file("_rels/.rels", stored).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Relationships/>"#)
        .unwrap();
    zip.start_file("word/document.xml", stored).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><w:document/>"#)
        .unwrap();
    zip.finish().unwrap().into_inner()
}

fn elf_bytes() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0".to_vec();
    bytes.resize(4096, 0);
    bytes
}

fn heif_bytes() -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&[0, 0, 0, 24]);
    bytes.extend_from_slice(b"ftypheic");
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(b"mif1heic");
    bytes.extend_from_slice(&[0u8; 2000]);
    bytes
}

async fn upload(
    server: &TestServer,
    agent: &Agent,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let resp = server
        .http
        .post(format!("{}/api/v1/attachments", server.base))
        .bearer_auth(&agent.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn download(
    server: &TestServer,
    agent: &Agent,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = server
        .http
        .get(format!("{}{path}", server.base))
        .bearer_auth(&agent.token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

fn tmp_files(server: &TestServer) -> usize {
    std::fs::read_dir(server.dir.path().join("data/attachments/tmp"))
        .unwrap()
        .count()
}

#[tokio::test]
async fn accepted_files_are_stored_by_content_and_download_intact() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let cases = [
        ("relatório.pdf", pdf_bytes(), "application/pdf"),
        ("foto.png", png_bytes(), "image/png"),
        ("selfie.JPG", jpeg_bytes(), "image/jpeg"),
        (
            "contrato.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "notas.txt",
            "Olá, ação e atenção.\n".as_bytes().to_vec(),
            "text/plain; charset=utf-8",
        ),
        (
            "carta.rtf",
            b"{\\rtf1\\ansi Ola}".to_vec(),
            "application/rtf",
        ),
    ];
    for (name, bytes, mime) in cases {
        let (status, body) = upload(&server, &ana, name, bytes.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
        assert_eq!(body["filename"], name);
        assert_eq!(body["mime"], mime, "{name}");
        assert_eq!(body["size"], bytes.len() as u64);
        let (status, headers, got) = download(
            &server,
            &ana,
            &format!("/api/v1/attachments/{}", body["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got, bytes, "{name} downloads byte for byte");
        assert_eq!(headers["content-type"], mime);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"));
    }
    assert_eq!(tmp_files(&server), 0, "no temporary files left behind");
}

#[tokio::test]
async fn bad_files_are_refused_and_leave_nothing_behind() {
    let server =
        TestServer::with_config(&config_toml(1, "", "max_attachment_bytes = 200000")).await;
    let ana = server.login("101").await;
    let mut truncated = pdf_bytes();
    truncated.truncate(60);
    let cases = [
        (
            "invoice.pdf",
            elf_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            "program",
        ),
        (
            "report.pdf",
            truncated,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            "damaged",
        ),
        (
            "photo.jpg",
            png_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            "rename it to .png",
        ),
        (
            "script.sh",
            b"#!/bin/sh\nrm -rf /\n".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            "Accepted",
        ),
        (
            "empty.pdf",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "empty_file",
            "empty",
        ),
        (
            "huge.txt",
            vec![b'a'; 300_000],
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            "at most",
        ),
        (
            "archive.docx",
            {
                let mut zip = docx_bytes();
                zip.truncate(zip.len() - 30);
                zip
            },
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            "ZIP archive",
        ),
    ];
    for (name, bytes, status, code, words) in cases {
        let (got, body) = upload(&server, &ana, name, bytes).await;
        assert_error(got, &body, status, code);
        assert!(
            body["error"]["message"].as_str().unwrap().contains(words),
            "{name}: {body}"
        );
    }
    assert_eq!(tmp_files(&server), 0, "refused uploads are deleted");
    let stored: usize = walk(&server.dir.path().join("data/attachments/files"));
    assert_eq!(stored, 0, "nothing refused was stored");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn file_names_are_sanitised_but_kept_recognisable() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let (status, body) = upload(&server, &ana, "../../etc/cron.d/foto.png", png_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["filename"], "foto.png");
    assert!(!server.dir.path().join("etc").exists());
}

#[tokio::test]
async fn images_get_thumbnails_and_heif_still_downloads_without_one() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let (_, png) = upload(&server, &ana, "big.png", png_bytes()).await;
    let (status, headers, thumb) = download(
        &server,
        &ana,
        &format!(
            "/api/v1/attachments/{}/thumbnail",
            png["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert!(
        decoded.width() <= 320 && decoded.height() <= 320,
        "{}x{}",
        decoded.width(),
        decoded.height()
    );
    assert_eq!(
        (decoded.width(), decoded.height()),
        (320, 240),
        "aspect ratio kept"
    );

    let (status, heif) = upload(&server, &ana, "IMG_0001.HEIC", heif_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{heif}");
    assert_eq!(heif["mime"], "image/heif");
    let id = heif["id"].as_str().unwrap();
    let (status, _, _) = download(
        &server,
        &ana,
        &format!("/api/v1/attachments/{id}/thumbnail"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, bytes) = download(&server, &ana, &format!("/api/v1/attachments/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, heif_bytes());
}

#[tokio::test]
async fn attachments_travel_with_messages_and_only_viewers_download_them() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let chat = server
        .inbound("wa", "5511977776666", "Pode mandar o boleto?")
        .await;
    let (_, file) = upload(&server, &ana, "boleto.pdf", pdf_bytes()).await;
    let file_id = file["id"].as_str().unwrap().to_string();

    // Before it is sent, only the uploader can fetch it.
    let (status, _, _) = download(&server, &bruno, &format!("/api/v1/attachments/{file_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bruno cannot send Ana's upload.
    let (status, body) = bruno
        .post(
            &format!("/api/v1/conversations/{}/messages", chat.conversation_id),
            json!({"client_id": Uuid::now_v7(), "body": "", "attachments": [file_id]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_attachment");

    let (status, message) = ana
        .post(
            &format!("/api/v1/conversations/{}/messages", chat.conversation_id),
            json!({"client_id": Uuid::now_v7(), "body": "Segue o boleto", "attachments": [file_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    assert_eq!(message["attachments"][0]["id"], file_id.as_str());
    assert_eq!(message["attachments"][0]["filename"], "boleto.pdf");
    let (_, page) = ana
        .get(&format!(
            "/api/v1/conversations/{}/messages",
            chat.conversation_id
        ))
        .await;
    assert_eq!(
        page["messages"][1]["attachments"][0]["mime"],
        "application/pdf"
    );

    // Ana owns the chat now; Bruno lost it and cannot fetch its files.
    let (status, _, _) = download(&server, &ana, &format!("/api/v1/attachments/{file_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = download(&server, &bruno, &format!("/api/v1/attachments/{file_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A file goes out once.
    let (status, body) = ana
        .post(
            &format!("/api/v1/conversations/{}/messages", chat.conversation_id),
            json!({"client_id": Uuid::now_v7(), "body": "de novo", "attachments": [file_id]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_attachment");

    // After a transfer, the colleague can open it.
    ana.post(
        &format!("/api/v1/conversations/{}/transfer", chat.conversation_id),
        json!({"extension": "102"}),
    )
    .await;
    let (status, _, _) = download(&server, &bruno, &format!("/api/v1/attachments/{file_id}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn uploads_without_a_file_field_or_token_are_refused() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let form = reqwest::multipart::Form::new().text("note", "no file here");
    let resp = server
        .http
        .post(format!("{}/api/v1/attachments", server.base))
        .bearer_auth(&ana.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_error(status, &body, StatusCode::BAD_REQUEST, "missing_file");
    let resp = server
        .http
        .post(format!("{}/api/v1/attachments", server.base))
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(pdf_bytes()).file_name("a.pdf"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

/// CRC-32 (IEEE) of PNG chunks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small PNG (a few dozen bytes) whose header claims `width` × `height` one-bit pixels: the
/// shape of a decompression bomb, without the gigabytes of zeros behind it.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, grey, deflate, no filter, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    // A zlib stream of one stored block of 16 zero bytes (Adler-32 of them: 0x00100001).
    let mut idat = vec![0x78, 0x01, 0x01, 16, 0, !16u8, 0xFF];
    idat.extend_from_slice(&[0; 16]);
    idat.extend_from_slice(&0x0010_0001u32.to_be_bytes());
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[tokio::test]
async fn image_bombs_are_kept_as_files_without_a_thumbnail() {
    // Given: images whose headers claim more pixels than the thumbnail budget (40 MP).
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    for (name, width, height) in [
        ("bomb.png", 60_000, 60_000), // 3.6 gigapixels: gigabytes if decoded
        ("poster.png", 8_000, 8_000), // 64 MP: within the side limits, over the budget
    ] {
        let bytes = png_claiming(width, height);
        assert!(bytes.len() < 200, "the bomb is small");
        // When: an agent uploads it.
        let (status, body) = upload(&server, &ana, name, bytes.clone()).await;
        // Then: the file is kept and downloads intact, but has no thumbnail.
        assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
        assert_eq!(body["mime"], "image/png");
        let id = body["id"].as_str().unwrap();
        let (status, _, got) = download(&server, &ana, &format!("/api/v1/attachments/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got, bytes);
        let (status, _, thumb) = download(
            &server,
            &ana,
            &format!("/api/v1/attachments/{id}/thumbnail"),
        )
        .await;
        let answer: Value = serde_json::from_slice(&thumb).unwrap_or(Value::Null);
        assert_error(status, &answer, StatusCode::NOT_FOUND, "no_thumbnail");
        assert!(
            !server
                .dir
                .path()
                .join(format!(
                    "data/attachments/thumbs/{}.jpg",
                    id.replace('-', "")
                ))
                .exists(),
            "no thumbnail was written for {name}"
        );
    }
    // A picture within the budget still gets its thumbnail.
    let (_, small) = upload(&server, &ana, "small.png", png_bytes()).await;
    let (status, _, _) = download(
        &server,
        &ana,
        &format!(
            "/api/v1/attachments/{}/thumbnail",
            small["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn office_documents_with_more_than_ten_thousand_parts_are_refused() {
    // Given: a DOCX whose ZIP directory lists 10,003 parts, and one with 9,990.
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let docx_with = |parts: usize| {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("[Content_Types].xml", stored).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", stored).unwrap();
        zip.write_all(b"<w:document/>").unwrap();
        for i in 2..parts {
            zip.start_file(format!("p/{i}"), stored).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    // When: they are uploaded.
    let (status, body) = upload(&server, &ana, "many.docx", docx_with(10_003)).await;
    // Then: the first is refused, saying why; the second is an ordinary document.
    assert_error(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_file_type",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than 10000 parts"),
        "{body}"
    );
    let (status, body) = upload(&server, &ana, "fine.docx", docx_with(9_990)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(tmp_files(&server), 0, "nothing left behind");
}

#[tokio::test]
async fn upload_names_lose_bidi_overrides_and_never_claim_another_type() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    // A PDF named to read as "Comprovantetab.pdf" but ending in .bat is refused outright.
    let (status, body) = upload(&server, &ana, "Comprovante\u{202E}fdp.bat", pdf_bytes()).await;
    assert_error(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_file_type",
    );
    // Invisible format characters are taken out of names that are otherwise fine, and the
    // download offers the cleaned name.
    let (status, body) = upload(
        &server,
        &ana,
        "Nota\u{2066}\u{200B}fiscal\u{202E}\u{FEFF}.pdf",
        pdf_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["filename"], "Notafiscal.pdf");
    let (_, headers, _) = download(
        &server,
        &ana,
        &format!("/api/v1/attachments/{}", body["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Notafiscal.pdf\"; filename*=UTF-8''Notafiscal.pdf"
    );
}

#[tokio::test]
async fn uploads_never_sent_are_deleted_after_the_configured_time() {
    // Given: unsent uploads are kept for 2 seconds.
    let server = TestServer::with_config(&config_toml(
        1,
        "",
        "\n[server.files]\nunsent_upload_ttl_s = 2\n",
    ))
    .await;
    let ana = server.login("101").await;
    let ingest = server.inbound("wa", "5511911112222", "oi").await;
    let conversation = ingest.conversation_id;
    // When: one upload is sent in a reply and another is never sent.
    let (_, kept) = upload(&server, &ana, "enviada.png", png_bytes()).await;
    let (_, dropped) = upload(&server, &ana, "esquecida.png", png_bytes()).await;
    let (status, reply) = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"client_id": Uuid::now_v7(), "body": "segue", "attachments": [kept["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let simple = |v: &Value| v["id"].as_str().unwrap().replace('-', "");
    let files = server.dir.path().join("data/attachments");
    let dropped_id = simple(&dropped);
    let dropped_file = files.join(format!(
        "files/{}/{dropped_id}",
        &dropped_id[dropped_id.len() - 2..]
    ));
    let dropped_thumb = files.join(format!("thumbs/{dropped_id}.jpg"));
    assert!(
        dropped_file.exists() && dropped_thumb.exists(),
        "stored at first"
    );
    // Then: within a few seconds the unsent one is gone (row, file and thumbnail)...
    let mut gone = false;
    for _ in 0..100 {
        let rows = server.count(&format!(
            "SELECT COUNT(*) FROM attachments WHERE id = '{}'",
            dropped["id"].as_str().unwrap()
        ));
        if rows == 0 && !dropped_file.exists() && !dropped_thumb.exists() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        gone,
        "the unsent upload was deleted with its file and thumbnail"
    );
    let (status, _, _) = download(
        &server,
        &ana,
        &format!("/api/v1/attachments/{}", dropped["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // ...and the sent one stays, however old.
    let (status, _, bytes) = download(
        &server,
        &ana,
        &format!("/api/v1/attachments/{}", kept["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, png_bytes());
    let kept_id = simple(&kept);
    assert!(files.join(format!("thumbs/{kept_id}.jpg")).exists());
}

#[tokio::test]
async fn uploads_are_refused_before_writing_when_the_disk_is_nearly_full() {
    // Given: a server that must keep more free space than any disk has (9 EB).
    let server = TestServer::with_config(&config_toml(
        1,
        "",
        "\n[server.files]\nmin_free_bytes = 9000000000000000000\n",
    ))
    .await;
    let ana = server.login("101").await;
    // When: an agent uploads a file.
    let (status, body) = upload(&server, &ana, "relatório.pdf", pdf_bytes()).await;
    // Then: 507 storage_full, saying what to do, and nothing was written.
    assert_error(
        status,
        &body,
        StatusCode::INSUFFICIENT_STORAGE,
        "storage_full",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("free space"),
        "{body}"
    );
    assert_eq!(tmp_files(&server), 0, "not even a temporary file");
    assert_eq!(walk(&server.dir.path().join("data/attachments/files")), 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM attachments"), 0);

    // The same server with the check off (0) takes the file.
    let open = TestServer::with_config(&config_toml(
        1,
        "",
        "\n[server.files]\nmin_free_bytes = 0\n",
    ))
    .await;
    let ana = open.login("101").await;
    let (status, body) = upload(&open, &ana, "relatório.pdf", pdf_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn on_a_nearly_full_disk_a_customers_file_is_not_written_and_the_agent_is_told() {
    use switchboard_fakes::{
        FakeGraph, GraphOptions, MediaRef, WhatsAppBusiness, WhatsAppMessage, WhatsAppWebhook,
    };
    // Given: a WhatsApp channel on a server that must keep more free space than any disk has.
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let (g, base) = (graph.options().clone(), graph.base_url().to_string());
    let server = TestServer::with_config_for(move |addr| {
        format!(
            r#"[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"
database = "sqlite://switchboard.db"
[server.files]
min_free_bytes = 9000000000000000000

{agents}
[[queues]]
id = "support"
agents = ["101"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone}"
access_token = "{token}"
app_secret = "{secret}"
verify_token = "v"
api_base = "{base}"
"#,
            agents = agents_toml(1),
            phone = WhatsAppBusiness::default().phone_number_id,
            token = g.whatsapp_access_token,
            secret = g.app_secret,
        )
    })
    .await;
    let ana = server.login("101").await;
    // When: a customer sends a photo with a caption.
    let media_id = graph.add_media(&png_bytes(), "image/png");
    let image = WhatsAppWebhook::new(&WhatsAppBusiness::default())
        .contact("5511988887777", "Mariana Alves")
        .message(WhatsAppMessage::image(
            "5511988887777",
            MediaRef::for_bytes(media_id, &png_bytes(), "image/png"),
            Some("a foto do produto"),
        ))
        .to_bytes();
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa", server.base));
    let answer = hook.send(&image).await.unwrap();
    // Then: the message is stored (the provider is answered 200) with the caption and a note
    // saying the file could not be kept, and no file was written.
    assert!(answer.is_success(), "{answer:?}");
    let chat = ana.list("recent").await[0];
    let (_, page) = ana
        .get(&format!("/api/v1/conversations/{chat}/messages"))
        .await;
    let message = &page["messages"][0];
    let body = message["body"].as_str().unwrap();
    assert!(body.starts_with("a foto do produto"), "{body}");
    assert!(
        body.contains("sent an image that could not be stored"),
        "{body}"
    );
    assert!(body.contains("disk is nearly full"), "{body}");
    assert_eq!(message["attachments"], json!([]));
    assert_eq!(tmp_files(&server), 0);
    assert_eq!(walk(&server.dir.path().join("data/attachments/files")), 0);
}
