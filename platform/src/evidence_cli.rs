//! The evidence subcommands: `verify-bundle PATH` (offline, needs nothing but the bundle) and
//! `export-bundle --inspection ID --out PATH` (reads the platform's data).

use fieldcheck_platform::{evidence, open_db};
use std::path::PathBuf;
use std::process::ExitCode;

const EXPORT_USAGE: &str = "usage: fieldcheck-platform export-bundle --inspection ID --out PATH [--data DIR] \
[--database URL]\n  PATH ending in .tar writes one tar file, otherwise a folder (which must not exist)";

/// Runs an evidence subcommand, or `None` when `args` name another command.
pub async fn run(args: &[String]) -> Option<ExitCode> {
    match args.first().map(String::as_str) {
        Some("verify-bundle") => Some(verify(&args[1..])),
        Some("verify-document") => Some(match verify_document(&args[1..]).await {
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
        }),
        Some("export-bundle") => Some(match export(&args[1..]).await {
            Ok(message) => {
                println!("{message}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        }),
        _ => None,
    }
}

fn verify(args: &[String]) -> ExitCode {
    let [path] = args else {
        eprintln!("usage: fieldcheck-platform verify-bundle PATH (a bundle folder or a .tar of one)");
        return ExitCode::from(2);
    };
    match fieldcheck_evidence::verify_bundle(std::path::Path::new(path)) {
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

async fn export(args: &[String]) -> Result<String, String> {
    let (mut data, mut database) = (PathBuf::from("fieldcheck-data"), std::env::var("FIELDCHECK_DATABASE").ok());
    let (mut inspection, mut out) = (None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().cloned().ok_or_else(|| format!("{arg} needs a value\n\n{EXPORT_USAGE}"))?;
        match arg.as_str() {
            "--data" => data = PathBuf::from(value),
            "--database" => database = Some(value),
            "--inspection" => {
                inspection = Some(value.parse::<uuid::Uuid>().map_err(|e| format!("inspection id: {e}"))?)
            }
            "--out" => out = Some(PathBuf::from(value)),
            other => return Err(format!("unknown option {other}\n\n{EXPORT_USAGE}")),
        }
    }
    let (Some(inspection), Some(out)) = (inspection, out) else { return Err(EXPORT_USAGE.into()) };
    evidence::init(&data).map_err(|e| e.to_string())?;
    let database = database.filter(|s| !s.is_empty());
    let db = tokio::task::spawn_blocking(move || open_db(&data, database.as_deref()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let photos = evidence::export::export(&db, inspection, &out).await.map_err(|e| e.message)?;
    Ok(format!("wrote the evidence bundle of inspection {inspection} ({photos} photo(s)) to {}", out.display()))
}

const VERIFY_DOCUMENT_USAGE: &str = "usage: fieldcheck-platform verify-document FILE [--bundle PATH] [--data DIR] \
[--database URL]\n  checks a record or order (FILE: the PDF made here, a scanned page as PNG or JPEG, or a scan saved as \
PDF, whose QR code is read) against the sealed record: in an evidence bundle (folder or .tar) with --bundle, \
otherwise in the platform's data";

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

/// `verify-document`: (matches, report).
async fn verify_document(args: &[String]) -> Result<(bool, String), String> {
    let (mut data, mut database) = (PathBuf::from("fieldcheck-data"), std::env::var("FIELDCHECK_DATABASE").ok());
    let (mut file, mut bundle) = (None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value\n\n{VERIFY_DOCUMENT_USAGE}"));
        match arg.as_str() {
            "--data" => data = PathBuf::from(value()?),
            "--database" => database = Some(value()?),
            "--bundle" => bundle = Some(PathBuf::from(value()?)),
            other if !other.starts_with("--") && file.is_none() => file = Some(PathBuf::from(other)),
            other => return Err(format!("unknown option {other}\n\n{VERIFY_DOCUMENT_USAGE}")),
        }
    }
    let file = file.ok_or(VERIFY_DOCUMENT_USAGE)?;
    let payload = document_payload(&file)?;
    let problems = match bundle {
        Some(bundle) => fieldcheck_documents::verify_against_bundle(
            &payload,
            &bundle,
            &fieldcheck_evidence::VerifyOptions::default(),
        ),
        None => {
            let database = database.filter(|s| !s.is_empty());
            let db = tokio::task::spawn_blocking(move || open_db(&data, database.as_deref()))
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
