//! Files parents give as evidence: checked for size and kind by their content, never by the name
//! or the type the browser claims.

use crate::error::Refusal;

/// The largest evidence file accepted: 4 MiB, enough for a photographed appointment card.
pub const MAX_EVIDENCE_BYTES: usize = 4 << 20;

/// A file as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The kinds accepted, by their first bytes: PDF, PNG, JPEG, GIF, WebP and HEIC/HEIF (a phone's
/// photograph).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"%PDF-") {
        Some("application/pdf")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && [&b"heic"[..], b"heix", b"mif1", b"msf1", b"heif"].contains(&&bytes[8..12])
    {
        Some("image/heic")
    } else {
        None
    }
}

/// A file name safe to keep and show: its last part only, without control characters, at most
/// 100 characters; "evidence" when nothing is left.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(100)
        .collect();
    match clean.trim() {
        "" => "evidence".to_owned(),
        t => t.to_owned(),
    }
}

/// Checks an upload: not empty, not too big, a PDF or an image. Returns its content type.
pub fn check(upload: &Upload) -> Result<&'static str, Refusal> {
    let name = clean_name(&upload.file_name);
    if upload.bytes.is_empty() {
        return Err(Refusal::invalid(format!("the file {name} is empty")));
    }
    if upload.bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(Refusal::invalid(format!(
            "the file {name} is {:.1} MB; the largest accepted is {} MB: take the photograph at a lower size, or send a PDF",
            upload.bytes.len() as f64 / f64::from(1u32 << 20),
            MAX_EVIDENCE_BYTES >> 20
        )));
    }
    sniff(&upload.bytes).ok_or_else(|| {
        Refusal::invalid(format!(
            "the file {name} is not a PDF or an image (PNG, JPEG, GIF, WebP or HEIC); evidence must be one of these"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(bytes: &[u8]) -> Upload {
        Upload {
            file_name: "card.pdf".into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn kinds_are_known_by_their_content() {
        assert_eq!(check(&up(b"%PDF-1.7\n...")).unwrap(), "application/pdf");
        assert_eq!(check(&up(b"\x89PNG\r\n\x1a\n....")).unwrap(), "image/png");
        assert_eq!(check(&up(b"\xff\xd8\xff\xe0....")).unwrap(), "image/jpeg");
        assert_eq!(check(&up(b"RIFF\0\0\0\0WEBPVP8 ")).unwrap(), "image/webp");
        assert_eq!(check(&up(b"\0\0\0\x18ftypheic....")).unwrap(), "image/heic");
        // A name or claim of PDF does not make a program one.
        let exe = check(&up(b"MZ\x90\0 not a pdf")).unwrap_err().to_string();
        assert!(exe.contains("not a PDF or an image"), "{exe}");
        assert!(check(&up(b"")).unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_one_at_it_is_not() {
        let mut at = b"%PDF-".to_vec();
        at.resize(MAX_EVIDENCE_BYTES, b' ');
        assert!(check(&up(&at)).is_ok());
        at.push(b' ');
        let e = check(&up(&at)).unwrap_err().to_string();
        assert!(e.contains("largest accepted is 4 MB"), "{e}");
    }

    #[test]
    fn names_keep_their_last_part_only() {
        assert_eq!(clean_name("C:\\Users\\me\\note.pdf"), "note.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b<script>.png"), "abscript.png");
        assert_eq!(clean_name("  "), "evidence");
    }
}
