//! Reading a bundle's files, from a folder or from a tar file of that folder, without holding the
//! photos in memory: each original is reduced to its length and SHA-256 as it is read.

use super::bundle::{BundleError, MANIFEST, Manifest, ORIGINALS, io};
use super::digest::Digest;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Component, Path};

/// A manifest larger than this is refused before parsing.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;
const README: &str = "README.txt";

/// What verification needs from a bundle's files.
pub struct BundleContents {
    pub manifest: Manifest,
    /// File name under `originals/` -> (length, SHA-256).
    pub originals: BTreeMap<String, (u64, Digest)>,
    /// Files that have no place in a bundle.
    pub stray: Vec<String>,
}

/// Reads a bundle folder or a tar file made by `pack_tar`.
pub fn read_bundle(path: &Path) -> Result<BundleContents, BundleError> {
    if path.is_dir() { read_folder(path) } else { read_tar(path) }
}

fn parse_manifest(reader: impl Read, path: &Path) -> Result<Manifest, BundleError> {
    let mut bytes = Vec::new();
    reader.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes).map_err(io(path))?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(BundleError::Manifest(format!("larger than {MAX_MANIFEST_BYTES} bytes")));
    }
    serde_json::from_slice(&bytes).map_err(|e| BundleError::Manifest(e.to_string()))
}

fn read_folder(dir: &Path) -> Result<BundleContents, BundleError> {
    let manifest_path = dir.join(MANIFEST);
    let manifest = parse_manifest(File::open(&manifest_path).map_err(io(&manifest_path))?, &manifest_path)?;
    let mut contents = BundleContents { manifest, originals: BTreeMap::new(), stray: Vec::new() };
    for item in fs::read_dir(dir).map_err(io(dir))? {
        let name = item.map_err(io(dir))?.file_name().to_string_lossy().into_owned();
        if ![MANIFEST, ORIGINALS, README].contains(&name.as_str()) {
            contents.stray.push(name);
        }
    }
    let folder = dir.join(ORIGINALS);
    let listing = match fs::read_dir(&folder) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(contents),
        Err(e) => return Err(io(&folder)(e)),
    };
    for item in listing {
        let item = item.map_err(io(&folder))?;
        let path = item.path();
        let name = item.file_name().to_string_lossy().into_owned();
        if !path.is_file() {
            contents.stray.push(format!("{ORIGINALS}/{name}"));
            continue;
        }
        let hashed = Digest::of_reader(File::open(&path).map_err(io(&path))?).map_err(io(&path))?;
        contents.originals.insert(name, hashed);
    }
    Ok(contents)
}

fn read_tar(file: &Path) -> Result<BundleContents, BundleError> {
    let mut archive = tar::Archive::new(File::open(file).map_err(io(file))?);
    let mut manifest = None;
    let mut originals = BTreeMap::new();
    let mut stray = Vec::new();
    for entry in archive.entries().map_err(io(file))? {
        let entry = entry.map_err(io(file))?;
        let name = entry.path().map_err(io(file))?.into_owned();
        // Only plain relative names: "manifest.json", "README.txt", "originals/<file>".
        let parts: Vec<String> = name
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| match c {
                Component::Normal(s) => s.to_string_lossy().into_owned(),
                _ => "..".into(),
            })
            .collect();
        let is_dir = entry.header().entry_type().is_dir();
        match parts.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [MANIFEST] if !is_dir => manifest = Some(parse_manifest(entry, file)?),
            [README] | [ORIGINALS] => {}
            [ORIGINALS, photo] if !is_dir && entry.header().entry_type().is_file() => {
                let photo = (*photo).to_owned();
                originals.insert(photo, Digest::of_reader(entry).map_err(io(file))?);
            }
            _ => stray.push(name.display().to_string()),
        }
    }
    let manifest = manifest.ok_or_else(|| BundleError::Manifest(format!("{MANIFEST} is not in the archive")))?;
    Ok(BundleContents { manifest, originals, stray })
}

/// Packs a bundle folder into one tar file for transport; `verify_bundle` reads either form.
pub fn pack_tar(dir: &Path, out: &Path) -> Result<(), BundleError> {
    let file = File::create(out).map_err(io(out))?;
    let mut builder = tar::Builder::new(file);
    builder.follow_symlinks(false);
    for name in [MANIFEST, README] {
        let path = dir.join(name);
        if path.exists() {
            builder.append_path_with_name(&path, name).map_err(io(&path))?;
        }
    }
    let folder = dir.join(ORIGINALS);
    let mut names: Vec<_> = fs::read_dir(&folder)
        .map_err(io(&folder))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(io(&folder))?;
    names.sort();
    for name in names {
        let path = folder.join(&name);
        builder.append_path_with_name(&path, Path::new(ORIGINALS).join(&name)).map_err(io(&path))?;
    }
    let file = builder.into_inner().map_err(io(out))?;
    file.sync_all().map_err(io(out))
}
