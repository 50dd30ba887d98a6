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

    /// The parameter names as one comma-separated list, for [`RefNames::parse`] in the importer's
    /// SQL.
    pub fn names_list(&self) -> String {
        self.ref_params.join(",")
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

/// The `utm_medium` every partner link carries.
pub const PARTNER_MEDIUM: &str = "partner";

/// The campaign of links built without one.
pub const DEFAULT_CAMPAIGN: &str = "partner-programme";

/// Referral parameter names other platforms use; a link carrying one the programme does not
/// read is flagged.
pub const KNOWN_ALIASES: [&str; 7] = [
    "ref",
    "via",
    "aff",
    "partner",
    "affiliate",
    "partner_id",
    "aff_id",
];

/// Builds partner `partner_id`'s tracking link on `base_url`: the referral parameter `param`,
/// then `utm_source` (the partner), `utm_medium=partner` and `utm_campaign`. An existing query
/// is kept and a `#fragment` stays last.
pub fn build_link(base_url: &str, param: &str, partner_id: &str, campaign: &str) -> String {
    let (without_fragment, fragment) = match base_url.trim().split_once('#') {
        Some((url, fragment)) => (url.to_owned(), format!("#{fragment}")),
        None => (base_url.trim().to_owned(), String::new()),
    };
    let joiner = if !without_fragment.contains('?') {
        "?"
    } else if without_fragment.ends_with('?') || without_fragment.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!(
        "{without_fragment}{joiner}{}={}&utm_source={}&utm_medium={PARTNER_MEDIUM}&utm_campaign={}{fragment}",
        percent_encode(param),
        percent_encode(partner_id),
        percent_encode(partner_id),
        percent_encode(campaign),
    )
}

/// Escapes everything but RFC 3986's unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What the programme knows when a pasted link is checked.
#[derive(Debug, Clone, Default)]
pub struct LinkContext {
    /// Every registered partner id.
    pub partners: Vec<String>,
    /// Per partner id: its recorded clicks and how many took more than one redirect hop.
    pub redirects: Vec<(String, i64, i64)>,
}

/// A pasted link, read and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkCheck {
    /// The partner the link names (through a configured parameter).
    pub partner_id: Option<String>,
    /// Its `utm_campaign`.
    pub campaign: Option<String>,
    /// What is wrong with it, one sentence each; empty when it is fine.
    pub problems: Vec<String>,
}

impl LinkRules {
    /// Reads `url` and says what is wrong with it as a tracking link of this programme.
    pub fn check_link(&self, url: &str, context: &LinkContext) -> LinkCheck {
        let url = url.trim();
        let parts = self.parse_link(url);
        let utm = |name: &str| {
            parts
                .utm
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let mut check = LinkCheck {
            partner_id: parts.partner_id.clone(),
            campaign: utm("utm_campaign"),
            problems: Vec::new(),
        };
        let problems = &mut check.problems;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            problems.push("Not a web address: a tracking link starts with https://.".to_owned());
        }
        let configured = self.ref_params.join(", ");
        for alias in self.unread_aliases(url) {
            problems.push(format!(
                "It names the partner with '{alias}=', which this programme does not read \
                 (referral parameters: {configured}); clicks on it are not credited."
            ));
        }
        match &parts.partner_id {
            None => problems.push(format!(
                "No referral parameter: expected ?{}=PARTNER_ID.",
                self.ref_params[0]
            )),
            Some(id) if !context.partners.iter().any(|p| p == id) => {
                problems.push(format!("Unknown partner '{id}': not in the partners list."))
            }
            Some(id) => {
                if let Some(source) = utm("utm_source").filter(|s| s != id) {
                    problems.push(format!(
                        "utm_source is '{source}' but the link names partner '{id}'."
                    ));
                }
                if let Some((_, clicks, multi)) =
                    context.redirects.iter().find(|(p, _, m)| p == id && *m > 0)
                {
                    problems.push(format!(
                        "Redirect chain: {multi} of {clicks} recorded clicks on {id}'s links \
                         took more than one redirect hop, so cookies may not be set; link \
                         straight to the shop."
                    ));
                }
            }
        }
        if check.campaign.is_none() && parts.partner_id.is_some() {
            problems.push("No utm_campaign: campaign reports will show it as '(none)'.".to_owned());
        }
        check
    }

    /// Referral-looking parameters in `url` this programme does not read.
    fn unread_aliases(&self, url: &str) -> Vec<String> {
        let query = url
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or(q))
            .unwrap_or("");
        let mut unread = Vec::new();
        for pair in query.split('&') {
            let name = percent_decode(pair.split('=').next().unwrap_or("")).to_ascii_lowercase();
            if KNOWN_ALIASES.contains(&name.as_str())
                && !self.ref_params.contains(&name)
                && !unread.contains(&name)
            {
                unread.push(name);
            }
        }
        unread
    }
}

/// Referral parameter names read once from their comma-separated list, for reading many
/// links as the importer does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefNames {
    names: Vec<Vec<u8>>,
}

impl RefNames {
    /// The names of a comma-separated list (lower case); empty names are skipped.
    pub fn parse(list: &[u8]) -> RefNames {
        RefNames {
            names: list
                .split(|b| *b == b',')
                .filter(|name| !name.is_empty())
                .map(<[u8]>::to_vec)
                .collect(),
        }
    }

    /// The value of the first referral parameter in `url`: the leftmost `?name=` or `&name=`
    /// whose name is one of these (the link's may be in any case), up to the next `&`, `#` or
    /// the end — still percent-encoded, and empty when the parameter is; `None` when no such
    /// parameter is there. The link's `?` and `&` are found with SIMD byte searches: the
    /// importer reads every link of a click file through this.
    pub fn value_in<'a>(&self, url: &'a [u8]) -> Option<&'a [u8]> {
        let mut from = 0;
        while let Some(at) = memchr::memchr2(b'?', b'&', &url[from..]) {
            let start = from + at + 1;
            let rest = &url[start..];
            let named = self.names.iter().find(|name| {
                rest.len() > name.len()
                    && rest[name.len()] == b'='
                    && rest[..name.len()].eq_ignore_ascii_case(name)
            });
            if let Some(name) = named {
                let value = &rest[name.len() + 1..];
                let end = memchr::memchr2(b'&', b'#', value).unwrap_or(value.len());
                return Some(&value[..end]);
            }
            from = start;
        }
        None
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
    fn the_importer_reads_the_leftmost_configured_parameter_in_any_case() {
        let value = |url: &str, names: &str| {
            RefNames::parse(names.as_bytes())
                .value_in(url.as_bytes())
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        let some = |v: &str| Some(v.to_owned());
        assert_eq!(value("https://s.example/?ref=a1&x=2", "ref"), some("a1"));
        assert_eq!(
            value("https://s.example/p?x=1&REF=b%202#top", "ref"),
            some("b%202")
        );
        assert_eq!(
            value("https://s.example/?via=v&ref=r", "ref,via"),
            some("v")
        );
        assert_eq!(value("https://s.example/?ref=&via=v", "ref,via"), some(""));
        assert_eq!(value("https://s.example/?ref=a&ref=b", "ref"), some("a"));
        assert_eq!(
            value("https://s.example/#frag?ref=late", "ref"),
            some("late")
        );
        assert_eq!(value("https://s.example/?ref=tail", "ref"), some("tail"));
        // Not a parameter of that name: a longer name, a name ending in it, no `=`.
        assert_eq!(
            value("https://s.example/?reference=x&xref=y&ref", "ref"),
            None
        );
        assert_eq!(value("https://s.example/ref=x", "ref"), None);
        assert_eq!(value("", "ref"), None);
    }

    #[test]
    fn percent_decoding_keeps_broken_escapes() {
        assert_eq!(percent_decode("a%20b+c%zz%"), "a b c%zz%");
    }

    /// Guards the last three bytes: an escape that ends the text is decoded like one in the
    /// middle, and a cut-off or non-hex one is kept as written.
    #[test]
    fn an_escape_in_the_last_three_bytes_is_decoded() {
        assert_eq!(percent_decode("a%20"), "a ");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_decode("spring%202026"), "spring 2026");
        assert_eq!(percent_decode("%41%42"), "AB");
        assert_eq!(percent_decode("a%4"), "a%4");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("a%zz"), "a%zz");
        assert_eq!(percent_decode("%%41"), "%A");
    }

    #[test]
    fn built_links_round_trip_to_partner_and_campaign() {
        let rules = LinkRules::default();
        for (base, partner, campaign) in [
            ("https://shop.example.com/", "partner123", "spring 2026"),
            (
                "https://shop.example.com/p?color=red#reviews",
                "O'Brien & Sons",
                "bf/cm",
            ),
            ("http://x.test", "ünï", "a=b&c"),
        ] {
            let link = build_link(base, "ref", partner, campaign);
            let check = rules.check_link(
                &link,
                &LinkContext {
                    partners: vec![partner.to_owned()],
                    redirects: vec![],
                },
            );
            assert_eq!(check.partner_id.as_deref(), Some(partner), "{link}");
            assert_eq!(check.campaign.as_deref(), Some(campaign), "{link}");
            assert!(check.problems.is_empty(), "{link}: {:?}", check.problems);
        }
        assert_eq!(
            build_link(
                "https://shop.example.com/p?color=red#reviews",
                "ref",
                "a b",
                "c"
            ),
            "https://shop.example.com/p?color=red&ref=a%20b&utm_source=a%20b&utm_medium=partner&utm_campaign=c#reviews"
        );
    }

    #[test]
    fn checked_links_name_what_is_wrong() {
        let rules = LinkRules::default();
        let context = LinkContext {
            partners: vec!["alpha".to_owned()],
            redirects: vec![("alpha".to_owned(), 40, 3)],
        };
        let alias = rules.check_link("https://shop.example.com/?via=alpha", &context);
        assert_eq!(alias.partner_id, None);
        assert!(alias.problems[0].contains("'via='"), "{:?}", alias.problems);
        assert!(alias.problems[1].starts_with("No referral parameter"));
        let unknown = rules.check_link(
            "https://shop.example.com/?ref=zeta&utm_campaign=x",
            &context,
        );
        assert_eq!(
            unknown.problems,
            vec!["Unknown partner 'zeta': not in the partners list."]
        );
        let chain = rules.check_link(
            "https://shop.example.com/?ref=alpha&utm_campaign=x",
            &context,
        );
        assert!(
            chain.problems[0].starts_with("Redirect chain: 3 of 40"),
            "{:?}",
            chain.problems
        );
    }
}
