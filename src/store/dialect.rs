//! The few places where DuckDB's SQL and Spark SQL differ, for the credit queries that run on
//! both (the store's cross-check of the engine, and the warehouse job).
//!
//! Everything else in those queries is written once, in the syntax both accept: `CAST(x AS
//! DOUBLE)` rather than `x::DOUBLE` (and never a bare `1.0`, which Spark reads as a six-digit
//! decimal), `(VALUES …) AS m(…)`, no `QUALIFY`, times compared as integer microseconds.

/// The SQL engine a query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlDialect {
    /// DuckDB: the programme database, or Parquet files read in memory.
    DuckDb,
    /// Apache Spark SQL (3.x and 4.x).
    Spark,
}

impl SqlDialect {
    /// Microseconds since the Unix epoch of a `TIMESTAMP` expression, as a `BIGINT`. Spark
    /// reads Parquet's local timestamps as `TIMESTAMP_NTZ`, which `unix_micros` takes only
    /// cast to `TIMESTAMP`, in the session's time zone: the job runs with
    /// `spark.sql.session.timeZone=UTC`, so that no daylight-saving change moves a lag.
    pub(crate) fn epoch_us(self, timestamp: &str) -> String {
        match self {
            SqlDialect::DuckDb => format!("epoch_us({timestamp})"),
            SqlDialect::Spark => format!("unix_micros(CAST({timestamp} AS TIMESTAMP))"),
        }
    }

    /// `value` shifted left by `bits`.
    pub(crate) fn shift_left(self, value: &str, bits: u32) -> String {
        match self {
            SqlDialect::DuckDb => format!("(({value}) << {bits})"),
            SqlDialect::Spark => format!("shiftleft({value}, {bits})"),
        }
    }

    /// `value` shifted right by `bits`.
    pub(crate) fn shift_right(self, value: &str, bits: u32) -> String {
        match self {
            SqlDialect::DuckDb => format!("(({value}) >> {bits})"),
            SqlDialect::Spark => format!("shiftright({value}, {bits})"),
        }
    }

    /// Integer division of two `BIGINT` expressions (both non-negative here).
    pub(crate) fn int_div(self, dividend: &str, divisor: &str) -> String {
        match self {
            SqlDialect::DuckDb => format!("(({dividend}) // {divisor})"),
            SqlDialect::Spark => format!("(({dividend}) div {divisor})"),
        }
    }

    /// Whether text expression `text` contains a match of `pattern`, a regular expression
    /// written in this program (never text from a file).
    pub(crate) fn regex_matches(self, text: &str, pattern: &'static str) -> String {
        match self {
            SqlDialect::DuckDb => format!("regexp_matches({text}, '{pattern}')"),
            SqlDialect::Spark => format!("({text} RLIKE '{pattern}')"),
        }
    }

    /// One row per `;`-separated part of text column `list`, as a select-list item named
    /// `alias` (both engines expand a set-returning item in the select list).
    pub(crate) fn split_rows(self, list: &str, alias: &str) -> String {
        match self {
            SqlDialect::DuckDb => format!("unnest(string_split({list}, ';')) AS {alias}"),
            SqlDialect::Spark => format!("explode(split({list}, ';')) AS {alias}"),
        }
    }

    /// The engine's name as the command line writes it.
    pub fn key(self) -> &'static str {
        match self {
            SqlDialect::DuckDb => "duckdb",
            SqlDialect::Spark => "spark",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SqlDialect;

    #[test]
    fn each_engine_gets_its_own_spelling() {
        assert_eq!(SqlDialect::DuckDb.epoch_us("t.at"), "epoch_us(t.at)");
        assert_eq!(
            SqlDialect::Spark.epoch_us("t.at"),
            "unix_micros(CAST(t.at AS TIMESTAMP))"
        );
        assert_eq!(SqlDialect::Spark.shift_right("k", 3), "shiftright(k, 3)");
        assert_eq!(SqlDialect::DuckDb.int_div("a + 1", "10"), "((a + 1) // 10)");
        assert_eq!(SqlDialect::Spark.int_div("a + 1", "10"), "((a + 1) div 10)");
    }
}
