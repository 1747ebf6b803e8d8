//! Gzips the UI's files into `OUT_DIR/assets/`, so the binary carries each file once,
//! compressed (`src/http/assets.rs` embeds these and inflates on the rare request that
//! does not accept gzip). Vendored files come with a committed `.gz` twin made by
//! `assets/vendor/refresh.sh` (gzip -9 -n); it is copied as it is. The page itself
//! (`index.html` and `dialogs/`) is composed at run time and stays plain.
//!
//! It also packs the release binary's relative relocations (`-z pack-relative-relocs`,
//! DT_RELR) where this machine's linker and C library both support it: the binary
//! stays position-independent (ASLR) but its ~240 KB relocation table shrinks to a few
//! KB, and the loader dirties fewer pages at start. A probe program linked and run
//! here decides, so an older toolchain (binutils < 2.38, glibc < 2.36) builds as before.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::{env, fs};

/// The folders under `assets/` whose files are served as they are.
const SERVED: &[&str] = &["js", "css", "vendor"];

fn main() {
    if packed_relocations_work() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
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

/// Whether a release build for this very machine (not a cross build) can use DT_RELR:
/// a PIE with a relative relocation links without a warning and runs.
fn packed_relocations_work() -> bool {
    println!("cargo:rerun-if-env-changed=CC");
    let var = |key: &str| env::var(key).unwrap_or_default();
    if var("PROFILE") != "release"
        || var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("TARGET") != var("HOST")
    {
        return false;
    }
    let dir = Path::new(&var("OUT_DIR")).join("relr-probe");
    if fs::create_dir_all(&dir).is_err() {
        return false;
    }
    let source = dir.join("probe.c");
    let program = dir.join("probe");
    let code = "static int x = 7; int *p = &x; int main(void) { return *p - 7; }\n";
    if fs::write(&source, code).is_err() {
        return false;
    }
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let linked = Command::new(cc)
        .args(["-fPIE", "-pie", "-Wl,-z,pack-relative-relocs", "-o"])
        .arg(&program)
        .arg(&source)
        .output();
    // An older ld ignores an unknown -z option with a warning: not packed, so no.
    let Ok(linked) = linked else { return false };
    if !linked.status.success() || !linked.stderr.is_empty() {
        return false;
    }
    Command::new(&program)
        .status()
        .is_ok_and(|status| status.success())
}
