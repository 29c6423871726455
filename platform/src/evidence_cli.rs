//! The evidence subcommands: `verify-bundle PATH` (offline, needs nothing but the bundle) and
//! `export-bundle --inspection ID --out PATH` (reads the platform's data).

use fieldcheck_platform::{evidence, open_db};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `verify-bundle PATH`: offline, needs nothing but the bundle.
pub fn verify(path: &Path) -> ExitCode {
    match fieldcheck_evidence::verify_bundle(path) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("bundle does NOT verify");
            for problem in e.problems() {
                println!("  {problem}");
            }
            if e.problems().is_empty() {
                println!("  {e}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `export-bundle`: the evidence bundle of one inspection, from the platform's data.
pub async fn export(data: PathBuf, database: Option<String>, inspection: uuid::Uuid, out: PathBuf) -> ExitCode {
    report(export_bundle(data, database, inspection, out).await)
}

fn report(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn export_bundle(
    data: PathBuf,
    database: Option<String>,
    inspection: uuid::Uuid,
    out: PathBuf,
) -> Result<String, String> {
    let folder = data.clone();
    let db = fieldcheck_platform::ops::spawn_blocking(move || open_db(&folder, database.as_deref()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    // The blob store and platform key as `serve` has them in the environment.
    evidence::init(&data, &evidence::EvidenceConfig::from_env(), &db).await?;
    let photos = evidence::export::export(&db, inspection, &out).await.map_err(|e| e.message)?;
    Ok(format!("wrote the evidence bundle of inspection {inspection} ({photos} photo(s)) to {}", out.display()))
}

/// `verify-document`: a printed record or order against its sealed record (exit 0 when it matches,
/// 1 when it does not, 2 when it cannot be checked).
pub async fn verify_document(
    file: PathBuf,
    bundle: Option<PathBuf>,
    data: PathBuf,
    database: Option<String>,
) -> ExitCode {
    match check_document(file, bundle, data, database).await {
        Ok((true, message)) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Ok((false, message)) => {
            println!("{message}");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// The payload of a document file; a PDF without one (a scan) has its first page rendered with
/// `pdftoppm` (poppler-utils) at 300 dpi and its QR code read.
fn document_payload(file: &std::path::Path) -> Result<fieldcheck_documents::Payload, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    if !bytes.starts_with(b"%PDF-") || fieldcheck_documents::Payload::find_in_pdf(&bytes).is_some() {
        return fieldcheck_documents::read_payload(&bytes);
    }
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-f", "1", "-l", "1", "-png"])
        .arg(file)
        .output()
        .map_err(|e| format!("the PDF carries no payload and pdftoppm (poppler-utils) cannot render it: {e}"))?;
    if !out.status.success() {
        return Err(format!("pdftoppm cannot render {}: {}", file.display(), String::from_utf8_lossy(&out.stderr)));
    }
    fieldcheck_documents::payload_from_image(&out.stdout)
}

/// (matches, report).
async fn check_document(
    file: PathBuf,
    bundle: Option<PathBuf>,
    data: PathBuf,
    database: Option<String>,
) -> Result<(bool, String), String> {
    let payload = document_payload(&file)?;
    let problems = match bundle {
        Some(bundle) => fieldcheck_documents::verify_against_bundle(
            &payload,
            &bundle,
            &fieldcheck_evidence::VerifyOptions::default(),
        ),
        None => {
            let db = fieldcheck_platform::ops::spawn_blocking(move || open_db(&data, database.as_deref()))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            let checked = payload.clone();
            db.read(move |tx| fieldcheck_platform::documents::verify_in_db(tx, &checked))
                .await
                .map_err(|e| e.message)?
        }
    };
    let what = format!(
        "{:?} {} (bundle root {})",
        payload.kind,
        payload.id,
        payload.root.map(|d| d.to_hex()).unwrap_or_else(|| "-".into())
    );
    if problems.is_empty() {
        Ok((true, format!("document matches the sealed record: {what}")))
    } else {
        let list: String = problems.iter().map(|p| format!("\n  - {p}")).collect();
        Ok((false, format!("document does NOT match the sealed record: {what}{list}")))
    }
}
