//! Partner Attribution: who deserves credit for each sale of a partner programme.
//!
//! The library holds everything the window and the command line share. Layers only look
//! down: `ui` → `attribution` → `journeys` → `store`/`import`. Only `store` and `import`
//! know SQL and DuckDB; only `ui` knows egui.

pub mod attribution;
pub mod audit;
pub mod bench;
pub mod cli;
pub mod explain;
pub mod format;
pub mod import;
pub mod journeys;
pub mod leakage;
pub mod links;
pub mod paths;
pub mod payouts;
pub mod programme;
pub mod report;
pub mod sample;
pub mod scenario;
pub mod store;
pub mod ui;
