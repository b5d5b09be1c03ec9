//! Random secrets (session ids, invitation tokens, API keys): 256 bits from
//! the OS, shown once, stored as SHA-256.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_long_and_distinct() {
        let a = super::new_secret();
        let b = super::new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(super::digest(&a).len(), 32);
    }
}
