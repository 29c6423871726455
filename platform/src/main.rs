//! The platform's command line: `serve`, `backup`, and the evidence commands `verify-bundle`,
//! `export-bundle`, `verify-document` (see `evidence_cli`). `--help` on each; every `serve` option can
//! also come from its environment variable (`docs/operations.md`).

mod evidence_cli;

use clap::{Args, Parser, Subcommand};
use fieldcheck_platform::app::{App, AppState, router};
use fieldcheck_platform::ops::{self, LogFormat};
use fieldcheck_platform::throttle::{LoginRates, LoginThrottle, Rate};
use fieldcheck_platform::{demo, open_db};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "fieldcheck-platform", version, about = "Fieldcheck's platform: the server the phones sync with")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the sync protocol and the web console.
    Serve(Box<Serve>),
    /// Copy the database while the platform serves (SQLite online backup; PostgreSQL: prints pg_dump).
    Backup {
        #[command(flatten)]
        store: Store,
        /// The new file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an evidence bundle offline (a bundle folder or a .tar of one).
    VerifyBundle { path: PathBuf },
    /// Write the evidence bundle of one inspection (PATH ending in .tar: one tar file, else a new folder).
    ExportBundle {
        #[command(flatten)]
        store: Store,
        #[arg(long)]
        inspection: uuid::Uuid,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a record or order (its QR payload and the facts it prints) against the sealed record: in an
    /// evidence bundle with --bundle, otherwise in the platform's data. FILE is the PDF made here, or a
    /// scanned page (PNG, JPEG, or a PDF without the payload, rendered with pdftoppm) whose QR code is read.
    VerifyDocument {
        file: PathBuf,
        #[arg(long)]
        bundle: Option<PathBuf>,
        #[command(flatten)]
        store: Store,
    },
}

/// Where the platform's data is.
#[derive(Args)]
struct Store {
    /// Folder of the embedded SQLite database, the platform key and the photo blobs.
    #[arg(long, env = "FIELDCHECK_DATA", default_value = "fieldcheck-data")]
    data: PathBuf,
    /// Use PostgreSQL (postgres://…) instead of SQLite.
    #[arg(long, env = "FIELDCHECK_DATABASE", value_parser = non_empty)]
    database: Option<String>,
}

/// Where the photo blobs and the platform key are (`fieldcheck_platform::evidence::EvidenceConfig`).
#[derive(Args)]
struct Blobs {
    /// Photo blob store: s3://bucket/prefix or a folder [default: DATA/evidence/blobs]; S3 credentials and
    /// region from the AWS_* variables.
    #[arg(long, env = "FIELDCHECK_BLOBS", value_parser = non_empty)]
    blobs: Option<String>,
    /// S3 endpoint other than AWS's (also AWS_ENDPOINT_URL).
    #[arg(long, env = "FIELDCHECK_BLOBS_ENDPOINT", value_parser = non_empty)]
    blobs_endpoint: Option<String>,
    /// File with the platform's signing key in hex (or the key itself in FIELDCHECK_PLATFORM_KEY)
    /// [default: DATA/evidence/platform.key, made once].
    #[arg(long, env = "FIELDCHECK_PLATFORM_KEY_FILE")]
    platform_key_file: Option<PathBuf>,
}

impl Blobs {
    fn config(&self) -> fieldcheck_platform::evidence::EvidenceConfig {
        let env = fieldcheck_platform::evidence::EvidenceConfig::from_env();
        fieldcheck_platform::evidence::EvidenceConfig {
            blobs: self.blobs.clone().or(env.blobs),
            blobs_endpoint: self.blobs_endpoint.clone().or(env.blobs_endpoint),
            platform_key_file: self.platform_key_file.clone().or(env.platform_key_file),
        }
    }
}

#[derive(Args)]
struct Serve {
    #[command(flatten)]
    store: Store,
    #[command(flatten)]
    blobs: Blobs,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "FIELDCHECK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// API key of the online-monitoring side.
    #[arg(long, env = "FIELDCHECK_MONITORING_KEY", value_parser = non_empty)]
    monitoring_key: Option<String>,
    /// CJK font (.ttf/.otf/.ttc) for the PDF documents (also read from FIELDCHECK_DOCUMENT_FONT).
    #[arg(long)]
    document_font: Option<PathBuf>,
    /// GeoJSON file of the county's township outlines (a FeatureCollection of polygons named in
    /// `properties.name`) [default: the demo county's simplified outlines].
    #[arg(long, env = "FIELDCHECK_MAP_OUTLINES")]
    map_outlines: Option<PathBuf>,
    /// Map tiles under the outlines: an XYZ URL template with {z}, {x} and {y}, on the county's own
    /// network or this server [default: no tiles].
    #[arg(long, env = "FIELDCHECK_MAP_TILES", value_parser = non_empty)]
    map_tiles: Option<String>,
    /// Attribution shown with the map tiles.
    #[arg(long, env = "FIELDCHECK_MAP_TILES_ATTRIBUTION", default_value = "")]
    map_tiles_attribution: String,
    /// The node_modules folder with the console's map and chart libraries, as `npm ci --prefix
    /// platform/console` fills it [default: that folder of this source tree].
    #[arg(long, env = "FIELDCHECK_CONSOLE_LIBS")]
    console_libs: Option<PathBuf>,
    /// Seed Yongkang's townships, squadrons, officers, enterprises, alarms and tasks.
    #[arg(long, env = "FIELDCHECK_DEMO")]
    demo: bool,
    /// Log format on stderr [default: pretty on a terminal, json otherwise]. Level: FIELDCHECK_LOG.
    #[arg(long, env = "FIELDCHECK_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Bearer token that lets a non-loopback client read /metrics.
    #[arg(long, env = "FIELDCHECK_METRICS_TOKEN", value_parser = non_empty)]
    metrics_token: Option<String>,
    /// Reverse proxy (address or CIDR) whose X-Forwarded-For is believed; repeat, or comma-separate.
    #[arg(long = "trusted-proxy", env = "FIELDCHECK_TRUSTED_PROXIES", value_delimiter = ',', value_parser = net)]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Password hashes run at once (each takes argon2's 19 MiB).
    #[arg(long, env = "FIELDCHECK_HASH_PERMITS", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    hash_permits: u16,
    /// Seconds a login waits for a hashing permit before it is answered 503 busy.
    #[arg(long, env = "FIELDCHECK_HASH_WAIT_SECS", default_value_t = 5)]
    hash_wait_secs: u64,
    /// Login attempts per client address (IPv6: per /64), as BURST/SECONDS.
    #[arg(long, env = "FIELDCHECK_LOGIN_RATE_ADDRESS", value_parser = Rate::parse,
          default_value_t = LoginRates::default().per_address)]
    login_rate_address: Rate,
    /// Login attempts per (login, address), as BURST/SECONDS.
    #[arg(long, env = "FIELDCHECK_LOGIN_RATE_LOGIN_ADDRESS", value_parser = Rate::parse,
          default_value_t = LoginRates::default().per_login_address)]
    login_rate_login_address: Rate,
    /// Login attempts per login from all addresses together, as BURST/SECONDS.
    #[arg(long, env = "FIELDCHECK_LOGIN_RATE_LOGIN", value_parser = Rate::parse,
          default_value_t = LoginRates::default().per_login)]
    login_rate_login: Rate,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "FIELDCHECK_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Seconds a photo chunk upload may take.
    #[arg(long, env = "FIELDCHECK_UPLOAD_TIMEOUT_SECS", default_value_t = 300)]
    upload_timeout_secs: u64,
    /// On SIGTERM or Ctrl-C: seconds to let requests in flight finish before exiting anyway.
    #[arg(long, env = "FIELDCHECK_DRAIN_SECS", default_value_t = 30)]
    drain_secs: u64,
}

fn non_empty(s: &str) -> Result<String, String> {
    if s.is_empty() { Err("must not be empty".into()) } else { Ok(s.to_string()) }
}

fn net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is not an address or CIDR"))
}

/// jemalloc rather than the system allocator: faster for the push's many small allocations (measured in
/// docs/sync-protocol.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(serve) => {
            let format = serve.log_format.unwrap_or(if std::io::stderr().is_terminal() {
                LogFormat::Pretty
            } else {
                LogFormat::Json
            });
            ops::init_logging(format);
            match run(*serve).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("fieldcheck-platform: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Backup { store, out } => match store.database {
            Some(_) => {
                println!("{}", ops::backup::POSTGRES_ADVICE);
                ExitCode::from(2)
            }
            None => match ops::spawn_blocking(move || ops::backup::sqlite(&store.data, &out).map(|p| (p, out))).await {
                Ok(Ok((pages, out))) => {
                    println!("backed up the database to {} ({pages} pages, checked)", out.display());
                    ExitCode::SUCCESS
                }
                Ok(Err(e)) => {
                    eprintln!("backup failed: {e}");
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("backup failed: {e}");
                    ExitCode::FAILURE
                }
            },
        },
        Command::VerifyBundle { path } => evidence_cli::verify(&path),
        Command::ExportBundle { store, inspection, out } => {
            evidence_cli::export(store.data, store.database, inspection, out).await
        }
        Command::VerifyDocument { file, bundle, store } => {
            evidence_cli::verify_document(file, bundle, store.data, store.database).await
        }
    }
}

async fn run(o: Serve) -> Result<(), String> {
    ops::metrics::install()?;
    let (data, database) = (o.store.data.clone(), o.store.database.clone());
    let db = ops::spawn_blocking(move || open_db(&data, database.as_deref()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    fieldcheck_platform::evidence::init(&o.store.data, &o.blobs.config(), &db)
        .await
        .map_err(|e| format!("evidence: {e}"))?;
    let monitoring_key = o.monitoring_key.clone().or_else(|| o.demo.then(|| demo::MONITORING_KEY.to_string()));
    let mut app = AppState::new(db, monitoring_key).map_err(|e| e.message)?;
    if let Some(path) = &o.document_font {
        app.document_font = Some(Arc::new(fieldcheck_platform::documents::load_font(path)?));
    }
    app.hashing = Arc::new(fieldcheck_platform::auth::HashGate::new(
        o.hash_permits.into(),
        Duration::from_secs(o.hash_wait_secs),
    ));
    app.login_throttle = Arc::new(LoginThrottle::new(LoginRates {
        per_address: o.login_rate_address,
        per_login_address: o.login_rate_login_address,
        per_login: o.login_rate_login,
    }));
    let tiles = o
        .map_tiles
        .clone()
        .map(|url| fieldcheck_platform::map::Tiles { url, attribution: o.map_tiles_attribution.clone() });
    app.map = fieldcheck_platform::map::MapConfig::load(o.map_outlines.as_deref(), tiles)?;
    if let Some(dir) = &o.console_libs {
        app.console_libs = Arc::from(dir.as_path());
    }
    if !fieldcheck_platform::console::libs_present(&app.console_libs) {
        tracing::warn!(
            folder = %app.console_libs.display(),
            "the console's map and chart libraries are not installed: run `npm ci --prefix platform/console` (or pass --console-libs)"
        );
    }
    app.trusted_proxies = o.trusted_proxies.clone().into();
    app.metrics_token = o.metrics_token.as_deref().map(Arc::from);
    app.timeouts = ops::Timeouts {
        request: Duration::from_secs(o.request_timeout_secs),
        upload: Duration::from_secs(o.upload_timeout_secs),
    };
    let app = App::from(app);
    let listener =
        tokio::net::TcpListener::bind(&o.listen).await.map_err(|e| format!("cannot listen on {}: {e}", o.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // The typed tables are filled from the records before the first request reads them.
    fieldcheck_platform::lists::ensure_built(&app).await.map_err(|e| e.message)?;
    let summary = if o.demo { Some(demo::seed(&app).await.map_err(|e| e.message)?) } else { None };
    // The first line is machine-readable: tests and scripts read the port from it.
    println!("listening on http://{addr}");
    println!("backend: {}", app.db.backend_name());
    if let Some(summary) = summary {
        println!("{summary}");
    }
    tracing::info!(%addr, backend = app.db.backend_name(), "listening");
    // Tombstones older than the window are dropped hourly; devices behind it are told to reset.
    let pruning = app.db.clone();
    ops::spawn_detached(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let before = chrono::Utc::now() - chrono::Duration::days(fieldcheck_platform::sync::TOMBSTONE_WINDOW_DAYS);
            if let Err(e) = pruning.write(move |tx| Ok(tx.prune_tombstones(before)?)).await {
                tracing::error!("pruning tombstones failed: {}", e.message);
            }
        }
    });
    // Throttle entries back at full budget are forgotten, so invented logins cannot grow memory or the
    // database's throttle table for good.
    let (throttle, cells) = (app.login_throttle.clone(), app.db.clone());
    ops::spawn_detached(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            throttle.forget_idle();
            let now = chrono::Utc::now();
            if let Err(e) = cells.write(move |tx| Ok(fieldcheck_platform::db::throttle::forget_full(tx, now)?)).await {
                tracing::error!("forgetting full login throttle cells failed: {}", e.message);
            }
        }
    });
    // SIGTERM / Ctrl-C: stop accepting, let requests in flight finish (at most `drain_secs`), exit 0.
    let (signalled, drain_started) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router(app).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            ops::shutdown_signal().await;
            let _ = signalled.send(());
        });
    let drain = Duration::from_secs(o.drain_secs);
    tokio::select! {
        served = server => {
            served.map_err(|e| e.to_string())?;
            tracing::info!("drained; exiting");
            Ok(())
        }
        _ = async {
            if drain_started.await.is_ok() {
                tokio::time::sleep(drain).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => Err(format!("requests still in flight after {} s of draining; exiting anyway", drain.as_secs())),
    }
}
