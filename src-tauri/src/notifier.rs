//! Desktop notifications over D-Bus (the freedesktop.org notification service) on Linux and the
//! BSDs: one session-bus connection and one thread for the app's whole run, however many
//! notifications it shows.
//!
//! notify-rust, used before, opened a bus connection for every notification and the app left a
//! thread waiting on each for its click until the notification closed — which, on desktops
//! that keep notifications in a tray, is never: over an agent's day, a socket and two threads
//! (the wait and zbus's own) for every message announced. Here the one thread sends the
//! notifications and hears every click and close; a notification's click handler is kept while
//! it is open, for the newest [`KEPT_OPEN`] at most (older ones are closed on the desktop too,
//! so no stale notification is left that a click would not open).

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroUsize;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use zbus::message::Type;
use zbus::{Connection, MatchRule, Message, MessageStream, Variant};

const SERVICE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const INTERFACE: &str = "org.freedesktop.Notifications";

/// How many shown notifications keep their click handler; older ones are closed.
pub const KEPT_OPEN: usize = 100;

/// What a click on a notification does.
pub type OnClick = Box<dyn FnOnce() + Send>;

/// One notification to show.
pub struct Request {
    pub summary: String,
    pub body: String,
    pub on_click: OnClick,
}

/// What the notifier thread is asked to do.
enum Job {
    Show(Request),
    /// Answered once every job sent before it is done (for tests).
    #[cfg(test)]
    Done(std::sync::mpsc::Sender<()>),
}

/// Sends notifications through the notifier thread.
#[derive(Debug, Clone)]
pub struct Notifier {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Notifier {
    /// Start the notifier thread on the session bus (`None`) or the bus at `address`. It
    /// connects at the first notification, and again at the next one after losing the bus.
    pub fn start(address: Option<String>) -> std::io::Result<Notifier> {
        let (jobs, received) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("notifications".into())
            .spawn(move || zbus::block_on(run(address, received)))?;
        Ok(Notifier { jobs })
    }

    /// Show a notification; `on_click` runs on the notifier thread if the agent clicks it.
    pub fn show(&self, request: Request) {
        if self.jobs.send(Job::Show(request)).is_err() {
            tracing::warn!("the notifier thread has stopped; notification not shown");
        }
    }

    /// Wait until every notification asked for so far was shown (or failed).
    #[cfg(test)]
    fn settle(&self) {
        let (done, settled) = std::sync::mpsc::channel();
        self.jobs.send(Job::Done(done)).unwrap();
        settled
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap();
    }
}

/// The notifications shown and still open, oldest first.
#[derive(Default)]
struct Shown {
    handlers: HashMap<u32, OnClick>,
    order: VecDeque<u32>,
}

impl Shown {
    /// Keep `id`'s handler; return the ids that fell past [`KEPT_OPEN`].
    fn insert(&mut self, id: u32, on_click: OnClick) -> Vec<u32> {
        // A server may hand an id out again once its notification closed.
        if self.handlers.insert(id, on_click).is_some() {
            self.order.retain(|&kept| kept != id);
        }
        self.order.push_back(id);
        let mut dropped = Vec::new();
        while self.order.len() > KEPT_OPEN {
            if let Some(oldest) = self.order.pop_front() {
                self.handlers.remove(&oldest);
                dropped.push(oldest);
            }
        }
        dropped
    }

    fn take(&mut self, id: u32) -> Option<OnClick> {
        let handler = self.handlers.remove(&id)?;
        self.order.retain(|&kept| kept != id);
        Some(handler)
    }
}

/// The connection and the notification service's signals on it.
struct Bus {
    connection: Connection,
    signals: MessageStream,
    /// The notification server's unique name, once it answered: only its signals count.
    server: Option<String>,
}

impl Bus {
    async fn connect(address: Option<&str>) -> zbus::Result<Bus> {
        let builder = match address {
            Some(address) => zbus::connection::Builder::address(address),
            None => zbus::connection::Builder::session(),
        };
        let connection = builder.build().await?;
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .interface(INTERFACE)
            .path(PATH)
            .build()?;
        let signals =
            MessageStream::for_match_rule(rule, &connection, NonZeroUsize::new(256)).await?;
        Ok(Bus {
            connection,
            signals,
            server: None,
        })
    }

    async fn notify(&mut self, summary: &str, body: &str) -> zbus::Result<u32> {
        let hints: HashMap<&str, Variant<'_>> = HashMap::new();
        let reply = self
            .connection
            .call_method(
                Some(SERVICE),
                PATH,
                Some(INTERFACE),
                "Notify",
                &(
                    "Switchboard",
                    0u32,
                    "mail-message-new",
                    summary,
                    body,
                    vec!["default", "Open"],
                    hints,
                    -1i32,
                ),
            )
            .await?;
        self.server = reply.header().sender().map(|name| name.to_string());
        reply.body().deserialize::<u32>()
    }

    async fn close(&self, id: u32) {
        let closed = self
            .connection
            .call_method(
                Some(SERVICE),
                PATH,
                Some(INTERFACE),
                "CloseNotification",
                &id,
            )
            .await;
        if let Err(error) = closed {
            tracing::debug!(%error, id, "could not close an old notification");
        }
    }

    /// Whether `message` is the notification server's signal (not another client's).
    fn sent_by_server(&self, message: &Message) -> bool {
        let header = message.header();
        match (&self.server, header.sender()) {
            (Some(server), Some(sender)) => sender.as_str() == server,
            _ => false,
        }
    }
}

enum Event {
    Job(Option<Job>),
    Signal(Option<zbus::Result<Message>>),
}

async fn run(address: Option<String>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut shown = Shown::default();
    let mut bus: Option<Bus> = None;
    loop {
        let event = match bus.as_mut() {
            Some(connected) => tokio::select! {
                biased;
                signal = connected.signals.next() => Event::Signal(signal),
                job = jobs.recv() => Event::Job(job),
            },
            None => Event::Job(jobs.recv().await),
        };
        match event {
            Event::Job(None) => return,
            #[cfg(test)]
            Event::Job(Some(Job::Done(done))) => {
                let _ = done.send(());
            }
            Event::Job(Some(Job::Show(request))) => {
                if bus.is_none() {
                    match Bus::connect(address.as_deref()).await {
                        Ok(connected) => bus = Some(connected),
                        Err(error) => {
                            tracing::warn!(%error, "could not show a notification: no session bus");
                            continue;
                        }
                    }
                }
                let Some(connected) = bus.as_mut() else {
                    continue;
                };
                match connected.notify(&request.summary, &request.body).await {
                    Ok(id) => {
                        for old in shown.insert(id, request.on_click) {
                            connected.close(old).await;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not show a notification");
                        // An error reply leaves the connection usable; anything else is the
                        // bus gone: connect again at the next notification.
                        if !matches!(error, zbus::Error::MethodError(..) | zbus::Error::FDO(_)) {
                            bus = None;
                        }
                    }
                }
            }
            Event::Signal(None) => bus = None,
            Event::Signal(Some(Err(error))) => {
                tracing::debug!(%error, "unreadable message from the session bus");
            }
            Event::Signal(Some(Ok(message))) => {
                let Some(connected) = bus.as_ref() else {
                    continue;
                };
                if !connected.sent_by_server(&message) {
                    continue;
                }
                let header = message.header();
                match header.member().map(|member| member.as_str()) {
                    Some("ActionInvoked") => {
                        if let Ok((id, action)) = message.body().deserialize::<(u32, String)>() {
                            if action == "default" {
                                if let Some(on_click) = shown.take(id) {
                                    on_click();
                                }
                            }
                        }
                    }
                    Some("NotificationClosed") => {
                        if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                            shown.take(id);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// A private session bus for one test, stopped on drop.
    struct TestBus {
        daemon: Child,
        address: String,
        _dir: tempfile::TempDir,
    }

    impl TestBus {
        fn start() -> TestBus {
            let dir = tempfile::tempdir().expect("a scratch directory");
            // No service directory: nothing is started on demand, so until the test serves
            // the notification service, a notification gets an error reply at once.
            let config = dir.path().join("bus.conf");
            std::fs::write(
                &config,
                format!(
                    r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                    dir.path().display()
                ),
            )
            .unwrap();
            let mut daemon = Command::new("dbus-daemon")
                .arg(format!("--config-file={}", config.display()))
                .args(["--nofork", "--print-address=1"])
                .env("HOME", dir.path())
                .env("XDG_RUNTIME_DIR", dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("dbus-daemon (package dbus; scripts/setup.sh installs it)");
            let mut line = String::new();
            let stdout = daemon.stdout.take().expect("dbus-daemon's output");
            std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
                .expect("dbus-daemon's address");
            assert!(!line.trim().is_empty(), "dbus-daemon printed no address");
            TestBus {
                daemon,
                address: line.trim().to_string(),
                _dir: dir,
            }
        }
    }

    impl Drop for TestBus {
        fn drop(&mut self) {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }

    /// What the fake notification server saw.
    #[derive(Default)]
    struct Seen {
        /// (sender's unique name, summary, the id given) per `Notify`.
        notified: Vec<(String, String, u32)>,
        closed: Vec<u32>,
    }

    /// A notification server speaking the freedesktop.org interface on `address`: it answers
    /// `Notify` with increasing ids and records `CloseNotification`.
    fn serve(address: &str, seen: Arc<Mutex<Seen>>) -> Connection {
        let address = address.to_string();
        let (ready, connected) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            zbus::block_on(async move {
                let connection = zbus::connection::Builder::address(address.as_str())
                    .build()
                    .await
                    .unwrap();
                connection.request_name(SERVICE).await.unwrap();
                let mut calls = MessageStream::from(&connection);
                ready.send(connection.clone()).unwrap();
                let mut next_id = 1u32;
                while let Some(Ok(call)) = calls.next().await {
                    let header = call.header();
                    if header.message_type() != Type::MethodCall {
                        continue;
                    }
                    let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
                    match header.member().map(|m| m.as_str()) {
                        Some("Notify") => {
                            type Notify<'a> = (
                                &'a str,
                                u32,
                                &'a str,
                                String,
                                String,
                                Vec<String>,
                                HashMap<String, Variant<'a>>,
                                i32,
                            );
                            let body = call.body();
                            let (_, _, _, summary, _, actions, _, _): Notify<'_> =
                                body.deserialize().unwrap();
                            assert_eq!(actions, ["default", "Open"]);
                            let id = next_id;
                            next_id += 1;
                            seen.lock().unwrap().notified.push((sender, summary, id));
                            connection.reply(&header, &id).await.unwrap();
                        }
                        Some("CloseNotification") => {
                            let id: u32 = call.body().deserialize().unwrap();
                            seen.lock().unwrap().closed.push(id);
                            connection.reply(&header, &()).await.unwrap();
                        }
                        _ => {}
                    }
                }
            })
        });
        connected.recv_timeout(Duration::from_secs(10)).unwrap()
    }

    /// The server's (or anyone's) signal that the agent clicked notification `id`.
    fn click(connection: &Connection, id: u32) {
        zbus::block_on(connection.emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "ActionInvoked",
            &(id, "default"),
        ))
        .unwrap();
    }

    /// The server's signal that notification `id` closed (reason 2: dismissed).
    fn closed(connection: &Connection, id: u32) {
        zbus::block_on(connection.emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "NotificationClosed",
            &(id, 2u32),
        ))
        .unwrap();
    }

    fn wait_for(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn one_connection_shows_every_notification_and_a_click_opens_its_own_chat() {
        let bus = TestBus::start();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let server = serve(&bus.address, seen.clone());
        let notifier = Notifier::start(Some(bus.address.clone())).unwrap();
        let clicked = Arc::new(Mutex::new(Vec::new()));
        let count = KEPT_OPEN + 20;
        for n in 0..count {
            let clicked = clicked.clone();
            notifier.show(Request {
                summary: format!("chat {n}"),
                body: "Hello".into(),
                on_click: Box::new(move || clicked.lock().unwrap().push(n)),
            });
        }
        notifier.settle();
        let id_of = |n: usize| {
            let seen = seen.lock().unwrap();
            let (_, summary, id) = &seen.notified[n];
            assert_eq!(summary, &format!("chat {n}"));
            *id
        };
        {
            let seen = seen.lock().unwrap();
            let senders: std::collections::HashSet<&str> =
                seen.notified.iter().map(|(s, _, _)| s.as_str()).collect();
            assert_eq!(senders.len(), 1, "every notification over one connection");
            let oldest: Vec<u32> = seen.notified[..count - KEPT_OPEN]
                .iter()
                .map(|(_, _, id)| *id)
                .collect();
            assert_eq!(seen.closed, oldest, "the oldest closed, in order");
        }

        // A click opens its own chat, once.
        click(&server, id_of(50));
        wait_for("the click", || clicked.lock().unwrap().len() == 1);
        assert_eq!(*clicked.lock().unwrap(), [50]);

        // Ignored: a click on a notification closed for age, a second click, a click after
        // the server closed it, and another client's signal.
        click(&server, id_of(3));
        click(&server, id_of(50));
        closed(&server, id_of(60));
        click(&server, id_of(60));
        let spoofer = zbus::block_on(async {
            zbus::connection::Builder::address(bus.address.as_str())
                .build()
                .await
                .unwrap()
        });
        click(&spoofer, id_of(70));
        // The bus relays one sender's messages in order: once this round trip is answered, the
        // spoofed signal has gone out ahead of the server's next one.
        zbus::block_on(spoofer.call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus.Peer"),
            "Ping",
            &(),
        ))
        .unwrap();
        click(&server, id_of(count - 1));
        wait_for("the last click", || clicked.lock().unwrap().len() == 2);
        assert_eq!(*clicked.lock().unwrap(), [50, count - 1]);
    }

    #[test]
    fn without_a_notification_server_the_next_notification_still_goes_out() {
        let bus = TestBus::start();
        let notifier = Notifier::start(Some(bus.address.clone())).unwrap();
        notifier.show(Request {
            summary: "lost".into(),
            body: String::new(),
            on_click: Box::new(|| {}),
        });
        notifier.settle();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let _server = serve(&bus.address, seen.clone());
        notifier.show(Request {
            summary: "shown".into(),
            body: String::new(),
            on_click: Box::new(|| {}),
        });
        notifier.settle();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.notified.len(), 1);
        assert_eq!(seen.notified[0].1, "shown");
    }

    #[test]
    fn shown_keeps_the_newest_handlers_and_a_reused_id_once() {
        let mut shown = Shown::default();
        for id in 1..=(KEPT_OPEN as u32) {
            assert!(shown.insert(id, Box::new(|| {})).is_empty());
        }
        assert_eq!(shown.insert(5, Box::new(|| {})), Vec::<u32>::new());
        assert_eq!(shown.order.len(), KEPT_OPEN);
        assert_eq!(shown.insert(1000, Box::new(|| {})), [1]);
        assert_eq!(shown.order.front(), Some(&2));
        assert_eq!(shown.order.back(), Some(&1000));
        assert!(shown.take(5).is_some());
        assert!(shown.take(5).is_none());
        assert_eq!(shown.handlers.len(), shown.order.len());
    }
}
