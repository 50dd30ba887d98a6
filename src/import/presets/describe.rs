//! Presets for people: the `--list-presets` listing and the README's mapping tables, both
//! written from the presets themselves.

use std::fmt::Write;

use super::{Money, Preset, TimeFormat, Value, When, all};

/// Every built-in preset with the header columns it needs and the columns it makes, for
/// `import --list-presets`.
pub fn listing() -> String {
    let mut out = String::new();
    for preset in all() {
        let _ = writeln!(
            out,
            "{:<30} {:<12} {}",
            preset.name,
            preset.kind.key(),
            preset.title
        );
        let _ = writeln!(out, "{:<30} needs {}", "", needs(preset));
        let made: Vec<&str> = preset.fields.iter().map(|f| f.ours).collect();
        let _ = writeln!(out, "{:<30} makes {}", "", made.join(", "));
    }
    out
}

/// The columns a preset needs, each group's alternatives joined by "or".
pub fn needs(preset: &Preset) -> String {
    preset
        .recognise
        .iter()
        .map(|group| group.join(" or "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One Markdown section per preset: how it is recognised, a table of our columns and where
/// each comes from, what rows it leaves out and what the export lacks.
pub fn markdown_tables() -> String {
    let mut out = String::new();
    for preset in all() {
        let _ = writeln!(
            out,
            "#### `{}`: {} → {}\n",
            preset.name,
            preset.title,
            preset.kind.key()
        );
        let _ = writeln!(out, "Recognised by the columns {}.\n", quoted_needs(preset));
        let _ = writeln!(out, "| our column | from the export |\n|---|---|");
        for field in preset.fields {
            let from = match &field.value {
                Value::Constant(text) => format!("`{text}`"),
                value => describe(value),
            };
            let _ = writeln!(out, "| `{}` | {from} |", field.ours);
        }
        let _ = writeln!(out);
        if let Some(skip) = &preset.skip {
            let _ = writeln!(
                out,
                "Rows left out (counted, not rejected): {}, that is when {}.\n",
                skip.why,
                describe_when(&skip.when)
            );
        }
        for (name, value) in named_values(preset) {
            let _ = writeln!(out, "Where *{name}* is {}.\n", describe(value));
        }
        if !preset.ref_params.is_empty() {
            let _ = writeln!(
                out,
                "Referral parameters read besides the programme's: `{}`.\n",
                preset.ref_params.join("`, `")
            );
        }
        if let Some(tally) = &preset.tally {
            let _ = writeln!(
                out,
                "The import counts the stored rows by {}: {}.\n",
                tally.what,
                describe(&tally.value)
            );
        }
        let _ = writeln!(out, "Gaps: {}.\n", preset.lacks);
    }
    out
}

/// The values a preset calls by a name, each once, in the order the table and the rows left
/// out mention them (a name used inside another's definition after it).
fn named_values(preset: &'static Preset) -> Vec<(&'static str, &'static Value)> {
    let mut found = Vec::new();
    for field in preset.fields {
        find_named(&field.value, &mut found);
    }
    if let Some(skip) = &preset.skip {
        find_named_in_when(&skip.when, &mut found);
    }
    let mut i = 0;
    while i < found.len() {
        if let Value::Named(_, inner) = found[i] {
            find_named(inner, &mut found);
        }
        i += 1;
    }
    found
        .into_iter()
        .filter_map(|value| match value {
            Value::Named(name, inner) => Some((*name, *inner)),
            _ => None,
        })
        .collect()
}

/// Adds the named values `value` mentions (not looking inside them) to `found`, each once.
fn find_named(value: &'static Value, found: &mut Vec<&'static Value>) {
    match value {
        Value::Named(name, _) => {
            if !found
                .iter()
                .any(|v| matches!(v, Value::Named(other, _) if other == name))
            {
                found.push(value);
            }
        }
        Value::FirstOf(values) | Value::Joined(values) => {
            values.iter().for_each(|v| find_named(v, found));
        }
        Value::Money(inner, _)
        | Value::CurrencyOfSymbol(inner)
        | Value::Time(inner, _)
        | Value::Words(inner, _)
        | Value::WithoutPrefix(inner, _)
        | Value::Upper(inner)
        | Value::Capture(inner, _, _)
        | Value::Referral(inner)
        | Value::UrlParam(inner, _) => find_named(inner, found),
        Value::MoneyLess(first, second, _) => {
            find_named(first, found);
            find_named(second, found);
        }
        Value::If(when, then, otherwise) => {
            find_named(then, found);
            find_named(otherwise, found);
            find_named_in_when(when, found);
        }
        Value::Column(_) | Value::Constant(_) | Value::GivenPartner | Value::Nothing => {}
    }
}

/// [`find_named`] for the values a condition reads.
fn find_named_in_when(when: &'static When, found: &mut Vec<&'static Value>) {
    match when {
        When::Empty(value) | When::Set(value) | When::Is(value, _) => find_named(value, found),
        When::AtLeast(first, second, _) => {
            find_named(first, found);
            find_named(second, found);
        }
        When::All(conditions) | When::Any(conditions) => {
            conditions.iter().for_each(|c| find_named_in_when(c, found));
        }
        When::Not(condition) => find_named_in_when(condition, found),
    }
}

fn quoted_needs(preset: &Preset) -> String {
    preset
        .recognise
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value in words.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Column(names) => names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or "),
        Value::FirstOf(values) => values
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join(", else "),
        Value::Constant(text) => format!("`{text}`"),
        Value::GivenPartner => "the partner named with `--partner`".to_owned(),
        Value::Money(inner, money) => format!("{} {}", describe(inner), money_words(*money)),
        Value::MoneyLess(first, second, money) => format!(
            "{} − {}, {}, not below 0",
            describe(first),
            describe(second),
            money_words(*money)
        ),
        Value::CurrencyOfSymbol(inner) => {
            format!(
                "the currency of {}'s symbol ($ USD, € EUR, ¥ JPY, CA$ CAD, …)",
                describe(inner)
            )
        }
        Value::Time(inner, format) => format!("{} {}", describe(inner), time_words(*format)),
        Value::Words(inner, words) => {
            let listed: Vec<String> = words
                .iter()
                .map(|(theirs, ours)| format!("{theirs} → {ours}"))
                .collect();
            format!("{} ({})", describe(inner), listed.join(", "))
        }
        Value::WithoutPrefix(inner, prefix) => {
            format!("{} without a leading `{prefix}`", describe(inner))
        }
        Value::Upper(inner) => format!("{} upper-cased", describe(inner)),
        Value::Capture(inner, _, what) => format!("{}: {what}", describe(inner)),
        Value::Joined(values) => values.iter().map(describe).collect::<Vec<_>>().join(" + "),
        Value::If(when, then, Value::Nothing) => {
            format!("{} when {}", describe(then), describe_when(when))
        }
        Value::If(when, then, otherwise) => format!(
            "{} when {}, else {}",
            describe(then),
            describe_when(when),
            describe(otherwise)
        ),
        Value::Nothing => "nothing".to_owned(),
        Value::Named(name, _) => format!("*{name}*"),
        Value::Referral(inner) => format!(
            "the partner named by a referral parameter (`ref`, the programme's aliases) in {}",
            describe(inner)
        ),
        Value::UrlParam(inner, name) => format!("`{name}=` in {}", describe(inner)),
    }
}

/// A condition in words.
pub fn describe_when(when: &When) -> String {
    match when {
        When::Empty(value) => format!("{} is empty", describe(value)),
        When::Set(value) => format!("{} is set", describe(value)),
        When::Is(value, words) => format!("{} is {}", describe(value), words.join(" or ")),
        When::AtLeast(first, second, _) => format!(
            "{} is at least {} (and above 0)",
            describe(first),
            describe(second)
        ),
        When::All(conditions) => conditions
            .iter()
            .map(describe_part)
            .collect::<Vec<_>>()
            .join(" and "),
        When::Any(conditions) => conditions
            .iter()
            .map(describe_part)
            .collect::<Vec<_>>()
            .join(" or "),
        When::Not(condition) => format!("not ({})", describe_when(condition)),
    }
}

/// A condition inside another, in parentheses when it joins several.
fn describe_part(when: &When) -> String {
    match when {
        When::All(_) | When::Any(_) => format!("({})", describe_when(when)),
        _ => describe_when(when),
    }
}

fn money_words(money: Money) -> &'static str {
    match money {
        Money::Units => "as money",
        Money::Cents => "in cents (÷ 100)",
        Money::CentsUnlessFormatted => "in cents (÷ 100) when a bare integer, else as money",
    }
}

fn time_words(format: TimeFormat) -> &'static str {
    match format {
        TimeFormat::Iso => "(ISO 8601)",
        TimeFormat::NaiveUtc => "(`YYYY-MM-DD HH:MM[:SS]`, UTC)",
        TimeFormat::UsDateZone => "(`MM/DD/YYYY HH:MM:SS EDT`)",
        TimeFormat::UsDate12Hour => "(`MM/DD/YYYY hh:mm:ss AM`)",
        TimeFormat::Unix => "(unix seconds, milliseconds or microseconds)",
    }
}
