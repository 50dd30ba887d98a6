//! A computation kept off the UI thread: the latest result for the inputs on screen, with the
//! previous result shown while the next one runs.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The latest value computed for a key, and the computation under way.
pub struct Latest<K, V> {
    thread_name: &'static str,
    shown: Option<(K, Arc<V>)>,
    pending: Option<(K, Receiver<V>)>,
}

impl<K: PartialEq + Clone, V: Send + 'static> Latest<K, V> {
    /// Nothing computed yet; computations run on threads named `thread_name`.
    pub fn new(thread_name: &'static str) -> Self {
        Latest {
            thread_name,
            shown: None,
            pending: None,
        }
    }

    /// The value for `key`: starts `compute` on its own thread unless the value is shown or
    /// under way, and returns the value on screen with whether it is for `key` (`false`:
    /// stale, the new one is coming).
    pub fn get(
        &mut self,
        key: &K,
        compute: impl FnOnce() -> V + Send + 'static,
    ) -> Option<(Arc<V>, bool)> {
        self.collect(Duration::ZERO);
        let shown_ok = self.shown.as_ref().is_some_and(|(k, _)| k == key);
        let pending_ok = self.pending.as_ref().is_some_and(|(k, _)| k == key);
        if !shown_ok && !pending_ok {
            let (tx, rx) = channel();
            std::thread::Builder::new()
                .name(self.thread_name.to_owned())
                .spawn(move || {
                    let _ = tx.send(compute());
                })
                .expect("spawning a computation thread");
            self.pending = Some((key.clone(), rx));
            // Small programmes finish at once: show the result in this very frame.
            self.collect(Duration::from_millis(8));
        }
        self.shown.as_ref().map(|(k, v)| (v.clone(), k == key))
    }

    fn collect(&mut self, wait: Duration) {
        let Some((_, rx)) = &self.pending else { return };
        let done = if wait.is_zero() {
            rx.try_recv().ok()
        } else {
            rx.recv_timeout(wait).ok()
        };
        if let Some(value) = done
            && let Some((key, _)) = self.pending.take()
        {
            self.shown = Some((key, Arc::new(value)));
        }
    }

    /// Whether a computation is under way.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }
}
