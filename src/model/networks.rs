//! The social networks Postroom knows and how they count a post.

/// A social network Postroom knows: its id in platform ids, its name and the
/// longest post it accepts (characters, signature included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub code: &'static str,
    pub label: &'static str,
    pub max_chars: usize,
    /// Can it be connected in this build (a provider exists)?
    pub available: bool,
}

pub const NETWORKS: &[Network] = &[
    Network {
        code: "sandbox",
        label: "Sandbox",
        max_chars: 1000,
        available: true,
    },
    Network {
        code: "twitter",
        label: "X (Twitter)",
        max_chars: 280,
        available: false,
    },
    Network {
        code: "bluesky",
        label: "Bluesky",
        max_chars: 300,
        available: false,
    },
    Network {
        code: "threads",
        label: "Threads",
        max_chars: 500,
        available: false,
    },
    Network {
        code: "mastodon",
        label: "Mastodon",
        max_chars: 500,
        available: false,
    },
    Network {
        code: "linkedin",
        label: "LinkedIn",
        max_chars: 3000,
        available: false,
    },
    Network {
        code: "instagram",
        label: "Instagram",
        max_chars: 2200,
        available: false,
    },
    Network {
        code: "facebook",
        label: "Facebook",
        max_chars: 63206,
        available: false,
    },
    Network {
        code: "tiktok",
        label: "TikTok",
        max_chars: 2200,
        available: false,
    },
    Network {
        code: "youtube",
        label: "YouTube",
        max_chars: 5000,
        available: false,
    },
    Network {
        code: "telegram",
        label: "Telegram",
        max_chars: 4096,
        available: false,
    },
    Network {
        code: "pinterest",
        label: "Pinterest",
        max_chars: 500,
        available: false,
    },
];

pub fn network(code: &str) -> Option<&'static Network> {
    NETWORKS.iter().find(|n| n.code == code)
}

/// Characters as a network counts them (Unicode scalar values).
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// The text a network receives: the content, then the signature.
pub fn with_signature(content: &str, signature: Option<&str>) -> String {
    match signature.map(str::trim).filter(|s| !s.is_empty()) {
        Some(sig) => format!("{}\n\n{}", content.trim_end(), sig),
        None => content.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_appended_after_a_blank_line() {
        assert_eq!(with_signature("Hi  ", Some("— Acme")), "Hi\n\n— Acme");
        assert_eq!(with_signature("Hi", Some("  ")), "Hi");
        assert_eq!(with_signature("Hi", None), "Hi");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(char_count("héllo 👋"), 7);
    }
}
