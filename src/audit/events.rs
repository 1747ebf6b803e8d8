//! The name of every security event termgate writes, in one place: into
//! `audit.log` ([`EVENTS`], what the Security dialog's Audit tab shows) and
//! the counts of `refusals.log` ([`REFUSALS`]).
//!
//! `Audit::record` and `Audit::refused` check a name against these lists in
//! debug builds, so a test that makes the server write a new event fails
//! until the event is listed here; and the test below fails until the Audit
//! tab (`assets/js/security-audit.js`) has words for every event listed, and
//! no words for one the server never writes.

/// Events written one line each to `audit.log`, grouped as the Audit tab
/// groups them.
pub const EVENTS: &[&str] = &[
    "login_ok",
    "login_failed",
    "lockout",
    "pin_failed",
    "reauth_ok",
    "logout",
    "logout_all",
    "extend",
    "session_revoked",
    "sessions_revoked",
    "login_link_shown",
    "unlocked",
    "totp_enabled",
    "totp_disabled",
    "totp_code_failed",
    "backup_code_used",
    "backup_codes_regenerated",
    "api_token_created",
    "api_token_revoked",
    "api_token_used",
    "api_token_failed",
    "share_minted",
    "share_redeemed",
    "share_refused",
    "share_revoked",
    "guest_waiting",
    "guest_allowed",
    "guest_read_only",
    "guest_denied",
    "guest_kicked",
    "tab_locked",
    "tab_unlocked",
    "recording_started",
    "recording_stopped",
    "recording_deleted",
    "file_write",
    "file_upload",
    "file_mkdir",
    "file_move",
    "file_delete",
    "tunnel_connected",
    "tunnel_unconfirmed",
    "tunnel_stopped",
    "audit_dropped",
];

/// Refusals an attacker can repeat at will: counted per window into
/// `refusals.log`, never a line each (see `Audit::refused`).
pub const REFUSALS: &[&str] = &[
    "login_refused",
    "pin_refused",
    "share_refused",
    "token_refused",
];

/// Whether `event` is one `audit.log` may hold.
pub fn is_event(event: &str) -> bool {
    EVENTS.contains(&event)
}

/// Whether `event` is one `refusals.log` may count.
pub fn is_refusal(event: &str) -> bool {
    REFUSALS.contains(&event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The event names of the Audit tab's `GROUPS` table: its rows start
    /// `['event_name', '`.
    fn audit_tab_events() -> BTreeSet<String> {
        let js = include_str!("../../assets/js/security-audit.js");
        let start = js
            .find("const GROUPS")
            .expect("security-audit.js has GROUPS");
        let end = start + js[start..].find("\n];").expect("GROUPS ends");
        js[start..end]
            .split("['")
            .skip(1)
            .filter_map(|row| row.split_once("', '").map(|(name, _)| name.to_string()))
            .filter(|name| name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .collect()
    }

    #[test]
    fn the_audit_tab_has_words_for_every_event_and_no_other() {
        let listed: BTreeSet<String> = EVENTS.iter().map(|e| e.to_string()).collect();
        assert_eq!(listed.len(), EVENTS.len(), "an event is listed twice");
        let tab = audit_tab_events();
        let missing: Vec<_> = listed.difference(&tab).collect();
        let unknown: Vec<_> = tab.difference(&listed).collect();
        assert!(
            missing.is_empty() && unknown.is_empty(),
            "security-audit.js has no words for {missing:?}, and words for events never written: {unknown:?}"
        );
    }

    #[test]
    fn refusals_are_not_audit_lines() {
        // A refusal is summed, so the Audit tab's words for it would never show,
        // except share_refused, which a link's owner also gets one line for.
        for refusal in REFUSALS {
            assert!(
                !is_event(refusal) || *refusal == "share_refused",
                "{refusal}"
            );
        }
        assert!(is_refusal("login_refused") && !is_refusal("login_ok"));
    }
}
