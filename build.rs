//! Gzips the UI's files into `OUT_DIR/assets/`, so the binary carries each file once,
//! compressed (`src/http/assets.rs` embeds these and inflates on the rare request that
//! does not accept gzip). Vendored files come with a committed `.gz` twin made by
//! `assets/vendor/refresh.sh` (gzip -9 -n); it is copied as it is. The page itself
//! (`index.html` and `dialogs/`) is composed at run time and stays plain.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;
use std::{env, fs};

/// The folders under `assets/` whose files are served as they are.
const SERVED: &[&str] = &["js", "css", "vendor"];

fn main() {
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("assets");
    println!("cargo:rerun-if-changed=assets/icon.svg");
    fs::create_dir_all(&out).expect("create OUT_DIR/assets");
    compress(Path::new("assets/icon.svg"), &out.join("icon.svg.gz"));
    for folder in SERVED {
        let from = Path::new("assets").join(folder);
        println!("cargo:rerun-if-changed={}", from.display());
        fs::create_dir_all(out.join(folder)).expect("create OUT_DIR/assets");
        for item in fs::read_dir(&from).expect("read assets folder") {
            let path = item.expect("read assets folder").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".gz") || !path.is_file() {
                continue;
            }
            let target = out.join(folder).join(format!("{name}.gz"));
            let twin = path.with_file_name(format!("{name}.gz"));
            if twin.is_file() {
                fs::copy(&twin, &target).expect("copy a vendored .gz");
            } else {
                compress(&path, &target);
            }
        }
    }
}

/// Writes `from` gzipped to `to`, without a name or time in the header (reproducible).
fn compress(from: &Path, to: &Path) {
    let body = fs::read(from).expect("read an asset");
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&body).expect("gzip in memory");
    fs::write(to, encoder.finish().expect("gzip in memory")).expect("write OUT_DIR");
}
