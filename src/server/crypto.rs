//! Social-account tokens at rest: XChaCha20-Poly1305 with a 256-bit key from
//! configuration (`token_key`, base64). Each value gets a random 192-bit
//! nonce, stored in front of the ciphertext; the row's account id is bound
//! as associated data, so a ciphertext copied onto another account's row
//! does not decrypt.
use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    XChaCha20Poly1305, XNonce,
};

const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct TokenCipher {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher(…)")
    }
}

impl TokenCipher {
    /// From the configured key: 32 bytes, base64. An empty setting gives a
    /// random key for this process only (tokens saved with it cannot be read
    /// after a restart), with a warning.
    pub fn from_config(key_b64: &str) -> anyhow::Result<TokenCipher> {
        let key = key_b64.trim();
        if key.is_empty() {
            tracing::warn!(
                "token_key is not set: social-account tokens are encrypted with a key that lives \
                 only as long as this process. Set POSTROOM_TOKEN_KEY (32 random bytes, base64)."
            );
            return Ok(TokenCipher::random());
        }
        let bytes = STANDARD
            .decode(key)
            .map_err(|_| anyhow::anyhow!("token_key must be base64"))?;
        anyhow::ensure!(
            bytes.len() == 32,
            "token_key must be 32 bytes (base64 of 32 random bytes)"
        );
        Ok(TokenCipher {
            cipher: XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| anyhow::anyhow!("token_key has the wrong length"))?,
        })
    }

    pub fn random() -> TokenCipher {
        TokenCipher {
            cipher: XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(&mut OsRng)),
        }
    }

    pub fn seal(&self, plaintext: &str, bound_to: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: bound_to,
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8], bound_to: &[u8]) -> Option<String> {
        if sealed.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: bound_to,
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_binds_to_its_row() {
        let c = TokenCipher::random();
        let sealed = c.seal("secret-token", b"row-1");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(c.open(&sealed, b"row-1").as_deref(), Some("secret-token"));
        assert_eq!(c.open(&sealed, b"row-2"), None);
        assert_eq!(TokenCipher::random().open(&sealed, b"row-1"), None);
        assert_eq!(c.open(&sealed[..10], b"row-1"), None);
    }

    #[test]
    fn configured_keys_must_be_32_bytes_of_base64() {
        assert!(TokenCipher::from_config("not base64!").is_err());
        assert!(TokenCipher::from_config(&STANDARD.encode([1u8; 16])).is_err());
        let a = TokenCipher::from_config(&STANDARD.encode([7u8; 32])).unwrap();
        let b = TokenCipher::from_config(&STANDARD.encode([7u8; 32])).unwrap();
        assert_eq!(b.open(&a.seal("x", b"r"), b"r").as_deref(), Some("x"));
    }
}
