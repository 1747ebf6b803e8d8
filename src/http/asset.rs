//! One servable file of the embedded UI ([`super::assets`] holds the table): how it sits
//! in the binary (the page plain, every other file only gzipped) and its two
//! representations, each with its own tag.

use bytes::Bytes;
use flate2::read::GzDecoder;
use std::io::Read;

/// One servable file.
#[derive(Debug)]
pub struct Asset {
    /// URL path, e.g. `/` or `/assets/js/app.js`.
    pub path: &'static str,
    pub(super) stored: Stored,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Strong `ETag` header value of the plain representation, quotes included (e.g.
    /// `"3f2a…"`). The gzip representation is a different one: [`Asset::gzip_etag`].
    pub etag: &'static str,
}

/// How a file sits in the binary.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stored {
    /// The page, composed at run time.
    Plain(&'static [u8]),
    /// Every other file: only its gzip form is embedded (about a third of the size).
    Gzip(&'static [u8]),
}

impl Asset {
    /// The bytes gzip-compressed, for clients sending `Accept-Encoding: gzip`.
    pub fn gzip(&self) -> Option<&'static [u8]> {
        match self.stored {
            Stored::Gzip(gz) => Some(gz),
            Stored::Plain(_) => None,
        }
    }

    /// The file's plain bytes. A gzip-only file is inflated for this one request (a
    /// client that does not take gzip is rare: a script, `curl` without `--compressed`),
    /// so nothing is kept in memory for it.
    pub fn body(&self) -> Bytes {
        match self.stored {
            Stored::Plain(body) => Bytes::from_static(body),
            Stored::Gzip(gz) => {
                let mut plain = Vec::with_capacity(gz.len() * 4);
                GzDecoder::new(gz)
                    .read_to_end(&mut plain)
                    .expect("build.rs embeds valid gzip");
                plain.into()
            }
        }
    }

    /// The tag of the gzip representation: the plain tag with `-gz` inside the quotes.
    pub fn gzip_etag(&self) -> String {
        format!("{}-gz\"", self.etag.trim_end_matches('"'))
    }
}
