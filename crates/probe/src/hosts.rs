//! Per-host politeness: at most `limit` requests in flight per host, and pauses asked by
//! `Retry-After`. The async counterpart of `monitor::politeness::HostLimiter`: callers wait for a
//! slot instead of being told "busy".
//!
//! The map lock is a plain mutex held only to find or insert a host's entry, never across an
//! `.await`: thousands of hosts proceed in parallel, each waiting on its own semaphore.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A host as the politeness rules see it: host name and port (`example.fr:443`), since two
/// ports of one name are often two servers.
pub(crate) fn host_key(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

struct Host {
    /// `None` when the cap is lifted (the benchmark): no semaphore to go through.
    slots: Option<Arc<Semaphore>>,
    paused_until: Mutex<Option<Timestamp>>,
}

pub(crate) struct Hosts {
    limit: Option<usize>,
    map: Mutex<HashMap<String, Arc<Host>>>,
}

/// A slot on a host, given back when dropped.
pub(crate) struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data under these locks stays consistent at every point a panic could happen.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Hosts {
    /// `limit` at or above the semaphore's maximum lifts the cap.
    pub(crate) fn new(limit: usize) -> Hosts {
        let limit = limit.max(1);
        Hosts {
            limit: (limit < Semaphore::MAX_PERMITS).then_some(limit),
            map: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, key: &str) -> Arc<Host> {
        let mut map = lock(&self.map);
        if let Some(h) = map.get(key) {
            return h.clone();
        }
        let h = Arc::new(Host {
            slots: self.limit.map(|n| Arc::new(Semaphore::new(n))),
            paused_until: Mutex::new(None),
        });
        map.insert(key.to_string(), h.clone());
        h
    }

    /// Waits for a slot on `key`.
    pub(crate) async fn acquire(&self, key: &str) -> Slot {
        let host = self.host(key);
        let permit = match &host.slots {
            // The semaphore is never closed, so acquiring only fails if it were: go on unlimited
            // rather than fail a check.
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        Slot { _permit: permit }
    }

    /// The instant until which `key` asked us to wait, if it is after `now`.
    pub(crate) fn paused_until(&self, key: &str, now: Timestamp) -> Option<Timestamp> {
        let host = lock(&self.map).get(key).cloned()?;
        let until = *lock(&host.paused_until);
        until.filter(|u| now < *u)
    }

    /// Pauses `key` until `until` (a later pause already set is kept).
    pub(crate) fn pause(&self, key: &str, until: Timestamp) {
        let host = self.host(key);
        let mut p = lock(&host.paused_until);
        if p.is_none_or(|cur| until > cur) {
            *p = Some(until);
        }
    }
}
