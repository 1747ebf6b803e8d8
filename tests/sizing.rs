//! The size rule (docs/PROTOCOL.md, "Size rule"): the owner's viewer that
//! was used last sets the PTY's size, a viewer opening from a visible page
//! gets its screen at its own size, guests never resize, and a locked size
//! holds until it is unlocked.

mod common;

use common::{PIN, TestServer, WsClient};
use serde_json::{Value, json};

/// The PTY's size as the REST list says.
async fn size(server: &TestServer, cookie: &str, id: &str) -> (u64, u64) {
    let list = server.get("/api/terminals", cookie).await.json();
    let tab = list["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|tab| tab["id"] == id)
        .cloned()
        .unwrap();
    (tab["cols"].as_u64().unwrap(), tab["rows"].as_u64().unwrap())
}

/// Sends `message`, then a refused one: the refusal's reply proves the
/// server has handled `message` (a socket's frames are handled in order).
async fn send_handled(socket: &mut WsClient, message: &Value) {
    socket.send_text(&message.to_string()).await;
    socket
        .send_text(r#"{"type":"resize","cols":0,"rows":0}"#)
        .await;
    loop {
        let reply = socket.next_control().await;
        if reply["type"] == "error" {
            assert_eq!(reply["code"], "bad_size");
            return;
        }
    }
}

/// Waits until the server tells this viewer the PTY is `cols` x `rows`
/// (fails after 10 s without a control message).
async fn told_size(socket: &mut WsClient, (cols, rows): (u64, u64)) {
    loop {
        let message = socket.next_control().await;
        if message["type"] == "resize" && message["cols"] == cols && message["rows"] == rows {
            return;
        }
    }
}

fn resize(cols: u16, rows: u16) -> Value {
    json!({"type": "resize", "cols": cols, "rows": rows})
}

#[tokio::test]
async fn a_viewer_opening_from_a_visible_page_gets_its_screen_at_its_own_size() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut first = server.attach(&cookie, &id).await;
    let mut second = server.attach_sized(&cookie, &id, (100, 30)).await;
    // The snapshot after `hello` is drawn at the size `hello` states.
    assert_eq!(
        (second.hello["cols"].clone(), second.hello["rows"].clone()),
        (json!(100), json!(30))
    );
    told_size(&mut first, (100, 30)).await;
    second.send_input(b"stty size\n").await;
    second.read_until("30 100").await;
}

#[tokio::test]
async fn a_phone_does_not_shrink_the_desk_until_it_is_used() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut desk = server.attach_sized(&cookie, &id, (120, 40)).await;
    let mut phone = server.attach(&cookie, &id).await;
    send_handled(&mut phone, &resize(40, 20)).await;
    assert_eq!(
        size(&server, &cookie, &id).await,
        (120, 40),
        "the phone only wished"
    );

    send_handled(&mut phone, &json!({"type": "focus"})).await;
    assert_eq!(
        size(&server, &cookie, &id).await,
        (40, 20),
        "focus takes the size"
    );
    // The desk shows the PTY's size.
    told_size(&mut desk, (40, 20)).await;

    // Typing on the desk takes it back, at the desk's last wish.
    desk.send_input(b"stty size\n").await;
    told_size(&mut phone, (120, 40)).await;
    desk.read_until("40 120").await;
}

#[tokio::test]
async fn guests_never_size_the_pty() {
    let server = TestServer::start().await;
    let owner = server.login().await;
    let id = server.create_terminal(&owner).await;
    let body = json!({"scope": "interactive", "ttl_secs": 300, "terminal": id, "pin": PIN});
    let (_link, guest) = server.guest(&owner, body).await;

    let mut socket = server.attach_sized(&guest, &id, (50, 10)).await;
    assert_eq!(socket.hello["cols"], 80, "an opening guest does not resize");
    // An allowed guest, so its typing below counts as use of its view.
    assert_eq!(server.allow_guests(&owner).await, 1);
    send_handled(&mut socket, &resize(60, 15)).await;
    send_handled(&mut socket, &json!({"type": "focus"})).await;
    socket.send_input(b"stty size\n").await;
    socket.read_until("24 80").await;
    assert_eq!(size(&server, &owner, &id).await, (80, 24));
}

#[tokio::test]
async fn a_locked_size_holds_until_it_is_unlocked() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    let mut desk = server.attach_sized(&cookie, &id, (100, 30)).await;
    assert_eq!(desk.hello["size_locked"], false);
    let lock = |locked: bool| {
        server
            .authed("PATCH", &format!("/api/terminals/{id}"), &cookie)
            .json(&json!({ "size_locked": locked }))
            .send()
    };
    let locked = lock(true).await;
    assert_eq!(locked.status, 200, "{}", locked.text());
    assert_eq!(locked.json()["size_locked"], true);
    let told = desk.next_control().await;
    assert_eq!(told, json!({"type": "size_lock", "locked": true}));

    send_handled(&mut desk, &resize(90, 25)).await;
    desk.send_input(b"echo typed\n").await;
    desk.read_until("typed").await;
    assert_eq!(size(&server, &cookie, &id).await, (100, 30), "locked");
    let late = server.attach_sized(&cookie, &id, (70, 20)).await;
    assert_eq!(late.hello["size_locked"], true);
    assert_eq!(
        late.hello["cols"], 100,
        "locked for a viewer that opens too"
    );
    drop(late);
    // Unlocking applies the holder's wish: wait until the server has seen
    // the late viewer go, or its size would rightly still apply. (A viewer
    // gives up its seat before it stops counting as a client.)
    let mut gone = false;
    for _ in 0..500 {
        let list = server.get("/api/terminals", &cookie).await.json();
        if list["terminals"][0]["clients"] == 1 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(gone, "the late viewer never left");

    assert_eq!(lock(false).await.status, 200);
    assert_eq!(desk.next_control().await["type"], "size_lock");
    // The viewer that opened last held the size and left: nothing applies
    // until a viewer is used again, and then its latest wish does.
    assert_eq!(size(&server, &cookie, &id).await, (100, 30));
    desk.send_text(r#"{"type":"focus"}"#).await;
    told_size(&mut desk, (90, 25)).await;
}

#[tokio::test]
async fn a_bad_size_in_the_socket_url_is_refused_before_the_upgrade() {
    let server = TestServer::start().await;
    let cookie = server.login().await;
    let id = server.create_terminal(&cookie).await;
    for query in [
        "cols=0&rows=5",
        "cols=80",
        "rows=24",
        "cols=80&rows=x",
        "cols=1001&rows=5",
    ] {
        let url = format!("ws://{}/api/terminals/{id}/ws?{query}", server.host());
        let refused = WsClient::connect_url(
            server.addr,
            &url,
            &[("cookie", &cookie), ("origin", &server.origin())],
        )
        .await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(reply)) => {
                assert_eq!(reply.status(), 400, "{query}");
                let body: Value = serde_json::from_slice(reply.body().as_deref().unwrap()).unwrap();
                assert_eq!(body["code"], "bad_request", "{query}");
            }
            Err(other) => panic!("{query}: {other}"),
            Ok(_) => panic!("{query}: upgraded"),
        }
    }
}
