//! `termgate ls [--json]`, and the tab calls the other commands share:
//! list, create (optionally running a command), close.

use super::error::ClientError;
use super::http::Api;
use super::profile;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// What the client reads of a `Terminal` (docs/PROTOCOL.md); the rest is
/// passed through untouched by `--json`.
#[derive(Debug, Deserialize)]
pub struct Tab {
    pub id: String,
    pub title: String,
    pub cols: u16,
    pub rows: u16,
    pub clients: usize,
    /// Unix ms.
    pub created_at: u64,
    pub exited: Option<Exited>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Exited {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl Exited {
    /// The shell convention: the code, or 128 + the signal's number.
    pub fn status(self) -> i32 {
        match (self.code, self.signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => 128 + signal,
            (None, None) => 1,
        }
    }

    fn describe(self) -> String {
        match (self.code, self.signal) {
            (Some(code), _) => format!("exited {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "exited".into(),
        }
    }
}

pub async fn list(api: &Api) -> Result<(Value, Vec<Tab>), ClientError> {
    let answer = api.get("api/terminals").await?;
    let tabs = serde_json::from_value(answer["terminals"].clone())
        .map_err(|e| ClientError::Http(format!("unexpected tab list: {e}")))?;
    Ok((answer, tabs))
}

/// `POST /api/terminals`: a tab of `size`, running `command` (an argv) or the shell.
pub async fn create(
    api: &Api,
    (cols, rows): (u16, u16),
    command: Option<&[String]>,
) -> Result<Tab, ClientError> {
    let mut body = json!({"cols": cols, "rows": rows});
    if let Some(command) = command {
        body["command"] = json!(command);
    }
    let answer = api.post("api/terminals", &body).await?;
    serde_json::from_value(answer).map_err(|e| ClientError::Http(format!("unexpected tab: {e}")))
}

/// `DELETE /api/terminals/{id}`: answers once the tab's processes are
/// ended and reaped. A tab already gone is fine.
pub async fn close(api: &Api, id: &str) -> Result<(), ClientError> {
    match api.delete(&format!("api/terminals/{id}")).await {
        Err(ClientError::Api { status: 404, .. }) => Ok(()),
        other => other.map(drop),
    }
}

/// `termgate ls [--json]`.
pub async fn ls(url: Option<&str>, as_json: bool) -> Result<(), ClientError> {
    let api = profile::resolve(url)?;
    let (answer, tabs) = list(&api).await?;
    if as_json {
        println!("{answer}");
        return Ok(());
    }
    let now = super::account::now_ms();
    let rows: Vec<[String; 6]> = tabs
        .iter()
        .map(|tab| {
            [
                tab.id.clone(),
                tab.title.clone(),
                format!("{}x{}", tab.cols, tab.rows),
                tab.clients.to_string(),
                age(now.saturating_sub(tab.created_at)),
                tab.exited.map(Exited::describe).unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["ID", "TITLE", "SIZE", "VIEWERS", "AGE", "EXITED"].map(String::from);
    print!("{}", table(&header, &rows));
    Ok(())
}

/// Columns padded to their widest cell; the last one unpadded.
pub(super) fn table<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> String {
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let mut line = String::new();
        for (n, (cell, width)) in row.iter().zip(widths).enumerate() {
            match n == row.len() - 1 {
                true => line.push_str(cell),
                false => line.push_str(&format!("{cell:<width$}  ")),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `42s`, `5m`, `3h`, `2d`: how long ago (or until), in ms.
pub fn age(ms: u64) -> String {
    let secs = Duration::from_millis(ms).as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_statuses() {
        assert_eq!(age(59_999), "59s");
        assert_eq!(age(61_000), "1m");
        assert_eq!(age(7_200_000), "2h");
        assert_eq!(age(3 * 86_400_000), "3d");
        let exit = |code, signal| Exited { code, signal }.status();
        assert_eq!((exit(Some(7), None), exit(None, Some(9))), (7, 137));
    }

    #[test]
    fn the_table_lines_up() {
        let header = ["ID", "TITLE", "SIZE", "VIEWERS", "AGE", "EXITED"].map(String::from);
        let row = ["t12", "bash", "80x24", "1", "5m", ""].map(String::from);
        let text = table(&header, &[row]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1].find("bash"), lines[0].find("TITLE"));
        assert_eq!(lines[1].find("5m"), lines[0].find("AGE"));
    }
}
