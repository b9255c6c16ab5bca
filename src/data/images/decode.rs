//! Decoding one image file, the same way for the command line and the page: the `image` crate
//! (PNG, JPEG, WebP, BMP, the first frame of a GIF), after the header's size is checked.

use std::io::Cursor;

use image::{ImageReader, Limits};

use super::{MAX_SOURCE_PIXELS, SkipReason};

/// The image in a file's `bytes` as RGBA, or why it is not kept (its header's size is checked
/// before anything is decoded).
pub fn decode_image(bytes: &[u8]) -> Result<image::RgbaImage, SkipReason> {
    let reader = || ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| SkipReason::Unreadable);
    if reader()?.format().is_none() {
        return Err(SkipReason::NotAnImage);
    }
    let (width, height) = reader()?.into_dimensions().map_err(|err| match err {
        image::ImageError::Limits(_) => SkipReason::TooLarge,
        _ => SkipReason::Undecodable,
    })?;
    if u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS {
        return Err(SkipReason::TooLarge);
    }
    let mut reader = reader()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_SOURCE_PIXELS * 4);
    reader.limits(limits);
    Ok(reader.decode().map_err(|_| SkipReason::Undecodable)?.into_rgba8())
}
