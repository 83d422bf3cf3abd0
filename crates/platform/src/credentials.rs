//! Passwords, opaque tokens and API keys.
//!
//! Passwords are hashed with argon2id (slow on purpose). Tokens and API keys are long random
//! values, so a fast SHA-256 suffices to store them: nobody can brute-force 256 random bits, and
//! a fast check keeps the API at thousands of requests per second.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password with argon2id and a fresh salt, in PHC string format.
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| CredentialError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash that takes as long to check as a real one, used when the login is unknown so that
/// timing does not tell which emails have accounts.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// 32 random bytes, URL-safe base64: session ids, CSRF tokens, single-use email tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 in lowercase hex: how tokens and keys are stored.
pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

/// Compares two strings in constant time (length aside).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A newly created API key: the full secret is shown once, only its prefix and hash are kept.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// `cpt_<prefix>_<secret>`: what the user copies.
    pub token: String,
    /// Eight characters identifying the key in lists and lookups.
    pub prefix: String,
    pub secret_hash: String,
}

const KEY_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyz23456789";

fn random_from_alphabet(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| KEY_ALPHABET[(rng.next_u32() as usize) % KEY_ALPHABET.len()] as char)
        .collect()
}

impl NewApiKey {
    pub fn generate() -> NewApiKey {
        let prefix = random_from_alphabet(8);
        let secret = random_token();
        let token = format!("cpt_{prefix}_{secret}");
        let secret_hash = sha256_hex(&token);
        NewApiKey {
            token,
            prefix,
            secret_hash,
        }
    }
}

/// Splits a presented key into its lookup prefix; `None` when it is not shaped like a key.
pub fn api_key_prefix(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("cpt_")?;
    let (prefix, secret) = rest.split_once('_')?;
    (prefix.len() == 8 && secret.len() >= 32).then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn api_key_shape() {
        let k = NewApiKey::generate();
        assert_eq!(api_key_prefix(&k.token), Some(k.prefix.as_str()));
        assert_eq!(sha256_hex(&k.token), k.secret_hash);
        assert_eq!(api_key_prefix("cpt_short_x"), None);
        assert_eq!(api_key_prefix("Bearer nonsense"), None);
    }
}
