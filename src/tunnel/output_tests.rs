//! The scanner against real output: cloudflared 2025.9.0's captured stderr
//! (tests/fixtures/tunnel-bin/cloudflared-2025.9.0) and zrok's formats as its
//! source prints them.

use super::*;

const CF_OFFLINE: &str =
    include_str!("../../tests/fixtures/tunnel-bin/cloudflared-2025.9.0/offline-dns-failure.stderr");
const CF_TEXT: &str =
    include_str!("../../tests/fixtures/tunnel-bin/cloudflared-2025.9.0/quick-tunnel-text.stderr");
const CF_JSON: &str =
    include_str!("../../tests/fixtures/tunnel-bin/cloudflared-2025.9.0/quick-tunnel-json.stderr");
const CF_WARN: &str = include_str!(
    "../../tests/fixtures/tunnel-bin/cloudflared-2025.9.0/quick-tunnel-loglevel-warn.stderr"
);
const CF_REGISTERED_TEXT: &str = "2026-12-01T18:11:47Z INF Registered tunnel connection connIndex=0 connection=0b2c9a4e-6f1d-4a57-9a43-1f0e6c3d2b71 event=0 ip=198.41.200.13 location=ams08 protocol=quic";
const CF_REGISTERED_JSON: &str = r#"{"connIndex":0,"connection":"0b2c9a4e-6f1d-4a57-9a43-1f0e6c3d2b71","event":0,"ip":"198.41.200.13","level":"info","location":"ams08","message":"Registered tunnel connection","protocol":"quic","time":"2026-12-01T18:11:47Z"}"#;

fn events(format: Format, text: &str) -> Vec<Event> {
    let mut scanner = UrlScanner::new(format);
    text.lines().filter_map(|line| scanner.feed(line)).collect()
}

fn created(url: &str) -> Event {
    Event::Created(url.to_string())
}

#[test]
fn cloudflared_dns_failure_yields_nothing() {
    // It names https://api.trycloudflare.com/tunnel, which is not a tunnel.
    assert_eq!(events(Format::Cloudflared, CF_OFFLINE), []);
}

#[test]
fn cloudflared_text_and_json_boxes_are_created_not_ready() {
    let url = "https://alpha-beta-gamma-delta.trycloudflare.com";
    assert_eq!(events(Format::Cloudflared, CF_TEXT), [created(url)]);
    assert_eq!(events(Format::Cloudflared, CF_JSON), [created(url)]);
}

#[test]
fn cloudflared_is_ready_once_registered() {
    let url = "https://alpha-beta-gamma-delta.trycloudflare.com";
    for (capture, registered) in [(CF_TEXT, CF_REGISTERED_TEXT), (CF_JSON, CF_REGISTERED_JSON)] {
        let mut scanner = UrlScanner::new(Format::Cloudflared);
        let head: Vec<_> = capture.lines().take(10).collect();
        let seen: Vec<_> = head.iter().filter_map(|l| scanner.feed(l)).collect();
        assert_eq!(seen, [created(url)]);
        assert_eq!(scanner.created(), Some(url));
        assert_eq!(scanner.feed(registered), Some(Event::Ready(url.into())));
    }
}

#[test]
fn cloudflared_registration_without_a_box_is_not_a_url() {
    assert_eq!(
        events(
            Format::Cloudflared,
            &format!("{CF_WARN}\n{CF_REGISTERED_TEXT}")
        ),
        []
    );
}

#[test]
fn cloudflared_rate_limit_in_text_and_json() {
    let text = "2026-12-01T18:11:39Z ERR Error unmarshaling QuickTunnel response: error code: 1015 error=\"invalid character 'e' looking for beginning of value\" status_code=\"429 Too Many Requests\"";
    let json = r#"{"error":"invalid character 'e' looking for beginning of value","level":"error","message":"Error unmarshaling QuickTunnel response: error code: 1015","status_code":"429 Too Many Requests","time":"2026-12-01T18:11:46Z"}"#;
    assert_eq!(events(Format::Cloudflared, text), [Event::RateLimited]);
    assert_eq!(events(Format::Cloudflared, json), [Event::RateLimited]);
    // Some other failure of the API is not a rate limit.
    let other = "2026-12-01T18:11:39Z ERR Error unmarshaling QuickTunnel response: <html>bad gateway</html> error=\"invalid character '<' looking for beginning of value\" status_code=\"502 Bad Gateway\"";
    assert_eq!(events(Format::Cloudflared, other), []);
}

#[test]
fn cloudflared_box_line_must_be_an_https_trycloudflare_host() {
    let lines = "2026-12-01T18:11:39Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |\n\
                 2026-12-01T18:11:39Z INF |  https://api.example.com                                                                   |\n\
                 2026-12-01T18:11:39Z INF |  https://late.trycloudflare.com  |";
    assert_eq!(events(Format::Cloudflared, lines), []);
}

#[test]
fn zrok_text_format_on_two_lines() {
    let lines = "[   0.069]    INFO main.(*sharePublicCommand).shareLocal: access your zrok share at the following endpoints:\n \
                 https://3s9fddkilbi6.share.zrok.io";
    assert_eq!(
        events(Format::Zrok, lines),
        [Event::Ready("https://3s9fddkilbi6.share.zrok.io".into())]
    );
}

#[test]
fn zrok_json_formats() {
    let v1 = r#"{"file":"/home/runner/work/zrok/zrok/cmd/zrok/sharePublic.go:288","func":"main.(*sharePublicCommand).shareLocal","level":"info","msg":"access your zrok share at the following endpoints:\n https://abc123.share.zrok.io","time":"2026-12-01T18:20:01.123456789Z"}"#;
    assert_eq!(
        events(Format::Zrok, v1),
        [Event::Ready("https://abc123.share.zrok.io".into())]
    );
    let v2 = r#"{"time":"2026-12-01T18:20:01.123456789Z","level":"INFO","source":{"function":"main.(*sharePublicCommand).shareLocal","file":"/home/runner/work/zrok/zrok/cmd/zrok2/sharePublic.go","line":281},"msg":"access your zrok share at the following endpoints:\n 1yiutxunuio0.share.zrok.io"}"#;
    assert_eq!(
        events(Format::Zrok, v2),
        [Event::Ready("https://1yiutxunuio0.share.zrok.io".into())]
    );
}

#[test]
fn zrok_agent_handoff_is_recognised() {
    let line = r#"token:"agentshr1"  frontendEndpoints:"https://agentshr1.share.zrok.io""#;
    assert_eq!(
        events(Format::Zrok, line),
        [Event::AgentHandoff {
            token: "agentshr1".into()
        }]
    );
}

#[test]
fn zrok_ignores_other_urls_and_http() {
    let lines = "{\"level\":\"info\",\"msg\":\"connecting to https://api-v2.zrok.io\"}\n\
                 sharing target http://127.0.0.1:8080\n\
                 {\"level\":\"info\",\"msg\":\"access your zrok share at the following endpoints:\\n http://plain.share.zrok.io\"}";
    assert_eq!(events(Format::Zrok, lines), []);
}

#[test]
fn last_lines_are_kept_and_bounded() {
    let mut scanner = UrlScanner::new(Format::Cloudflared);
    for n in 0..100 {
        scanner.feed(&format!("line {n}"));
    }
    let text = scanner.last_lines();
    assert!(text.contains("line 99") && !text.contains("line 87"));
}

/// Found by `every_url_is_an_https_origin_on_a_valid_host`: a 64-byte label
/// (and empty or hyphen-edged ones) passed for a host name.
#[test]
fn a_host_that_is_not_a_dns_name_is_not_a_url() {
    let long = "a".repeat(64);
    for host in [
        long.as_str(),
        "a..b",
        "-a.trycloudflare",
        "a-.trycloudflare",
        "",
    ] {
        let url = format!("https://{host}.trycloudflare.com");
        let line =
            format!("{{\"msg\":\"access your zrok share at the following endpoints:\\n {url}\"}}");
        assert_eq!(events(Format::Zrok, &line), [], "{url}");
        let boxed = format!(
            "2026-12-01T18:11:47Z INF |  {CLOUDFLARED_CREATED}  |\n2026-12-01T18:11:47Z INF |  {url}  |"
        );
        assert_eq!(events(Format::Cloudflared, &boxed), [], "{url}");
    }
    let ok = "https://a-b.share.zrok.io";
    let line =
        format!("{{\"msg\":\"access your zrok share at the following endpoints:\\n {ok}\"}}");
    assert_eq!(events(Format::Zrok, &line), [Event::Ready(ok.into())]);
}
