//! Media bytes: checking what an upload really is (from its bytes, not its
//! name), cleaning images (decoded and re-encoded, so EXIF and other metadata
//! — GPS positions, camera serials — are gone) with a thumbnail, and storing
//! them through `object_store`: a local directory by default, any
//! S3-compatible store when `media_store_url` says so. Keys are derived from
//! the workspace and media ids (`ws/{workspace}/media/{id}/original|thumb`),
//! so a signed link needs no database lookup.
use bytes::Bytes;
use hmac::{Hmac, Mac};
use image::{ImageFormat, ImageReader, Limits};
use object_store::{path::Path, ObjectStore, PutPayload};
use sha2::Sha256;
use std::io::Cursor;
use std::sync::Arc;
use uuid::Uuid;

pub const IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;
pub const VIDEO_MAX_BYTES: usize = 100 * 1024 * 1024;
/// The request body cap for uploads (the largest file plus the form around it).
pub const UPLOAD_BODY_MAX: usize = VIDEO_MAX_BYTES + 64 * 1024;
const THUMB_PX: u32 = 480;
const MAX_PIXELS_SIDE: u32 = 12_000;
/// The most pixels an image may have (8000 × 5000): a small, highly compressed file
/// can otherwise declare a canvas that takes gigabytes to decode.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The most memory one decode may allocate.
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Video,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Video => "video",
        }
    }
}

/// What the bytes are, if Postroom accepts them.
pub fn detect(bytes: &[u8]) -> Option<(Kind, &'static str)> {
    let t = infer::get(bytes)?;
    let found = match t.mime_type() {
        "image/jpeg" => (Kind::Image, "image/jpeg"),
        "image/png" => (Kind::Image, "image/png"),
        "image/webp" => (Kind::Image, "image/webp"),
        "image/gif" => (Kind::Image, "image/gif"),
        "video/mp4" => (Kind::Video, "video/mp4"),
        "video/quicktime" => (Kind::Video, "video/quicktime"),
        "video/webm" => (Kind::Video, "video/webm"),
        _ => return None,
    };
    Some(found)
}

/// An upload ready to store.
pub struct Prepared {
    pub kind: Kind,
    pub content_type: &'static str,
    pub original: Bytes,
    pub thumbnail: Option<Bytes>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("The file is empty.")]
    Empty,
    #[error("Postroom accepts JPEG, PNG, WebP and GIF images and MP4, MOV and WebM videos; this file is none of them.")]
    Type,
    #[error("Images are at most 10 MB and videos at most 100 MB.")]
    TooLarge,
    #[error("The image could not be read; it may be damaged.")]
    Unreadable,
    #[error(
        "The video could not be read; it may be damaged. Export it again as MP4 and upload that."
    )]
    UnreadableVideo,
    #[error("Images are at most 40 megapixels (for example 8000 × 5000); scale it down and upload it again.")]
    TooManyPixels,
}

/// Checks and cleans an upload (CPU work: call it on a blocking thread).
pub fn prepare(bytes: Bytes) -> Result<Prepared, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    let (kind, content_type) = detect(&bytes).ok_or(Refused::Type)?;
    let cap = match kind {
        Kind::Image => IMAGE_MAX_BYTES,
        Kind::Video => VIDEO_MAX_BYTES,
    };
    if bytes.len() > cap {
        return Err(Refused::TooLarge);
    }
    if kind == Kind::Video {
        // Where it was filmed (and the rest of its metadata) goes, in place.
        let mut buf = bytes
            .try_into_mut()
            .unwrap_or_else(|shared| bytes::BytesMut::from(&shared[..]));
        let stripped = match content_type {
            "video/webm" => crate::server::video_meta::strip_webm(&mut buf),
            _ => crate::server::video_meta::strip_iso_bmff(&mut buf),
        };
        stripped.map_err(|_| Refused::UnreadableVideo)?;
        return Ok(Prepared {
            kind,
            content_type,
            original: buf.freeze(),
            thumbnail: None,
            width: None,
            height: None,
        });
    }
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        _ => ImageFormat::Gif,
    };
    // The canvas size from the header first: nothing is decoded past the limit.
    let (w, h) = ImageReader::with_format(Cursor::new(&bytes[..]), format)
        .into_dimensions()
        .map_err(|_| Refused::Unreadable)?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Refused::TooManyPixels);
    }
    let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PIXELS_SIDE);
    limits.max_image_height = Some(MAX_PIXELS_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| Refused::Unreadable)?;
    let (width, height) = (img.width(), img.height());
    // Re-encoding keeps the pixels and drops every metadata block. GIFs keep
    // their bytes (re-encoding would lose the animation); they carry no EXIF.
    let original = match format {
        ImageFormat::Gif => bytes,
        other => {
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, other)
                .map_err(|_| Refused::Unreadable)?;
            Bytes::from(out.into_inner())
        }
    };
    let thumb = img.thumbnail(THUMB_PX, THUMB_PX);
    let mut out = Cursor::new(Vec::new());
    let thumb_format = if thumb.color().has_alpha() {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    let thumb = if thumb_format == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(thumb.to_rgb8())
    } else {
        thumb
    };
    thumb
        .write_to(&mut out, thumb_format)
        .map_err(|_| Refused::Unreadable)?;
    Ok(Prepared {
        kind,
        content_type,
        original,
        thumbnail: Some(Bytes::from(out.into_inner())),
        width: Some(width),
        height: Some(height),
    })
}

/// Where media bytes live.
#[derive(Clone)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    signing_key: Vec<u8>,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({})", self.store)
    }
}

pub fn original_key(workspace: Uuid, id: Uuid) -> Path {
    Path::from(format!("ws/{workspace}/media/{id}/original"))
}

pub fn thumb_key(workspace: Uuid, id: Uuid) -> Path {
    Path::from(format!("ws/{workspace}/media/{id}/thumb"))
}

impl MediaStore {
    /// `url`: empty → the local directory `dir`; otherwise an object-store
    /// URL (`s3://bucket/prefix`, `file:///srv/media`, `memory:///`) whose
    /// options come from the usual environment (AWS_ACCESS_KEY_ID, AWS_ENDPOINT…).
    pub fn from_config(url: &str, dir: &str, signing_key: Vec<u8>) -> anyhow::Result<MediaStore> {
        let store: Arc<dyn ObjectStore> = if url.trim().is_empty() {
            std::fs::create_dir_all(dir)?;
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir)?)
        } else {
            let parsed = url::Url::parse(url.trim())?;
            let opts: Vec<(String, String)> = std::env::vars()
                .filter(|(k, _)| k.starts_with("AWS_"))
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            let (store, prefix) = object_store::parse_url_opts(&parsed, opts)?;
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Ok(MediaStore { store, signing_key })
    }

    pub fn in_memory() -> MediaStore {
        MediaStore {
            store: Arc::new(object_store::memory::InMemory::new()),
            signing_key: b"test".to_vec(),
        }
    }

    pub async fn put(&self, key: &Path, bytes: Bytes) -> object_store::Result<()> {
        self.store
            .put(key, PutPayload::from(bytes))
            .await
            .map(|_| ())
    }

    pub async fn get(&self, key: &Path) -> object_store::Result<Bytes> {
        self.store.get(key).await?.bytes().await
    }

    /// Deletes an object; one that is not there counts as deleted.
    pub async fn try_delete(&self, key: &Path) -> object_store::Result<()> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn delete(&self, key: &Path) {
        if let Err(e) = self.store.delete(key).await {
            tracing::warn!(error = %e, %key, "media object not deleted");
        }
    }

    fn mac(&self, workspace: Uuid, id: Uuid, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.signing_key).expect("any key length");
        mac.update(format!("{workspace}/{id}/{expires}").as_bytes());
        mac
    }

    /// A link a network can fetch the file from without a session, valid until `expires` (unix seconds).
    pub fn signed_path(&self, workspace: Uuid, id: Uuid, expires: i64) -> String {
        let sig = hex::encode(self.mac(workspace, id, expires).finalize().into_bytes());
        format!("/media/{workspace}/{id}/{expires}/{sig}")
    }

    pub fn verify(&self, workspace: Uuid, id: Uuid, expires: i64, sig: &str) -> bool {
        let Ok(sig) = hex::decode(sig) else {
            return false;
        };
        expires > chrono::Utc::now().timestamp()
            && self.mac(workspace, id, expires).verify_slice(&sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_with_text_chunk() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(64, 32, image::Rgb([200, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    /// A GIF whose logical screen is 60000 × 60000 in 40 bytes: refused from its
    /// header, before anything is decoded.
    #[test]
    fn pixel_bombs_are_refused_before_decoding() {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&60000u16.to_le_bytes());
        gif.extend_from_slice(&60000u16.to_le_bytes());
        gif.extend_from_slice(&[0x00, 0x00, 0x00]);
        gif.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0x00]);
        gif.extend_from_slice(&[0x02, 0x02, 0x44, 0x01, 0x00, 0x3B]);
        assert_eq!(
            prepare(Bytes::from(gif)).err(),
            Some(Refused::TooManyPixels)
        );
    }

    #[test]
    fn types_come_from_the_bytes_not_the_name() {
        assert_eq!(detect(&png_with_text_chunk()).unwrap().1, "image/png");
        assert!(detect(b"<html>hello</html>").is_none());
        assert_eq!(
            prepare(Bytes::from_static(b"MZ\x90\x00 not an image")).err(),
            Some(Refused::Type)
        );
        assert_eq!(prepare(Bytes::new()).err(), Some(Refused::Empty));
    }

    #[test]
    fn images_are_measured_and_get_a_thumbnail() {
        let p = prepare(Bytes::from(png_with_text_chunk())).unwrap();
        assert_eq!((p.width, p.height), (Some(64), Some(32)));
        assert_eq!(p.content_type, "image/png");
        assert!(p.thumbnail.is_some());
    }

    #[test]
    fn jpeg_metadata_is_stripped() {
        let img = image::RgbImage::from_pixel(40, 40, image::Rgb([10, 120, 200]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, ImageFormat::Jpeg)
            .unwrap();
        let plain = out.into_inner();
        // Splice an APP1 (EXIF) segment with a recognisable payload after SOI.
        let payload = b"Exif\0\0GPS-SECRET-LOCATION";
        let len = (payload.len() + 2) as u16;
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_exif.extend_from_slice(&len.to_be_bytes());
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&plain[2..]);
        assert!(with_exif.windows(10).any(|w| w == b"GPS-SECRET"));
        let p = prepare(Bytes::from(with_exif)).unwrap();
        assert!(!p.original.windows(10).any(|w| w == b"GPS-SECRET"));
        assert_eq!(p.width, Some(40));
    }

    #[test]
    fn signed_links_expire_and_cannot_be_forged() {
        let s = MediaStore::in_memory();
        let (ws, id) = (Uuid::new_v4(), Uuid::new_v4());
        let later = chrono::Utc::now().timestamp() + 600;
        let path = s.signed_path(ws, id, later);
        let sig = path.rsplit('/').next().unwrap();
        assert!(s.verify(ws, id, later, sig));
        assert!(!s.verify(ws, Uuid::new_v4(), later, sig));
        assert!(!s.verify(ws, id, later + 1, sig));
        let past = chrono::Utc::now().timestamp() - 1;
        let old = s.signed_path(ws, id, past);
        assert!(!s.verify(ws, id, past, old.rsplit('/').next().unwrap()));
    }
}
