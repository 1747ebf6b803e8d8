//! Serving the embedded UI: conditional GET by ETag, gzip when accepted.

use super::assets;
use super::base::BasePath;
use super::response::{Response, empty, full};
use crate::error::Error;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};

/// `path` is inside `base` (the router stripped it); only the index depends on the base.
pub fn serve(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    base: &BasePath,
) -> Result<Response, Error> {
    let asset = assets::lookup_under(path, base).ok_or(Error::NotFound)?;
    let gzip = asset.gzip().filter(|_| accepts_gzip(headers));
    let etag = match gzip {
        Some(_) => asset.gzip_etag(),
        None => asset.etag.to_string(),
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        empty(StatusCode::NOT_MODIFIED)
    } else if *method == Method::HEAD {
        empty(StatusCode::OK)
    } else {
        Response::new(full(match gzip {
            Some(gz) => bytes::Bytes::from_static(gz),
            None => asset.body(),
        }))
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(Error::internal)?,
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    // Revalidate every time: the ETag makes that a cheap 304, and a new
    // binary's UI is picked up at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if gzip.is_some() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.trim().split(';');
            parts
                .next()
                .is_some_and(|name| name.trim().eq_ignore_ascii_case("gzip"))
                && parts.all(|param| param.trim().replace(' ', "") != "q=0")
        })
}
