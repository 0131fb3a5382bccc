//! Connecting to the database: the URL or the libpq environment, TLS with rustls by `sslmode`,
//! timeouts, and error messages that never contain the password.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, Config};

use crate::error::UsageError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// libpq's `sslmode`, all five of them (tokio-postgres knows three).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// Where and how to connect.
pub struct Target {
    pub config: Config,
    pub tls: TlsMode,
    pub root_cert: Option<String>,
}

impl Target {
    /// `host:port/database as user`, for messages (never the password).
    pub fn describe(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(host)) => host.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_owned(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let database = self.config.get_dbname().unwrap_or("postgres");
        let user = self.config.get_user().unwrap_or("?");
        format!("{host}:{port}/{database} as {user}")
    }
}

/// The connection target: `--db-url`, else `DATABASE_URL`, else the libpq `PG*` variables.
pub fn target(db_url: Option<&str>) -> Result<Target, UsageError> {
    let text = match db_url.map(str::to_owned).or_else(|| {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
    }) {
        Some(url) => url,
        None => from_environment(),
    };
    parse_target(&text)
}

/// A libpq key/value string from `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE` and `PGSSLROOTCERT`.
fn from_environment() -> String {
    let pairs = [
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
    ];
    pairs
        .iter()
        .filter_map(|(key, variable)| {
            std::env::var(variable)
                .ok()
                .filter(|value| !value.is_empty())
                .map(|value| (key, value))
        })
        .map(|(key, value)| {
            format!(
                "{key}='{}'",
                value.replace('\\', "\\\\").replace('\'', "\\'")
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a URL or key/value string, taking out `sslmode` and `sslrootcert` (handled here).
pub fn parse_target(text: &str) -> Result<Target, UsageError> {
    let mut tls = TlsMode::Prefer;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| -> Result<bool, UsageError> {
        match key {
            "sslmode" => {
                tls = match value {
                    "disable" => TlsMode::Disable,
                    "allow" | "prefer" => TlsMode::Prefer,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    other => {
                        return Err(UsageError::new(format!(
                            "invalid sslmode `{other}`: use disable, prefer, require, verify-ca or verify-full"
                        )));
                    }
                };
                Ok(true)
            }
            "sslrootcert" => {
                root_cert = Some(value.to_owned());
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let rest = if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        match text.split_once('?') {
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&') {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(key, &percent_decode(value))? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => text.to_owned(),
        }
    } else {
        let mut kept = Vec::new();
        for pair in split_key_values(text) {
            let (key, value) = pair.split_once('=').unwrap_or((pair.as_str(), ""));
            let value = value
                .trim_matches('\'')
                .replace("\\'", "'")
                .replace("\\\\", "\\");
            if !take(key.trim(), &value)? {
                kept.push(pair.clone());
            }
        }
        kept.join(" ")
    };
    // The parser's messages quote no values, so they cannot leak a password.
    let mut config = Config::from_str(&rest)
        .map_err(|error| UsageError::new(format!("invalid database URL: {error}")))?;
    config.application_name("pgaudit-lint");
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.ssl_mode(match tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
    });
    Ok(Target {
        config,
        tls,
        root_cert,
    })
}

/// Splits `a=1 b='x y'` into `a=1`, `b='x y'`.
fn split_key_values(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '\'' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[index + 1..index + 3], 16)
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Connects; the connection task runs on the current runtime.
pub async fn connect(target: &Target) -> Result<Client, UsageError> {
    let describe = target.describe();
    let result = if target.tls == TlsMode::Disable {
        target
            .config
            .connect(tokio_postgres::NoTls)
            .await
            .map(|(client, connection)| {
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            })
    } else {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(target)?);
        target
            .config
            .connect(tls)
            .await
            .map(|(client, connection)| {
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            })
    };
    result.map_err(|error| {
        UsageError::new(format!(
            "cannot connect to {describe}: {}",
            describe_error(&error)
        ))
    })
}

/// A one-line reason for a connection or query error, without any secret.
pub fn describe_error(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return match db.code().code() {
            "28P01" | "28000" => format!("authentication failed ({})", db.message()),
            _ => db.message().to_owned(),
        };
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.replace('\n', " ")
}

fn tls_config(target: &Target) -> Result<ClientConfig, UsageError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| UsageError::new(format!("TLS setup failed: {error}")))?;
    let config = match target.tls {
        // libpq's prefer and require encrypt without checking the certificate.
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth(),
        TlsMode::VerifyCa | TlsMode::VerifyFull => {
            let roots = Arc::new(root_store(target.root_cert.as_deref())?);
            let webpki =
                rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|error| UsageError::new(format!("TLS setup failed: {error}")))?;
            if target.tls == TlsMode::VerifyCa {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                    .with_no_client_auth()
            } else {
                builder.with_webpki_verifier(webpki).with_no_client_auth()
            }
        }
    };
    Ok(config)
}

fn root_store(root_cert: Option<&str>) -> Result<RootCertStore, UsageError> {
    let mut store = RootCertStore::empty();
    match root_cert {
        Some(path) => {
            use rustls::pki_types::pem::PemObject;
            let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|error| {
                    UsageError::new(format!("cannot read sslrootcert {path}: {error}"))
                })?
                .collect::<Result<_, _>>()
                .map_err(|error| {
                    UsageError::new(format!("cannot read sslrootcert {path}: {error}"))
                })?;
            for certificate in certificates {
                store.add(certificate).map_err(|error| {
                    UsageError::new(format!("bad certificate in {path}: {error}"))
                })?;
            }
        }
        None => {
            for certificate in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(certificate);
            }
        }
    }
    if store.is_empty() {
        return Err(UsageError::new(
            "TLS verification needs a root certificate: set sslrootcert",
        ));
    }
    Ok(store)
}

/// `sslmode=prefer|require`: encryption without authentication of the server, as libpq.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
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
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_key_values() {
        let target = parse_target("postgres://app:s3cret@db.example:6543/prod?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem").unwrap();
        assert_eq!(target.tls, TlsMode::VerifyFull);
        assert_eq!(target.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(target.describe(), "db.example:6543/prod as app");
        let target = parse_target("host=/tmp/sock user=postgres dbname=x sslmode=disable").unwrap();
        assert_eq!(target.tls, TlsMode::Disable);
        assert_eq!(target.describe(), "/tmp/sock:5432/x as postgres");
        let error = parse_target("postgres://a:b@h/d?sslmode=maybe")
            .err()
            .unwrap();
        assert!(error.message.contains("invalid sslmode `maybe`"));
        let error = parse_target("postgres://app:hunter2@host:notaport/db")
            .err()
            .unwrap();
        assert!(!error.message.contains("hunter2"), "{}", error.message);
    }
}
