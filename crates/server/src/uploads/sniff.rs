//! What a file is, judged from its own bytes: the type from the signature at its start
//! (or UTF-8 text when none matches), an image's width and height from its header, and
//! the check, fed one chunk at a time, that a file is text.

/// A file's type as judged from its bytes, with an image's size when it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sniffed {
    /// MIME type.
    pub content_type: &'static str,
    /// Image width in pixels.
    pub width: Option<u32>,
    /// Image height in pixels.
    pub height: Option<u32>,
}

/// Sniffs a file's type from its first bytes. `is_text` says whether the whole file is UTF-8
/// without binary control characters, which only decides when no signature matched.
pub(crate) fn sniff(head: &[u8], is_text: bool) -> Sniffed {
    let image = |content_type, size: Option<(u32, u32)>| {
        let size = size.filter(|(width, height)| *width > 0 && *height > 0);
        Sniffed { content_type, width: size.map(|size| size.0), height: size.map(|size| size.1) }
    };
    let plain = |content_type| Sniffed { content_type, width: None, height: None };
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        image("image/png", png_size(head))
    } else if head.starts_with(b"\xff\xd8\xff") {
        image("image/jpeg", jpeg_size(head))
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        image("image/gif", gif_size(head))
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        image("image/webp", webp_size(head))
    } else if head.starts_with(b"%PDF-") {
        plain("application/pdf")
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") || head.starts_with(b"PK\x07\x08") {
        plain("application/zip")
    } else if is_text {
        plain("text/plain; charset=utf-8")
    } else {
        plain("application/octet-stream")
    }
}

fn be16(data: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]) as u32)
}

fn le16(data: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_le_bytes([*data.get(at)?, *data.get(at + 1)?]) as u32)
}

fn le24(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*data.get(at)?, *data.get(at + 1)?, *data.get(at + 2)?, 0]))
}

/// Width and height from a PNG's IHDR chunk, which must come first.
fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    if data.get(12..16)? != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(data.get(16..20)?.try_into().ok()?);
    let height = u32::from_be_bytes(data.get(20..24)?.try_into().ok()?);
    Some((width, height))
}

/// Width and height from a GIF's logical screen descriptor.
fn gif_size(data: &[u8]) -> Option<(u32, u32)> {
    Some((le16(data, 6)?, le16(data, 8)?))
}

/// Width and height from a JPEG's first frame header, walking the segments before it.
fn jpeg_size(data: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *data.get(at)? != 0xff {
            return None;
        }
        while *data.get(at)? == 0xff {
            at += 1;
        }
        let marker = data[at];
        at += 1;
        match marker {
            // Markers that stand alone, without a length.
            0x01 | 0xd0..=0xd8 => continue,
            // End of image, or image data, before any frame header.
            0xd9 | 0xda => return None,
            _ => {}
        }
        let length = be16(data, at)? as usize;
        if length < 2 {
            return None;
        }
        // SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            let height = be16(data, at + 3)?;
            let width = be16(data, at + 5)?;
            return Some((width, height));
        }
        at += length;
    }
}

/// Width and height from a WebP's first chunk (lossy, lossless or extended).
fn webp_size(data: &[u8]) -> Option<(u32, u32)> {
    match data.get(12..16)? {
        b"VP8 " => {
            if data.get(23..26)? != [0x9d, 0x01, 0x2a] {
                return None;
            }
            Some((le16(data, 26)? & 0x3fff, le16(data, 28)? & 0x3fff))
        }
        b"VP8L" => {
            if *data.get(20)? != 0x2f {
                return None;
            }
            let bits = u32::from_le_bytes(data.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        b"VP8X" => Some((le24(data, 24)? + 1, le24(data, 27)? + 1)),
        _ => None,
    }
}

/// Decides, one chunk at a time, whether a file is UTF-8 text: valid UTF-8 (a character may
/// straddle two chunks) with no byte that only binary files contain (NUL and the other C0
/// controls except tab, line feed, form feed, carriage return and escape).
#[derive(Default)]
pub(super) struct TextCheck {
    binary: bool,
    carry: Vec<u8>,
}

impl TextCheck {
    pub(super) fn feed(&mut self, chunk: &[u8]) {
        if self.binary {
            return;
        }
        // Control bytes never occur inside a multi-byte character, so the raw bytes can be
        // checked directly.
        if chunk.iter().any(|byte| matches!(byte, 0x00..=0x08 | 0x0b | 0x0e..=0x1a | 0x1c..=0x1f)) {
            self.binary = true;
            return;
        }
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        match std::str::from_utf8(&data) {
            Ok(_) => {}
            // The chunk ends inside a character: keep its first bytes for the next chunk.
            Err(error) if error.error_len().is_none() => self.carry = data[error.valid_up_to()..].to_vec(),
            Err(_) => self.binary = true,
        }
    }

    pub(super) fn finish(&self) -> bool {
        !self.binary && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn images_are_recognised_with_their_size() {
        assert_eq!(sniff(&png(640, 480), false), Sniffed { content_type: "image/png", width: Some(640), height: Some(480) });
        let gif = b"GIF89a\x20\x03\x58\x02\xf7\0\0";
        assert_eq!(sniff(gif, false), Sniffed { content_type: "image/gif", width: Some(800), height: Some(600) });
        // SOI, an APP0 segment, then a baseline frame header of 300 x 200.
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0xc8, 0x01, 0x2c, 0x03,
        ];
        assert_eq!(sniff(&jpeg, false), Sniffed { content_type: "image/jpeg", width: Some(300), height: Some(200) });
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x3f, 0x01, 0x00, 0xef, 0x00, 0x00]);
        assert_eq!(sniff(&webp, false), Sniffed { content_type: "image/webp", width: Some(320), height: Some(240) });
        // A signature alone is still the type, with the size unknown.
        assert_eq!(sniff(b"\xff\xd8\xff", false).width, None);
    }

    #[test]
    fn other_types_come_from_signatures_or_text_and_never_from_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n", true).content_type, "application/pdf");
        assert_eq!(sniff(b"PK\x03\x04rest", false).content_type, "application/zip");
        assert_eq!(sniff(b"<html><script>alert(1)</script>", true).content_type, "text/plain; charset=utf-8");
        assert_eq!(sniff(b"\x7fELF", false).content_type, "application/octet-stream");
    }

    #[test]
    fn text_is_checked_across_chunk_boundaries() {
        let text = "naïve café ✓".as_bytes();
        for split in 0..text.len() {
            let mut check = TextCheck::default();
            check.feed(&text[..split]);
            check.feed(&text[split..]);
            assert!(check.finish(), "split at {split}");
        }
        let mut check = TextCheck::default();
        check.feed(b"abc\0def");
        assert!(!check.finish());
        let mut check = TextCheck::default();
        check.feed(b"\xff\xfe");
        assert!(!check.finish());
        let mut check = TextCheck::default();
        check.feed("✓".as_bytes().split_at(2).0);
        assert!(!check.finish(), "a file may not end inside a character");
    }
}
