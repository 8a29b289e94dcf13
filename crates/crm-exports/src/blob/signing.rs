//! Download links signed with HMAC-SHA256 over the export id and the expiry time, so a link
//! works without a token until it expires and cannot be altered to name another export or
//! a later expiry. The key is 32 random bytes kept in the data folder (mode 0600).

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct UrlSigner {
    /// The MAC with the key already absorbed: every status poll of a finished export signs
    /// a link, and cloning this saves hashing the key each time.
    keyed: HmacSha256,
}

#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    Expired,
    Invalid,
}

impl UrlSigner {
    pub fn new(key: Vec<u8>) -> Self {
        Self {
            keyed: HmacSha256::new_from_slice(&key).expect("HMAC takes keys of any length"),
        }
    }

    /// Reads the key at `path`, creating it on first use.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(key) = hex::decode(text.trim())
            && key.len() >= 32
        {
            return Ok(Self::new(key));
        }
        let key: [u8; 32] = rand::random();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        writeln!(options.open(path)?, "{}", hex::encode(key))?;
        Ok(Self::new(key.to_vec()))
    }

    fn mac(&self, export_id: i64, expires: i64) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(format!("export:{export_id}:{expires}").as_bytes());
        mac
    }

    pub fn sign(&self, export_id: i64, expires: i64) -> String {
        let mac = self.mac(export_id, expires).finalize().into_bytes();
        // The digits are written in place rather than through `hex::encode`'s iterator of
        // chars: every status poll of a finished export signs a link.
        let mut digits = [0u8; 64];
        match hex::encode_to_slice(mac, &mut digits) {
            Ok(()) => String::from_utf8_lossy(&digits).into_owned(),
            Err(_) => hex::encode(mac),
        }
    }

    /// Checks the signature (in constant time) and then the expiry.
    pub fn verify(
        &self,
        export_id: i64,
        expires: i64,
        signature: &str,
        now_seconds: i64,
    ) -> Result<(), LinkError> {
        let bytes = hex::decode(signature).map_err(|_| LinkError::Invalid)?;
        self.mac(export_id, expires)
            .verify_slice(&bytes)
            .map_err(|_| LinkError::Invalid)?;
        if now_seconds > expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_valid_until_it_expires_and_only_for_its_export() {
        let signer = UrlSigner::new(vec![7; 32]);
        let sig = signer.sign(42, 1000);
        assert_eq!(signer.verify(42, 1000, &sig, 999), Ok(()));
        assert_eq!(signer.verify(42, 1000, &sig, 1001), Err(LinkError::Expired));
        assert_eq!(signer.verify(43, 1000, &sig, 999), Err(LinkError::Invalid));
        assert_eq!(signer.verify(42, 2000, &sig, 999), Err(LinkError::Invalid));
        assert_eq!(signer.verify(42, 1000, "zz", 999), Err(LinkError::Invalid));
        let other = UrlSigner::new(vec![8; 32]);
        assert_eq!(other.verify(42, 1000, &sig, 999), Err(LinkError::Invalid));
    }
}
