//! The optional TOTP factor against the real server: enrolment needs the PIN
//! and then a code from the secret shown; once on, a login needs a code (or
//! a backup code) with one identical 401 for any wrong factor, a code is
//! good once, wrong codes spend the login budget, and turning it off needs
//! the PIN and a code.

mod common;

use common::{PIN, TOKEN, TestServer};
use serde_json::{Value, json};
use termgate::auth::totp;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn code(secret: &[u8], at: u64) -> String {
    format!("{:06}", totp::code_at(secret, at))
}

/// Turns the factor on as the owner would; returns the secret and the backup codes.
async fn enable(server: &TestServer, owner: &str) -> (Vec<u8>, Vec<String>) {
    let wrong_pin = server
        .authed("POST", "/api/totp/enroll", owner)
        .json(&json!({"pin": "000000"}))
        .send()
        .await;
    assert_eq!(wrong_pin.status, 401, "{}", wrong_pin.text());
    let enrolled = server
        .authed("POST", "/api/totp/enroll", owner)
        .json(&json!({"pin": PIN}))
        .send()
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text());
    let answer = enrolled.json();
    let text = answer["secret"].as_str().unwrap();
    let url = answer["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/termgate:") && url.contains(&format!("secret={text}")),
        "{url}"
    );
    assert!(url.contains("issuer=termgate"), "{url}");
    assert!(answer["qr"]["size"].as_u64().unwrap() > 20);
    let secret = totp::from_base32(text).unwrap();
    let wrong = server
        .authed("POST", "/api/totp/confirm", owner)
        .json(&json!({"code": "000000"}))
        .send()
        .await;
    assert_eq!(wrong.status, 401, "a wrong code turns nothing on");
    assert_eq!(
        server.get("/api/totp", owner).await.json()["enabled"],
        false
    );
    let confirmed = server
        .authed("POST", "/api/totp/confirm", owner)
        .json(&json!({"code": code(&secret, now())}))
        .send()
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    let codes: Vec<String> =
        serde_json::from_value(confirmed.json()["backup_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn login(server: &TestServer, body: Value) -> common::Reply {
    server
        .request("POST", "/auth/login")
        .json(&body)
        .send()
        .await
}

#[tokio::test]
async fn once_on_a_login_needs_a_code_good_once_and_backup_codes_work_once() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let anonymous = server.request("GET", "/auth/session").send().await.json();
    assert_eq!(anonymous["second_factor"], false);
    let (secret, _) = enable(&server, &owner).await;
    assert_eq!(
        server.get("/api/totp", &owner).await.json(),
        json!({"enabled": true, "backup_codes_left": 10})
    );
    let anonymous = server.request("GET", "/auth/session").send().await.json();
    assert_eq!(
        anonymous["second_factor"], true,
        "the login page asks for a code"
    );

    // Any wrong factor: one answer.
    let no_code = login(&server, json!({"token": TOKEN, "pin": PIN})).await;
    let wrong_code = login(
        &server,
        json!({"token": TOKEN, "pin": PIN, "code": "123456"}),
    )
    .await;
    let wrong_pin = login(
        &server,
        json!({"token": TOKEN, "pin": "999999", "code": code(&secret, now())}),
    )
    .await;
    for reply in [&no_code, &wrong_code, &wrong_pin] {
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.body, no_code.body,
            "one body whichever factor was wrong"
        );
    }
    // Three wrong logins spent three of the five units; the right one gives its back.
    let at = now() + 30; // the next step: the enrolment used this one
    let right = login(
        &server,
        json!({"token": TOKEN, "pin": PIN, "code": code(&secret, at)}),
    )
    .await;
    assert_eq!(right.status, 200, "{}", right.text());
    let replay = login(
        &server,
        json!({"token": TOKEN, "pin": PIN, "code": code(&secret, at)}),
    )
    .await;
    assert_eq!(replay.status, 401, "a code is good once");
    let audit = server.audit_log();
    assert!(
        audit.contains(r#""reason":"code""#),
        "the audit says which: {audit}"
    );
}

#[tokio::test]
async fn a_backup_code_logs_in_once_and_turning_off_needs_pin_and_code() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let (_, backup) = enable(&server, &owner).await;
    let first = login(
        &server,
        json!({"token": TOKEN, "pin": PIN, "code": backup[0]}),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = login(
        &server,
        json!({"token": TOKEN, "pin": PIN, "code": backup[0]}),
    )
    .await;
    assert_eq!(again.status, 401, "a backup code is used up");
    assert_eq!(
        server.get("/api/totp", &owner).await.json()["backup_codes_left"],
        9
    );

    let no_code = server
        .authed("POST", "/api/totp/disable", &owner)
        .json(&json!({"pin": PIN, "code": "000000"}))
        .send()
        .await;
    assert_eq!(no_code.status, 401);
    let off = server
        .authed("POST", "/api/totp/disable", &owner)
        .json(&json!({"pin": PIN, "code": backup[1]}))
        .send()
        .await;
    assert_eq!(off.status, 204, "{}", off.text());
    let plain = login(&server, json!({"token": TOKEN, "pin": PIN})).await;
    assert_eq!(plain.status, 200, "token and PIN again");
}

#[tokio::test]
async fn wrong_codes_spend_the_login_budget() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let (secret, _) = enable(&server, &owner).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            login(
                &server,
                json!({"token": TOKEN, "pin": PIN, "code": "000000"}),
            )
            .await
            .status,
        );
    }
    assert!(
        statuses.contains(&401) && statuses.last() == Some(&429),
        "{statuses:?}"
    );
    let right = login(
        &server,
        json!({"token": TOKEN, "pin": PIN, "code": code(&secret, now() + 30)}),
    )
    .await;
    assert_eq!(right.status, 429, "locked out like any wrong login");
}
