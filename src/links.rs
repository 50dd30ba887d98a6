//! Tracking links: which query parameter names the partner, and the `utm_*` parameters.
//!
//! `https://shop.example.com/?ref=partner123&utm_campaign=spring2026` names partner
//! `partner123` through the referral parameter `ref`; aliases (`via`, `aff`, `partner`) are
//! a setting.

/// The campaign parameters we keep.
pub const UTM_PARAMS: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
];

/// Which link parameters carry the partner id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRules {
    /// Referral parameter names, tried in order (`ref` by default).
    pub ref_params: Vec<String>,
}

impl Default for LinkRules {
    fn default() -> Self {
        LinkRules {
            ref_params: vec!["ref".to_owned()],
        }
    }
}

/// What a tracking link carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkParts {
    /// The partner id from the first referral parameter found.
    pub partner_id: Option<String>,
    /// `utm_*` name and value pairs, in link order.
    pub utm: Vec<(String, String)>,
}

impl LinkRules {
    /// Reads a comma-separated list of parameter names (`ref,via`).
    pub fn parse(text: &str) -> LinkRules {
        let ref_params: Vec<String> = text
            .split(',')
            .map(|p| p.trim().to_ascii_lowercase())
            .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        if ref_params.is_empty() {
            LinkRules::default()
        } else {
            LinkRules { ref_params }
        }
    }

    /// A RE2 pattern whose first group is the referral parameter's value (for the importer).
    pub fn sql_pattern(&self) -> String {
        format!("(?i)[?&](?:{})=([^&#]*)", self.ref_params.join("|"))
    }

    /// Splits a link into its partner id and campaign parameters.
    pub fn parse_link(&self, url: &str) -> LinkParts {
        let query = url
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or(q))
            .unwrap_or("");
        let mut parts = LinkParts::default();
        let mut found_rank = usize::MAX;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name).to_ascii_lowercase();
            let value = percent_decode(value);
            if let Some(rank) = self.ref_params.iter().position(|p| *p == name) {
                if rank < found_rank && !value.is_empty() {
                    found_rank = rank;
                    parts.partner_id = Some(value);
                }
            } else if UTM_PARAMS.contains(&name.as_str()) {
                parts.utm.push((name, value));
            }
        }
        parts
    }
}

/// Decodes `%xx` escapes and `+` as space; invalid escapes are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_partner_and_campaign_from_a_link() {
        let rules = LinkRules::default();
        let parts = rules
            .parse_link("https://shop.example.com/?ref=partner123&utm_campaign=spring%202026#top");
        assert_eq!(parts.partner_id.as_deref(), Some("partner123"));
        assert_eq!(
            parts.utm,
            vec![("utm_campaign".to_owned(), "spring 2026".to_owned())]
        );
    }

    #[test]
    fn aliases_count_only_when_configured() {
        let url = "https://shop.example.com/p?via=dealhunter";
        assert_eq!(LinkRules::default().parse_link(url).partner_id, None);
        let rules = LinkRules::parse("ref, via");
        assert_eq!(
            rules.parse_link(url).partner_id.as_deref(),
            Some("dealhunter")
        );
    }

    #[test]
    fn percent_decoding_keeps_broken_escapes() {
        assert_eq!(percent_decode("a%20b+c%zz%"), "a b c%zz%");
    }
}
