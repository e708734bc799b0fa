//! Credentials at rest: AES-256-GCM with a key from `HERALD_SECRET_KEY` (64 hex digits) or, for
//! the embedded default, a key generated once into `DATA_DIR/secret.key` (mode 0600).
//!
//! A sealed value is `nonce (12 bytes) || ciphertext`, bound to its purpose and record by the
//! associated data, so a ciphertext copied to another row does not open.

use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::Context;

const NONCE_LENGTH: usize = 12;
const KEY_FILE: &str = "secret.key";

/// Seals and opens secrets with the relay's key.
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SecretBox(..)")
    }
}

/// A sealed value that does not open: wrong key, or tampered with.
#[derive(Debug, thiserror::Error)]
#[error("a stored secret cannot be decrypted: wrong HERALD_SECRET_KEY or damaged data")]
pub struct OpenError;

impl SecretBox {
    /// The key from `HERALD_SECRET_KEY` when given, else from (or newly into) the data folder.
    pub fn load(hex_key: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let key = match hex_key {
            Some(hex_key) => {
                decode_key(hex_key).context("HERALD_SECRET_KEY must be 64 hex digits")?
            }
            None => key_from_file(&data_dir.join(KEY_FILE))?,
        };
        Ok(Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
        })
    }

    /// Encrypts `plaintext`, binding it to `context` (e.g. `account:7`).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> anyhow::Result<Vec<u8>> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Decrypts what [`SecretBox::seal`] made for the same `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < NONCE_LENGTH {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LENGTH);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError)
    }
}

fn decode_key(hex_key: &str) -> anyhow::Result<[u8; 32]> {
    let mut key = [0_u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut key)
        .map_err(|error| anyhow::anyhow!("expected 64 hex digits: {error}"))?;
    Ok(key)
}

fn key_from_file(path: &Path) -> anyhow::Result<[u8; 32]> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the key file {}", path.display()))?;
        return decode_key(&text).with_context(|| format!("{} is damaged", path.display()));
    }
    let key: [u8; 32] = Aes256Gcm::generate_key(&mut OsRng).into();
    write_private(path, &hex::encode(key))
        .with_context(|| format!("cannot write the key file {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated the key that encrypts credentials; back it up with the database");
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let folder = tempfile::tempdir().unwrap();
        let secrets = SecretBox::load(None, folder.path()).unwrap();
        let sealed = secrets.seal(b"token-123", "account:1").unwrap();
        assert!(!sealed.windows(9).any(|window| window == b"token-123"));
        assert_eq!(secrets.open(&sealed, "account:1").unwrap(), b"token-123");
        assert!(secrets.open(&sealed, "account:2").is_err());

        let same_key = SecretBox::load(None, folder.path()).unwrap();
        assert_eq!(same_key.open(&sealed, "account:1").unwrap(), b"token-123");
        let other_key = SecretBox::load(Some(&"ab".repeat(32)), folder.path()).unwrap();
        assert!(other_key.open(&sealed, "account:1").is_err());
        assert!(SecretBox::load(Some("short"), folder.path()).is_err());
    }
}
