//! Reading a folder (or a zip archive) of images natively: every file below it, in path order,
//! decoded by the `image` crate (PNG, JPEG, WebP, BMP, the first frame of a GIF) after its
//! header's size is checked, and brought to the import's shape.

use std::path::{Path, PathBuf};

use super::{Import, ImportedImages, SkipReason, archive, decode_image};
use crate::data::ImageShape;
use crate::error::{AeError, AeResult};

/// Imports every file below `dir`, or in the zip archive `dir` (see the module's docs); the data
/// set is named after the folder or archive.
pub fn read_folder(dir: &Path, shape: ImageShape) -> AeResult<ImportedImages> {
    let mut import = Import::new(shape);
    if dir.is_file() {
        let bytes = std::fs::read(dir).map_err(|err| AeError::Data(format!("cannot read {}: {err}", dir.display())))?;
        archive::for_each_entry(&bytes, &mut import, |import, name, bytes| add_decoded(import, name, decode_image(bytes)))?;
    } else {
        let files = files_below(dir)?;
        for path in within_budget(files, &mut import, dir) {
            let decoded = std::fs::read(&path).map_err(|_| SkipReason::Unreadable).and_then(|bytes| decode_image(&bytes));
            add_decoded(&mut import, &relative_name(dir, &path), decoded)?;
        }
    }
    let stem = dir.canonicalize().ok().and_then(|dir| dir.file_stem().map(|name| name.to_string_lossy().into_owned()));
    import.finish(&format!("images:{}", stem.unwrap_or_else(|| dir.display().to_string())))
}

/// Adds a decoded image to `import`, or skips it with its reason.
fn add_decoded(import: &mut Import, name: &str, decoded: Result<image::RgbaImage, SkipReason>) -> AeResult<()> {
    match decoded {
        Ok(image) => import.add_rgba(name, image.width() as usize, image.height() as usize, image.as_raw()),
        Err(reason) => {
            import.skip(name, reason);
            Ok(())
        }
    }
}

/// Every file below `dir`, sorted by path (so that an import does not depend on the file
/// system's order); links are not followed.
fn files_below(dir: &Path) -> AeResult<Vec<PathBuf>> {
    let unreadable = |path: &Path, err: std::io::Error| AeError::Data(format!("cannot read the folder {}: {err}", path.display()));
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|err| unreadable(&folder, err))? {
            let entry = entry.map_err(|err| unreadable(&folder, err))?;
            let kind = entry.file_type().map_err(|err| unreadable(&folder, err))?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `files`, or the seeded choice of them that fits the import's budget
/// ([`Import::choose_files`]); the others are skipped as over the budget.
fn within_budget(files: Vec<PathBuf>, import: &mut Import, dir: &Path) -> Vec<PathBuf> {
    let names: Vec<String> = files.iter().map(|path| relative_name(dir, path)).collect();
    let chosen = import.choose_files(&names);
    files.into_iter().zip(chosen).filter_map(|(path, chosen)| chosen.then_some(path)).collect()
}

/// `path` relative to `dir`, `/`-separated (the class is its first folder).
fn relative_name(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    relative.components().map(|part| part.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
