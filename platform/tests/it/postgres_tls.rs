//! The platform reaches PostgreSQL over TLS as the URL's `sslmode` says (libpq's meanings), against the
//! test server (Debian's cluster serves TLS with its self-signed "snakeoil" certificate).

use crate::common;

use fieldcheck_platform::db::postgres::PgDb;
use fieldcheck_platform::db::postgres_tls::settings;

/// Whether a connection made with the platform's settings for `url` is encrypted.
async fn encrypted(url: &str) -> Result<bool, String> {
    let (config, tls) = settings(url).map_err(|e| e.to_string())?;
    let (client, connection) = config.connect(tls).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let row = client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

/// The server's own certificate, when it serves TLS (read as root here: the tests run as root).
fn server_certificate() -> Option<String> {
    let path = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    std::path::Path::new(path).exists().then(|| path.to_string())
}

#[tokio::test]
async fn sslmode_chooses_plain_tcp_or_tls() {
    let Some(pg) = common::FreshPostgres::create("fc_tls") else { return };
    let url = pg.url();
    assert!(!encrypted(&format!("{url}?sslmode=disable")).await.expect("plain"), "disable is plain TCP");
    assert!(encrypted(&format!("{url}?sslmode=require")).await.expect("require"), "require encrypts");
    assert!(encrypted(&format!("{url}?sslmode=prefer")).await.expect("prefer"), "prefer encrypts when offered");
    // The store connects over TLS (its migrations run there).
    let tls_url = format!("{url}?sslmode=require");
    let db = tokio::task::spawn_blocking(move || PgDb::connect(&tls_url)).await.expect("join").expect("over TLS");
    drop(db);
}

#[tokio::test]
async fn certificates_are_checked_when_asked() {
    let Some(pg) = common::FreshPostgres::create("fc_tls") else { return };
    let url = pg.url();
    // A self-signed certificate is no public root's: verify-full refuses it.
    let refused = encrypted(&format!("{url}?sslmode=verify-full")).await.expect_err("unknown issuer");
    assert!(refused.contains("certificate") || refused.contains("error"), "{refused}");
    let Some(own) = server_certificate() else {
        assert!(std::env::var("CI").is_err(), "CI=true: the server's certificate is missing");
        return;
    };
    // Roots that did not sign it (the system's public ones): refused too.
    let public = "/etc/ssl/certs/ca-certificates.crt";
    let wrong = format!("{url}?sslmode=require&sslrootcert={public}");
    assert!(encrypted(&wrong).await.is_err(), "a certificate not from the given roots is refused");
    // Its own certificate as the root: the chain holds (verify-ca does not check the host name).
    let right = format!("{url}?sslmode=verify-ca&sslrootcert={own}");
    assert!(encrypted(&right).await.expect("signed by the given root"));
}
