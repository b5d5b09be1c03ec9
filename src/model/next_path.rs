//! Where `?next=` may send someone after log-in or sign-up: only a plain path
//! on this site. Browsers are lenient about what they treat as "another
//! host" (`//evil`, `/\evil`, `/\t/evil` — tabs and newlines are stripped,
//! backslashes become slashes), and a proxy or a second redirect may decode
//! `%2F` once more, so anything that could turn into one of those is refused
//! rather than repaired.

/// Longer than any path the app links to; bounds the work and the header.
pub const NEXT_MAX: usize = 2000;

/// `Some(path)` when `next` is a same-site path that is safe to put in a
/// `Location` header as is, `None` otherwise (the caller picks a default).
///
/// Accepted: printable ASCII only (non-ASCII must arrive percent-encoded),
/// starting with exactly one `/`, no `\`, no empty, `.` or `..` path
/// segments, and well-formed percent escapes that decode to valid UTF-8
/// without controls or whitespace and never to `/`, `\` or `%` (a second
/// decoding must not produce a new separator or escape).
pub fn safe_next_path(next: &str) -> Option<&str> {
    if next.len() > NEXT_MAX || !next.starts_with('/') {
        return None;
    }
    if !next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
        return None;
    }
    let decoded = percent_decode(next)?;
    let decoded = std::str::from_utf8(&decoded).ok()?;
    if decoded
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    // Only the path part has segments; the query may hold anything printable.
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let mut segments = path.split('/').skip(1).peekable();
    while let Some(seg) = segments.next() {
        let last = segments.peek().is_none();
        // `/` alone or a trailing slash leaves one empty last segment.
        if (seg.is_empty() && !last) || is_dot_segment(seg) {
            return None;
        }
    }
    Some(next)
}

/// `.`, `..` and their percent-encoded spellings (`%2e`, `.%2E`, …).
fn is_dot_segment(seg: &str) -> bool {
    let lower = seg.to_ascii_lowercase();
    let dots = lower.replace("%2e", ".");
    dots == "." || dots == ".."
}

/// Decodes `%HH` escapes; `None` for a malformed escape or one that encodes
/// `/`, `\` or `%`.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hi = hex_value(*bytes.get(i + 1)?)?;
        let lo = hex_value(*bytes.get(i + 2)?)?;
        let b = hi << 4 | lo;
        if matches!(b, b'/' | b'\\' | b'%') {
            return None;
        }
        out.push(b);
        i += 3;
    }
    Some(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn ok(s: &str) {
        assert_eq!(safe_next_path(s), Some(s), "{s:?} should be accepted");
    }

    #[track_caller]
    fn refused(s: &str) {
        assert_eq!(safe_next_path(s), None, "{s:?} should be refused");
    }

    #[test]
    fn plain_paths_are_kept() {
        ok("/");
        ok("/w/acme");
        ok("/w/acme/");
        ok("/w/acme/settings/team");
        ok("/invite/AbC-123_xyz");
        ok("/w/acme?tab=posts&page=2");
        ok("/w/acme#top");
        ok("/w/caf%C3%A9");
        ok("/w/a.b/settings");
        ok("/w/...");
        ok("/a:b@c");
    }

    #[test]
    fn other_hosts_and_schemes_are_refused() {
        refused("");
        refused("w/acme");
        refused("//evil.example");
        refused("///evil.example");
        refused("https://evil.example");
        refused("http:/evil.example");
        refused("javascript:alert(1)");
        refused("data:text/html,x");
        refused(".//evil.example");
        refused("%2F%2Fevil.example");
        refused("%2f/evil.example");
    }

    #[test]
    fn backslashes_are_refused() {
        refused("/\\evil.example");
        refused("\\\\evil.example");
        refused("/w/a\\b");
        refused("/%5Cevil.example");
        refused("/%5cevil.example");
    }

    #[test]
    fn controls_and_whitespace_are_refused() {
        refused("/\t/evil.example");
        refused("/\n/evil.example");
        refused("/\r/evil.example");
        refused("/\0");
        refused("/w/acme\u{7f}");
        refused("/ /evil.example");
        refused("/w/acme ");
        refused("/\u{a0}/evil.example");
        refused("/\u{2028}x");
        refused("/\u{85}x");
        refused("/\u{3000}x");
        for c in (0u8..0x20).chain([0x7f]) {
            refused(&format!("/{}x", c as char));
            refused(&format!("/x%{c:02X}"));
        }
        refused("/%20");
        refused("/search?q=a%20b");
        refused("/%C2%A0");
        refused("/%C2%85");
        refused("/%E2%80%A8");
    }

    #[test]
    fn encoded_separators_and_double_encoding_are_refused() {
        refused("/%2F%2Fevil.example");
        refused("/%2f%2fevil.example");
        refused("/%2Fevil.example");
        refused("/w/a%2Fb");
        refused("/%252F%252Fevil.example");
        refused("/%25");
        refused("/w?next=%2F%2Fevil");
        refused("/%5C%5Cevil.example");
    }

    #[test]
    fn malformed_escapes_and_bad_utf8_are_refused() {
        refused("/%");
        refused("/%2");
        refused("/%zz");
        refused("/%G0");
        refused("/%FF");
        refused("/%C3");
        refused("/%C3%28");
        refused("/%E2%82");
    }

    #[test]
    fn dot_and_empty_segments_are_refused() {
        refused("/.");
        refused("/..");
        refused("/../evil");
        refused("/w/../../x");
        refused("/w/./x");
        refused("/w//x");
        refused("/w/%2e%2e/x");
        refused("/w/.%2E");
        refused("/%2E");
    }

    #[test]
    fn non_ascii_needs_encoding_and_never_panics() {
        refused("/w/café");
        refused("/é");
        refused("é/");
        refused("/\u{1F600}");
        refused("/％2F％2Fevil");
        refused("／/evil");
        refused("/\u{FEFF}");
        // A multibyte character right at the length limit.
        let mut s = "/".to_string();
        s.push_str(&"a".repeat(NEXT_MAX - 2));
        s.push('é');
        refused(&s);
    }

    #[test]
    fn overlong_input_is_refused() {
        let at_limit = format!("/{}", "a".repeat(NEXT_MAX - 1));
        ok(&at_limit);
        refused(&format!("/{}", "a".repeat(NEXT_MAX)));
        refused(&"/a".repeat(100_000));
    }
}
