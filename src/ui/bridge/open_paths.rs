//! The journeys that did not convert, read into a snapshot's index on the store thread the
//! first time a view shows Markov or Shapley: opening or importing into a programme does not
//! wait for them (at 10M clicks they take seconds, and most sessions never tick those models).

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::journeys::JourneyIndex;
use crate::store::Store;

/// Where a snapshot's journeys that did not convert stand.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenPathsState {
    /// No view has asked for them.
    NotAsked,
    /// The store thread is reading them (or will next).
    Reading,
    /// They are in the index; reading them took this long.
    Read(Duration),
    /// They could not be read: why.
    Failed(String),
}

/// A snapshot's handle on its index's journeys that did not convert: a view asks, the store
/// thread reads them into the shared index and says so through the handle.
#[derive(Clone)]
pub struct OpenPathsLoad {
    index: Arc<JourneyIndex>,
    state: Arc<(Mutex<OpenPathsState>, Condvar)>,
    /// Queues the handle's request on the store thread; `false` when that thread has ended.
    send: SendRequest,
}

/// How a handle's request reaches the store thread (which makes the handles).
pub(super) type SendRequest = Arc<dyn Fn(OpenPathsLoad) -> bool + Send + Sync>;

impl std::fmt::Debug for OpenPathsLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenPathsLoad")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl PartialEq for OpenPathsLoad {
    fn eq(&self, other: &OpenPathsLoad) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

impl OpenPathsLoad {
    /// The handle for `index`, whose request `send` queues on the store thread.
    pub(super) fn new(index: Arc<JourneyIndex>, send: SendRequest) -> OpenPathsLoad {
        let state = match index.open_paths() {
            Some(_) => OpenPathsState::Read(Duration::ZERO),
            None => OpenPathsState::NotAsked,
        };
        OpenPathsLoad {
            index,
            state: Arc::new((Mutex::new(state), Condvar::new())),
            send,
        }
    }

    /// Where they stand, asking for them the first time and then waiting up to `wait` for
    /// them (a small programme's are read at once, and show in the very frame that asked).
    pub fn ask(&self, wait: Duration) -> OpenPathsState {
        let (lock, read) = &*self.state;
        let mut state = lock.lock().expect("open paths state lock");
        if *state != OpenPathsState::NotAsked {
            return state.clone();
        }
        if !(self.send)(self.clone()) {
            *state = OpenPathsState::Failed("the store thread has ended".to_owned());
            return state.clone();
        }
        *state = OpenPathsState::Reading;
        let (state, _) = read
            .wait_timeout_while(state, wait, |s| *s == OpenPathsState::Reading)
            .expect("open paths state lock");
        state.clone()
    }

    /// Where they stand, without asking.
    pub fn state(&self) -> OpenPathsState {
        self.state.0.lock().expect("open paths state lock").clone()
    }

    /// Whether this is the handle on `index`.
    pub fn is_for(&self, index: &Arc<JourneyIndex>) -> bool {
        Arc::ptr_eq(&self.index, index)
    }

    /// Reads them from `store` into the index, when the index is `current` (the store's
    /// latest); a request for an index since replaced fails without reading.
    pub(super) fn read(&self, store: Option<&Store>, current: &Weak<JourneyIndex>) {
        let latest = current
            .upgrade()
            .is_some_and(|i| Arc::ptr_eq(&i, &self.index));
        let outcome = match store {
            Some(store) if latest => {
                let started = Instant::now();
                match self.index.ensure_open_paths(store) {
                    Ok(()) => OpenPathsState::Read(started.elapsed()),
                    Err(error) => OpenPathsState::Failed(error.to_string()),
                }
            }
            _ => OpenPathsState::Failed("the programme changed since they were asked for".into()),
        };
        let (lock, read) = &*self.state;
        *lock.lock().expect("open paths state lock") = outcome;
        read.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Guards the one-request rule and the stale-index rule: asking twice sends one request,
    /// and a request for an index the store thread has since replaced reads nothing into it.
    #[test]
    fn an_index_is_read_once_asked_and_only_while_it_is_the_latest() {
        let store = Store::open_in_memory().unwrap();
        let old = Arc::new(JourneyIndex::build(&store).unwrap());
        let sent = Arc::new(AtomicUsize::new(0));
        let counter = sent.clone();
        let send: SendRequest = Arc::new(move |_| counter.fetch_add(1, Ordering::SeqCst) < 10);
        let load = OpenPathsLoad::new(old.clone(), send.clone());
        assert_eq!(load.state(), OpenPathsState::NotAsked);
        assert_eq!(load.ask(Duration::ZERO), OpenPathsState::Reading);
        assert_eq!(load.ask(Duration::ZERO), OpenPathsState::Reading);
        assert_eq!(sent.load(Ordering::SeqCst), 1);

        let latest = Arc::new(JourneyIndex::build(&store).unwrap());
        load.read(Some(&store), &Arc::downgrade(&latest));
        assert!(matches!(load.state(), OpenPathsState::Failed(_)));
        assert!(old.open_paths().is_none());

        let load = OpenPathsLoad::new(latest.clone(), send);
        load.ask(Duration::ZERO);
        load.read(Some(&store), &Arc::downgrade(&latest));
        assert!(matches!(load.state(), OpenPathsState::Read(_)));
        assert_eq!(latest.open_paths().map(|o| o.len()), Some(0));
    }
}
