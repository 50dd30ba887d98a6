//! Partner Attribution: who deserves credit for each sale of a partner programme.
//!
//! The library holds everything the window and the command line share, in layers that only
//! look down (`tests/layers.rs` keeps it so):
//!
//! - [`domain`]: plain types — settings, models, cookie window, tracking rules and touch keys,
//!   credit rows, time zones, link grammar, numbers and money for people. No I/O.
//! - [`store`], then [`import`]: the only code that knows SQL and DuckDB (one quoting helper,
//!   `store::sql`); files → validated tables, the database file, its queries.
//! - [`journeys`]: the in-memory index built once from the store.
//! - [`attribution`]: the models and the window sweep, pure functions over the index.
//! - the jobs, each on the layers below and on the jobs before it: [`leakage`], [`payouts`],
//!   [`explain`], [`audit`], [`scenario`], [`sample`], [`programme`], [`report`],
//!   [`statements`], [`bench`].
//! - the two faces: [`cli`] (one file per command) and [`ui`] (the only code that knows egui).

pub mod attribution;
pub mod audit;
pub mod bench;
pub mod cli;
pub mod domain;
pub mod explain;
pub mod import;
pub mod journeys;
pub mod leakage;
pub mod payouts;
pub mod programme;
pub mod report;
pub mod sample;
pub mod scenario;
pub mod statements;
pub mod store;
pub mod ui;
