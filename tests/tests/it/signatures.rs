//! Signatures from a real phone store to the live platform's record PDF: the officer reads the record
//! back (`Store::read_back`), the inspectors, the recorder and the respondent sign over its hash, the
//! phone seals them with the photo chain and submits; the platform decides them with the same function
//! (`decide::inspection::signatures`), keeps them and draws them in `record.pdf`. The exported bundle
//! verifies, and fails once a stroke changes. A bad signature set is refused with the same code on the
//! phone and on the platform. Under `CI=true` a missing font or poppler fails the test.

use crate::phone;

use chrono::Utc;
use fieldcheck_core::domain::inspection::Respondent;
use fieldcheck_core::domain::signature::{Mark, Signature, SignerRole, Stroke, StrokePoint};
use fieldcheck_core::protocol::{Intent, Outcome, RejectCode};
use fieldcheck_core::store::StoreError;
use fieldcheck_e2e::Device;
use phone::{Phone, Scene, platform_cmd, runtime};
use std::path::Path;
use std::process::Command;

const FONT: &str = fieldcheck_e2e::DOCUMENT_FONT;

/// A dense zigzag signature over `read_back` (many strokes across the box).
fn drawn(role: SignerRole, signer: &str, read_back: &str) -> Signature {
    let strokes = (0..12u32)
        .map(|s| Stroke {
            points: (0..40u32)
                .map(|i| StrokePoint {
                    x: (i * 7) as f32,
                    y: if i % 2 == 0 { 5.0 + s as f32 * 7.0 } else { 95.0 - s as f32 * 3.0 },
                    t: s * 1000 + i * 10,
                })
                .collect(),
        })
        .collect();
    Signature {
        role,
        signer: signer.into(),
        shown_text_sha256: read_back.into(),
        at: Utc::now(),
        mark: Mark::Drawn { width: 300.0, height: 100.0, strokes },
    }
}

fn get(device: &Device, path: &str) -> (u16, Vec<u8>) {
    let resp = device.http.get(format!("{}{path}", device.url)).bearer_auth(&device.token).send().expect("get");
    (resp.status().as_u16(), resp.bytes().expect("body").to_vec())
}

/// Non-white pixels over every page rendered at 50 dpi.
fn ink(pdf: &Path) -> usize {
    let dir = tempfile::tempdir().expect("dir");
    let prefix = dir.path().join("page");
    let ok = Command::new("pdftoppm").args(["-r", "50", "-png"]).arg(pdf).arg(&prefix).status().expect("pdftoppm");
    assert!(ok.success());
    std::fs::read_dir(dir.path())
        .expect("pages")
        .map(|e| image::open(e.expect("page").path()).expect("png").to_luma8())
        .map(|img| img.pixels().filter(|p| p.0[0] < 200).count())
        .sum()
}

fn text(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().expect("pdftotext");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn signatures_go_from_the_phone_through_sync_into_the_platform_record_and_its_bundle() {
    if !fieldcheck_e2e::document_font_installed() {
        return;
    }
    let Scene { storage, platform, commander, by, partner, enterprise, home, world: _ } =
        Scene::start_with(&["--document-font", FONT]);
    let out = tempfile::tempdir().expect("out");
    let rt = runtime();
    let (phone, mut forged, phone_code, signed, unsigned) = rt.block_on(async {
        let phone = Phone::sign_in(home.path(), &platform.url, "officer1").await;
        // An unsigned record of the same kind (same photos), to compare the ink.
        let unsigned = phone.inspect(&enterprise, &[&by, &partner]);
        let id = phone.draft_with_photos(&enterprise, &[&by, &partner], 1);
        let respondent = Respondent { name: "王五".into(), position: "安全员".into(), phone: String::new() };
        phone.store.set_record(id, Some(respondent), "现场检查未发现问题").expect("record");
        let read_back = phone.store.read_back(id).expect("read back");
        assert!(read_back.text.contains(&enterprise.name), "{}", read_back.text);
        let good = vec![
            drawn(SignerRole::Inspector, &by.name, &read_back.sha256),
            drawn(SignerRole::Inspector, &partner.name, &read_back.sha256),
            drawn(SignerRole::Recorder, &partner.name, &read_back.sha256),
            drawn(SignerRole::Respondent, "王五", &read_back.sha256),
        ];

        // A stranger's signature: refused on the phone and, the same record pushed, on the platform.
        let mut bad = good.clone();
        bad[3].signer = "赵六".into();
        let phone_code = match phone.store.submit_signed(id, read_back.at, bad.clone()) {
            Err(StoreError::Domain(e)) => e.code(),
            other => panic!("the phone took a stranger's signature: {other:?}"),
        };
        let mut forged = phone.store.submit_signed(id, read_back.at, good.clone()).expect("submit signed");
        assert_eq!(forged.signatures.len(), 4);
        forged.signatures[3].signer = "赵六".into();
        (phone, forged, phone_code, id, unsigned)
    });
    let mut officer = Device::login(&platform, &by.login);
    let resp = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(forged.clone()))]);
    match &resp.results[0].outcome {
        Outcome::Rejected { code, reason } => {
            assert_eq!((*code, phone_code), (RejectCode::Invalid, RejectCode::Invalid), "{reason}");
            assert!(reason.contains("签名人不是本笔录"), "{reason}");
        }
        other => panic!("the platform took a stranger's signature: {other:?}"),
    }
    // Signatures other than the sealed ones (a changed stroke) are refused too.
    forged.signatures[3].signer = "王五".into();
    if let Mark::Drawn { strokes, .. } = &mut forged.signatures[0].mark {
        strokes[0].points[1].x += 1.0;
    }
    let resp = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(forged))]);
    assert!(matches!(&resp.results[0].outcome, Outcome::Rejected { reason, .. } if reason.contains("sealed")));

    rt.block_on(async {
        let progress = phone.client.sync(&phone.store, &mut |_| {}).await.expect("sync");
        assert_eq!(progress.applied, 2);
    });

    // The platform keeps them: the pulled record carries the four signatures.
    let (records, _) = commander.pull_all(0);
    let kept = records
        .iter()
        .find_map(|r| match r {
            fieldcheck_core::protocol::Record::Inspection(s) if s.inspection.id == signed => Some(s.clone()),
            _ => None,
        })
        .expect("the signed record");
    assert_eq!(kept.signatures.len(), 4);

    let pdf = |id| {
        let (status, bytes) = get(&commander, &format!("/v1/inspections/{id}/record.pdf"));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        let path = out.path().join(format!("{id}.pdf"));
        std::fs::write(&path, bytes).expect("write");
        path
    };
    let (signed_pdf, unsigned_pdf) = (pdf(signed), pdf(unsigned));
    let printed = text(&signed_pdf);
    let squeezed: String = printed.split_whitespace().collect();
    assert_eq!(printed.matches("宣读文本一致").count(), 4, "{printed}");
    assert!(!printed.contains("宣读文本不一致"), "{printed}");
    for name in [&by.name, &partner.name, "王五"] {
        assert!(squeezed.contains(&format!("{name}日期")), "{name} is not shown as a signer: {printed}");
    }
    assert!(!text(&unsigned_pdf).contains("宣读文本"), "an unsigned record has empty boxes");
    let (signed_ink, unsigned_ink) = (ink(&signed_pdf), ink(&unsigned_pdf));
    eprintln!("ink at 50 dpi: signed {signed_ink}, unsigned {unsigned_ink}");
    assert!(signed_ink > unsigned_ink + 1500, "the strokes are drawn: {signed_ink} vs {unsigned_ink}");

    // The bundle carries them under the device seal: it verifies, and fails once a stroke changes.
    let bundle = out.path().join("bundle");
    let id_text = signed.to_string();
    let (ok, text) =
        platform_cmd(&storage, &["export-bundle", "--inspection", &id_text, "--out", bundle.to_str().expect("path")]);
    assert!(ok, "{text}");
    fieldcheck_core::evidence::verify_bundle(&bundle).expect("the signed bundle verifies");
    let manifest_path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest")).expect("json");
    assert_eq!(manifest["signatures"].as_array().map(Vec::len), Some(4));
    let x = &mut manifest["signatures"][0]["mark"]["strokes"][0]["points"][1]["x"];
    *x = serde_json::json!(x.as_f64().expect("x") + 1.0);
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).expect("json")).expect("write");
    let err = fieldcheck_core::evidence::verify_bundle(&bundle).expect_err("a changed stroke fails");
    assert!(err.to_string().contains("signatures"), "{err}");
}
