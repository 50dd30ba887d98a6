//! Undoing an import: its rows out again, what it replaced or changed put back, in one
//! transaction; and a digest of every table's contents to check that nothing else moved.
//!
//! Every row an import stores carries its `import_id` (touches, conversions, partners, leads,
//! rejects), so those are deleted by it. Two kinds of change are not rows of their own and are
//! recorded while importing so that they can be undone:
//! - a partners import replaces the stored rows of the partners it lists; the replaced rows
//!   are kept in `replaced_partners` with the replacing import;
//! - a conversions file that repeats a stored conversion as refunded or cancelled updates its
//!   status (a late refund); the status before is kept in `conversion_status_changes`.

use duckdb::{Connection, Transaction, params};
use sha2::{Digest, Sha256};

use super::{QueryContext, Store, StoreError};
use crate::domain::format::thousands;

/// Why an import could not be removed; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum RemovalError {
    /// No import of that number is recorded.
    #[error("no import #{import_id} in this database's import history")]
    UnknownImport {
        /// The number asked for.
        import_id: i64,
    },
    /// The database failed; the removal was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What removing one import took out and put back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemovedImport {
    /// The import's number.
    pub import_id: i64,
    /// The file it was read from (name only).
    pub file_name: String,
    /// Touches deleted (clicks, visits, event-log rows).
    pub touches: u64,
    /// Conversions deleted.
    pub conversions: u64,
    /// Partner rows deleted.
    pub partners: u64,
    /// Leads deleted.
    pub leads: u64,
    /// Rejected rows deleted.
    pub rejects: u64,
    /// Partner rows this import had replaced, put back.
    pub partners_restored: u64,
    /// Late refunds and cancellations this import had made, reverted.
    pub status_changes_reverted: u64,
    /// Later imports' status changes of this import's conversions, dropped with them.
    pub later_status_changes_dropped: u64,
}

impl RemovedImport {
    /// The rows deleted, per table: "1,204 touches, 3 rejected rows".
    fn deleted_rows(&self) -> Vec<String> {
        [
            (self.touches, "touch", "touches"),
            (self.conversions, "conversion", "conversions"),
            (self.partners, "partner", "partners"),
            (self.leads, "lead", "leads"),
            (self.rejects, "rejected row", "rejected rows"),
        ]
        .into_iter()
        .filter(|(count, ..)| *count > 0)
        .map(|(count, one, many)| counted(count, one, many))
        .collect()
    }

    /// What was put back or dropped besides: "reverted 1 late status change".
    fn put_back(&self) -> Vec<String> {
        [
            (
                self.partners_restored,
                "restored",
                ("partner it had replaced", "partners it had replaced"),
            ),
            (
                self.status_changes_reverted,
                "reverted",
                ("late status change", "late status changes"),
            ),
            (
                self.later_status_changes_dropped,
                "dropped",
                (
                    "later status change of its conversions",
                    "later status changes of its conversions",
                ),
            ),
        ]
        .into_iter()
        .filter(|(count, ..)| *count > 0)
        .map(|(count, verb, (one, many))| format!("{verb} {}", counted(count, one, many)))
        .collect()
    }
}

impl std::fmt::Display for RemovedImport {
    /// "removed import #3 (clicks.csv): 1,204 touches, 3 rejected rows", then what was put
    /// back ("; reverted 1 late status change"); "no rows" when nothing changed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let deleted = self.deleted_rows();
        let mut said: Vec<String> = Vec::new();
        if !deleted.is_empty() {
            said.push(deleted.join(", "));
        }
        said.extend(self.put_back());
        if said.is_empty() {
            said.push("no rows".to_owned());
        }
        write!(
            f,
            "removed import #{} ({}): {}",
            self.import_id,
            self.file_name,
            said.join("; ")
        )
    }
}

/// `1 touch`, `1,204 touches`.
fn counted(count: u64, one: &str, many: &str) -> String {
    let noun = if count == 1 { one } else { many };
    format!("{} {noun}", thousands(count as i64))
}

impl Store {
    /// Removes import `import_id`: deletes exactly the rows it added (touches, conversions,
    /// partners, leads, rejects) and its record, puts back the partner rows it replaced and
    /// reverts the late refunds and cancellations it made, all in one transaction (on any
    /// failure nothing changes). The same file can then be imported again.
    ///
    /// Later imports that depended on this one: a later late refund of one of this import's
    /// conversions goes with the conversion (its record is dropped; the later import stays in
    /// the history with its counts). A later change of a partner or status this import had
    /// itself changed stays in force, and undoing that later import afterwards returns to
    /// what was there before this one. Rows a later file had rejected as duplicates of this
    /// import's stay rejected, and event-log touches keep the partner-or-channel reading they
    /// were stored with. Sign-offs are not import rows and stay: a signed-off month then
    /// differs from its sign-off, as it should.
    pub fn remove_import(&self, import_id: i64) -> Result<RemovedImport, RemovalError> {
        let file_name = self.recorded_file_name(import_id)?;
        let tx = Transaction::new_unchecked(&self.conn).doing("starting the removal")?;
        let mut removed = RemovedImport {
            import_id,
            file_name,
            ..RemovedImport::default()
        };
        revert_status_changes(&self.conn, import_id, &mut removed)?;
        restore_replaced_partners(&self.conn, import_id, &mut removed)?;
        delete_rows(&self.conn, import_id, &mut removed)?;
        tx.commit().doing("committing the removal")?;
        Ok(removed)
    }

    /// The file name recorded for `import_id`.
    fn recorded_file_name(&self, import_id: i64) -> Result<String, RemovalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT file_name FROM imports WHERE import_id = ?")
            .doing("finding the import")?;
        let mut names = stmt
            .query_map(params![import_id], |r| r.get::<_, String>(0))
            .doing("finding the import")?;
        match names.next().transpose().doing("finding the import")? {
            Some(name) => Ok(name),
            None => Err(RemovalError::UnknownImport { import_id }),
        }
    }

    /// A sha256 (hex) of every base table of the database's main schema: each table's name,
    /// then its rows as text in a fixed order (`ORDER BY ALL`). Two databases with the same
    /// contents have the same digest; tests use it to show that something changed nothing.
    pub fn contents_digest(&self) -> Result<String, StoreError> {
        let doing = "taking a digest of the database";
        let mut tables = self
            .conn
            .prepare(
                "SELECT table_name FROM information_schema.tables
                 WHERE table_catalog = current_database() AND table_schema = 'main'
                   AND table_type = 'BASE TABLE'
                 ORDER BY table_name",
            )
            .doing(doing)?;
        let names: Vec<String> = tables
            .query_map([], |r| r.get(0))
            .doing(doing)?
            .collect::<Result<_, _>>()
            .doing(doing)?;
        let mut hasher = Sha256::new();
        for name in names {
            hasher.update(format!("table {name}\n"));
            // The name is a bound parameter (query_table reads it as a table's name); each
            // row is one struct of all its columns, as text.
            let mut rows = self
                .conn
                .prepare(
                    "SELECT CAST(struct_pack(*COLUMNS(*)) AS VARCHAR) AS row_text
                     FROM query_table(?) ORDER BY ALL",
                )
                .doing(doing)?;
            let texts = rows
                .query_map(params![name], |r| r.get::<_, Option<String>>(0))
                .doing(doing)?;
            for text in texts {
                hasher.update(text.doing(doing)?.unwrap_or_default());
                hasher.update(b"\n");
            }
        }
        Ok(hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }
}

/// Reverts the late refunds and cancellations import `import_id` made. Where a later import
/// changed the same conversion again, its change stays and it is the later record that now
/// remembers the status before `import_id`'s; else the conversion gets that status back.
/// Later imports' changes of the conversions `import_id` itself stored are dropped.
fn revert_status_changes(
    conn: &Connection,
    import_id: i64,
    removed: &mut RemovedImport,
) -> Result<(), StoreError> {
    let doing = "reverting late status changes";
    conn.execute(
        "UPDATE conversion_status_changes AS later
         SET previous_status = mine.previous_status
         FROM conversion_status_changes mine
         WHERE mine.import_id = ? AND later.conversion_id = mine.conversion_id
           AND later.import_id = (SELECT min(m.import_id) FROM conversion_status_changes m
                                  WHERE m.conversion_id = mine.conversion_id
                                    AND m.import_id > mine.import_id)",
        params![import_id],
    )
    .doing(doing)?;
    conn.execute(
        "UPDATE conversions SET status = mine.previous_status
         FROM conversion_status_changes mine
         WHERE mine.import_id = ? AND conversions.conversion_id = mine.conversion_id
           AND NOT EXISTS (SELECT 1 FROM conversion_status_changes m
                           WHERE m.conversion_id = mine.conversion_id
                             AND m.import_id > mine.import_id)",
        params![import_id],
    )
    .doing(doing)?;
    removed.status_changes_reverted = conn
        .execute(
            "DELETE FROM conversion_status_changes WHERE import_id = ?",
            params![import_id],
        )
        .doing(doing)? as u64;
    removed.later_status_changes_dropped = conn
        .execute(
            "DELETE FROM conversion_status_changes WHERE conversion_id IN
                 (SELECT conversion_id FROM conversions WHERE import_id = ?)",
            params![import_id],
        )
        .doing(doing)? as u64;
    Ok(())
}

/// Puts back the partner rows import `import_id` replaced. Where a later import replaced
/// `import_id`'s row in turn, the later one stays, and it is the later record that now keeps
/// the row from before `import_id` (so undoing it too returns to that row). In the SQL,
/// `of_mine` is a later import's record of a row of `import_id`'s, `by_mine` a record
/// `import_id` made of a row it replaced.
fn restore_replaced_partners(
    conn: &Connection,
    import_id: i64,
    removed: &mut RemovedImport,
) -> Result<(), StoreError> {
    let doing = "restoring replaced partners";
    conn.execute(
        "INSERT INTO replaced_partners (partner_id, name, commission, commission_kind,
                 commission_value, coupon_codes, import_id, replaced_by, payout_email, iban)
             SELECT by_mine.partner_id, by_mine.name, by_mine.commission,
                    by_mine.commission_kind, by_mine.commission_value, by_mine.coupon_codes,
                    by_mine.import_id, of_mine.replaced_by, by_mine.payout_email, by_mine.iban
             FROM replaced_partners of_mine
             JOIN replaced_partners by_mine ON by_mine.partner_id = of_mine.partner_id
             WHERE of_mine.import_id = ? AND by_mine.replaced_by = ?",
        params![import_id, import_id],
    )
    .doing(doing)?;
    conn.execute(
        "DELETE FROM replaced_partners WHERE import_id = ?",
        params![import_id],
    )
    .doing(doing)?;
    removed.partners = conn
        .execute(
            "DELETE FROM partners WHERE import_id = ?",
            params![import_id],
        )
        .doing(doing)? as u64;
    removed.partners_restored = conn
        .execute(
            "INSERT INTO partners (partner_id, name, commission, commission_kind,
                                   commission_value, coupon_codes, import_id, payout_email,
                                   iban)
                 SELECT partner_id, name, commission, commission_kind, commission_value,
                        coupon_codes, import_id, payout_email, iban
                 FROM replaced_partners
                 WHERE replaced_by = ? AND partner_id NOT IN (SELECT partner_id FROM partners)",
            params![import_id],
        )
        .doing(doing)? as u64;
    conn.execute(
        "DELETE FROM replaced_partners WHERE replaced_by = ?",
        params![import_id],
    )
    .doing(doing)?;
    Ok(())
}

/// Deletes the rows import `import_id` stored and its record.
fn delete_rows(
    conn: &Connection,
    import_id: i64,
    removed: &mut RemovedImport,
) -> Result<(), StoreError> {
    let doing = "deleting the import's rows";
    let delete = |sql: &str| -> Result<u64, StoreError> {
        Ok(conn.execute(sql, params![import_id]).doing(doing)? as u64)
    };
    removed.touches = delete("DELETE FROM touches WHERE import_id = ?")?;
    removed.conversions = delete("DELETE FROM conversions WHERE import_id = ?")?;
    removed.leads = delete("DELETE FROM leads WHERE import_id = ?")?;
    removed.rejects = delete("DELETE FROM rejects WHERE import_id = ?")?;
    delete("DELETE FROM imports WHERE import_id = ?")?;
    Ok(())
}
