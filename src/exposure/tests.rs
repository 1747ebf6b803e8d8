//! Every transition of what is public, and the idle clock over them.

use super::*;
use crate::auth::activity::OwnerActivity;
use std::path::Path;

fn config(public_url: Option<&str>, idle: Option<Duration>) -> Config {
    let mut config = Config::for_tests(Path::new("/tmp"), Path::new("/tmp"));
    config.public_url = public_url.map(|url| PublicUrl::parse(url).unwrap());
    config.idle_shutdown = idle;
    config.public_timeout = Some(Duration::from_secs(600));
    config
}

fn hosts(exposure: &Exposure) -> Vec<(String, Via)> {
    exposure
        .sides()
        .iter()
        .map(|side| (side.host.clone(), side.via))
        .collect()
}

#[test]
fn every_tunnel_transition_replaces_what_the_gate_sees() {
    let exposure = Exposure::new(&config(None, None));
    assert!(hosts(&exposure).is_empty());
    assert_eq!(exposure.public_origin(), None);
    exposure
        .tunnel_up(Via::Cloudflare, "https://a-b.trycloudflare.com")
        .unwrap();
    assert_eq!(
        hosts(&exposure),
        [("a-b.trycloudflare.com".into(), Via::Cloudflare)]
    );
    // A restart with a new URL: the old host is not admitted any more.
    exposure
        .tunnel_up(Via::Cloudflare, "https://c-d.trycloudflare.com")
        .unwrap();
    assert_eq!(
        hosts(&exposure),
        [("c-d.trycloudflare.com".into(), Via::Cloudflare)]
    );
    assert!(exposure.status(None).public_expires_at.is_some());
    exposure.tunnel_ended();
    assert!(hosts(&exposure).is_empty());
    let status = exposure.status(None);
    assert_eq!(status.public_url, None);
    assert_eq!(status.public_expires_at, None);
    assert!(
        exposure
            .tunnel_up(Via::Zrok, "http://plain.example")
            .is_err()
    );
}

#[test]
fn the_owners_proxy_outlives_any_tunnel_and_names_the_links() {
    let exposure = Exposure::new(&config(Some("https://term.example.com"), None));
    let proxy = ("term.example.com".to_string(), Via::Proxy);
    assert_eq!(hosts(&exposure), std::slice::from_ref(&proxy));
    exposure
        .tunnel_up(Via::Zrok, "https://x1.share.zrok.io")
        .unwrap();
    assert_eq!(
        hosts(&exposure),
        [proxy.clone(), ("x1.share.zrok.io".into(), Via::Zrok)]
    );
    assert_eq!(
        exposure.public_origin().as_deref(),
        Some("https://term.example.com")
    );
    exposure.tunnel_down();
    assert_eq!(hosts(&exposure), [proxy]);
}

#[test]
fn the_idle_clock_runs_only_while_public_and_the_owner_is_away() {
    let idle = Duration::from_secs(60);
    let exposure = Exposure::new(&config(None, Some(idle)));
    let activity = OwnerActivity::default();
    assert_eq!(idle::deadline(&exposure, &activity), None, "not public");
    let before = Instant::now();
    exposure
        .tunnel_up(Via::Zrok, "https://x1.share.zrok.io")
        .unwrap();
    // Counted from when it became public, not from an older activity.
    let first = idle::deadline(&exposure, &activity).unwrap();
    assert!(first >= before + idle);
    let watching = activity.watching();
    assert_eq!(idle::deadline(&exposure, &activity), None, "owner watching");
    drop(watching);
    let after_watching = idle::deadline(&exposure, &activity).unwrap();
    assert!(after_watching >= first);
    // A restart gap is still public: the clock does not start over.
    exposure.tunnel_down();
    assert!(hosts(&exposure).is_empty());
    assert_eq!(idle::deadline(&exposure, &activity), Some(after_watching));
    exposure
        .tunnel_up(Via::Zrok, "https://x2.share.zrok.io")
        .unwrap();
    assert_eq!(idle::deadline(&exposure, &activity), Some(after_watching));
    exposure.tunnel_ended();
    assert_eq!(idle::deadline(&exposure, &activity), None);
    let mut no_expiry = config(None, Some(idle));
    no_expiry.public_no_expiry = true;
    let forever = Exposure::new(&no_expiry);
    forever
        .tunnel_up(Via::Zrok, "https://x1.share.zrok.io")
        .unwrap();
    assert_eq!(idle::deadline(&forever, &activity), None);
}
