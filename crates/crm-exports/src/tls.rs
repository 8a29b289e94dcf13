//! The process's TLS provider. reqwest is built without a default one (the `ring` provider
//! compiles quickly and needs no C toolchain), so the process installs it before building
//! any HTTP client: the API client's and the S3 file store's alike. Imports nothing of ours.

/// Installs the `ring` provider; calling it again does nothing.
pub fn install_provider() {
    // Err only means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
