//! Where photo blobs are kept: local files under the data folder by default, or an S3-compatible object
//! store (`--blobs s3://bucket/prefix`), through the `object_store` crate. The key layout is the same on
//! both: `sha256/<2 hex>/<64 hex>` for a confirmed blob (so a data folder from before keeps working as it
//! is) and `parts/<64 hex>/<first>-<end>` for each chunk of an unfinished upload, recorded in the database.

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, WriteMultipart};
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldcheck_evidence::Digest;

/// Evidence settings of `serve` and the evidence commands: the blob store and the platform key.
#[derive(Clone, Debug, Default)]
pub struct EvidenceConfig {
    /// `s3://bucket/prefix`, or a local folder; default `<data>/evidence/blobs`
    /// (`--blobs`, `FIELDCHECK_BLOBS`).
    pub blobs: Option<String>,
    /// The S3 endpoint of a store other than AWS's, e.g. `http://127.0.0.1:9000`
    /// (`--blobs-endpoint`, `FIELDCHECK_BLOBS_ENDPOINT` or `AWS_ENDPOINT_URL`).
    pub blobs_endpoint: Option<String>,
    /// A file holding the platform key in hex (`--platform-key-file`, `FIELDCHECK_PLATFORM_KEY_FILE`);
    /// `FIELDCHECK_PLATFORM_KEY` (the key itself, in hex) comes first. Default `<data>/evidence/platform.key`,
    /// made on first start.
    pub platform_key_file: Option<PathBuf>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.is_empty())
}

impl EvidenceConfig {
    /// The settings from the environment; options given on the command line replace them.
    pub fn from_env() -> Self {
        EvidenceConfig {
            blobs: env("FIELDCHECK_BLOBS"),
            blobs_endpoint: env("FIELDCHECK_BLOBS_ENDPOINT").or_else(|| env("AWS_ENDPOINT_URL")),
            platform_key_file: env("FIELDCHECK_PLATFORM_KEY_FILE").map(PathBuf::from),
        }
    }
}

/// Which object store holds the blobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobStoreConfig {
    Local(PathBuf),
    S3 { bucket: String, prefix: String, endpoint: Option<String> },
}

impl BlobStoreConfig {
    /// `s3://bucket[/prefix]` (with `endpoint` for a store other than AWS's) or a folder; `None` is the
    /// data folder's `evidence/blobs`.
    pub fn from_url(url: Option<&str>, endpoint: Option<&str>, data: &Path) -> Result<Self, String> {
        let Some(url) = url else { return Ok(BlobStoreConfig::Local(data.join("evidence").join("blobs"))) };
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!("{url}: an S3 blob store is named s3://bucket/prefix"));
            }
            let prefix = prefix.trim_matches('/').to_string();
            return Ok(BlobStoreConfig::S3 { bucket: bucket.into(), prefix, endpoint: endpoint.map(str::to_string) });
        }
        if url.contains("://") {
            return Err(format!("{url}: blobs are kept in a folder or in s3://bucket/prefix"));
        }
        Ok(BlobStoreConfig::Local(PathBuf::from(url)))
    }

    /// Opens the store (a local folder is made if missing). S3 credentials and region come from the usual
    /// `AWS_*` environment variables.
    pub fn open(&self) -> Result<Arc<dyn ObjectStore>, String> {
        match self {
            BlobStoreConfig::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let fs = LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string())?;
                Ok(Arc::new(fs))
            }
            BlobStoreConfig::S3 { bucket, prefix, endpoint } => {
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
                    builder = builder.with_region("us-east-1");
                }
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
                }
                let s3: Arc<dyn ObjectStore> = Arc::new(builder.build().map_err(|e| e.to_string())?);
                Ok(if prefix.is_empty() { s3 } else { Arc::new(PrefixStore::new(s3, prefix.as_str())) })
            }
        }
    }
}

/// Where a confirmed blob lives.
pub fn blob_key(sha: &Digest) -> Key {
    let hex = sha.to_hex();
    Key::from(format!("sha256/{}/{hex}", &hex[..2]))
}

/// Where the chunk `first..end` of an unfinished upload lives.
pub fn part_key(sha: &Digest, first: u64, end: u64) -> Key {
    Key::from(format!("parts/{}/{first:020}-{end:020}", sha.to_hex()))
}

/// Joins the parts of an upload into the blob if they make exactly `len` bytes with SHA-256 `sha`;
/// `Ok(false)` (nothing written) when they do not. Parts are read one at a time.
pub async fn assemble(
    store: &dyn ObjectStore,
    sha: &Digest,
    len: u64,
    parts: &[(u64, u64)],
) -> Result<bool, object_store::Error> {
    let contiguous = parts.first().is_some_and(|p| p.0 == 0)
        && parts.windows(2).all(|w| w[0].1 == w[1].0)
        && parts.last().is_some_and(|p| p.1 == len);
    if !contiguous {
        return Ok(false);
    }
    let mut hasher = sha2::Sha256::new();
    let upload = store.put_multipart(&blob_key(sha)).await?;
    let mut writer = WriteMultipart::new(upload);
    for &(first, end) in parts {
        let bytes = match store.get(&part_key(sha, first, end)).await {
            Ok(got) => got.bytes().await,
            Err(e) => Err(e),
        };
        let bytes = match bytes {
            Ok(b) if b.len() as u64 == end - first => b,
            Ok(_) => {
                writer.abort().await?;
                return Ok(false);
            }
            Err(e) => {
                writer.abort().await?;
                return Err(e);
            }
        };
        hasher.update(&bytes);
        writer.write(&bytes);
    }
    if Digest(hasher.finalize().into()) != *sha {
        writer.abort().await?;
        return Ok(false);
    }
    writer.finish().await?;
    Ok(true)
}

/// Deletes every part stored for an upload, recorded or not (e.g. one whose process died before recording it).
pub async fn delete_parts(store: &dyn ObjectStore, sha: &Digest) -> Result<(), object_store::Error> {
    let prefix = Key::from(format!("parts/{}", sha.to_hex()));
    for object in store.list_with_delimiter(Some(&prefix)).await?.objects {
        match store.delete(&object.location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
