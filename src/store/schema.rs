//! The database schema and its migrations.

use crate::domain::links::UTM_PARAMS;

/// The schema version this build writes; older files are migrated on open.
pub const SCHEMA_VERSION: i64 = 7;

/// Whether the database has a `schema_version` table (a new file has none yet).
pub const HAS_SCHEMA_VERSION: &str = "SELECT count(*) > 0 FROM information_schema.tables
    WHERE table_schema = 'main' AND table_name = 'schema_version'";

/// The newest schema version the database records, NULL when none.
pub const WRITTEN_SCHEMA_VERSION: &str = "SELECT max(version) FROM schema_version";

/// Deletes the touches of a click import that stopped before it was recorded (the program
/// ended between its two transactions): their import id is above every recorded one, or the
/// negation of such an id (its rejected rows, parked). Scenario rows (import 0) are kept.
pub const DISCARD_UNFINISHED_IMPORTS: &str = "
DELETE FROM touches
WHERE import_id > (SELECT coalesce(max(import_id), 0) FROM imports) OR import_id < 0;
";

/// Version 2 added `touches.reject_column` and `reject_reason`; version 3 dropped them again
/// (rejected rows of a click file are parked under the negated import id instead, see
/// [`CREATE_TABLES`]); version 4 keeps a file's campaign columns in one, `touches.utm`
/// ([`merge_utm_columns`]); version 5 computes `touches.source` instead of storing it
/// ([`touches_table`]); version 6 records the preset that read each import with the rows it
/// left out and its note, and keeps saved import presets ([`ADD_PRESET_COLUMNS`]); version 7
/// keeps partners' payout details, conversions' product category
/// ([`ADD_PAYOUT_DETAIL_COLUMNS`]) and a conversion's `subscription_id`
/// ([`ADD_SUBSCRIPTION_COLUMN`]). A database this build opened records 7.
pub const RECORD_SCHEMA_VERSION: &str = "UPDATE schema_version SET version = 7 WHERE version < 7;";

/// Version 7's payout details of a partner (where the payment file says to pay) and product
/// category of a conversion (for per-category rates), added to an older database (a new one
/// has them).
pub const ADD_PAYOUT_DETAIL_COLUMNS: &str = "
ALTER TABLE partners ADD COLUMN IF NOT EXISTS payout_email VARCHAR;
ALTER TABLE partners ADD COLUMN IF NOT EXISTS iban VARCHAR;
ALTER TABLE replaced_partners ADD COLUMN IF NOT EXISTS payout_email VARCHAR;
ALTER TABLE replaced_partners ADD COLUMN IF NOT EXISTS iban VARCHAR;
ALTER TABLE conversions ADD COLUMN IF NOT EXISTS category VARCHAR;
";

/// Version 7's column of `conversions`, added to an older database (a new one has it): the
/// subscription a sale belongs to, whose renewals a recurring commission binds to the
/// partner of its first sale.
pub const ADD_SUBSCRIPTION_COLUMN: &str =
    "ALTER TABLE conversions ADD COLUMN IF NOT EXISTS subscription_id VARCHAR;";

/// Version 6's columns of `imports`, added to an older database (a new one has them).
pub const ADD_PRESET_COLUMNS: &str = "
ALTER TABLE imports ADD COLUMN IF NOT EXISTS preset VARCHAR;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_skipped BIGINT DEFAULT 0;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS note VARCHAR;
";

/// Whether `touches` still has version 3's five campaign columns.
pub const HAS_UTM_COLUMNS: &str =
    "SELECT count(*) > 0 FROM pragma_table_info('touches') WHERE name = 'utm_source'";

/// Moves version 3's five campaign columns of `touches` into `utm`, as the importer writes
/// it (`utm_source=…&utm_term=…`, values percent-encoded), in one transaction.
pub fn merge_utm_columns() -> String {
    let parts = UTM_PARAMS.map(|name| format!("'{name}=' || url_encode({name})"));
    let drops = UTM_PARAMS.map(|name| format!("ALTER TABLE touches DROP COLUMN {name};"));
    format!(
        "BEGIN TRANSACTION;
         ALTER TABLE touches ADD COLUMN IF NOT EXISTS utm VARCHAR;
         UPDATE touches SET utm = nullif(concat_ws('&', {}), '')
             WHERE coalesce({}) IS NOT NULL;
         {}
         COMMIT;",
        parts.join(", "),
        UTM_PARAMS.join(", "),
        drops.join("\n")
    )
}

/// Tables of a programme database. Timestamps are stored as UTC `TIMESTAMP`s.
///
/// A click file's rows are written straight into `touches` and finished in a second
/// transaction (see `import::clicks`): until then the rows that failed a check are parked
/// under the negated import id, and they are moved to `rejects` before the import is
/// recorded, so no recorded touch has a negative import id. Version 2's reject columns are
/// dropped on open.
///
/// No primary keys: DuckDB's ART indexes slow bulk loads of millions of rows, and the
/// importer enforces uniqueness itself (it has to report duplicates as rejects anyway).
pub const CREATE_TABLES: &str = "
CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS programme_settings (key VARCHAR NOT NULL, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS imports (
    import_id BIGINT NOT NULL,
    file_name VARCHAR NOT NULL,
    file_path VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    preset VARCHAR,
    rows_skipped BIGINT DEFAULT 0,
    note VARCHAR
);
-- Column mappings saved under a name, usable as `import --preset NAME` (columns: JSON of our
-- column → the file's header name).
CREATE TABLE IF NOT EXISTS import_presets (
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    columns_json VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
    import_id BIGINT NOT NULL,
    file_name VARCHAR NOT NULL,
    line BIGINT,
    column_name VARCHAR,
    reason VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS partners (
    partner_id VARCHAR NOT NULL,
    name VARCHAR,
    commission VARCHAR,
    commission_kind VARCHAR,
    commission_value DOUBLE,
    coupon_codes VARCHAR,
    import_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversions (
    conversion_seq BIGINT NOT NULL,
    conversion_id VARCHAR NOT NULL,
    import_id BIGINT NOT NULL,
    line BIGINT NOT NULL,
    converted_at TIMESTAMP NOT NULL,
    revenue DOUBLE NOT NULL,
    currency VARCHAR,
    cookie_id VARCHAR,
    user_id VARCHAR,
    click_id VARCHAR,
    coupon_code VARCHAR,
    status VARCHAR NOT NULL,
    category VARCHAR,
    subscription_id VARCHAR
);
CREATE TABLE IF NOT EXISTS signoffs (
    signoff_id BIGINT NOT NULL,
    period VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    settings_json VARCHAR NOT NULL,
    signed_by VARCHAR NOT NULL,
    signed_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS signoff_lines (
    signoff_id BIGINT NOT NULL,
    partner_id VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    conversions DOUBLE NOT NULL,
    revenue_cents BIGINT NOT NULL,
    commission_cents BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS warehouse_runs (
    run_id BIGINT NOT NULL,
    ran_on VARCHAR NOT NULL,
    settings VARCHAR NOT NULL,
    seconds DOUBLE NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS warehouse_credit (
    run_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    conversions DOUBLE NOT NULL,
    revenue DOUBLE NOT NULL,
    payout DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS statement_lines (
    signoff_id BIGINT NOT NULL,
    period VARCHAR NOT NULL,
    partner_id VARCHAR NOT NULL,
    conversion_id VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    commission_cents BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS scenarios (
    name VARCHAR NOT NULL,
    steps_json VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS leads (
    import_id BIGINT NOT NULL,
    line BIGINT NOT NULL,
    partner_id VARCHAR NOT NULL,
    reported_at TIMESTAMP NOT NULL,
    reference VARCHAR NOT NULL,
    amount DOUBLE
);
-- Partner rows a partners import replaced (import_id: the row's own import), kept so that
-- removing the replacing import puts them back (store::removal).
CREATE TABLE IF NOT EXISTS replaced_partners (
    partner_id VARCHAR NOT NULL,
    name VARCHAR,
    commission VARCHAR,
    commission_kind VARCHAR,
    commission_value DOUBLE,
    coupon_codes VARCHAR,
    import_id BIGINT NOT NULL,
    replaced_by BIGINT NOT NULL
);
-- A conversion's status before an import's late refund or cancellation changed it.
CREATE TABLE IF NOT EXISTS conversion_status_changes (
    import_id BIGINT NOT NULL,
    conversion_id VARCHAR NOT NULL,
    previous_status VARCHAR NOT NULL
);
";

/// Views over the tables, made once [`CREATE_TABLES`] and the migrations have run: each
/// campaign parameter from the file's own columns (`utm`) first, then from the link.
pub fn create_views() -> String {
    let parameters = UTM_PARAMS.map(|name| {
        format!(
            "coalesce(nullif(url_decode(regexp_extract(utm, '(?:^|&){name}=([^&]*)', 1)), ''),
                      nullif(url_decode(regexp_extract(url, '[?&]{name}=([^&#]*)', 1)), ''))
                 AS {name}"
        )
    });
    format!(
        "CREATE OR REPLACE VIEW touch_campaigns AS
             SELECT touch_seq, source, {} FROM touches;",
        parameters.join(",\n")
    )
}

/// `touches`, created as `name`. `source` is computed when read, not stored: a dense text
/// column written for every click had cost a click import a few per cent.
pub fn touches_table(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (
    touch_seq BIGINT NOT NULL,
    import_id BIGINT NOT NULL,
    line BIGINT NOT NULL,
    touched_at TIMESTAMP NOT NULL,
    -- The partner or channel the touch is credited to.
    source VARCHAR GENERATED ALWAYS AS (coalesce(partner_id, channel, '')) VIRTUAL,
    partner_id VARCHAR,
    channel VARCHAR,
    click_id VARCHAR,
    url VARCHAR,
    cookie_id VARCHAR,
    user_id VARCHAR,
    device_id VARCHAR,
    browser VARCHAR,
    redirect_hops INTEGER,
    landing_status VARCHAR,
    -- The file's own campaign columns as a query string; the link's are read from url.
    utm VARCHAR
);"
    )
}

/// The stored columns of [`touches_table`], for copying its rows.
pub const TOUCHES_STORED_COLUMNS: &str = "touch_seq, import_id, line, touched_at, partner_id, channel, click_id, url, cookie_id, user_id, device_id, browser, redirect_hops, landing_status, utm";

/// Migrations of `touches` that need no check first (version 2's reject columns).
pub const DROP_REJECT_COLUMNS: &str = "
ALTER TABLE touches DROP COLUMN IF EXISTS reject_column;
ALTER TABLE touches DROP COLUMN IF EXISTS reject_reason;
";

/// Whether `touches` still stores `source` (version 4 and before).
pub const STORES_SOURCE: &str = "SELECT count(*) > 0 FROM information_schema.columns
    WHERE table_name = 'touches' AND column_name = 'source' AND is_generated = 'NEVER'";

/// Rebuilds a `touches` that stores `source` as [`touches_table`], in one transaction.
pub fn compute_source() -> String {
    let columns = TOUCHES_STORED_COLUMNS;
    format!(
        "BEGIN TRANSACTION;
         DROP TABLE IF EXISTS touches_v5;
         {}
         INSERT INTO touches_v5 ({columns}) SELECT {columns} FROM touches;
         DROP TABLE touches;
         ALTER TABLE touches_v5 RENAME TO touches;
         COMMIT;",
        touches_table("touches_v5")
    )
}
