//! A computation kept off the UI thread: the latest result for the inputs on screen, with the
//! previous result shown while the next one runs.
//!
//! Each kind of computation has one named worker thread, started with the first request and
//! ended when its `Latest` is dropped. A request made while another runs waits in the queue;
//! when the worker takes its next job it skips to the newest, so dragging a slider across
//! fifty values computes the value under way and the one the slider stopped at, not fifty.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

type Task<K, V> = (K, Box<dyn FnOnce() -> V + Send>);

/// The latest value computed for a key, and the computation under way.
pub struct Latest<K, V> {
    thread_name: &'static str,
    shown: Option<(K, Arc<V>)>,
    /// The key of the newest request not yet answered.
    wanted: Option<K>,
    worker: Option<Worker<K, V>>,
}

struct Worker<K, V> {
    tasks: Sender<Task<K, V>>,
    results: Receiver<(K, V)>,
}

impl<K, V> Worker<K, V>
where
    K: Send + 'static,
    V: Send + 'static,
{
    fn start(thread_name: &'static str) -> Option<Worker<K, V>> {
        let (tasks, queue) = channel::<Task<K, V>>();
        let (answer, results) = channel();
        std::thread::Builder::new()
            .name(thread_name.to_owned())
            .spawn(move || {
                while let Ok(mut task) = queue.recv() {
                    // Only the newest request matters: the rest were overtaken while waiting.
                    while let Ok(newer) = queue.try_recv() {
                        task = newer;
                    }
                    let (key, compute) = task;
                    if answer.send((key, compute())).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Worker { tasks, results })
    }
}

impl<K, V> Latest<K, V>
where
    K: PartialEq + Clone + Send + 'static,
    V: Send + 'static,
{
    /// Nothing computed yet; computations run on one thread named `thread_name`.
    pub fn new(thread_name: &'static str) -> Self {
        Latest {
            thread_name,
            shown: None,
            wanted: None,
            worker: None,
        }
    }

    /// The value for `key`: queues `compute` unless the value is shown or already asked
    /// for, and returns the value on screen with whether it is for `key` (`false`: stale,
    /// the new one is coming).
    pub fn get(
        &mut self,
        key: &K,
        compute: impl FnOnce() -> V + Send + 'static,
    ) -> Option<(Arc<V>, bool)> {
        self.collect(Duration::ZERO);
        let shown_ok = self.shown.as_ref().is_some_and(|(k, _)| k == key);
        let asked = self.wanted.as_ref() == Some(key);
        if !shown_ok && !asked {
            self.ask(key.clone(), Box::new(compute));
            // Small programmes finish at once: show the result in this very frame.
            self.collect(Duration::from_millis(8));
        }
        self.shown.as_ref().map(|(k, v)| (v.clone(), k == key))
    }

    fn ask(&mut self, key: K, compute: Box<dyn FnOnce() -> V + Send>) {
        if self.worker.is_none() {
            self.worker = Worker::start(self.thread_name);
        }
        let sent = self
            .worker
            .as_ref()
            .map(|w| w.tasks.send((key.clone(), compute)));
        match sent {
            Some(Ok(())) => self.wanted = Some(key),
            // No thread could be started, or it ended: the next request starts a new one.
            _ => self.worker = None,
        }
    }

    fn collect(&mut self, wait: Duration) {
        let Some(worker) = &self.worker else { return };
        if self.wanted.is_none() {
            return;
        }
        let first = if wait.is_zero() {
            worker.results.try_recv().ok()
        } else {
            worker.results.recv_timeout(wait).ok()
        };
        let Some(mut done) = first else { return };
        while let Ok(newer) = worker.results.try_recv() {
            done = newer;
        }
        if self.wanted.as_ref() == Some(&done.0) {
            self.wanted = None;
        }
        self.shown = Some((done.0, Arc::new(done.1)));
    }

    /// Whether a computation is asked for and not yet collected.
    pub fn is_busy(&self) -> bool {
        self.wanted.is_some()
    }

    /// The value on screen, whatever key it is for.
    pub fn shown(&self) -> Option<&(K, Arc<V>)> {
        self.shown.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Guards the one-worker rule: fifty requests made while one runs compute at most the
    /// one under way and the newest, on one thread, and the newest is what is shown.
    #[test]
    fn requests_made_while_one_runs_collapse_to_the_newest() {
        let computed = Arc::new(AtomicUsize::new(0));
        let (release, gate) = channel::<()>();
        let gate = Arc::new(std::sync::Mutex::new(gate));
        let mut latest: Latest<u32, u32> = Latest::new("latest test");
        for value in 0..50u32 {
            let computed = computed.clone();
            let gate = gate.clone();
            latest.get(&value, move || {
                if value == 0 {
                    let _ = gate.lock().unwrap().recv();
                }
                computed.fetch_add(1, Ordering::SeqCst);
                value * 10
            });
        }
        release.send(()).unwrap();
        let mut shown = None;
        for _ in 0..500 {
            if let Some((value, true)) = latest.get(&49, || unreachable!("49 was asked for")) {
                shown = Some(*value);
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(shown, Some(490));
        assert!(
            computed.load(Ordering::SeqCst) <= 2,
            "computed {computed:?}"
        );
        assert!(!latest.is_busy());
    }
}
