//! Removes the metadata of uploaded videos (where a phone writes the place it was
//! filmed) without re-encoding them, in place: every byte keeps its offset, so the
//! sample tables that point into the file stay right.
//!
//! * MP4 and MOV (ISO base media): every `udta` (user data, with `©xyz` locations)
//!   and `meta` box (QuickTime keys such as `com.apple.quicktime.location.ISO6709`)
//!   in the file, its movie and its tracks, and XMP `uuid` boxes, become `free`
//!   boxes of the same size filled with zeros.
//! * WebM (Matroska): every `Tags` and `Attachments` element of the segment becomes
//!   a `Void` element of the same size filled with zeros. Scanning stops at a child
//!   of unknown size (a live-recorded cluster), past which nothing can be found.
//!
//! A file whose structure does not add up is refused as unreadable.

/// The XMP packet's `uuid` box type.
const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];

/// Boxes that hold other boxes where metadata may sit.
const CONTAINERS: [&[u8; 4]; 11] = [
    b"moov", b"trak", b"mdia", b"minf", b"edts", b"dinf", b"stbl", b"mvex", b"moof", b"traf",
    b"mfra",
];

#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// Strips an ISO base media file (MP4, MOV) in place.
pub fn strip_iso_bmff(buf: &mut [u8]) -> Result<(), Malformed> {
    let end = buf.len();
    strip_boxes(buf, 0, end, 0)
}

fn strip_boxes(buf: &mut [u8], mut pos: usize, end: usize, depth: u32) -> Result<(), Malformed> {
    if depth > 16 {
        return Err(Malformed);
    }
    while pos < end {
        if end - pos < 8 {
            // Trailing padding shorter than a box header.
            return if buf[pos..end].iter().all(|b| *b == 0) {
                Ok(())
            } else {
                Err(Malformed)
            };
        }
        let size32 = u32::from_be_bytes(buf[pos..pos + 4].try_into().unwrap()) as u64;
        let kind: [u8; 4] = buf[pos + 4..pos + 8].try_into().unwrap();
        let (header, size) = match size32 {
            0 => (8usize, (end - pos) as u64),
            1 => {
                if end - pos < 16 {
                    return Err(Malformed);
                }
                (
                    16,
                    u64::from_be_bytes(buf[pos + 8..pos + 16].try_into().unwrap()),
                )
            }
            n => (8, n),
        };
        if size < header as u64 || size > (end - pos) as u64 {
            return Err(Malformed);
        }
        let box_end = pos + size as usize;
        let is_xmp = &kind == b"uuid"
            && box_end - (pos + header) >= 16
            && buf[pos + header..pos + header + 16] == XMP_UUID;
        if &kind == b"udta" || &kind == b"meta" || is_xmp {
            buf[pos + 4..pos + 8].copy_from_slice(b"free");
            buf[pos + header..box_end].fill(0);
        } else if CONTAINERS.iter().any(|c| **c == kind) {
            strip_boxes(buf, pos + header, box_end, depth + 1)?;
        }
        pos = box_end;
    }
    Ok(())
}

const EBML_HEADER: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const TAGS: u32 = 0x1254_C367;
const ATTACHMENTS: u32 = 0x1941_A469;

/// A variable-length integer at `pos`: (length, value with the marker removed).
fn vint(buf: &[u8], pos: usize) -> Result<(usize, u64), Malformed> {
    let first = *buf.get(pos).ok_or(Malformed)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || pos + len > buf.len() {
        return Err(Malformed);
    }
    let mut v = u64::from(first) & (0xFFu64 >> len);
    for b in &buf[pos + 1..pos + len] {
        v = (v << 8) | u64::from(*b);
    }
    Ok((len, v))
}

/// An element's id (marker kept, as ids are written) and its length.
fn element_id(buf: &[u8], pos: usize) -> Result<(usize, u32), Malformed> {
    let first = *buf.get(pos).ok_or(Malformed)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 4 || pos + len > buf.len() {
        return Err(Malformed);
    }
    Ok((
        len,
        buf[pos..pos + len]
            .iter()
            .fold(0u32, |a, b| (a << 8) | u32::from(*b)),
    ))
}

/// Overwrites `buf[start..end]` with one Void element (id 0xEC) of the same length.
fn void(buf: &mut [u8], start: usize, end: usize) {
    let total = end - start;
    let size_len = (total - 1).min(8);
    let payload = (total - 1 - size_len) as u64;
    buf[start..end].fill(0);
    buf[start] = 0xEC;
    let encoded = (1u64 << (7 * size_len)) | payload;
    let bytes = encoded.to_be_bytes();
    buf[start + 1..start + 1 + size_len].copy_from_slice(&bytes[8 - size_len..]);
}

/// Strips a WebM file in place.
pub fn strip_webm(buf: &mut [u8]) -> Result<(), Malformed> {
    let mut pos = 0;
    while pos < buf.len() {
        let (id_len, id) = element_id(buf, pos)?;
        let (size_len, size) = vint(buf, pos + id_len)?;
        let data = pos + id_len + size_len;
        let unknown = size == (1u64 << (7 * size_len)) - 1;
        let end = if unknown {
            buf.len()
        } else {
            data.checked_add(size as usize)
                .filter(|e| *e <= buf.len())
                .ok_or(Malformed)?
        };
        match id {
            EBML_HEADER => {}
            SEGMENT => strip_segment(buf, data, end)?,
            _ if pos == 0 => return Err(Malformed),
            _ => {}
        }
        pos = end;
    }
    Ok(())
}

fn strip_segment(buf: &mut [u8], mut pos: usize, end: usize) -> Result<(), Malformed> {
    while pos < end {
        let (id_len, id) = element_id(buf, pos)?;
        let (size_len, size) = vint(buf, pos + id_len)?;
        if size == (1u64 << (7 * size_len)) - 1 {
            // A child of unknown size (a live cluster): nothing further can be found.
            return Ok(());
        }
        let child_end = (pos + id_len + size_len)
            .checked_add(size as usize)
            .filter(|e| *e <= end)
            .ok_or(Malformed)?;
        if id == TAGS || id == ATTACHMENTS {
            void(buf, pos, child_end);
        }
        pos = child_end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bmff_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(payload);
        b
    }

    #[test]
    fn mp4_locations_are_zeroed_in_place() {
        let xyz = bmff_box(b"\xa9xyz", b"+48.8584+002.2945/");
        let udta = bmff_box(b"udta", &xyz);
        let keys = bmff_box(
            b"meta",
            b"com.apple.quicktime.location.ISO6709 +48.85+002.29",
        );
        let mvhd = bmff_box(b"mvhd", &[7; 20]);
        let trak = bmff_box(
            b"trak",
            &[bmff_box(b"tkhd", &[9; 12]), bmff_box(b"udta", &xyz)].concat(),
        );
        let moov = bmff_box(b"moov", &[mvhd.clone(), udta, keys, trak].concat());
        let mut file = [
            bmff_box(b"ftyp", b"isom\0\0\0\0"),
            moov,
            bmff_box(b"mdat", &[1, 2, 3]),
        ]
        .concat();
        let len = file.len();
        strip_iso_bmff(&mut file).unwrap();
        assert_eq!(file.len(), len);
        let text = String::from_utf8_lossy(&file);
        assert!(!text.contains("48.85"), "a location survived");
        assert!(!text.contains("udta") && !text.contains("meta"));
        assert!(
            file.windows(mvhd.len()).any(|w| w == mvhd.as_slice()),
            "other boxes untouched"
        );
        assert!(file.ends_with(&bmff_box(b"mdat", &[1, 2, 3])));
        let mut broken = bmff_box(b"moov", &[0; 4]);
        broken[3] = 200;
        assert_eq!(strip_iso_bmff(&mut broken), Err(Malformed));
    }

    fn ebml(id: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut e = id.to_vec();
        e.push(0x80 | payload.len() as u8);
        e.extend_from_slice(payload);
        e
    }

    #[test]
    fn webm_tags_become_void_of_the_same_length() {
        let tags = ebml(&[0x12, 0x54, 0xC3, 0x67], b"LOCATION=+48.85+002.29");
        let info = ebml(&[0x15, 0x49, 0xA9, 0x66], &[1, 2, 3]);
        let segment = ebml(&[0x18, 0x53, 0x80, 0x67], &[info.clone(), tags].concat());
        let mut file = [
            ebml(&[0x1A, 0x45, 0xDF, 0xA3], &[0x42, 0x86, 0x81, 0x01]),
            segment,
        ]
        .concat();
        let len = file.len();
        strip_webm(&mut file).unwrap();
        assert_eq!(file.len(), len);
        assert!(!String::from_utf8_lossy(&file).contains("48.85"));
        assert!(file.windows(info.len()).any(|w| w == info.as_slice()));
        // What is left still parses, the void included.
        strip_webm(&mut file).unwrap();
        assert_eq!(strip_webm(&mut [0x42, 0x86, 0x81, 0x01]), Err(Malformed));
    }
}
