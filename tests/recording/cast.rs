//! A strict asciicast v3 reader for the tests: exactly the header keys
//! termgate writes with their types (`tags` only as `["input"]`), then
//! events that are each an array of [non-negative number, "o" | "i" | "r" |
//! "x" | "m", string], "x" last, and "i" only under the `input` tag.

use serde_json::Value;

pub const TRUNCATED: &str = "truncated: the recording reached its size cap";

#[derive(Debug)]
pub struct Cast {
    pub cols: u64,
    pub rows: u64,
    /// Every "o" event's data, concatenated.
    pub output: String,
    pub resizes: Vec<String>,
    /// "m" labels (gaps, truncation).
    pub markers: Vec<String>,
    /// Every "i" event's data, concatenated (typed input, `--record-input`).
    pub input: String,
    /// The header's `tags` (absent: none).
    pub tags: Vec<String>,
    pub exit: Option<String>,
}

pub fn parse_strict(text: &str) -> Cast {
    assert!(text.ends_with('\n'), "every line ends with a newline");
    let mut lines = text.split_terminator('\n');
    let header: Value = serde_json::from_str(lines.next().expect("a header line")).unwrap();
    let header = header.as_object().expect("the header is an object");
    let keys: Vec<&str> = header.keys().map(String::as_str).collect();
    let mut sorted: Vec<&str> = keys.into_iter().filter(|k| *k != "tags").collect();
    sorted.sort();
    assert_eq!(
        sorted,
        ["term", "timestamp", "title", "version"],
        "header keys"
    );
    let tags: Vec<String> = match header.get("tags") {
        None => Vec::new(),
        Some(tags) => tags
            .as_array()
            .expect("tags: an array")
            .iter()
            .map(|tag| tag.as_str().expect("a tag is a string").to_string())
            .collect(),
    };
    assert!(
        tags.is_empty() || tags == ["input"],
        "the only tag is input: {tags:?}"
    );
    assert!(
        header["version"].is_u64() && header["version"] == 3,
        "version 3"
    );
    let term = header["term"].as_object().expect("term is an object");
    let mut term_keys: Vec<&str> = term.keys().map(String::as_str).collect();
    term_keys.sort();
    assert_eq!(term_keys, ["cols", "rows", "type"]);
    let cols = term["cols"].as_u64().expect("cols: integer");
    let rows = term["rows"].as_u64().expect("rows: integer");
    assert_eq!(term["type"], "xterm-256color");
    let timestamp = header["timestamp"].as_u64().expect("timestamp: integer");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        timestamp <= now && now - timestamp < 3600,
        "timestamp is unix seconds"
    );
    assert!(header["title"].is_string());

    let mut cast = Cast {
        cols,
        rows,
        output: String::new(),
        resizes: Vec::new(),
        markers: Vec::new(),
        input: String::new(),
        tags,
        exit: None,
    };
    for line in lines {
        assert!(cast.exit.is_none(), "nothing after the exit event: {line}");
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let event = event
            .as_array()
            .unwrap_or_else(|| panic!("not an array: {line}"));
        assert_eq!(event.len(), 3, "{line}");
        let interval = event[0]
            .as_f64()
            .unwrap_or_else(|| panic!("interval: {line}"));
        assert!(interval >= 0.0 && interval.is_finite(), "{line}");
        let data = event[2]
            .as_str()
            .unwrap_or_else(|| panic!("data: {line}"))
            .to_string();
        match event[1].as_str() {
            Some("o") => cast.output.push_str(&data),
            Some("i") => {
                assert!(
                    cast.tags.iter().any(|t| t == "input"),
                    "input untagged: {line}"
                );
                cast.input.push_str(&data);
            }
            Some("r") => {
                let (c, r) = data.split_once('x').expect("COLSxROWS");
                assert!(
                    c.parse::<u16>().is_ok() && r.parse::<u16>().is_ok(),
                    "{line}"
                );
                cast.resizes.push(data);
            }
            Some("m") => cast.markers.push(data),
            Some("x") => {
                assert!(data.parse::<i32>().is_ok(), "exit status: {line}");
                cast.exit = Some(data);
            }
            _ => panic!("unknown event code: {line}"),
        }
    }
    cast
}
