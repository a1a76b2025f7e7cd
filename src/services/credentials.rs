//! Secrets: argon2id password hashes, and random bearer secrets of which only a SHA-256 is kept.
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::OnceLock;

use argon2::Argon2;
use rand::distr::{Alphanumeric, SampleString};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::ServiceError;
use crate::domain::NewPassword;

/// A hash to verify against when the account does not exist, so that a wrong email takes as long
/// as a wrong password and reveals nothing.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        NewPassword::parse(&generate_password())
            .ok()
            .and_then(|p| hash_password(&p).ok())
            .unwrap_or_default()
    })
}

pub fn hash_password(password: &NewPassword) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| ServiceError::Invalid(format!("cannot salt the password: {e}")))?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Invalid(format!("cannot hash the password: {e}")))
}

/// True when `candidate` matches `stored`; with no stored hash, spends the same time and fails.
pub fn verify_password(stored: Option<&str>, candidate: &str) -> bool {
    let hash: &str = match stored {
        Some(hash) => hash,
        None => dummy_hash(),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok();
    matches && stored.is_some()
}

/// A random secret with a recognisable prefix (`obr_…`, `obs_…`) and the SHA-256 to store.
pub fn new_secret(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{prefix}{}", hex::encode(bytes));
    let hash = sha256_hex(&secret);
    (secret, hash)
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A password for accounts created without one (printed once by the CLI).
pub fn generate_password() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let password = NewPassword::parse("correct horse battery").expect("valid");
        let hash = hash_password(&password).expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(Some(&hash), "correct horse battery"));
        assert!(!verify_password(Some(&hash), "correct horse battery!"));
        assert!(!verify_password(None, "anything"));
    }

    #[test]
    fn secrets_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_secret("obr_");
        let (b, _) = new_secret("obr_");
        assert_ne!(a, b);
        assert!(a.starts_with("obr_") && a.len() == 68);
        assert_eq!(hash_a, sha256_hex(&a));
        assert!(!hash_a.contains(&a[4..]));
    }
}
