//! The bridge between the window and the work it must not wait for: the store thread that
//! owns the DuckDB connection, one latest-value worker per kind of computation, and the
//! window sweeps behind the sliders.

mod latest;
mod model_cache;
mod open_paths;
mod sweep_cache;
mod worker;

pub use latest::Latest;
pub use model_cache::ModelCache;
pub use open_paths::{OpenPathsLoad, OpenPathsState};
pub use sweep_cache::SweepCache;
pub use worker::{Evidence, Job, Reply, Snapshot, WorkerBridge};
