//! `fieldcheck-platform serve [--data DIR] [--listen ADDR] [--database postgres://…] [--demo]`,
//! `fieldcheck-platform verify-bundle PATH`, `fieldcheck-platform export-bundle …`,
//! `fieldcheck-platform verify-document FILE.pdf [--bundle PATH]` (see `evidence_cli`).

mod evidence_cli;

use fieldcheck_platform::app::{App, router};
use fieldcheck_platform::{demo, open_db};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: fieldcheck-platform serve [--data DIR] [--listen ADDR] [--database postgres://...] \
[--monitoring-key KEY] [--document-font PATH] [--blobs s3://BUCKET/PREFIX] [--demo]

  --data DIR          folder of the embedded SQLite database (default ./fieldcheck-data)
  --listen ADDR       address to listen on (default 127.0.0.1:8080; port 0 picks a free one)
  --database URL      use PostgreSQL instead of SQLite
  --monitoring-key K  API key of the online-monitoring side (also FIELDCHECK_MONITORING_KEY)
  --document-font P   CJK font (.ttf/.otf/.ttc) for the PDF documents (also FIELDCHECK_DOCUMENT_FONT)
  --blobs URL         photo blob store: s3://bucket/prefix or a folder (default DIR/evidence/blobs;
                      also FIELDCHECK_BLOBS); S3 credentials and region from the AWS_* variables
  --blobs-endpoint E  S3 endpoint other than AWS's (also FIELDCHECK_BLOBS_ENDPOINT, AWS_ENDPOINT_URL)
  --platform-key-file P  the platform's signing key in hex (also FIELDCHECK_PLATFORM_KEY_FILE, or the key
                      itself in FIELDCHECK_PLATFORM_KEY; default DIR/evidence/platform.key, made once)
  --demo              seed Yongkang's townships, squadrons, officers, enterprises, alarms and tasks

       fieldcheck-platform verify-bundle PATH
       fieldcheck-platform export-bundle --inspection ID --out PATH [--data DIR] [--database URL]
       fieldcheck-platform verify-document FILE.pdf [--bundle PATH] [--data DIR] [--database URL]";

struct Options {
    data: PathBuf,
    listen: String,
    database: Option<String>,
    monitoring_key: Option<String>,
    document_font: Option<PathBuf>,
    evidence: fieldcheck_platform::evidence::EvidenceConfig,
    demo: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut it = args.iter();
    if it.next().map(String::as_str) != Some("serve") {
        return Err(USAGE.into());
    }
    let mut o = Options {
        data: PathBuf::from("fieldcheck-data"),
        listen: "127.0.0.1:8080".into(),
        database: std::env::var("FIELDCHECK_DATABASE").ok().filter(|s| !s.is_empty()),
        monitoring_key: std::env::var("FIELDCHECK_MONITORING_KEY").ok().filter(|s| !s.is_empty()),
        document_font: None,
        evidence: fieldcheck_platform::evidence::EvidenceConfig::from_env(),
        demo: false,
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value\n\n{USAGE}"));
        match arg.as_str() {
            "--data" => o.data = PathBuf::from(value()?),
            "--listen" => o.listen = value()?,
            "--database" => o.database = Some(value()?),
            "--monitoring-key" => o.monitoring_key = Some(value()?),
            "--document-font" => o.document_font = Some(PathBuf::from(value()?)),
            "--blobs" => o.evidence.blobs = Some(value()?),
            "--blobs-endpoint" => o.evidence.blobs_endpoint = Some(value()?),
            "--platform-key-file" => o.evidence.platform_key_file = Some(PathBuf::from(value()?)),
            "--demo" => o.demo = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = evidence_cli::run(&args).await {
        return code;
    }
    let mut options = match parse(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if options.demo && options.monitoring_key.is_none() {
        options.monitoring_key = Some(demo::MONITORING_KEY.into());
    }
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fieldcheck-platform: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(o: Options) -> Result<(), String> {
    let (data, database) = (o.data.clone(), o.database.clone());
    let db = tokio::task::spawn_blocking(move || open_db(&data, database.as_deref()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    fieldcheck_platform::evidence::init(&o.data, &o.evidence, &db).await.map_err(|e| format!("evidence: {e}"))?;
    let mut app = App::new(db, o.monitoring_key.clone()).map_err(|e| e.message)?;
    if let Some(path) = &o.document_font {
        app.document_font = Some(std::sync::Arc::new(fieldcheck_platform::documents::load_font(path)?));
    }
    let listener =
        tokio::net::TcpListener::bind(&o.listen).await.map_err(|e| format!("cannot listen on {}: {e}", o.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let summary = if o.demo { Some(demo::seed(&app).await.map_err(|e| e.message)?) } else { None };
    // The first line is machine-readable: tests and scripts read the port from it.
    println!("listening on http://{addr}");
    println!("backend: {}", app.db.backend_name());
    if let Some(summary) = summary {
        println!("{summary}");
    }
    // Tombstones older than the window are dropped hourly; devices behind it are told to reset.
    let pruning = app.db.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let before = chrono::Utc::now() - chrono::Duration::days(fieldcheck_platform::sync::TOMBSTONE_WINDOW_DAYS);
            if let Err(e) = pruning.write(move |tx| Ok(tx.prune_tombstones(before)?)).await {
                eprintln!("pruning tombstones failed: {}", e.message);
            }
        }
    });
    let server = axum::serve(listener, router(app).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    server.await.map_err(|e| e.to_string())
}
