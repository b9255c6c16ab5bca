//! Zip archives of images, read in Rust (natively, and in the page, where the browser then decodes
//! each image). An archive is untrusted: an entry whose name climbs out of it (`..`, an absolute
//! path) is skipped, as is one whose declared size is over [`MAX_ENTRY_BYTES`], and no entry is
//! inflated past that size whatever its header says, so a zip bomb costs at most one entry's
//! worth of memory at a time.

use std::io::{Cursor, Read};
use std::path::Component;

use super::{Import, SkipReason};
use crate::error::{AeError, AeResult};

/// The most one entry may inflate to: far above any image a person keeps in an archive.
pub const MAX_ENTRY_BYTES: u64 = 64 << 20;

/// Calls `each(path, bytes)` for every file of the zip archive in `bytes`, in the archive's order,
/// with `/`-separated paths relative to the archive (a folder that holds everything is dropped,
/// so that the next level names the classes). Entries that are not read are skipped into
/// `import` with their reason.
pub fn for_each_entry(bytes: &[u8], import: &mut Import, mut each: impl FnMut(&mut Import, &str, &[u8]) -> AeResult<()>) -> AeResult<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|err| AeError::Data(format!("not a zip archive, or a damaged one: {err}")))?;
    let names: Vec<Option<String>> = (0..archive.len())
        .map(|i| archive.by_index_raw(i).ok().filter(|entry| entry.is_file()).map(|entry| safe_name(&entry)))
        .map(|name| name.flatten())
        .collect();
    let common = common_folder(names.iter().flatten());
    let mut contents = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let mut entry = archive.by_index(index).map_err(|err| AeError::Data(format!("entry {index} of the archive: {err}")))?;
        if entry.is_dir() {
            continue;
        }
        let shown = entry.name().to_string();
        let Some(name) = name else {
            import.skip(&shown, SkipReason::UnsafeName);
            continue;
        };
        let path = common.as_ref().map_or(name.as_str(), |folder| &name[folder.len() + 1..]);
        if entry.size() > MAX_ENTRY_BYTES {
            import.skip(path, SkipReason::EntryTooLarge);
            continue;
        }
        contents.clear();
        // The header's size may lie: never read past the limit.
        match (&mut entry).take(MAX_ENTRY_BYTES + 1).read_to_end(&mut contents) {
            Ok(_) if contents.len() as u64 > MAX_ENTRY_BYTES => import.skip(path, SkipReason::EntryTooLarge),
            Ok(_) => each(import, path, &contents)?,
            Err(_) => import.skip(path, SkipReason::Undecodable),
        }
    }
    Ok(())
}

/// The entry's name if it stays inside the archive (no `..` at all, not absolute), `/`-separated.
fn safe_name<R: Read>(entry: &zip::read::ZipFile<'_, R>) -> Option<String> {
    let mut parts = Vec::new();
    for part in entry.enclosed_name()?.components() {
        match part {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The one folder every name is inside, if there is one (an archive made of a folder).
fn common_folder<'a>(mut names: impl Iterator<Item = &'a String>) -> Option<String> {
    let first = names.next()?.split_once('/')?.0.to_string();
    names.all(|name| name.split_once('/').is_some_and(|(folder, _)| folder == first)).then_some(first)
}
