//! `switchboard-server demo`: a self-contained server with agents, queues, channels and a few
//! customer chats, in a temporary folder that is removed on exit.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::engine::{Engine, Inbound, Reply};
use crate::{config, launch_with_listener, open_store, Running};

/// Every demo agent signs in with this password.
pub const DEMO_PASSWORD: &str = "demo";

/// The demo configuration, for a server reachable at `public_url`.
pub fn demo_config_text(listen: SocketAddr, public_url: &str) -> String {
    format!(
        r#"# Switchboard demo configuration (generated)
[server]
listen = "{listen}"
public_url = "{public_url}"
database = "sqlite://switchboard.db"
data_dir = "data"

[[agents]]
extension = "100"
name = "Marina Costa"
email = "marina@example.com"
password = "{DEMO_PASSWORD}"
role = "manager"

[[agents]]
extension = "101"
name = "Ana Souza"
email = "ana@example.com"
password = "{DEMO_PASSWORD}"

[[agents]]
extension = "102"
name = "Bruno Lima"
email = "bruno@example.com"
password = "{DEMO_PASSWORD}"

[[agents]]
extension = "103"
name = "Carla Dias"
email = "carla@example.com"
password = "{DEMO_PASSWORD}"

[[queues]]
id = "support"
name = "Support"
strategy = "ring_all"
agents = ["101", "102", "103", "100"]
offer_timeout_s = 30

[[queues]]
id = "sales"
name = "Sales"
strategy = "hunt_by_threes"
agents = ["102", "101", "103"]
offer_timeout_s = 30
max_chats_per_agent = 5

[[channels]]
id = "wa-main"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "106540352242922"
access_token = "demo-access-token"
app_secret = "demo-app-secret"
verify_token = "demo-verify-token"
api_base = "{public_url}/fake/graph/v23.0"

[[channels]]
id = "fb-main"
kind = "facebook"
route = {{ queue = "sales" }}
[channels.facebook]
page_id = "1234567890"
page_access_token = "demo-page-token"
app_secret = "demo-app-secret"
verify_token = "demo-verify-token"
api_base = "{public_url}/fake/graph/v23.0"

[[channels]]
id = "sms-main"
kind = "sms"
route = {{ queue = "support" }}
[channels.sms]
account_sid = "ACdemo0000000000000000000000000000"
auth_token = "demo-auth-token"
from_number = "+15005550006"
api_base = "{public_url}/fake/twilio"

[[channels]]
id = "web"
kind = "livechat"
route = {{ queue = "support" }}
[channels.livechat]
allowed_origins = []
"#
    )
}

/// Start the demo server with its data in a temporary folder.
pub async fn launch(listen: SocketAddr) -> anyhow::Result<Running> {
    let dir = tempfile::Builder::new()
        .prefix("switchboard-demo-")
        .tempdir()
        .context("creating the demo folder")?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let mut running = launch_in(dir.path(), listener, &format!("http://{addr}")).await?;
    eprintln!(
        "demo data in {} (removed on exit); sign in as 100 (manager), 101, 102 or 103 with password {DEMO_PASSWORD:?}",
        dir.path().display()
    );
    running.keep_alive(dir);
    Ok(running)
}

/// Start a demo server whose files live in `dir`.
pub async fn launch_in(
    dir: &Path,
    listener: TcpListener,
    public_url: &str,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let text = demo_config_text(addr, public_url);
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, &text).context("writing the demo configuration")?;
    let config = config::parse(&text, &path.display().to_string(), dir, &|_| None)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let store = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || open_store(&config)).await??
    };
    let running = launch_with_listener(config, Arc::clone(&store), listener).await?;
    seed(&running.engine).await.context("seeding demo chats")?;
    Ok(running)
}

struct Chat {
    channel: &'static str,
    sender: &'static str,
    name: &'static str,
    lines: &'static [&'static str],
}

const CHATS: &[Chat] = &[
    Chat {
        channel: "wa-main",
        sender: "5511987654321",
        name: "João Pereira",
        lines: &[
            "Olá! Meu pedido 4471 não chegou ainda.",
            "Podem verificar, por favor?",
        ],
    },
    Chat {
        channel: "fb-main",
        sender: "6789012345678901",
        name: "Emily Carter",
        lines: &["Hi, do you ship to Canada?"],
    },
    Chat {
        channel: "sms-main",
        sender: "+14155550123",
        name: "+14155550123",
        lines: &["Is my appointment still on for Friday at 3pm?"],
    },
    Chat {
        channel: "web",
        sender: "visitor-7f3a",
        name: "Website visitor",
        lines: &["Boa tarde, vocês têm o plano empresarial com 50 usuários?"],
    },
];

async fn seed(engine: &Engine) -> anyhow::Result<()> {
    let err = |e: crate::error::ApiError| anyhow::anyhow!("{}: {}", e.code, e.message);
    // One finished chat first, so the Archived list has history in it: Ana signs in, is
    // offered it, answers, resolves and signs out again.
    let session = engine
        .login("101".into(), DEMO_PASSWORD.into())
        .await
        .map_err(err)?;
    let ana = session.agent.id;
    let earlier = engine
        .ingest(Inbound {
            channel_id: "wa-main".into(),
            sender: "5521998877665".into(),
            display_name: "Luiza Martins".into(),
            provider_message_id: Some("demo-earlier".into()),
            body: "Consigo trocar o tamanho da camiseta?".into(),
            attachments: Vec::new(),
        })
        .await
        .map_err(err)?;
    engine
        .send(
            ana,
            earlier.conversation_id,
            Reply {
                client_id: uuid::Uuid::now_v7(),
                body: "Claro, Luiza! Enviei o código de troca para o seu e-mail.".into(),
                attachments: Vec::new(),
            },
        )
        .await
        .map_err(err)?;
    engine
        .resolve(ana, earlier.conversation_id)
        .await
        .map_err(err)?;
    engine.logout(&session.token).await.map_err(err)?;

    seed_templates(engine).await?;
    seed_contacts(engine).await?;

    // Customers waiting in the queues; they are offered as agents sign in.
    for (i, chat) in CHATS.iter().enumerate() {
        for (j, line) in chat.lines.iter().enumerate() {
            engine
                .ingest(Inbound {
                    channel_id: chat.channel.into(),
                    sender: chat.sender.into(),
                    display_name: chat.name.into(),
                    provider_message_id: Some(format!("demo-{i}-{j}")),
                    body: (*line).into(),
                    attachments: Vec::new(),
                })
                .await
                .map_err(err)?;
        }
    }
    Ok(())
}

/// (name, body, category, language)
const TEMPLATES: &[(&str, &str, &str, &str)] = &[
    (
        "Saudação",
        "Olá {{contact.first_name}}! Aqui é {{agent.name}}. Como posso ajudar?",
        "Abertura",
        "pt-BR",
    ),
    (
        "Greeting",
        "Hi {{contact.first_name}}, this is {{agent.name}}. How can I help you today?",
        "Opening",
        "en",
    ),
    (
        "Status do pedido",
        "Vou verificar o status do seu pedido agora mesmo. Pode me informar o número?",
        "Pedidos",
        "pt-BR",
    ),
    (
        "Prazo de entrega",
        "O prazo de entrega é de 3 a 5 dias úteis após a confirmação do pagamento.",
        "Pedidos",
        "pt-BR",
    ),
    (
        "Order status",
        "Let me check your order right away. Could you share the order number?",
        "Orders",
        "en",
    ),
    (
        "Troca e devolução",
        "Você pode trocar ou devolver o produto em até 30 dias. Enviarei as instruções por e-mail.",
        "Pedidos",
        "pt-BR",
    ),
    (
        "Encerramento",
        "Obrigado pelo contato, {{contact.first_name}}! Se precisar, é só chamar.",
        "Encerramento",
        "pt-BR",
    ),
    (
        "Closing",
        "Thanks for reaching out, {{contact.first_name}}! Have a great day.",
        "Closing",
        "en",
    ),
    (
        "Horário de atendimento",
        "Nosso atendimento funciona de segunda a sexta, das 8h às 18h.",
        "Informações",
        "pt-BR",
    ),
    (
        "Business hours",
        "We are available Monday to Friday, 8am to 6pm.",
        "Information",
        "en",
    ),
];

async fn seed_templates(engine: &Engine) -> anyhow::Result<()> {
    let err = |e: crate::error::ApiError| anyhow::anyhow!("{}: {}", e.code, e.message);
    let session = engine
        .login("100".into(), DEMO_PASSWORD.into())
        .await
        .map_err(err)?;
    let manager = engine.authenticate(&session.token).await.map_err(err)?;
    for (name, body, category, language) in TEMPLATES {
        engine
            .create_template(
                manager.clone(),
                switchboard_protocol::TemplateRequest {
                    name: (*name).into(),
                    body: (*body).into(),
                    category: (*category).into(),
                    language: (*language).into(),
                },
            )
            .await
            .map_err(err)?;
    }
    engine.logout(&session.token).await.map_err(err)?;
    Ok(())
}

/// A known customer, so the directory and the known/unknown distinction show.
async fn seed_contacts(engine: &Engine) -> anyhow::Result<()> {
    let err = |e: crate::error::ApiError| anyhow::anyhow!("{}: {}", e.code, e.message);
    engine
        .create_contact(switchboard_protocol::ContactRequest {
            name: "Emily Carter".into(),
            emails: vec!["emily.carter@example.com".into()],
            phones: vec!["+1 415 555 0134".into()],
            identities: vec![switchboard_protocol::Identity {
                kind: switchboard_protocol::ChannelKind::Facebook,
                value: "6789012345678901".into(),
            }],
        })
        .await
        .map_err(err)?;
    Ok(())
}
