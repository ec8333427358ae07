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

/// Where the demo's fake providers listen and the credentials they accept.
#[derive(Debug, Clone)]
pub struct DemoProviders {
    pub graph_base: String,
    pub twilio_base: String,
    pub graph: switchboard_fakes::GraphOptions,
    pub twilio: switchboard_fakes::TwilioOptions,
}

/// The demo configuration, for a server reachable at `public_url`, wired to the fakes.
pub fn demo_config_text(listen: SocketAddr, public_url: &str, fakes: &DemoProviders) -> String {
    let graph_base = &fakes.graph_base;
    let twilio_base = &fakes.twilio_base;
    let wa_token = &fakes.graph.whatsapp_access_token;
    let page_token = &fakes.graph.page_access_token;
    let page_id = &fakes.graph.page_id;
    let app_secret = &fakes.graph.app_secret;
    let account_sid = &fakes.twilio.account_sid;
    let auth_token = &fakes.twilio.auth_token;
    let phone_number_id = switchboard_fakes::WhatsAppBusiness::default().phone_number_id;
    let waba_id = &fakes.graph.waba_id;
    format!(
        r#"# Switchboard demo configuration (generated)
[server]
listen = "{listen}"
public_url = "{public_url}"
database = "sqlite://switchboard.db"
data_dir = "data"
default_country = "BR"

[[agents]]
extension = "100"
name = "Marina Costa"
email = "marina@example.com"
password = "{DEMO_PASSWORD}"
role = "system_owner"

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
phone_number_id = "{phone_number_id}"
waba_id = "{waba_id}"
access_token = "{wa_token}"
app_secret = "{app_secret}"
verify_token = "demo-verify-token"
api_base = "{graph_base}"

[[channels]]
id = "fb-main"
kind = "facebook"
route = {{ queue = "sales" }}
[channels.facebook]
page_id = "{page_id}"
page_access_token = "{page_token}"
app_secret = "{app_secret}"
verify_token = "demo-verify-token"
api_base = "{graph_base}"

[[channels]]
id = "sms-main"
kind = "sms"
route = {{ queue = "support" }}
[channels.sms]
account_sid = "{account_sid}"
auth_token = "{auth_token}"
from_number = "{DEMO_SMS_NUMBER}"
api_base = "{twilio_base}"

[[channels]]
id = "web"
kind = "livechat"
route = {{ queue = "support" }}
[channels.livechat]
allowed_origins = []
"#
    )
}

/// The number SMS customers write to.
pub const DEMO_SMS_NUMBER: &str = "+15005550006";

/// Start the demo server with its data in a temporary folder. A new simulated customer
/// writes in every `customers_every` (none if zero).
pub async fn launch(
    listen: SocketAddr,
    customers_every: std::time::Duration,
) -> anyhow::Result<Running> {
    let dir = tempfile::Builder::new()
        .prefix("switchboard-demo-")
        .tempdir()
        .context("creating the demo folder")?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let mut running = launch_in(
        dir.path(),
        listener,
        &format!("http://{addr}"),
        customers_every,
    )
    .await?;
    eprintln!(
        "demo data in {} (removed on exit); sign in as 100 (manager), 101, 102 or 103 with password {DEMO_PASSWORD:?}",
        dir.path().display()
    );
    running.keep_alive(dir);
    Ok(running)
}

/// The demo business account's approved WhatsApp templates.
fn demo_templates() -> Vec<switchboard_fakes::MessageTemplate> {
    use switchboard_fakes::MessageTemplate;
    vec![
        MessageTemplate::approved(
            "retomar_atendimento",
            "pt_BR",
            None,
            "Olá {{1}}, aqui é da Loja Exemplo. Podemos continuar seu atendimento?",
        ),
        MessageTemplate::approved(
            "pedido_enviado",
            "pt_BR",
            Some("Pedido {{1}}"),
            "Olá {{1}}, seu pedido foi enviado e chega {{2}}.",
        ),
        MessageTemplate::approved(
            "follow_up",
            "en_US",
            None,
            "Hi {{1}}, this is Example Store. Shall we pick up where we left off?",
        ),
    ]
}

/// Start a demo server whose files live in `dir`, with fake providers beside it.
pub async fn launch_in(
    dir: &Path,
    listener: TcpListener,
    public_url: &str,
    customers_every: std::time::Duration,
) -> anyhow::Result<Running> {
    let graph = switchboard_fakes::FakeGraph::start(switchboard_fakes::GraphOptions::default())
        .await
        .context("starting the fake Graph API")?;
    let twilio = switchboard_fakes::FakeTwilio::start(switchboard_fakes::TwilioOptions::default())
        .await
        .context("starting the fake Twilio")?;
    launch_with_fakes(
        dir,
        listener,
        public_url,
        customers_every,
        Arc::new(graph),
        Arc::new(twilio),
    )
    .await
}

/// [`launch_in`] with fake providers the caller started (and inspects: end-to-end tests check
/// what the server sent them). The configuration is written to `dir/switchboard.toml`.
pub async fn launch_with_fakes(
    dir: &Path,
    listener: TcpListener,
    public_url: &str,
    customers_every: std::time::Duration,
    graph: Arc<switchboard_fakes::FakeGraph>,
    twilio: Arc<switchboard_fakes::FakeTwilio>,
) -> anyhow::Result<Running> {
    // The business account's approved templates, for chats whose 24-hour window has closed.
    for template in demo_templates() {
        graph.add_template(template);
    }
    let providers = DemoProviders {
        graph_base: graph.base_url().to_string(),
        twilio_base: twilio.base_url().to_string(),
        graph: graph.options().clone(),
        twilio: twilio.options().clone(),
    };
    let addr = listener.local_addr()?;
    let text = demo_config_text(addr, public_url, &providers);
    let path = dir.join("switchboard.toml");
    crate::private::write(&path, text.as_bytes()).context("writing the demo configuration")?;
    let config = config::parse(&text, &path.display().to_string(), dir, &|_| None)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let store = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || open_store(&config)).await??
    };
    let mut running = launch_with_listener(config, Arc::clone(&store), listener).await?;
    let customers = Customers {
        graph,
        twilio,
        server: public_url.to_string(),
        engine: running.engine.clone(),
    };
    seed(&running.engine, &customers)
        .await
        .context("seeding demo chats")?;
    if !customers_every.is_zero() {
        let simulator = tokio::spawn(customers.clone().keep_writing(customers_every));
        running.keep_alive(AbortOnDrop(simulator));
    }
    running.keep_alive(customers);
    Ok(running)
}

/// Stops a background task when the server goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Simulated customers: they write through the fake providers' signed webhooks, exactly as
/// WhatsApp, Messenger and Twilio would, and on the live chat through the engine.
#[derive(Clone)]
struct Customers {
    graph: Arc<switchboard_fakes::FakeGraph>,
    twilio: Arc<switchboard_fakes::FakeTwilio>,
    server: String,
    engine: Engine,
}

impl Customers {
    async fn write(&self, chat: &Chat, line: &str) -> anyhow::Result<()> {
        match chat.channel {
            "wa-main" => {
                let body = switchboard_fakes::WhatsAppWebhook::text(
                    &switchboard_fakes::WhatsAppBusiness::default(),
                    chat.sender,
                    chat.name,
                    line,
                );
                let hook = self
                    .graph
                    .webhook(format!("{}/webhooks/whatsapp/wa-main", self.server));
                ensure(hook.send(&body).await?.status)
            }
            "fb-main" => {
                let page = self.graph.options().page_id.clone();
                let body = switchboard_fakes::MessengerWebhook::text(&page, chat.sender, line);
                let hook = self
                    .graph
                    .webhook(format!("{}/webhooks/facebook/fb-main", self.server));
                ensure(hook.send(&body).await?.status)
            }
            "sms-main" => {
                let params = self
                    .twilio
                    .inbound_sms(chat.sender, DEMO_SMS_NUMBER, line)
                    .to_params();
                let hook = self
                    .twilio
                    .webhook(format!("{}/webhooks/sms/sms-main", self.server));
                ensure(hook.send(&params).await?.status)
            }
            _ => {
                self.engine
                    .ingest(Inbound {
                        channel_id: chat.channel.into(),
                        sender: chat.sender.into(),
                        display_name: chat.name.into(),
                        provider_message_id: Some(uuid::Uuid::now_v7().to_string()),
                        body: line.into(),
                        attachments: Vec::new(),
                        sent_at: None,
                        consent: None,
                    })
                    .await
                    .map_err(anyhow::Error::new)?;
                Ok(())
            }
        }
    }

    /// Every `every`, another customer writes (or an earlier one writes again).
    async fn keep_writing(self, every: std::time::Duration) {
        let mut round = 0usize;
        loop {
            tokio::time::sleep(every).await;
            let chat = &LATER[round % LATER.len()];
            let line = chat.lines[(round / LATER.len()) % chat.lines.len()];
            if let Err(err) = self.write(chat, line).await {
                tracing::warn!(error = %err, "simulated customer could not write");
            }
            round += 1;
        }
    }
}

fn ensure(status: u16) -> anyhow::Result<()> {
    anyhow::ensure!(
        (200..300).contains(&status),
        "the server answered HTTP {status}"
    );
    Ok(())
}

struct Chat {
    channel: &'static str,
    sender: &'static str,
    name: &'static str,
    lines: &'static [&'static str],
}

/// Customers who write while the demo runs.
const LATER: &[Chat] = &[
    Chat {
        channel: "wa-main",
        sender: "5531991234567",
        name: "Rafael Oliveira",
        lines: &["Boa tarde! Vocês aceitam Pix?", "Obrigado, vou aguardar."],
    },
    Chat {
        channel: "sms-main",
        sender: "+14155550177",
        name: "+14155550177",
        lines: &["Hi, can I change my delivery address?", "Thanks!"],
    },
    Chat {
        channel: "fb-main",
        sender: "6789012345678901",
        name: "Emily Carter",
        lines: &["Also, is there a discount for students?"],
    },
    Chat {
        channel: "web",
        sender: "visitor-91c2",
        name: "Website visitor",
        lines: &["Olá, o site está fora do ar para mais alguém?"],
    },
];

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

async fn seed(engine: &Engine, customers: &Customers) -> anyhow::Result<()> {
    let err = anyhow::Error::new::<crate::engine::Error>;
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
            sent_at: None,
            consent: None,
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
                template: None,
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

    // Customers waiting in the queues, writing through the providers; they are offered as
    // agents sign in.
    customers
        .graph
        .set_profile("6789012345678901", "Emily", "Carter");
    for chat in CHATS {
        for line in chat.lines {
            customers.write(chat, line).await?;
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
    let err = anyhow::Error::new::<crate::engine::Error>;
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
    let err = anyhow::Error::new::<crate::engine::Error>;
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
