use super::{all, header_key, recognise};

#[test]
fn header_keys_ignore_case_punctuation_and_pap_s_bang() {
    assert_eq!(header_key("Created date (UTC)"), "created_date_utc");
    assert_eq!(header_key("!TRANSID"), "transid");
    assert_eq!(
        header_key("\u{feff}\"dub_id (metadata)\""),
        "dub_id_metadata"
    );
    assert_eq!(header_key("affiliate.id"), "affiliate_id");
}

#[test]
fn every_preset_has_a_unique_name_and_makes_its_kind_s_required_columns() {
    let mut names: Vec<&str> = all().map(|p| p.name).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "duplicate preset names");
    for preset in all() {
        for required in preset.kind.required_columns() {
            assert!(
                preset.field(required).is_some(),
                "{} makes no {required}",
                preset.name
            );
        }
    }
}

#[test]
fn a_header_of_our_own_columns_is_no_preset_s() {
    let header: Vec<String> = ["conversion_id", "converted_at", "revenue"]
        .map(String::from)
        .to_vec();
    assert!(recognise(&header, None).is_none());
}
