//! Who sets a tab's PTY size (docs/PROTOCOL.md, "Size rule").
//!
//! Last-resize-wins makes viewers fight: a phone that opens the tab shrinks
//! the desktop's shell, and the desktop's next resize garbles the phone's.
//! So one viewer at a time *holds* the size: the owner's viewer that was
//! used last (it attached with its size, typed, or reported focus).
//! Every owner viewer says what size it would like; only the holder's wish
//! is applied, and taking the hold applies the new holder's wish at once.
//! Everyone else shows the PTY's size as it is. Guests never hold it. While
//! the owner has locked the size, nobody's wish applies.

use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

/// A viewer's place in the size rule; see [`Sizing::seat`].
pub type SeatId = u64;

#[derive(Default)]
struct State {
    /// The seat whose wish applies; `None` before the first wish or after
    /// the holder left (the size then stays until someone takes the hold).
    holder: Option<SeatId>,
    /// Each seat's last wish, applied when it holds the size.
    wishes: HashMap<SeatId, (u16, u16)>,
    next: SeatId,
}

/// The size rule of one tab. Methods return the size to apply to the PTY
/// when it should change; the caller applies it.
pub struct Sizing {
    state: Mutex<State>,
    locked: watch::Sender<bool>,
}

impl Default for Sizing {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            locked: watch::channel(false).0,
        }
    }
}

impl Sizing {
    /// A new seat for a viewer that may size the PTY.
    pub fn seat(&self) -> SeatId {
        let mut state = self.lock();
        state.next += 1;
        state.next
    }

    /// The seat is gone (its socket closed).
    pub fn leave(&self, seat: SeatId) {
        let mut state = self.lock();
        state.wishes.remove(&seat);
        if state.holder == Some(seat) {
            state.holder = None;
        }
    }

    /// Records `seat`'s wish; it applies when the seat holds the size, or
    /// when nobody does (the seat then takes the hold).
    pub fn wish(&self, seat: SeatId, size: (u16, u16)) -> Option<(u16, u16)> {
        let mut state = self.lock();
        state.wishes.insert(seat, size);
        if state.holder.is_none() {
            state.holder = Some(seat);
        }
        (state.holder == Some(seat) && !self.is_locked()).then_some(size)
    }

    /// `seat` is being used: it takes the hold, and its wish applies (none
    /// when it held the size already; one short lock, as on every keystroke).
    pub fn take(&self, seat: SeatId) -> Option<(u16, u16)> {
        let mut state = self.lock();
        if state.holder == Some(seat) {
            return None;
        }
        state.holder = Some(seat);
        let wish = state.wishes.get(&seat).copied();
        wish.filter(|_| !self.is_locked())
    }

    /// Whether `seat` holds the size now.
    #[cfg(test)]
    fn holds(&self, seat: SeatId) -> bool {
        self.lock().holder == Some(seat)
    }

    /// Locks or unlocks the size. Unlocking applies the holder's wish.
    pub fn set_locked(&self, locked: bool) -> Option<(u16, u16)> {
        let state = self.lock();
        self.locked.send_if_modified(|current| {
            let changed = *current != locked;
            *current = locked;
            changed
        });
        if locked {
            return None;
        }
        state
            .holder
            .and_then(|seat| state.wishes.get(&seat).copied())
    }

    pub fn is_locked(&self) -> bool {
        *self.locked.borrow()
    }

    /// Changes of the lock, for every viewer to show.
    pub fn lock_changes(&self) -> watch::Receiver<bool> {
        self.locked.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Short, non-awaiting sections; a poisoned map is still whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_wish_applies_and_holds_the_size() {
        let sizing = Sizing::default();
        let desk = sizing.seat();
        assert_eq!(sizing.wish(desk, (120, 40)), Some((120, 40)));
        assert!(sizing.holds(desk));
    }

    #[test]
    fn a_wish_of_a_viewer_not_holding_waits_until_it_is_used() {
        let sizing = Sizing::default();
        let (desk, phone) = (sizing.seat(), sizing.seat());
        sizing.wish(desk, (120, 40));
        assert_eq!(
            sizing.wish(phone, (40, 20)),
            None,
            "the phone must not shrink the desk"
        );
        assert_eq!(sizing.take(phone), Some((40, 20)));
        assert_eq!(sizing.wish(desk, (121, 40)), None);
        assert_eq!(sizing.take(desk), Some((121, 40)), "its latest wish");
        assert_eq!(sizing.take(desk), None, "holding already: nothing changes");
    }

    #[test]
    fn when_the_holder_leaves_the_size_stays_until_someone_wishes() {
        let sizing = Sizing::default();
        let (desk, phone) = (sizing.seat(), sizing.seat());
        sizing.wish(desk, (120, 40));
        sizing.wish(phone, (40, 20));
        sizing.leave(desk);
        assert!(!sizing.holds(phone));
        assert_eq!(sizing.wish(phone, (41, 20)), Some((41, 20)));
    }

    #[test]
    fn a_locked_size_takes_no_wish_and_unlocking_applies_the_holders() {
        let sizing = Sizing::default();
        let (desk, phone) = (sizing.seat(), sizing.seat());
        sizing.wish(desk, (120, 40));
        assert_eq!(sizing.set_locked(true), None);
        assert!(sizing.is_locked());
        assert_eq!(sizing.wish(desk, (100, 30)), None);
        assert_eq!(sizing.take(phone), None);
        assert_eq!(sizing.wish(phone, (40, 20)), None);
        assert_eq!(
            sizing.set_locked(false),
            Some((40, 20)),
            "the phone holds it now"
        );
    }
}
