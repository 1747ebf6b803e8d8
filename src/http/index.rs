//! The page, `assets/index.html`, as served: its larger dialogs are kept one
//! file per noun in `assets/dialogs/`, and each stands in the page where an
//! `<!-- include: dialogs/<noun>.html -->` line names it. The page is put
//! together once, when the asset table is built (not per request), and what
//! is served is one ordinary document: no request per dialog, nothing the
//! CSP has to allow.

/// `(path under assets/, its text)`, embedded at build time.
macro_rules! part {
    ($rel:literal) => {
        (
            $rel,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $rel)),
        )
    };
}

/// Every file the page includes, embedded like every other asset.
const PARTS: &[(&str, &str)] = &[
    part!("dialogs/share.html"),
    part!("dialogs/settings.html"),
    part!("dialogs/phone-login.html"),
    part!("dialogs/recordings.html"),
    part!("dialogs/security.html"),
];

const MARKER: &str = "<!-- include: ";

/// `page` with each include line replaced by its part, indented as the line
/// was. Panics on a line naming no part: that is a build mistake, which the
/// unit test below (and any test that serves the page) catches.
pub fn compose(page: &str) -> String {
    let mut out =
        String::with_capacity(page.len() + PARTS.iter().map(|(_, p)| p.len()).sum::<usize>());
    for line in page.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix(MARKER) else {
            out.push_str(line);
            continue;
        };
        let name = rest.trim_end().trim_end_matches("-->").trim();
        let (_, part) = PARTS
            .iter()
            .find(|(rel, _)| *rel == name)
            .unwrap_or_else(|| panic!("index.html includes {name}, which is not in PARTS"));
        let indent = &line[..line.len() - trimmed.len()];
        for part_line in part.split_inclusive('\n') {
            out.push_str(indent);
            out.push_str(part_line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn page() -> String {
        compose(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/index.html"
        )))
    }

    #[test]
    fn every_part_stands_in_the_page_once_and_no_marker_is_left() {
        let page = page();
        assert!(!page.contains(MARKER), "an include line was left");
        for (rel, part) in PARTS {
            let first = part
                .lines()
                .find(|l| l.starts_with("<dialog"))
                .expect("a part is a dialog");
            assert_eq!(page.matches(first).count(), 1, "{rel}: {first}");
        }
        for id in [
            "share-dialog",
            "settings-dialog",
            "phone-dialog",
            "recordings-dialog",
            "security-dialog",
        ] {
            assert_eq!(
                page.matches(&format!("<dialog id=\"{id}\"")).count(),
                1,
                "{id}"
            );
        }
        assert!(page.trim_end().ends_with("</html>"));
    }

    /// A part added to assets/dialogs/ but not to PARTS would never be served.
    #[test]
    fn every_file_in_dialogs_is_a_part() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/dialogs");
        for item in std::fs::read_dir(dir).unwrap() {
            let name = format!(
                "dialogs/{}",
                item.unwrap().file_name().into_string().unwrap()
            );
            assert!(
                PARTS.iter().any(|(rel, _)| *rel == name),
                "{name} is not in PARTS"
            );
        }
    }
}
