//! `GET /v1/exports/records.zip?month=YYYY-MM&township=ID`: a month's paperwork as one zip, streamed as
//! it is written: for each inspection begun that month (China time) in the township (the command
//! centre: any township or, without one, the county; a township office: its own), its record PDF, its
//! tasks' order PDFs and its evidence bundle (a tar, as `export-bundle` writes it), with a
//! `manifest.json` listing every file and its SHA-256 last. At most `limits::EXPORT_RECORDS`
//! inspections; `verify-document` checks each PDF against its bundle.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::db::Db;
use crate::documents::{OrderParts, RecordParts, no_font, order_parts, record_parts};
use crate::error::ApiError;
use crate::records;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fieldcheck_documents::DocumentFont;
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::ids::TownshipId;
use fieldcheck_domain::limits::EXPORT_RECORDS;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_protocol::{Entity, SubmittedInspection};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};
use std::sync::Arc;
use zip::write::SimpleFileOptions;

#[derive(Deserialize)]
pub struct ExportQuery {
    month: String,
    township: Option<TownshipId>,
}

/// The month `YYYY-MM` as [start, end) in China time (documents print dates at UTC+8).
fn month_range(month: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let bad = || ApiError::bad_request(format!("month must be YYYY-MM, not {month:?}"));
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
    let china = fieldcheck_domain::legal_time::offset();
    let at = |d: NaiveDate| {
        china.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).single().map(|t| t.to_utc())
    };
    Ok((at(first).ok_or_else(bad)?, next.and_then(at).ok_or_else(bad)?))
}

/// What one inspection contributes to the zip.
struct Item {
    record: RecordParts,
    orders: Vec<OrderParts>,
}

fn select(
    tx: &mut dyn crate::db::Tx,
    caller: &Caller,
    township: Option<TownshipId>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<Item>, ApiError> {
    let reach = Reach::of(tx, &caller.user)?;
    if let (Some(t), Some(own)) = (township, &reach.townships)
        && !own.contains(&t)
    {
        return Err(ApiError::forbidden("a township office exports its own township only"));
    }
    let inspections: Vec<SubmittedInspection> = records::load_all(tx, Entity::Inspection)?;
    let tasks: Vec<RectificationTask> = records::load_all(tx, Entity::Task)?;
    let mut items = Vec::new();
    for sub in inspections {
        let begun = sub.inspection.started_at.or(sub.inspection.ended_at);
        if !begun.is_some_and(|t| from <= t && t < to) {
            continue;
        }
        let Some(enterprise) = records::enterprise(tx, sub.inspection.enterprise)? else { continue };
        let wanted = match township {
            Some(t) => enterprise.township == t,
            None => reach.townships.as_ref().is_none_or(|own| own.contains(&enterprise.township)),
        };
        if !wanted || !reach.covers_enterprise(&enterprise) {
            continue;
        }
        if items.len() == EXPORT_RECORDS {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_many",
                format!("more than {EXPORT_RECORDS} inspections match: export one township at a time"),
            ));
        }
        let id = sub.inspection.id;
        let mut orders = Vec::new();
        for task in tasks.iter().filter(|t| t.inspection == id && reach.covers_task(t)) {
            orders.push(order_parts(tx, task.clone())?);
        }
        items.push(Item { record: record_parts(tx, sub)?, orders });
    }
    items.sort_by_key(|i| (i.record.submitted.inspection.started_at, i.record.submitted.inspection.id));
    Ok(items)
}

#[utoipa::path(
    get,
    path = "/v1/exports/records.zip",
    tag = "command centre",
    summary = "A month's paperwork as one zip, streamed: for each inspection begun that month (China time) in the township, its record PDF, its tasks' order PDFs and its evidence bundle (tar), with manifest.json (every file and its SHA-256) last. Command centre (any township, or without one the county); a township office (its own township). At most `export_records` inspections (limits)",
    params(
        ("month" = String, Query, description = "YYYY-MM", pattern = "^[0-9]{4}-[0-9]{2}$"),
        ("township" = Option<uuid::Uuid>, Query, description = "the township; a township office may name only its own"),
    ),
    responses(
        (status = 200, description = "the zip: `<inspection>/record.pdf`, `<inspection>/order-<task>.pdf`, `<inspection>/bundle.tar`, `manifest.json`", body = String, content_type = "application/zip"),
        (status = 503, description = "no document font is configured (`no_document_font`)", body = crate::openapi::ErrorBody),
    )
)]
/// The route's handler (one `.route` line in `app.rs`, where the OpenAPI test reads the router's table).
pub async fn records_zip(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    allow(&caller, Action::ExportRecords)?;
    let font = app.document_font.clone().ok_or_else(no_font)?;
    let range = month_range(&q.month)?;
    let township = q.township;
    let items = app.db.read(move |tx| select(tx, &caller, township, range)).await?;
    let name =
        format!("records-{}-{}.zip", q.month, township.map(|t| t.to_string()).unwrap_or_else(|| "county".into()));
    let (reader, writer) = tokio::io::duplex(256 * 1024);
    let handle = tokio::runtime::Handle::current();
    let (db, month) = (app.db.clone(), q.month.clone());
    crate::ops::spawn_blocking(move || {
        let out = tokio_util::io::SyncIoBridge::new_with_handle(writer, handle.clone());
        // A failure here ends the stream early: the client gets a truncated zip, which unzip refuses.
        if let Err(e) = write_zip(out, &items, &font, &db, &handle, &month, township) {
            tracing::error!("records.zip for {month}: {e}");
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))
        .body(Body::from_stream(tokio_util::io::ReaderStream::new(reader)))
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "export_failed", e.to_string()))
}

/// A zip writer that also notes each file's SHA-256 for the manifest.
struct Zip<W: Write> {
    zip: zip::ZipWriter<zip::write::StreamWriter<W>>,
}

impl<W: Write> Zip<W> {
    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<String, String> {
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        self.zip.start_file(name, options).map_err(|e| e.to_string())?;
        self.zip.write_all(bytes).map_err(|e| e.to_string())?;
        Ok(hex::encode(Sha256::digest(bytes)))
    }

    /// Copies a (possibly large) file in, without holding it in memory.
    fn add_file(&mut self, name: &str, path: &std::path::Path) -> Result<String, String> {
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
        self.zip.start_file(name, options).map_err(|e| e.to_string())?;
        let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let mut hash = Sha256::new();
        let mut buf = vec![0; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            self.zip.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        }
        Ok(hex::encode(hash.finalize()))
    }
}

fn write_zip<W: Write>(
    out: W,
    items: &[Item],
    font: &Arc<DocumentFont>,
    db: &Db,
    handle: &tokio::runtime::Handle,
    month: &str,
    township: Option<TownshipId>,
) -> Result<(), String> {
    let mut zip = Zip { zip: zip::ZipWriter::new_stream(out) };
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    for item in items {
        let id = item.record.submitted.inspection.id;
        let record = item.record.print(font).map_err(|e| e.to_string())?;
        let record_name = format!("{id}/record.pdf");
        let record_sha = zip.add(&record_name, &record.pdf)?;
        let mut orders = Vec::new();
        for order in &item.orders {
            let pdf = fieldcheck_documents::rectification_order(&order.input(), font).map_err(|e| e.to_string())?;
            let name = format!("{id}/order-{}.pdf", order.task.id);
            let sha = zip.add(&name, &pdf.pdf)?;
            orders.push(serde_json::json!({ "task": order.task.id, "file": name, "sha256": sha }));
        }
        let tar = scratch.path().join(format!("{id}.tar"));
        let bundle = match handle.block_on(crate::evidence::export::export(db, id.0, &tar)) {
            Ok(_) => {
                let name = format!("{id}/bundle.tar");
                let sha = zip.add_file(&name, &tar)?;
                let _ = std::fs::remove_file(&tar);
                serde_json::json!({ "file": name, "sha256": sha })
            }
            Err(e) => serde_json::json!({ "missing": e.message }),
        };
        records.push(serde_json::json!({
            "inspection": id,
            "enterprise": item.record.enterprise.name,
            "record": { "file": record_name, "sha256": record_sha, "payload": record.payload.to_string() },
            "orders": orders,
            "bundle": bundle,
        }));
    }
    let manifest = serde_json::json!({
        "format": "fieldcheck-records-export/1",
        "month": month,
        "township": township,
        "exported_at": Utc::now(),
        "records": records,
    });
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    zip.add("manifest.json", &text)?;
    let mut out = zip.zip.finish().map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}
