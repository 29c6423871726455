//! The inspection record and the rectification order from the live platform: an officer's phone submits
//! an inspection with photos, the commander downloads its record (`/v1/inspections/{id}/record.pdf`) and
//! a task's order (`/v1/tasks/{id}/order.pdf`), and `verify-document` checks each against the platform's
//! data and the record against its exported bundle, which fails once one byte of a photo changes.
//! Every task of the demo prints its order. Without a configured font the routes answer 503. Under `CI=true` a missing font fails the test.

use crate::phone;

use fieldcheck_core::protocol::{Intent, Outcome};
use fieldcheck_e2e::fixtures;
use fieldcheck_e2e::{Device, Platform, Storage, platform_command};
use phone::{Phone, Scene, platform_cmd, runtime};
use std::path::Path;
use std::process::Command;

const FONT: &str = fieldcheck_e2e::DOCUMENT_FONT;

fn get_pdf(device: &Device, path: &str) -> (u16, Vec<u8>, String) {
    let resp = device.http.get(format!("{}{path}", device.url)).bearer_auth(&device.token).send().expect("get");
    let status = resp.status().as_u16();
    let kind = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, resp.bytes().expect("body").to_vec(), kind)
}

fn verify_document(storage: &Storage, pdf: &Path, bundle: Option<&Path>) -> (bool, String) {
    let mut cmd = platform_command();
    cmd.arg("verify-document").arg(pdf);
    match bundle {
        Some(b) => {
            cmd.arg("--bundle").arg(b);
        }
        None => {
            cmd.arg("--data").arg(storage.dir.path());
            if let Some(db) = &storage.database {
                cmd.args(["--database", db]);
            }
        }
    }
    let out = cmd.output().expect("run verify-document");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn records_and_orders_print_from_the_platform_and_verify_against_database_and_bundle() {
    if !fieldcheck_e2e::document_font_installed() {
        return;
    }
    // Without a font: a clear 503.
    {
        let storage = Storage::new();
        let platform = Platform::start(&storage);
        let commander = Device::login(&platform, "commander");
        let (status, body, _) = get_pdf(&commander, &format!("/v1/inspections/{}/record.pdf", uuid::Uuid::nil()));
        assert_eq!(status, 503);
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(body["error"], "no_document_font");
        assert!(body["message"].as_str().unwrap_or_default().contains("--document-font"), "{body}");
    }

    let Scene { storage, platform, commander, by, partner, enterprise, home, world } =
        Scene::start_with(&["--document-font", FONT]);
    let month = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("+8")).format("%Y-%m");
    let id = runtime().block_on(async {
        let phone = Phone::sign_in(home.path(), &platform.url, "officer1").await;
        let id = phone.inspect(&enterprise, &[&by, &partner]);
        let progress = phone.client.sync(&phone.store, &mut |_| {}).await.expect("sync with uploads");
        assert_eq!(progress.applied, 1);
        id
    });
    let out = tempfile::tempdir().expect("out");

    let (status, pdf, kind) = get_pdf(&commander, &format!("/v1/inspections/{id}/record.pdf"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let (_, again, _) = get_pdf(&commander, &format!("/v1/inspections/{id}/record.pdf"));
    assert_eq!(again, pdf, "the same record gives the same bytes");
    let record = out.path().join("record.pdf");
    std::fs::write(&record, &pdf).expect("write");

    let (ok, text) = verify_document(&storage, &record, None);
    assert!(ok && text.contains("matches"), "{text}");

    // Against the exported bundle, then with one byte of one photo changed.
    let bundle = out.path().join("bundle");
    let id_text = id.to_string();
    let (ok, text) =
        platform_cmd(&storage, &["export-bundle", "--inspection", &id_text, "--out", bundle.to_str().expect("path")]);
    assert!(ok, "{text}");
    let (ok, text) = verify_document(&storage, &record, Some(&bundle));
    assert!(ok, "{text}");
    // The photo index shows each photo's thumbnail (from the renditions the phone uploaded).
    let listed = Command::new("pdfimages").arg("-list").arg(&record).output().expect("pdfimages");
    let images = String::from_utf8_lossy(&listed.stdout).lines().filter(|l| l.contains(" image ")).count();
    assert!(images >= 1, "no thumbnail in the photo index: {}", String::from_utf8_lossy(&listed.stdout));
    // Paper: the first page scanned (rendered to PNG at 200 dpi) verifies from its QR code.
    let scan = out.path().join("scan");
    let rendered = Command::new("pdftoppm")
        .args(["-r", "200", "-f", "1", "-l", "1", "-singlefile", "-png"])
        .arg(&record)
        .arg(&scan)
        .status()
        .expect("pdftoppm");
    assert!(rendered.success());
    let scan = scan.with_extension("png");
    let (ok, text) = verify_document(&storage, &scan, None);
    assert!(ok && text.contains("matches"), "{text}");
    let (ok, text) = verify_document(&storage, &scan, Some(&bundle));
    assert!(ok, "{text}");
    let photo =
        std::fs::read_dir(bundle.join("originals")).expect("originals").next().expect("a photo").expect("entry");
    let mut bytes = std::fs::read(photo.path()).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(photo.path(), &bytes).expect("write");
    let (ok, text) = verify_document(&storage, &record, Some(&bundle));
    assert!(!ok && text.contains("does NOT match"), "{text}");
    let (ok, text) = verify_document(&storage, &scan, Some(&bundle));
    assert!(!ok && text.contains("does NOT match"), "the scan against a changed bundle: {text}");

    // A changed document (another record's payload) does not match the platform's data.
    let mut forged = pdf.clone();
    let at = forged.windows(6).position(|w| w == b"facts=").expect("payload") + 6;
    forged[at] = if forged[at] == b'0' { b'1' } else { b'0' };
    let forged_path = out.path().join("forged.pdf");
    std::fs::write(&forged_path, &forged).expect("write");
    let (ok, text) = verify_document(&storage, &forged_path, None);
    assert!(!ok, "{text}");

    // The order of a task that an inspection with a finding issued.
    let mut officer = Device::login(&platform, &by.login);
    let sub = fixtures::inspection(&enterprise, &by, &partner);
    let task = sub.tasks[0].id;
    let resp = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(sub))]);
    assert!(matches!(resp.results[0].outcome, Outcome::Applied), "{:?}", resp.results[0].outcome);
    let (status, order, kind) = get_pdf(&commander, &format!("/v1/tasks/{task}/order.pdf"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&order));
    assert_eq!(kind, "application/pdf");
    let order_path = out.path().join("order.pdf");
    std::fs::write(&order_path, &order).expect("write");
    let (ok, text) = verify_document(&storage, &order_path, None);
    assert!(ok && text.contains("Order"), "{text}");

    // Every task the demo holds was issued by an inspection on the platform: its order prints, cites
    // the legal basis of what was found, and verifies against the platform's data.
    assert!(world.tasks.len() >= 6, "the demo's tasks: {}", world.tasks.len());
    for t in &world.tasks {
        let (status, order, _) = get_pdf(&commander, &format!("/v1/tasks/{}/order.pdf", t.id));
        assert_eq!(status, 200, "{}: {}", t.requirement, String::from_utf8_lossy(&order));
        assert!(!t.cited_legal_basis().is_empty(), "{} cites no provision", t.requirement);
        let path = out.path().join(format!("demo-order-{}.pdf", t.id));
        std::fs::write(&path, &order).expect("write");
        let (ok, text) = verify_document(&storage, &path, None);
        assert!(ok, "{}: {text}", t.requirement);
    }

    // The month's export: every record, order and bundle, each PDF verifying against its bundle.
    let (status, zip, kind) = get_pdf(&commander, &format!("/v1/exports/records.zip?month={month}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&zip));
    assert_eq!(kind, "application/zip");
    let unzipped = out.path().join("export");
    zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip").extract(&unzipped).expect("unzip");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(unzipped.join("manifest.json")).expect("manifest")).expect("json");
    let records = manifest["records"].as_array().expect("records");
    assert!(records.iter().any(|r| r["inspection"] == id.to_string()), "{manifest}");
    let mut pdfs = 0;
    for r in records {
        // An inspection submitted without photos has no bundle: its PDFs verify against the platform.
        let bundle = r["bundle"]["file"].as_str().map(|f| unzipped.join(f));
        assert!(bundle.is_some() || r["inspection"] != id.to_string(), "{manifest}");
        let files = std::iter::once(&r["record"]).chain(r["orders"].as_array().expect("orders"));
        for file in files {
            let pdf = unzipped.join(file["file"].as_str().expect("file"));
            let (ok, text) = verify_document(&storage, &pdf, bundle.as_deref());
            assert!(ok, "{}: {text}", pdf.display());
            pdfs += 1;
        }
    }
    assert!(pdfs >= 3, "two records and an order: {manifest}");
    // Who may export: a township office only its own township; not an enterprise; a month is needed.
    let township = Device::login(&platform, "dongcheng");
    let own = match &world.user("dongcheng").scope {
        fieldcheck_core::domain::organisation::Scope::Townships { townships } => townships[0],
        other => panic!("{other:?}"),
    };
    let other = world.townships.iter().find(|t| t.id != own).expect("another township").id;
    let (status, _, _) = get_pdf(&township, &format!("/v1/exports/records.zip?month={month}&township={other}"));
    assert_eq!(status, 403);
    let (status, _, kind) = get_pdf(&township, &format!("/v1/exports/records.zip?month={month}&township={own}"));
    assert_eq!((status, kind.as_str()), (200, "application/zip"));
    let (status, _, _) =
        get_pdf(&Device::login(&platform, "enterprise1"), &format!("/v1/exports/records.zip?month={month}"));
    assert_eq!(status, 403);
    let (status, _, _) = get_pdf(&commander, "/v1/exports/records.zip?month=2026-13");
    assert_eq!(status, 400);

    // An enterprise never sees inspection records.
    let (status, _, _) = get_pdf(&Device::login(&platform, "enterprise1"), &format!("/v1/inspections/{id}/record.pdf"));
    assert_eq!(status, 404);
}
