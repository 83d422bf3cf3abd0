//! Incremental UTF-8 validation of a body that arrives in chunks.

/// Incremental UTF-8 validation across chunk boundaries: a character split between two chunks
/// is completed from the next one instead of being reported as invalid.
#[derive(Default)]
pub(crate) struct Utf8Check {
    carry: [u8; 4],
    carry_len: usize,
    invalid: bool,
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

impl Utf8Check {
    pub(crate) fn feed(&mut self, mut data: &[u8]) {
        if self.invalid || data.is_empty() {
            return;
        }
        if self.carry_len > 0 {
            let width = utf8_width(self.carry[0]);
            let take = (width - self.carry_len).min(data.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            self.carry_len += take;
            data = &data[take..];
            if self.carry_len < width {
                return;
            }
            self.carry_len = 0;
            if std::str::from_utf8(&self.carry[..width]).is_err() {
                self.invalid = true;
                return;
            }
        }
        // Almost every chunk is valid: check it with SIMD first, and only look for where it
        // fails (a character cut by the chunk's end, or a real error) when it does not pass.
        if simdutf8::basic::from_utf8(data).is_ok() {
            return;
        }
        if let Err(e) = std::str::from_utf8(data) {
            match e.error_len() {
                Some(_) => self.invalid = true,
                None => {
                    // An incomplete character at the end (at most 3 bytes): wait for the rest.
                    let rest = &data[e.valid_up_to()..];
                    self.carry[..rest.len()].copy_from_slice(rest);
                    self.carry_len = rest.len();
                }
            }
        }
    }

    /// Whether invalid bytes were seen so far (a character not finished yet does not count).
    pub(crate) fn invalid(&self) -> bool {
        self.invalid
    }

    /// Whether invalid bytes were seen (a character cut by the end counts).
    pub(crate) fn finish(&self) -> bool {
        self.invalid || self.carry_len > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(chunks: &[&[u8]]) -> bool {
        let mut c = Utf8Check::default();
        for ch in chunks {
            c.feed(ch);
        }
        c.finish()
    }

    #[test]
    fn utf8_split_characters_are_valid() {
        let s = "café — 日本 🎉".as_bytes();
        for i in 0..s.len() {
            for j in i..s.len() {
                assert!(!check(&[&s[..i], &s[i..j], &s[j..]]), "split at {i},{j}");
            }
        }
    }

    #[test]
    fn utf8_invalid_bytes_are_seen() {
        assert!(check(&[b"abc\xff", b"def"]));
        assert!(check(&[b"abc\xc3", b"(def"]));
        assert!(check(&[b"abc\xe6\x97"]));
        assert!(!check(&[b"abc\xe6", b"\x97", b"\xa5"]));
    }
}
