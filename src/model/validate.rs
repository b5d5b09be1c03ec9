//! Input rules shared by the browser (instant hints) and the server (the authority).
//!
//! Every text rule refuses control characters: PostgreSQL rejects NUL in
//! `text` (the request would fail as a 500), and the others have no place in
//! names, addresses or links — they hide text and break logs and headers.
//! Multi-line free texts keep `\n`, `\r` and `\t`.

pub const NAME_MAX: usize = 80;
pub const SLUG_MAX: usize = 48;

/// Refuses control characters (C0, DEL, C1), including line breaks and tabs.
pub fn single_line(value: &str, label: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        Err(format!("{label} must not contain control characters."))
    } else {
        Ok(())
    }
}

/// Like `single_line`, but line breaks and tabs are text.
pub fn multi_line(value: &str, label: &str) -> Result<(), String> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Err(format!("{label} must not contain control characters."))
    } else {
        Ok(())
    }
}

pub fn workspace_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Name is required.".into());
    }
    single_line(name, "Name")?;
    if name.chars().count() > NAME_MAX {
        return Err(format!("Name must be at most {NAME_MAX} characters."));
    }
    Ok(name.to_string())
}

/// Lower-case ASCII letters, digits and single hyphens (so never a control).
pub fn slug(slug: &str) -> Result<String, String> {
    let slug = slug.trim().to_ascii_lowercase();
    if slug.is_empty() {
        return Err("Slug is required.".into());
    }
    if slug.len() < 2 || slug.len() > SLUG_MAX {
        return Err(format!("Slug must be 2–{SLUG_MAX} characters."));
    }
    let ok_chars = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok_chars || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(
            "Slug may contain only lowercase letters, digits and single hyphens, not at the ends."
                .into(),
        );
    }
    Ok(slug)
}

/// `#rrggbb`; empty means "not set". Anything else is refused, so a colour can
/// be placed in a style attribute without escaping.
pub fn color(value: &str, label: &str) -> Result<Option<String>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let hex = v.strip_prefix('#').unwrap_or(v);
    if (hex.len() == 6 || hex.len() == 3) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        let full = if hex.len() == 3 {
            hex.chars().flat_map(|c| [c, c]).collect::<String>()
        } else {
            hex.to_string()
        };
        Ok(Some(format!("#{}", full.to_ascii_lowercase())))
    } else {
        Err(format!("{label} must be a hex colour like #3b82f6."))
    }
}

/// http(s) URL; empty means "not set".
pub fn optional_url(value: &str, label: &str) -> Result<Option<String>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && !host.starts_with('/')
                && !v.contains(char::is_whitespace)
                && !v.contains(char::is_control)
                && v.len() <= 2048 =>
        {
            Ok(Some(v.to_string()))
        }
        _ => Err(format!(
            "{label} must be a full http:// or https:// address."
        )),
    }
}

pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
    ("pl", "Polski"),
    ("sv", "Svenska"),
    ("ja", "日本語"),
];

pub fn language(value: &str) -> Result<String, String> {
    let v = value.trim();
    LANGUAGES
        .iter()
        .find(|(code, _)| *code == v)
        .map(|(code, _)| code.to_string())
        .ok_or_else(|| "Choose a language from the list.".to_string())
}

pub fn email(value: &str) -> Result<String, String> {
    let v = value.trim();
    let (local, domain) = v.split_once('@').ok_or("Enter a valid email address.")?;
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || v.contains(char::is_whitespace)
        || v.contains(char::is_control)
        || v.len() > 254
        || domain.contains('@')
    {
        return Err("Enter a valid email address.".into());
    }
    Ok(v.to_string())
}

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// A new password: any printable characters, no controls (a typed password
/// never has them; NUL would also truncate it in some tools).
pub fn password(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if value.contains(char::is_control) {
        Err("Password must not contain control characters.".into())
    } else if n < PASSWORD_MIN {
        Err(format!(
            "Password must be at least {PASSWORD_MIN} characters."
        ))
    } else if n > PASSWORD_MAX {
        Err(format!(
            "Password must be at most {PASSWORD_MAX} characters."
        ))
    } else {
        Ok(())
    }
}

pub fn display_name(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("Name is required.".into());
    }
    single_line(v, "Name")?;
    if v.chars().count() > NAME_MAX {
        return Err(format!("Name must be at most {NAME_MAX} characters."));
    }
    Ok(v.to_string())
}

/// Optional free text (several lines allowed) with a length cap.
pub fn text(value: &str, label: &str, max: usize) -> Result<Option<String>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    multi_line(v, label)?;
    if v.chars().count() > max {
        return Err(format!("{label} must be at most {max} characters."));
    }
    Ok(Some(v.to_string()))
}

/// Optional one-line free text (a tone, a font name) with a length cap.
pub fn line(value: &str, label: &str, max: usize) -> Result<Option<String>, String> {
    single_line(value.trim(), label)?;
    text(value, label, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(color("#3B82F6", "c").unwrap().as_deref(), Some("#3b82f6"));
        assert_eq!(color("abc", "c").unwrap().as_deref(), Some("#aabbcc"));
        assert_eq!(color("", "c").unwrap(), None);
        assert!(color("red", "c").is_err());
        assert!(color("#12345g", "c").is_err());
        assert!(color("#123;}body{", "c").is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Acme-Co").unwrap(), "acme-co");
        assert!(slug("-acme").is_err());
        assert!(slug("a").is_err());
        assert!(slug("acme co").is_err());
        assert!(slug("acme--co").is_err());
    }

    #[test]
    fn urls() {
        assert!(optional_url("https://acme.test/logo.png", "Logo")
            .unwrap()
            .is_some());
        assert!(optional_url("javascript:alert(1)", "Logo").is_err());
        assert!(optional_url("https://", "Logo").is_err());
        assert_eq!(optional_url(" ", "Logo").unwrap(), None);
    }

    #[test]
    fn emails_and_passwords() {
        assert!(email("a@b.co").is_ok());
        assert!(email("nope").is_err());
        assert!(email("a@b").is_err());
        assert!(password("1234567").is_err());
        assert!(password("12345678").is_ok());
        assert!(password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn control_characters_are_refused_everywhere() {
        for bad in ["a\0b", "a\u{1}b", "a\u{7f}b", "a\u{85}b", "a\u{1b}[31mb"] {
            assert!(workspace_name(bad).is_err(), "{bad:?}");
            assert!(display_name(bad).is_err(), "{bad:?}");
            assert!(slug(bad).is_err(), "{bad:?}");
            assert!(email(&format!("{bad}@b.co")).is_err(), "{bad:?}");
            assert!(
                optional_url(&format!("https://x.test/{bad}"), "Logo").is_err(),
                "{bad:?}"
            );
            assert!(color(bad, "c").is_err(), "{bad:?}");
            assert!(text(bad, "Description", 100).is_err(), "{bad:?}");
            assert!(line(bad, "Tone", 100).is_err(), "{bad:?}");
            assert!(password(&format!("{bad}-long-enough")).is_err(), "{bad:?}");
            assert!(language(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            workspace_name("Acme\0").unwrap_err(),
            "Name must not contain control characters."
        );
        // Line breaks and tabs: text in descriptions, not in names.
        assert!(text("line one\r\nline\ttwo", "Description", 100).is_ok());
        assert!(line("a\nb", "Tone", 100).is_err());
        assert!(workspace_name("a\nb").is_err());
        assert!(display_name("a\tb").is_err());
        // Surrounding whitespace is still trimmed, not refused.
        assert_eq!(workspace_name(" Acme \n").unwrap(), "Acme");
        // Printable Unicode is fine.
        assert_eq!(display_name("Zoë 🚀").unwrap(), "Zoë 🚀");
        assert!(password("pässwörd mit Leerzeichen").is_ok());
    }
}
