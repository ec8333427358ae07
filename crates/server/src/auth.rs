//! Passwords, session tokens and log-in rate limits.
//!
//! Passwords are argon2id PHC strings. Session tokens are 256 random bits handed to the client
//! once; the server keeps only their SHA-256, so a leaked database opens no sessions.

use std::fmt::Display;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::Engine as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::config::RateLimits;
use crate::store::{RequestCount, Store};

/// Hash a password for storage.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters and a fresh salt cannot fail")
        .to_string()
}

/// Check a password against a stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Is this a PHC string argon2 can verify?
pub fn is_password_hash(hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| parsed.algorithm.as_str().starts_with("argon2"))
}

/// A fresh bearer token: 32 random bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The longest login name: an e-mail address is at most 254 bytes, an extension 16 digits.
/// Longer names are refused before they are counted, so they cannot fill the limiter.
pub const MAX_LOGIN_BYTES: usize = 254;

/// The longest password argon2 is asked to check.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// What a client address is counted and blocked as: an IPv4 address as itself (also when it
/// arrives IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address as its /64 network, the block one
/// subscriber line usually gets — so one client cannot dodge a limit or a block by walking
/// through the addresses of its own network.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(network.into())
        }
        v4 => v4,
    }
}

/// How a block of `ip` is written: the IPv4 address, or the IPv6 /64 network
/// (`2001:db8:1:2::/64`) of [`address_key`].
pub fn block_key(ip: IpAddr) -> String {
    match address_key(ip) {
        IpAddr::V6(network) => format!("{network}/64"),
        v4 => v4.to_string(),
    }
}

/// Log-in attempts allowed per client IP and per login name.
#[derive(Debug)]
pub struct LoginLimiter {
    per_ip: IpLimiter,
    per_user: Limiter<String>,
}

impl LoginLimiter {
    pub fn new(limits: RateLimits, shared: Option<SharedCounts>) -> Self {
        LoginLimiter {
            per_ip: IpLimiter::per_minute(
                "login per ip",
                limits.login_per_minute_per_ip,
                shared.clone(),
            ),
            per_user: Limiter::per_minute(
                "login per user",
                limits.login_per_minute_per_user,
                shared,
            ),
        }
    }

    /// Counts one attempt; false when either limit is spent.
    pub async fn allow(&self, ip: IpAddr, login: &str) -> bool {
        let ip_ok = self.per_ip.allow(ip).await;
        let user_ok = self.per_user.allow(login.to_lowercase()).await;
        ip_ok && user_ok
    }

    /// Forget the counts of idle keys (see [`Limiter::sweep`]).
    pub fn sweep(&self) {
        self.per_ip.sweep();
        self.per_user.sweep();
    }
}

/// Where nodes sharing a database count requests together, and the secret their keys are
/// hashed with (the nodes share it through `data_dir`), so a database dump names no address
/// or login: an unsalted hash of an IPv4 address is undone by trying them all.
#[derive(Clone)]
pub struct SharedCounts {
    store: Arc<dyn Store>,
    salt: Arc<[u8]>,
}

impl std::fmt::Debug for SharedCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the salt.
        f.debug_struct("SharedCounts").finish_non_exhaustive()
    }
}

impl SharedCounts {
    pub fn new(store: Arc<dyn Store>, secret: &[u8]) -> SharedCounts {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .expect("HMAC takes keys of any length");
        mac.update(b"switchboard rate limit keys");
        SharedCounts {
            store,
            salt: mac.finalize().into_bytes().to_vec().into(),
        }
    }

    /// The key a limit's count is stored under.
    fn key(&self, limit: &str, key: &dyn Display) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.salt)
            .expect("HMAC takes keys of any length");
        mac.update(format!("{limit}\n{key}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Requests allowed per key (a client IP, a visitor, a login name) and minute.
///
/// A node alone counts in memory (`governor`'s cell rate). Nodes sharing PostgreSQL count in
/// the database instead, so N nodes behind a load balancer allow what one node would: each key
/// has a count for this minute and the last, and a request passes while the last minute's
/// count, weighted by how much of it is still within sixty seconds, plus this minute's stays
/// within the limit (a sliding window). Keys are stored as salted hashes ([`SharedCounts`]).
/// If the database cannot count, the node falls back to counting alone.
pub struct Limiter<K: Hash + Eq + Clone> {
    name: &'static str,
    per_minute: u32,
    local: DefaultKeyedRateLimiter<K>,
    shared: Option<SharedCounts>,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for Limiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("name", &self.name)
            .field("per_minute", &self.per_minute)
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

/// The limiter of most public endpoints: per client address, as [`address_key`] counts it.
#[derive(Debug)]
pub struct IpLimiter(Limiter<IpAddr>);

impl IpLimiter {
    pub fn per_minute(name: &'static str, n: u32, shared: Option<SharedCounts>) -> Self {
        IpLimiter(Limiter::per_minute(name, n, shared))
    }

    pub async fn allow(&self, ip: IpAddr) -> bool {
        self.0.allow(address_key(ip)).await
    }

    pub fn sweep(&self) {
        self.0.sweep();
    }
}

impl<K: Hash + Eq + Clone + Display> Limiter<K> {
    /// `name` tells this limit's counts from other limits' in the shared table.
    pub fn per_minute(name: &'static str, n: u32, shared: Option<SharedCounts>) -> Self {
        let per_minute = n.max(1);
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).expect("at least one"));
        Limiter {
            name,
            per_minute,
            local: RateLimiter::keyed(quota),
            shared,
        }
    }

    pub async fn allow(&self, key: K) -> bool {
        if let Some(shared) = &self.shared {
            let hashed = shared.key(self.name, &key);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64()
                / 60.0;
            let store = shared.store.clone();
            let counted = tokio::task::spawn_blocking(move || {
                store.count_request(&hashed, now.floor() as i64)
            })
            .await;
            match counted {
                Ok(Ok(Some(count))) => {
                    return within(count, now.fract(), self.per_minute);
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(limit = self.name, error = %e, "cannot count in the database; counting on this node alone");
                }
                Err(e) => {
                    tracing::warn!(limit = self.name, error = %e, "counting task failed; counting on this node alone");
                }
            }
        }
        self.local.check_key(&key).is_ok()
    }

    /// Forget the keys whose counts have gone back to nothing, so the limiter's memory holds
    /// only the clients of about the last minute, whatever was sent before.
    pub fn sweep(&self) {
        self.local.retain_recent();
        self.local.shrink_to_fit();
    }

    /// Keys counted in memory now.
    pub fn keys(&self) -> usize {
        self.local.len()
    }
}

/// Whether a sliding one-minute window `into` (0..1) through the current minute holds at most
/// `limit` requests, the last minute's spread evenly over it.
fn within(count: RequestCount, into: f64, limit: u32) -> bool {
    let estimate = f64::from(count.previous_minute) * (1.0 - into) + f64::from(count.this_minute);
    estimate <= f64::from(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("s3cret");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(is_password_hash(&hash));
        assert!(verify_password("s3cret", &hash));
        assert!(!verify_password("s3creT", &hash));
        assert!(!verify_password("s3cret", "not a hash"));
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in unpadded base64");
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test]
    async fn login_limiter_stops_a_burst_for_one_user() {
        let limiter = LoginLimiter::new(
            RateLimits {
                login_per_minute_per_ip: 100,
                login_per_minute_per_user: 3,
                ..RateLimits::default()
            },
            None,
        );
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut allowed = 0;
        for _ in 0..5 {
            allowed += usize::from(limiter.allow(ip, "101").await);
        }
        assert_eq!(allowed, 3);
        assert!(
            limiter.allow(ip, "102").await,
            "another user is not affected"
        );
    }

    #[tokio::test]
    async fn idle_keys_are_swept_away() {
        // 600 a minute: one request is forgotten a fraction of a second later.
        let quick = IpLimiter::per_minute("test", 600, None);
        // 1 a minute: one request counts for a minute.
        let slow = IpLimiter::per_minute("test", 1, None);
        for i in 0..200u32 {
            assert!(quick.allow(IpAddr::from(i.to_be_bytes())).await);
            assert!(slow.allow(IpAddr::from(i.to_be_bytes())).await);
        }
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        quick.sweep();
        slow.sweep();
        assert_eq!(quick.0.keys(), 0, "idle keys are forgotten");
        assert_eq!(slow.0.keys(), 200, "keys still counting are kept");
    }

    #[test]
    fn addresses_are_counted_as_ipv4_or_as_their_ipv6_64() {
        let key = |ip: &str| address_key(ip.parse().unwrap()).to_string();
        assert_eq!(key("198.51.100.7"), "198.51.100.7");
        assert_eq!(key("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(
            block_key("2001:db8:1:2::1".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(block_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
    }

    #[test]
    fn shared_keys_are_salted_per_deployment_and_per_limit() {
        let store: Arc<dyn Store> = Arc::new(
            crate::store::sqlite::SqliteStore::open(
                &tempfile::tempdir().unwrap().path().join("s.db"),
            )
            .unwrap(),
        );
        let a = SharedCounts::new(store.clone(), b"secret of deployment A");
        let b = SharedCounts::new(store, b"secret of deployment B");
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(a.key("login per ip", &ip), a.key("login per ip", &ip));
        assert_ne!(a.key("login per ip", &ip), b.key("login per ip", &ip));
        assert_ne!(a.key("login per ip", &ip), a.key("webhooks per ip", &ip));
        assert_ne!(
            a.key("login per ip", &ip),
            hex::encode(Sha256::digest("login per ip\n203.0.113.7")),
            "not an unsalted hash"
        );
    }

    #[test]
    fn the_shared_window_weighs_the_last_minute_by_what_is_left_of_it() {
        let count = |this_minute, previous_minute| RequestCount {
            this_minute,
            previous_minute,
        };
        assert!(within(count(5, 0), 0.1, 5));
        assert!(!within(count(6, 0), 0.9, 5));
        // 10 last minute, a quarter into this one: 7.5 of them still count.
        assert!(!within(count(1, 10), 0.25, 5));
        assert!(within(count(1, 10), 0.6, 5));
        assert!(!within(count(2, 10), 0.6, 5), "4 + 2 is over 5");
    }
}
