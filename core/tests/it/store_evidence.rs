//! Photo evidence in the device store: taken in through the core (ingest + record), kept in capture
//! order, sealed at submit with the device key that survives a reopen, and queued for upload.

use crate::common;

use common::*;
use fieldcheck_core::domain::alarm::AlarmState;
use fieldcheck_core::domain::ids::{EvidenceId, TaskId};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::upload::{BlobRole, OriginalPolicy};
use fieldcheck_core::evidence::{BlobStore, Case, Ingestor, Limits, Subject, verify_sealed};
use fieldcheck_core::protocol::{Intent, MutationResult, Outcome, PushResponse, Record, RejectCode};
use fieldcheck_core::store::{Capture, CaptureError, Store, StoreError};
use std::path::{Path, PathBuf};

fn jpeg(dir: &Path, seed: u8) -> PathBuf {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let path = dir.join(format!("p{seed}.jpg"));
    img.save_with_format(&path, image::ImageFormat::Jpeg).unwrap();
    path
}

#[test]
fn photos_are_recorded_in_capture_order_and_sealed_at_submit_with_a_lasting_device_key() {
    let f = fixture();
    let s = &f.store;
    let ingestor = Ingestor::new(BlobStore::open(f.dir.path().join("blobs")).unwrap(), Limits::default());
    let (hw, draft) = start_hazardous_waste_inspection(&f);
    let day = f.clock.now().date_naive();
    // Photos are taken in reverse item order: the chain follows capture order, not item order.
    let mut taken = Vec::new();
    for (n, it) in hw.items.iter().enumerate().rev() {
        let item = ItemRef { template: hw.id.clone(), code: it.code.clone() };
        s.answer(draft, item.clone(), valid_answer(it, day), None).unwrap();
        f.clock.advance(chrono::Duration::seconds(5));
        let capture = Capture {
            case: Case::Inspection(draft),
            subject: Subject::Item { item },
            taken_at: f.clock.now(),
            fix: None,
        };
        let record = s.capture_photo(&ingestor, capture, &jpeg(f.dir.path(), n as u8)).unwrap();
        assert_eq!(record.meta.officer, f.county.officer.id);
        taken.push(record.meta.evidence);
    }
    // The screen's view groups the records by item (read in one query); no finding has a photo.
    let view = s.inspection_view(draft, f.clock.now()).unwrap().unwrap();
    assert_eq!(view.item_evidence.len(), hw.items.len());
    for (item, records) in &view.item_evidence {
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].meta.subject, Subject::Item { item: item.clone() });
    }
    assert!(view.finding_evidence.is_empty());
    // A file that is no image is refused and recorded nowhere.
    let junk = f.dir.path().join("junk.jpg");
    std::fs::write(&junk, b"not a photo").unwrap();
    let capture =
        Capture { case: Case::Inspection(draft), subject: Subject::Overall, taken_at: f.clock.now(), fix: None };
    assert!(matches!(s.capture_photo(&ingestor, capture, &junk), Err(CaptureError::Evidence(_))));
    let records = s.evidence_records(draft).unwrap();
    assert_eq!(records.iter().map(|r| r.meta.evidence).collect::<Vec<_>>(), taken);

    let pending = s.pending_blobs().unwrap();
    assert_eq!(pending.len(), 3 * taken.len(), "rendition, thumbnail and original of each photo");
    assert!(pending[..taken.len()].iter().all(|p| p.role == BlobRole::Rendition), "renditions first");
    let thumbnails = &pending[taken.len()..2 * taken.len()];
    assert!(thumbnails.iter().all(|p| p.role == BlobRole::Thumbnail), "then thumbnails (the record's photo index)");
    assert!(pending.iter().all(|p| !p.record_synced), "not submitted yet");

    let submitted = s.submit_inspection(draft).unwrap();
    let evidence = submitted.evidence.clone().expect("sealed evidence");
    assert_eq!(evidence.chain.entries.iter().map(|e| e.meta.evidence).collect::<Vec<_>>(), taken);
    assert_eq!(evidence.renditions.len(), taken.len());
    for (listed, record) in evidence.renditions.iter().zip(&records) {
        assert_eq!(listed.thumbnail, Some(record.thumbnail), "each thumbnail is listed for upload");
    }
    let key = s.device_public_key().unwrap();
    verify_sealed(&evidence.chain, &evidence.seal, Some(&key)).unwrap();
    let Intent::InspectionSubmit(body) = &s.pending_mutations(1).unwrap()[0].intent else { panic!("intent") };
    assert_eq!(body.evidence, Some(evidence));
    assert!(s.pending_blobs().unwrap().iter().all(|p| !p.record_synced), "still waiting in the outbox");

    // The key stays the device's across a reopen.
    let path = s.path().to_path_buf();
    drop(f.store);
    let reopened = Store::open(&path).unwrap();
    assert_eq!(reopened.device_public_key().unwrap(), key);
}

fn answer(seq: u64, outcome: Outcome) -> PushResponse {
    PushResponse { received_at: t0(), results: vec![MutationResult { seq, outcome }], pipelining: false }
}

#[test]
fn task_and_alarm_photos_are_sealed_into_the_transition_citing_them_and_upload_once_it_is_accepted() {
    let f = fixture();
    let s = &f.store;
    let ingestor = Ingestor::new(BlobStore::open(f.dir.path().join("blobs")).unwrap(), Limits::default());
    let proof = task(&f, TaskState::ProofSubmitted, 10);
    let on_site = alarm(&f, AlarmState::OnSite);
    s.apply_pull(&page(100, vec![Record::Task(proof.clone()), Record::Alarm(on_site.clone())])).unwrap();
    let capture = |case| Capture { case, subject: Subject::Overall, taken_at: f.clock.now(), fix: None };

    // Only photos of the case as a whole, and only of a case on this device.
    let item = Subject::Item { item: ItemRef { template: "hazardous_waste_storage".into(), code: "HW-01".into() } };
    let on_item = Capture { subject: item, ..capture(Case::Task(proof.id)) };
    assert!(matches!(s.capture_photo(&ingestor, on_item, &jpeg(f.dir.path(), 1)), Err(CaptureError::Evidence(_))));
    let elsewhere = capture(Case::Task(TaskId::new()));
    let refused = s.capture_photo(&ingestor, elsewhere, &jpeg(f.dir.path(), 2));
    assert!(matches!(refused, Err(CaptureError::Store(StoreError::NotFound { .. }))), "{refused:?}");

    let taken = s.capture_photo(&ingestor, capture(Case::Task(proof.id)), &jpeg(f.dir.path(), 3)).unwrap();
    let photos = s.case_photos(Case::Task(proof.id)).unwrap();
    assert_eq!((photos.len(), photos[0].cited), (1, false));
    assert!(s.case_photos(Case::Alarm(on_site.id)).unwrap().is_empty());
    let pending = s.pending_blobs().unwrap();
    assert_eq!(pending.len(), 2, "rendition and original");
    assert!(pending.iter().all(|p| p.case == Case::Task(proof.id) && !p.record_synced));

    // Citing a photo that is not this task's is refused and writes nothing.
    let before = s.outbox_len().unwrap();
    let err = s.transition_task(proof.id, TaskAction::Accept, "", vec![EvidenceId::new()]).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(s.outbox_len().unwrap(), before);

    s.transition_task(proof.id, TaskAction::Accept, "复查合格", vec![taken.meta.evidence]).unwrap();
    let sent = s.pending_mutations(10).unwrap().pop().unwrap();
    let Intent::TaskTransition { proof: Some(sealed), evidence, .. } = &sent.intent else { panic!("{sent:?}") };
    assert_eq!(evidence, &vec![taken.meta.evidence]);
    assert_eq!(sealed.chain.case, Case::Task(proof.id));
    assert_eq!(sealed.renditions[0].blob, taken.rendition);
    verify_sealed(&sealed.chain, &sealed.seal, Some(&s.device_public_key().unwrap())).unwrap();
    assert!(s.case_photos(Case::Task(proof.id)).unwrap()[0].cited);
    assert!(s.pending_blobs().unwrap().iter().all(|p| !p.record_synced), "the transition is still in the outbox");
    s.record_push_results(&answer(sent.seq, Outcome::Applied)).unwrap();
    assert!(s.pending_blobs().unwrap().iter().all(|p| p.record_synced), "accepted: its photos may go up");

    // An alarm's on-site photo goes with the close; refused by the platform, it does not upload.
    let feedback = s.capture_photo(&ingestor, capture(Case::Alarm(on_site.id)), &jpeg(f.dir.path(), 4)).unwrap();
    s.alarm_close(on_site.id, "现场核查：设施已恢复", vec![feedback.meta.evidence]).unwrap();
    let sent = s.pending_mutations(10).unwrap().pop().unwrap();
    let Intent::AlarmClose { proof: Some(sealed), .. } = &sent.intent else { panic!("{sent:?}") };
    assert_eq!(sealed.chain.case, Case::Alarm(on_site.id));
    let rejected = Outcome::Rejected { code: RejectCode::Invalid, reason: "no".into() };
    s.record_push_results(&answer(sent.seq, rejected)).unwrap();
    let alarm_blobs: Vec<_> =
        s.pending_blobs().unwrap().into_iter().filter(|p| p.case == Case::Alarm(on_site.id)).collect();
    assert_eq!(alarm_blobs.len(), 2);
    assert!(alarm_blobs.iter().all(|p| !p.record_synced), "a refused close keeps its photos unsynced");
    assert!(!s.case_photos(Case::Alarm(on_site.id)).unwrap()[0].cited, "unsent again, to cite in a new step");
    assert!(s.dismiss_attention(sent.seq).unwrap());
    assert!(
        s.pending_blobs().unwrap().iter().filter(|p| p.case == Case::Alarm(on_site.id)).all(|p| !p.record_synced),
        "dismissing the refusal does not make them look accepted"
    );
}

#[test]
fn the_originals_upload_choice_survives_a_reopen() {
    let f = fixture();
    assert_eq!(f.store.originals_policy().unwrap(), OriginalPolicy::WifiOnly, "the default");
    f.store.set_originals_policy(OriginalPolicy::OnRequest).unwrap();
    let path = f.store.path().to_path_buf();
    drop(f.store);
    assert_eq!(Store::open(&path).unwrap().originals_policy().unwrap(), OriginalPolicy::OnRequest);
}

#[test]
fn a_pulled_request_marks_only_that_photos_original_with_the_same_hash() {
    use fieldcheck_core::protocol::{Change, ChangeOp, OriginalRequest, PullResponse};
    let f = fixture();
    let s = &f.store;
    let ingestor = Ingestor::new(BlobStore::open(f.dir.path().join("blobs")).unwrap(), Limits::default());
    let (_, draft) = start_hazardous_waste_inspection(&f);
    let mut records = Vec::new();
    for seed in 1..=2 {
        let capture =
            Capture { case: Case::Inspection(draft), subject: Subject::Overall, taken_at: f.clock.now(), fix: None };
        records.push(s.capture_photo(&ingestor, capture, &jpeg(f.dir.path(), seed)).unwrap());
    }
    let request = |r: &fieldcheck_core::evidence::EvidenceRecord, original| OriginalRequest {
        evidence: r.meta.evidence,
        inspection: draft,
        original,
        device: r.meta.device,
        officer: r.meta.officer,
        requested_by: f.county.officer.id,
        requested_at: f.clock.now(),
    };
    // One names the photo with another hash (not this device's photo): nothing is marked.
    let page = |requests: Vec<OriginalRequest>| PullResponse {
        changes: requests
            .into_iter()
            .enumerate()
            .map(|(n, r)| Change {
                cursor: 100 + n as u64,
                op: ChangeOp::Upsert { record: Box::new(Record::OriginalRequest(r)) },
            })
            .collect(),
        cursor: 200,
        has_more: false,
        reset: false,
        wipe: false,
    };
    let applied = s.apply_pull(&page(vec![request(&records[0], records[1].original)])).unwrap();
    assert_eq!(applied.applied, 1);
    assert!(!s.original_requested(records[0].meta.evidence).unwrap(), "another hash asks for nothing here");
    s.apply_pull(&page(vec![request(&records[0], records[0].original)])).unwrap();
    assert!(s.original_requested(records[0].meta.evidence).unwrap());
    assert!(!s.original_requested(records[1].meta.evidence).unwrap(), "only the photo asked for");
    let pending = s.pending_blobs().unwrap();
    let original = pending.iter().find(|p| p.evidence == records[0].meta.evidence && p.role == BlobRole::Original);
    assert!(original.is_some_and(|p| p.requested), "the upload pass sees the request");
    assert!(pending.iter().filter(|p| p.role == BlobRole::Rendition).all(|p| !p.requested));
}

#[test]
fn the_watermark_setting_is_kept_and_composes_time_place_enterprise_and_taker_on_the_rendition_only() {
    let f = fixture();
    let s = &f.store;
    let ingestor = Ingestor::new(BlobStore::open(f.dir.path().join("blobs")).unwrap(), Limits::default());
    let (_, draft) = start_hazardous_waste_inspection(&f);
    let capture = || Capture {
        case: Case::Inspection(draft),
        subject: Subject::Overall,
        taken_at: f.clock.now(),
        fix: Some(fieldcheck_core::domain::geo::GeoFix { lat: 28.89, lon: 120.04, accuracy_m: 8.0 }),
    };
    // Big enough for every watermark line to fit.
    let photo = f.dir.path().join("site.jpg");
    image::RgbImage::from_fn(1200, 900, |x, y| image::Rgb([(x / 5) as u8, (y / 4) as u8, 90]))
        .save_with_format(&photo, image::ImageFormat::Jpeg)
        .unwrap();
    assert!(!s.watermarks_on().unwrap(), "off until the user turns it on");
    let plain = s.capture_photo(&ingestor, capture(), &photo).unwrap();
    assert!(!plain.watermarked);

    s.set_watermark(true).unwrap();
    assert!(s.watermarks_on().unwrap());
    let marked = s.capture_photo(&ingestor, capture(), &photo).unwrap();
    assert!(marked.watermarked);
    assert_eq!(marked.original.sha256, plain.original.sha256, "the original is never marked");
    assert_ne!(marked.rendition.sha256, plain.rendition.sha256);
    // No font was given to this ingestor, so the Chinese it was asked to draw is reported missing: the
    // enterprise's name and address and the taker's name came from the store.
    let missing = &marked.watermark_gaps.missing_glyphs;
    let enterprise = &f.county.enterprises[0];
    for text in [&enterprise.name, &enterprise.address, &f.county.officer.name] {
        let first_cjk = text.chars().find(|c| !c.is_ascii()).expect("a Chinese character");
        assert!(missing.contains(&first_cjk), "{first_cjk} of {text} was not asked for: {missing:?}");
    }

    s.set_watermark(false).unwrap();
    assert!(!s.capture_photo(&ingestor, capture(), &photo).unwrap().watermarked);
}
