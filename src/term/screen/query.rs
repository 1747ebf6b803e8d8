//! Recognises terminal queries: sequences a terminal answers by typing into
//! the shell's input. A snapshot must never hold one, or every joining viewer
//! would answer it again.

const ESC: u8 = 0x1b;

/// Whether `bytes` holds a complete query sequence: DA1/DA2/DA3 (`CSI c`,
/// `CSI > c`, `CSI = c`, `ESC Z`), DSR/CPR (`CSI n`, `CSI ? n`), DECRQM
/// (`CSI … $ p`), XTVERSION (`CSI > q`), window reports (`CSI 11…21 t`),
/// DECREQTPARM (`CSI x`), kitty keyboard (`CSI ? u`), an OSC with a `?`
/// field (colours 4/10/11/12…, clipboard 52), DECRQSS (`DCS $ q`),
/// XTGETTCAP (`DCS + q`), and ENQ. C1 introducers (UTF-8 encoded) count too. A
/// sequence cut off at the end is not complete and so not reported.
pub fn contains_query(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let (kind, body_start) = match (bytes[i], bytes.get(i + 1)) {
            (0x05, _) => return true, // ENQ
            (ESC, Some(b'Z')) => return true,
            (ESC, Some(b'[')) => (b'[', i + 2),
            (ESC, Some(b']')) => (b']', i + 2),
            (ESC, Some(b'P')) => (b'P', i + 2),
            // C1 introducers, as a UTF-8 stream carries them (U+009B…).
            (0xc2, Some(0x9b)) => (b'[', i + 2),
            (0xc2, Some(0x9d)) => (b']', i + 2),
            (0xc2, Some(0x90)) => (b'P', i + 2),
            _ => {
                i += 1;
                continue;
            }
        };
        let rest = &bytes[body_start..];
        let (query, used) = match kind {
            b'[' => csi_query(rest),
            b']' => string_query(rest, osc_query),
            _ => string_query(rest, dcs_query),
        };
        if query {
            return true;
        }
        i = body_start + used;
    }
    false
}

/// Reads a CSI body; returns (is a query, bytes used).
fn csi_query(rest: &[u8]) -> (bool, usize) {
    let Some(end) = rest.iter().position(|&b| (0x40..=0x7e).contains(&b)) else {
        return (false, rest.len());
    };
    let body = &rest[..end];
    if body.iter().any(|&b| b == ESC || b == 0x18 || b == 0x1a) {
        // Aborted: look again from the ESC.
        return (false, body.iter().position(|&b| b == ESC).unwrap_or(end));
    }
    let final_byte = rest[end];
    let prefix = body.first().copied().filter(|b| (0x3c..=0x3f).contains(b));
    let intermediates: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| (0x20..=0x2f).contains(b))
        .collect();
    let first = body
        .iter()
        .skip(usize::from(prefix.is_some()))
        .take_while(|b| b.is_ascii_digit())
        .fold(0u32, |n, b| {
            n.saturating_mul(10).saturating_add(u32::from(b - b'0'))
        });
    let query = match final_byte {
        b'c' => intermediates.is_empty(),
        b'n' => intermediates.is_empty(),
        b'p' => intermediates == b"$",
        b'q' => prefix == Some(b'>'),
        b't' => prefix.is_none() && (11..=21).contains(&first),
        b'x' => prefix.is_none() && intermediates.is_empty(),
        b'u' => prefix == Some(b'?'),
        _ => false,
    };
    (query, end + 1)
}

/// Reads an OSC/DCS body up to BEL or ST; unterminated is not a query.
fn string_query(rest: &[u8], judge: fn(&[u8]) -> bool) -> (bool, usize) {
    let mut j = 0;
    while j < rest.len() {
        match rest[j] {
            0x07 => return (judge(&rest[..j]), j + 1),
            ESC if rest.get(j + 1) == Some(&b'\\') => return (judge(&rest[..j]), j + 2),
            ESC | 0x18 | 0x1a => return (false, j),
            _ => j += 1,
        }
    }
    (false, rest.len())
}

fn osc_query(body: &[u8]) -> bool {
    body.split(|&b| b == b';')
        .skip(1)
        .any(|field| field == b"?")
}

fn dcs_query(body: &[u8]) -> bool {
    body.starts_with(b"$q") || body.starts_with(b"+q")
}
