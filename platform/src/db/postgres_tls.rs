//! How the platform reaches PostgreSQL: the connection settings of a URL and TLS with rustls, with libpq's
//! meaning of `sslmode` (a managed PostgreSQL usually requires TLS):
//!
//! - `disable`: plain TCP.
//! - `prefer` (the default) and `require`: TLS when the server offers it (`require`: or no connection).
//!   As in libpq, the certificate is checked only when a root certificate is given (`sslrootcert=` in the
//!   URL, or the file named by `FIELDCHECK_DATABASE_CA`): then its chain must lead to that root.
//! - `verify-ca`: TLS, the chain must lead to the given root (or a public one, webpki-roots).
//! - `verify-full`: as `verify-ca`, and the certificate must name the host.

use super::StoreError;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The environment variable naming a PEM file of root certificates for the database's TLS.
pub const CA_ENV: &str = "FIELDCHECK_DATABASE_CA";

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndHost,
}

/// The connection settings and the TLS connector for `url` (`postgres://user:password@host:port/db?...`,
/// or libpq's `key=value` form).
pub fn settings(url: &str) -> Result<(tokio_postgres::Config, MakeRustlsConnect), StoreError> {
    let bad = |m: String| StoreError::Config(m);
    let (mut rest, mut sslmode, mut root_file) = (url.to_string(), None::<String>, None::<String>);
    if (url.starts_with("postgres://") || url.starts_with("postgresql://"))
        && let Some((base, query)) = url.split_once('?')
    {
        // tokio-postgres knows neither `sslrootcert` nor the `verify-*` modes: they are taken out here.
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sslmode", v)) => sslmode = Some(v.to_string()),
                Some(("sslrootcert", v)) => root_file = Some(v.to_string()),
                _ => kept.push(pair),
            }
        }
        rest = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    }
    let mut config = tokio_postgres::Config::from_str(&rest).map_err(|e| bad(format!("database URL: {e}")))?;
    let root_file = root_file.or_else(|| std::env::var(CA_ENV).ok().filter(|s| !s.is_empty()));
    let (mode, check) = match sslmode.as_deref() {
        None => (config.get_ssl_mode(), None),
        Some("disable") => (SslMode::Disable, None),
        Some("allow" | "prefer") => (SslMode::Prefer, None),
        Some("require") => (SslMode::Require, None),
        Some("verify-ca") => (SslMode::Require, Some(Check::Chain)),
        Some("verify-full") => (SslMode::Require, Some(Check::ChainAndHost)),
        Some(other) => return Err(bad(format!("database URL: unknown sslmode {other}"))),
    };
    config.ssl_mode(mode);
    let check = check.unwrap_or(if root_file.is_some() { Check::Chain } else { Check::Nothing });
    Ok((config, MakeRustlsConnect::new(client_config(check, root_file.as_deref())?)))
}

fn client_config(check: Check, root_file: Option<&str>) -> Result<ClientConfig, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = |e: rustls::Error| StoreError::Config(format!("database TLS: {e}"));
    let builder =
        ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().map_err(tls)?;
    let mut roots = RootCertStore::empty();
    match root_file {
        Some(path) => {
            for cert in CertificateDer::pem_file_iter(path)
                .map_err(|e| StoreError::Config(format!("database root certificate {path}: {e}")))?
            {
                let cert = cert.map_err(|e| StoreError::Config(format!("database root certificate {path}: {e}")))?;
                roots.add(cert).map_err(tls)?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(match check {
        Check::ChainAndHost => builder.with_root_certificates(roots).with_no_client_auth(),
        Check::Chain | Check::Nothing => {
            let chain = match check {
                Check::Chain => Some(
                    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                        .build()
                        .map_err(|e| StoreError::Config(format!("database TLS: {e}")))?,
                ),
                _ => None,
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Lenient { provider, chain }))
                .with_no_client_auth()
        }
    })
}

/// libpq's weaker checks: the chain only (any host name), or nothing but the handshake's signatures.
#[derive(Debug)]
struct Lenient {
    provider: Arc<CryptoProvider>,
    chain: Option<Arc<WebPkiServerVerifier>>,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else { return Ok(ServerCertVerified::assertion()) };
        // The chain is checked before the name: a name error means the chain is good.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
