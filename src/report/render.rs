//! The rules document as one self-contained HTML file (styles inline, no external assets,
//! print-friendly) or as Markdown. Every string is escaped: partner ids and names come from
//! files partners influence.

use std::fmt::Write;

use super::rules::{RulesDocument, Section, WorkedExample};

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes the characters Markdown would read as markup (and raw HTML), the `:` of web
/// addresses (no auto-links), and a leading list marker.
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let marker_end = leading_list_marker(text);
    for (i, c) in text.char_indices() {
        if Some(i) == marker_end {
            out.push('\\');
            out.push(c);
            continue;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The byte position of the punctuation of a list marker opening `text` (`- `, `+ `, `1. `,
/// `2) `), which would start a list.
fn leading_list_marker(text: &str) -> Option<usize> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let at = match text.as_bytes().get(digits)? {
        b'.' | b')' if digits > 0 => digits,
        b'-' | b'+' if digits == 0 => 0,
        _ => return None,
    };
    matches!(text.as_bytes().get(at + 1), Some(b' ') | None).then_some(at)
}

const STYLE: &str = "
body { font-family: -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; line-height: 1.5;
       overflow-wrap: break-word; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; }
.meta { color: #555; font-size: 0.9rem; }
code, .link { font-family: 'SFMono-Regular', Consolas, 'Liberation Mono', monospace;
       font-size: 0.85rem; word-break: break-all; }
.link { background: #f4f4f6; padding: 0.4rem 0.6rem; border-radius: 4px; display: block; }
.example { border-left: 3px solid #4a7bd0; background: #f7f9fd; padding: 0.5rem 0.9rem;
       margin: 0.8rem 0; break-inside: avoid; }
.example h3 { font-size: 0.95rem; margin: 0.2rem 0; }
.example ol, .example ul { margin: 0.3rem 0 0.3rem 1.2rem; padding: 0; }
.counts { color: #1a7f37; } .not { color: #9a3412; } .note { color: #444; font-style: italic; }
.conclusion { font-weight: 600; }
@media print { body { margin: 0; max-width: none; font-size: 10.5pt; }
       h2 { break-after: avoid; } .example { background: none; } a { color: inherit; } }
";

/// The document as one self-contained HTML page.
pub fn to_html(doc: &RulesDocument) -> String {
    let mut out = String::new();
    let title = html_escape(&doc.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n\
         <p class=\"meta\">Dated {} · settings fingerprint <code>{}</code> · every example \
         below was computed by the attribution engine under these settings.</p>\n",
        html_escape(&doc.date),
        html_escape(&doc.fingerprint)
    );
    for section in &doc.sections {
        section_html(&mut out, section);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section_html(out: &mut String, section: &Section) {
    let _ = writeln!(out, "<h2>{}</h2>", html_escape(&section.title));
    for p in &section.paragraphs {
        let _ = writeln!(out, "<p>{}</p>", html_escape(p));
    }
    if !section.bullets.is_empty() {
        out.push_str("<ul>\n");
        for b in &section.bullets {
            let _ = writeln!(out, "<li>{}</li>", html_escape(b));
        }
        out.push_str("</ul>\n");
    }
    for (label, link) in &section.links {
        let _ = writeln!(
            out,
            "<p>{}:<span class=\"link\">{}</span></p>",
            html_escape(label),
            html_escape(link)
        );
    }
    for example in &section.examples {
        example_html(out, example);
    }
}

fn example_html(out: &mut String, example: &WorkedExample) {
    let _ = writeln!(
        out,
        "<div class=\"example\">\n<h3>Example: {}</h3>\n<ol>",
        html_escape(&example.scenario)
    );
    for step in &example.steps {
        let _ = writeln!(out, "<li>{}</li>", html_escape(step));
    }
    out.push_str("</ol>\n<ul>\n");
    for (counts, touch) in &example.touches {
        let class = if *counts { "counts" } else { "not" };
        let _ = writeln!(out, "<li class=\"{class}\">{}</li>", html_escape(touch));
    }
    for note in &example.notes {
        let _ = writeln!(out, "<li class=\"note\">{}</li>", html_escape(note));
    }
    out.push_str("</ul>\n<ul>\n");
    for line in &example.outcome {
        let _ = writeln!(out, "<li>{}</li>", html_escape(line));
    }
    let _ = writeln!(
        out,
        "</ul>\n<p class=\"conclusion\">{}</p>\n</div>",
        html_escape(&example.conclusion)
    );
}

/// The document as Markdown.
pub fn to_markdown(doc: &RulesDocument) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "# {}\n\nDated {} · settings fingerprint `{}` · every example below was computed by \
         the attribution engine under these settings.\n",
        markdown_escape(&doc.title),
        markdown_escape(&doc.date),
        doc.fingerprint.replace('`', "")
    );
    for section in &doc.sections {
        let _ = write!(out, "\n## {}\n\n", markdown_escape(&section.title));
        for p in &section.paragraphs {
            let _ = writeln!(out, "{}\n", markdown_escape(p));
        }
        for b in &section.bullets {
            let _ = writeln!(out, "- {}", markdown_escape(b));
        }
        if !section.bullets.is_empty() {
            out.push('\n');
        }
        for (label, link) in &section.links {
            let _ = writeln!(
                out,
                "{}:\n\n    {}\n",
                markdown_escape(label),
                link.replace(['\n', '\r'], "")
            );
        }
        for example in &section.examples {
            example_markdown(&mut out, example);
        }
    }
    out
}

fn example_markdown(out: &mut String, example: &WorkedExample) {
    let _ = write!(
        out,
        "> **Example: {}**\n>\n",
        markdown_escape(&example.scenario)
    );
    for (i, step) in example.steps.iter().enumerate() {
        let _ = writeln!(out, "> {}. {}", i + 1, markdown_escape(step));
    }
    out.push_str(">\n");
    for (counts, touch) in &example.touches {
        let mark = if *counts { "✓" } else { "✗" };
        let _ = writeln!(out, "> - {mark} {}", markdown_escape(touch));
    }
    for note in &example.notes {
        let _ = writeln!(out, "> - {}", markdown_escape(note));
    }
    out.push_str(">\n");
    for line in &example.outcome {
        let _ = writeln!(out, "> - {}", markdown_escape(line));
    }
    let _ = write!(out, ">\n> **{}**\n\n", markdown_escape(&example.conclusion));
}
