//! One async lock per file being replaced, so that checking a save's version
//! and renaming the new content over the file are one step: of two saves
//! racing on the same version, exactly one wins and the other sees the new
//! hash (409). Only termgate's own writers take these locks; a shell writing
//! the same file is not serialised (documented in SECURITY.md).
//!
//! Keys are the folder's (device, inode) and the name in it, so two paths
//! that reach the same file through a symlink share one lock.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::OwnedMutexGuard;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LockKey {
    dev: u64,
    ino: u64,
    name: OsString,
}

impl LockKey {
    pub fn new(dev: u64, ino: u64, name: &OsStr) -> Self {
        Self {
            dev,
            ino,
            name: name.to_os_string(),
        }
    }
}

type Slot = tokio::sync::Mutex<()>;

#[derive(Default)]
pub struct Locks {
    // A std Mutex: held only for a map lookup, never across an await. Weak
    // entries let a lock disappear once nobody holds or waits for it.
    map: Mutex<HashMap<LockKey, Weak<Slot>>>,
}

impl Locks {
    /// Waits for the lock of `key`; released when the guard drops.
    pub async fn lock(&self, key: &LockKey) -> OwnedMutexGuard<()> {
        let slot = {
            let mut map = crate::lock::lock(&self.map);
            if map.len() >= 1024 {
                map.retain(|_, weak| weak.strong_count() > 0);
            }
            match map.get(key).and_then(Weak::upgrade) {
                Some(slot) => slot,
                None => {
                    let slot = Arc::new(Slot::new(()));
                    map.insert(key.clone(), Arc::downgrade(&slot));
                    slot
                }
            }
        };
        slot.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[tokio::test]
    async fn one_holder_per_key_and_other_keys_are_free() {
        let locks = Locks::default();
        let a = LockKey::new(1, 2, OsStr::new("a"));
        let b = LockKey::new(1, 2, OsStr::new("b"));
        let held = locks.lock(&a).await;
        assert!(
            locks.lock(&a).now_or_never().is_none(),
            "a second holder got the same lock"
        );
        assert!(locks.lock(&b).now_or_never().is_some());
        drop(held);
        assert!(locks.lock(&a).now_or_never().is_some());
    }
}
