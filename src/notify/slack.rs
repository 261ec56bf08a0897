//! The Slack message of a run alert (Block Kit, for an incoming webhook), kept within Slack's
//! limits: at most [`MAX_BLOCKS`] blocks and [`MAX_CHARS`] characters of text in all, a header of
//! at most 150 characters and sections of at most 3,000; what does not fit ends in "…and N more".

use serde_json::{Value, json};

use super::alert::{Alert, cost_text};
use crate::snapshot::RunReport;

/// Slack takes 50 blocks; the message stops well short of that.
pub const MAX_BLOCKS: usize = 40;
/// Slack refuses messages of about 13,000 characters; the text of all blocks stays below this.
pub const MAX_CHARS: usize = 12_000;
pub const MAX_HEADER: usize = 150;
pub const MAX_SECTION: usize = 3_000;

/// `&`, `<` and `>` as Slack's mrkdwn wants them, so names cannot open links or mentions.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `text` cut to `max` characters, the cut marked with "…".
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The message: a header, the status and problem, the headline counts, the top findings by
/// cost, what failed, and where the snapshot is.
pub fn message(alert: &Alert) -> Value {
    let mut blocks = Blocks::default();
    let title = format!("mode-audit: {} — {}", alert.workspace, alert.status().to_uppercase());
    blocks.push(json!({"type": "header", "text": {"type": "plain_text", "text": cut(&title, MAX_HEADER)}}));
    let mut status = format!("*Status:* {} (exit {})", alert.status(), alert.exit_code());
    if let Some(problem) = alert.problem() {
        status.push_str(&format!("\n*Problem:* {}", escape(&problem)));
    }
    blocks.section(&status);
    if let Ok(r) = alert.outcome {
        blocks.section(&counts(alert, r));
        top_findings(&mut blocks, alert, r);
        not_collected(&mut blocks, r);
    }
    if let Some(location) = alert.location() {
        blocks.section(&format!("*Snapshot:* `{}`", escape(&location)));
    }
    blocks.finish();
    let fallback = cut(&title, MAX_HEADER);
    json!({"text": fallback, "blocks": blocks.done})
}

/// The headline counts of a run: reports, and findings when it counted them.
fn counts(alert: &Alert, r: &RunReport) -> String {
    let s = &r.summary;
    let mut counts = format!(
        "*Reports:* {} ({} scheduled, {} scheduled with 0 views, {} archived) in {} collections",
        s.reports, s.scheduled, s.scheduled_zero_views, s.archived, s.collections
    );
    if let Some(total) = alert.findings_total() {
        let new = r.new_findings.map_or("unknown".to_string(), |n| n.to_string());
        counts.push_str(&format!(
            "\n*Findings:* {total} ({new} new since the previous snapshot)"
        ));
    }
    counts
}

/// The top findings by cost, each linked to its report when it has an address.
fn top_findings(blocks: &mut Blocks, alert: &Alert, r: &RunReport) {
    if r.top_findings.is_empty() {
        return;
    }
    let lines = r.top_findings.iter().map(|f| {
        let name = escape(f.report_name.as_deref().unwrap_or(&f.report_token));
        let name = match &f.url {
            Some(url) => format!("<{}|{name}>", escape(url)),
            None => name,
        };
        format!("• {name} — {} — {}", f.reason.code(), cost_text(f.cost_seconds()))
    });
    let total = alert.findings_total().unwrap_or(r.top_findings.len() as u64);
    blocks.list(
        "*Top findings by cost*",
        lines,
        total,
        "findings (findings.csv in the snapshot)",
    );
}

/// What the run could not collect: each failure's scope, token and error.
fn not_collected(blocks: &mut Blocks, r: &RunReport) {
    if r.failures.is_empty() {
        return;
    }
    let lines = r.failures.iter().map(|f| {
        let token = f
            .token
            .as_deref()
            .map(|t| format!(" {}", escape(t)))
            .unwrap_or_default();
        format!("• {}{token}: {}", escape(&f.scope), escape(&f.error))
    });
    blocks.list(
        "*Not collected*",
        lines,
        r.failures.len() as u64,
        "failures (snapshot.json lists them)",
    );
}

/// Blocks counted as they are added, so the whole stays within the limits.
#[derive(Default)]
struct Blocks {
    done: Vec<Value>,
    chars: usize,
    /// Items of lists left out, and what they were.
    left_out: Vec<(u64, &'static str)>,
}

impl Blocks {
    /// Room kept for the closing "…and N more" block.
    const RESERVE_BLOCKS: usize = 1;
    const RESERVE_CHARS: usize = 200;

    fn push(&mut self, block: Value) {
        self.chars += block_chars(&block);
        self.done.push(block);
    }

    fn fits(&self, chars: usize) -> bool {
        self.done.len() + 1 + Self::RESERVE_BLOCKS <= MAX_BLOCKS
            && self.chars + chars + Self::RESERVE_CHARS <= MAX_CHARS
    }

    /// A section of mrkdwn `text` (cut to a section's limit), when it fits.
    fn section(&mut self, text: &str) {
        let text = cut(text, MAX_SECTION);
        if self.fits(text.chars().count()) {
            self.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
        }
    }

    /// A titled list of `total` items, packed into sections while they fit; the rest counted.
    fn list(&mut self, title: &str, lines: impl Iterator<Item = String>, total: u64, what: &'static str) {
        let mut text = title.to_string();
        let mut shown = 0u64;
        for line in lines {
            let line = cut(&line, MAX_SECTION - title.len() - 1);
            if text.chars().count() + 1 + line.chars().count() > MAX_SECTION {
                if !self.fits(text.chars().count()) {
                    break;
                }
                self.section(&text);
                text = String::new();
            }
            if !self.fits(text.chars().count() + 1 + line.chars().count()) {
                break;
            }
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&line);
            shown += 1;
        }
        if shown > 0 && !text.is_empty() {
            self.section(&text);
        }
        if total > shown {
            self.left_out.push((total - shown, what));
        }
    }

    fn finish(&mut self) {
        if self.left_out.is_empty() {
            return;
        }
        let text: Vec<String> = self
            .left_out
            .iter()
            .map(|(n, what)| format!("…and {n} more {what}"))
            .collect();
        let block = json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text.join("\n")}]});
        self.push(block);
    }
}

/// The characters of text a block carries.
fn block_chars(block: &Value) -> usize {
    match block {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(block_chars).sum(),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| *k != "type")
            .map(|(_, v)| block_chars(v))
            .sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests;
