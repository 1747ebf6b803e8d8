//! The gate, derived from the route table itself: every route that is not
//! public refuses an anonymous caller (a session's cookie without its proof
//! included), and every owner route refuses a
//! guest, and every viewer route refuses a guest whose link covers another
//! tab. A route added tomorrow is covered without anyone remembering to
//! write its test.

mod common;

use common::TestServer;
use common::proofs::PROOF;
use serde_json::json;
use termgate::auth::Access;
use termgate::http::router::ROUTES;

/// A concrete path for a route pattern (`{id}` and `*` filled in).
fn path_for(pattern: &str) -> String {
    pattern.replace("{id}", "t1").replace('*', "x")
}

#[tokio::test]
async fn every_route_that_is_not_public_refuses_strangers_and_every_owner_route_refuses_guests() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let minted = server
        .authed("POST", "/api/shares", &owner)
        .json(&json!({"scope": "interactive", "ttl_secs": 900, "terminal": id, "pin": common::PIN}))
        .send()
        .await;
    assert_eq!(minted.status, 201, "{}", minted.text());
    let url = minted.json()["url"].as_str().unwrap().to_string();
    let token = url.rsplit_once("/s/#").unwrap().1;
    let redeemed = server.redeem(token).await;
    assert_eq!(redeemed.status, 200);
    let guest = redeemed.first_cookie();

    let other_tab = server.create_terminal(&owner).await;
    let mut checked = (0, 0, 0);
    for route in ROUTES {
        let method = route.method.as_str();
        let path = path_for(route.pattern);
        if route.access == Access::Public {
            continue;
        }
        let anonymous = server.request(method, &path).send().await;
        assert_eq!(
            anonymous.status,
            401,
            "{method} {path} answered a stranger {}: {}",
            anonymous.status,
            anonymous.text()
        );
        assert!(anonymous.json()["code"].is_string(), "{method} {path}");
        // A cookie replayed without its session's proof (another server on
        // this host got it) is a stranger too, the owner's and a guest's,
        // with the same answer.
        for cookie in [&owner, &guest] {
            let replayed = server.authed(method, &path, cookie).without(PROOF);
            let replayed = replayed.send().await;
            assert_eq!(
                (replayed.status, replayed.text()),
                (401, anonymous.text()),
                "{method} {path} answered a cookie without its proof"
            );
        }
        checked.0 += 1;
        if route.access == Access::Owner {
            let as_guest = server.authed(method, &path, &guest).send().await;
            assert_eq!(
                as_guest.status,
                403,
                "{method} {path} answered a guest {}: {}",
                as_guest.status,
                as_guest.text()
            );
            checked.1 += 1;
        }
        if route.access == Access::Viewer {
            // The guest's link covers `id` only: another tab, which exists,
            // does not exist for it.
            let other = route.pattern.replace("{id}", &other_tab);
            let elsewhere = server.authed(method, &other, &guest).send().await;
            assert_eq!(
                elsewhere.status, 404,
                "{method} {other} let a guest of {id} in"
            );
            // Its own tab passes the gate (a plain GET is no WebSocket upgrade: 400).
            let own = route.pattern.replace("{id}", &id);
            let covered = server.authed(method, &own, &guest).send().await;
            assert!(
                ![401, 403, 404].contains(&covered.status),
                "{method} {own} refused the guest of that tab: {}",
                covered.status
            );
            checked.2 += 1;
        }
    }
    // The table is not empty and has owner and viewer routes: the loop really ran.
    assert!(
        checked.0 >= 20 && checked.1 >= 15 && checked.2 >= 1,
        "{checked:?}"
    );
}
