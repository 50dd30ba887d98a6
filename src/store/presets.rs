//! Column mappings saved under a name (the mapping dialog's *Save as preset*, `import
//! --save-preset`), read back by `import --preset NAME`.

use std::collections::BTreeMap;

use duckdb::params;

use super::{QueryContext, Store, StoreError};

/// A column mapping saved in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPreset {
    /// Its name (unique: saving again replaces it).
    pub name: String,
    /// The kind of file it reads (`conversions`, …).
    pub kind: String,
    /// Our column → the file's header name.
    pub columns: BTreeMap<String, String>,
    /// When it was saved, UTC, `2026-11-24 10:00:00`.
    pub saved_at: String,
}

impl Store {
    /// Saves a mapping of `kind` files under `name`, replacing one of the same name.
    pub fn save_preset(
        &self,
        name: &str,
        kind: &str,
        columns: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let doing = "saving the import preset";
        let json = serde_json::to_string(columns).unwrap_or_else(|_| "{}".to_owned());
        self.conn.execute("BEGIN", []).doing(doing)?;
        let saved = self
            .conn
            .execute("DELETE FROM import_presets WHERE name = ?", params![name])
            .and_then(|_| {
                self.conn.execute(
                    "INSERT INTO import_presets VALUES (?, ?, ?, now()::TIMESTAMP)",
                    params![name, kind, json],
                )
            });
        let end = if saved.is_ok() { "COMMIT" } else { "ROLLBACK" };
        self.conn.execute(end, []).doing(doing)?;
        saved.map(|_| ()).doing(doing)
    }

    /// The mapping saved under `name`, if any.
    pub fn saved_preset(&self, name: &str) -> Result<Option<SavedPreset>, StoreError> {
        Ok(self
            .saved_presets()?
            .into_iter()
            .find(|preset| preset.name == name))
    }

    /// Every saved mapping, by name.
    pub fn saved_presets(&self) -> Result<Vec<SavedPreset>, StoreError> {
        let doing = "listing saved import presets";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, kind, columns_json, strftime(saved_at, '%Y-%m-%d %H:%M:%S')
                 FROM import_presets ORDER BY name",
            )
            .doing(doing)?;
        let rows = stmt
            .query_map([], |r| {
                let json: String = r.get(2)?;
                Ok(SavedPreset {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    columns: serde_json::from_str(&json).unwrap_or_default(),
                    saved_at: r.get(3)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }

    /// Deletes the mapping saved under `name`; true when there was one.
    pub fn delete_preset(&self, name: &str) -> Result<bool, StoreError> {
        let deleted = self
            .conn
            .execute("DELETE FROM import_presets WHERE name = ?", params![name])
            .doing("deleting the import preset")?;
        Ok(deleted > 0)
    }
}
