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
        Value::If(when, then, otherwise) => format!(
            "{} when {}, else {}",
            describe(then),
            describe_when(when),
            describe(otherwise)
        ),
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
            .map(describe_when)
            .collect::<Vec<_>>()
            .join(" and "),
        When::Any(conditions) => conditions
            .iter()
            .map(describe_when)
            .collect::<Vec<_>>()
            .join(" or "),
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
