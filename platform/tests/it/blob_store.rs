//! The blob store's configuration, the joining of an upload's parts, and the adoption of a data folder's
//! unfinished uploads from before schema 5 (one file per blob in `evidence/blobs/partial/`).

use fieldcheck_evidence::Digest;
use fieldcheck_platform::evidence::blobs::adopt_partials;
use fieldcheck_platform::evidence::store::{self, BlobStoreConfig, blob_key, part_key};
use object_store::ObjectStore;
use std::path::Path;

#[test]
fn blob_store_urls_name_a_folder_or_an_s3_bucket_and_prefix() {
    let data = Path::new("data");
    assert_eq!(BlobStoreConfig::from_url(None, None, data), Ok(BlobStoreConfig::Local(data.join("evidence/blobs"))));
    assert_eq!(
        BlobStoreConfig::from_url(Some("s3://photos/county/a/"), Some("http://127.0.0.1:9000"), data),
        Ok(BlobStoreConfig::S3 {
            bucket: "photos".into(),
            prefix: "county/a".into(),
            endpoint: Some("http://127.0.0.1:9000".into())
        })
    );
    assert_eq!(
        BlobStoreConfig::from_url(Some("s3://photos"), None, data),
        Ok(BlobStoreConfig::S3 { bucket: "photos".into(), prefix: String::new(), endpoint: None })
    );
    assert_eq!(
        BlobStoreConfig::from_url(Some("/srv/blobs"), None, data),
        Ok(BlobStoreConfig::Local("/srv/blobs".into()))
    );
    assert!(BlobStoreConfig::from_url(Some("s3://"), None, data).is_err());
    assert!(BlobStoreConfig::from_url(Some("gs://bucket"), None, data).is_err());
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn parts_are_joined_only_when_they_make_the_blob_exactly() {
    let dir = tempfile::tempdir().expect("dir");
    let blobs = BlobStoreConfig::Local(dir.path().to_path_buf()).open().expect("store");
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = Digest::of(&bytes);
    let parts = [(0u64, 40_000u64), (40_000, 99_999), (99_999, 100_000)];
    runtime().block_on(async {
        for &(first, end) in &parts {
            let chunk = bytes[first as usize..end as usize].to_vec();
            blobs.put(&part_key(&sha, first, end), chunk.into()).await.expect("part");
        }
        // A gap, or a length other than the blob's, is not joined.
        assert!(!store::assemble(blobs.as_ref(), &sha, 100_000, &parts[..2]).await.expect("assemble"));
        assert!(!store::assemble(blobs.as_ref(), &sha, 100_000, &[parts[0], parts[2]]).await.expect("assemble"));
        // Other bytes of the right length are not joined either.
        let other = Digest::of(b"something else");
        assert!(!store::assemble(blobs.as_ref(), &other, 100_000, &[]).await.expect("assemble"));
        assert!(blobs.head(&blob_key(&sha)).await.is_err(), "nothing written");
        assert!(store::assemble(blobs.as_ref(), &sha, 100_000, &parts).await.expect("assemble"));
        let held = blobs.get(&blob_key(&sha)).await.expect("blob").bytes().await.expect("bytes");
        assert_eq!(held.as_ref(), bytes.as_slice());
        store::delete_parts(blobs.as_ref(), &sha).await.expect("delete parts");
        assert!(blobs.head(&part_key(&sha, 0, 40_000)).await.is_err(), "parts deleted");
    });
    // The layout is the one earlier versions wrote: `sha256/<2 hex>/<64 hex>` under the folder.
    let hex = sha.to_hex();
    assert!(dir.path().join("sha256").join(&hex[..2]).join(&hex).exists());
}

#[test]
fn an_unfinished_upload_of_an_older_platform_is_adopted_where_it_stood() {
    let data = tempfile::tempdir().expect("data");
    let blobs_dir = data.path().join("evidence/blobs");
    std::fs::create_dir_all(blobs_dir.join("partial")).expect("partial folder");
    let sha = Digest::of(b"the whole photo");
    std::fs::write(blobs_dir.join("partial").join(sha.to_hex()), b"the who").expect("partial file");
    let db = fieldcheck_platform::open_db(data.path(), None).expect("db");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    rt.block_on(adopt_partials(&db, &blobs_dir)).expect("adopt");
    let hex = sha.to_hex();
    let (upload, parts) =
        rt.block_on(db.read(move |tx| Ok((tx.blob_upload(&hex)?, tx.blob_parts(&hex)?)))).expect("read");
    assert_eq!(upload.map(|u| (u.received, u.lease)), Some((7, None)), "resumes from the byte it held");
    assert_eq!(parts, vec![(0, 7)]);
    let part = blobs_dir.join(part_key(&sha, 0, 7).as_ref());
    assert_eq!(std::fs::read(part).expect("part"), b"the who");
    assert!(!blobs_dir.join("partial").exists(), "the old folder is gone");
}
