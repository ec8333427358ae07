//! Passwords, session tokens and log-in rate limits.
//!
//! Passwords are argon2id PHC strings. Session tokens are 256 random bits handed to the client
//! once; the server keeps only their SHA-256, so a leaked database opens no sessions.

use std::net::IpAddr;
use std::num::NonZeroU32;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::Engine as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::config::RateLimits;

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

/// Log-in attempts allowed per client IP and per login name.
#[derive(Debug)]
pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_user: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    pub fn new(limits: RateLimits) -> Self {
        let quota = |per_minute: u32| {
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least one"))
        };
        LoginLimiter {
            per_ip: RateLimiter::keyed(quota(limits.login_per_minute_per_ip)),
            per_user: RateLimiter::keyed(quota(limits.login_per_minute_per_user)),
        }
    }

    /// Counts one attempt; false when either limit is spent.
    pub fn allow(&self, ip: IpAddr, login: &str) -> bool {
        let ip_ok = self.per_ip.check_key(&ip).is_ok();
        let user_ok = self.per_user.check_key(&login.to_lowercase()).is_ok();
        ip_ok && user_ok
    }
}

/// Requests allowed per key (a client IP, a visitor) and minute on a public endpoint.
#[derive(Debug)]
pub struct Limiter<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

/// The limiter of most public endpoints: per client address.
pub type IpLimiter = Limiter<IpAddr>;

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    pub fn per_minute(n: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Limiter {
            limiter: RateLimiter::keyed(quota),
        }
    }

    pub fn allow(&self, key: K) -> bool {
        self.limiter.check_key(&key).is_ok()
    }
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

    #[test]
    fn login_limiter_stops_a_burst_for_one_user() {
        let limiter = LoginLimiter::new(RateLimits {
            login_per_minute_per_ip: 100,
            login_per_minute_per_user: 3,
            ..RateLimits::default()
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let allowed = (0..5).filter(|_| limiter.allow(ip, "101")).count();
        assert_eq!(allowed, 3);
        assert!(limiter.allow(ip, "102"), "another user is not affected");
    }
}
