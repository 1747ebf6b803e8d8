//! The URL as a QR code for the console, drawn so that it decodes on dark
//! and light terminals alike: black modules on white, both colours set
//! explicitly with SGR (the terminal's own foreground and background, which
//! a light theme swaps, are never used), inside the 4-module quiet zone that
//! readers need around a code. Two module rows share one text row through
//! the half-block characters, so the code stays square in a terminal font.

use qrcode::{Color, QrCode};

/// Light modules around the code on every side, as the QR standard asks.
pub const QUIET_ZONE: usize = 4;

/// Foreground black, background white, from the 256-colour cube: unlike the
/// 16 basic colours, themes do not remap these.
pub const BLACK_ON_WHITE: &str = "\x1b[38;5;16m\x1b[48;5;231m";

/// Back to the terminal's colours at the end of every row, so nothing of
/// the white background bleeds into the rest of the line.
pub const RESET: &str = "\x1b[0m";

/// The code for `text`, one text row per line (no trailing newline), or
/// `None` when `text` is too long for a QR code.
pub fn draw(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let side = width + 2 * QUIET_ZONE;
    let inner = QUIET_ZONE..QUIET_ZONE + width;
    let dark = |x: usize, y: usize| {
        inner.contains(&x)
            && inner.contains(&y)
            && colors[(y - QUIET_ZONE) * width + (x - QUIET_ZONE)] == Color::Dark
    };
    let mut rows = Vec::with_capacity(side.div_ceil(2));
    // `side` is odd: the last text row's lower half lies past the quiet
    // zone and stays white, which only widens the zone there.
    for top in (0..side).step_by(2) {
        let mut row = String::from(BLACK_ON_WHITE);
        row.extend((0..side).map(|x| match (dark(x, top), dark(x, top + 1)) {
            (true, true) => '█',
            (true, false) => '▀',
            (false, true) => '▄',
            (false, false) => ' ',
        }));
        row.push_str(RESET);
        rows.push(row);
    }
    Some(rows.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a drawn code back into its module rows (`true` = dark),
    /// checking that every row sets its own colours and resets them.
    fn modules(drawn: &str) -> Vec<Vec<bool>> {
        let mut grid = Vec::new();
        for line in drawn.lines() {
            let body = line
                .strip_prefix(BLACK_ON_WHITE)
                .and_then(|rest| rest.strip_suffix(RESET))
                .unwrap_or_else(|| panic!("a row without explicit colours: {line:?}"));
            let (mut upper, mut lower) = (Vec::new(), Vec::new());
            for ch in body.chars() {
                let (u, l) = match ch {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected {other:?} in {line:?}"),
                };
                upper.push(u);
                lower.push(l);
            }
            grid.push(upper);
            grid.push(lower);
        }
        grid
    }

    #[test]
    fn the_code_is_black_on_white_with_a_quiet_zone_and_reads_back() {
        let url = "https://fake1.share.zrok.io/#token=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        let grid = modules(&draw(url).unwrap());
        let code = QrCode::new(url.as_bytes()).unwrap();
        let width = code.width();
        let side = width + 2 * QUIET_ZONE;
        assert!(grid.iter().all(|row| row.len() == side), "ragged rows");
        assert!(grid.len() >= side, "{} rows for {side}", grid.len());
        // The quiet zone: all light, four modules deep on every side.
        for (y, row) in grid.iter().enumerate() {
            for (x, &dark) in row.iter().enumerate() {
                let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&x)
                    && (QUIET_ZONE..QUIET_ZONE + width).contains(&y);
                if !inside {
                    assert!(!dark, "dark module at ({x}, {y}) in the quiet zone");
                }
            }
        }
        // Inside, exactly the code's modules (dark drawn dark, as a reader
        // expects; not inverted), finder pattern corner included.
        let colors = code.to_colors();
        for y in 0..width {
            for x in 0..width {
                assert_eq!(
                    grid[y + QUIET_ZONE][x + QUIET_ZONE],
                    colors[y * width + x] == Color::Dark,
                    "module ({x}, {y})"
                );
            }
        }
        assert!(grid[QUIET_ZONE][QUIET_ZONE], "the finder's corner is dark");
    }

    #[test]
    fn too_long_for_a_code_is_none() {
        assert_eq!(draw(&"x".repeat(8000)), None);
    }
}
