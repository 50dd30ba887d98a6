//! CSV files: headers, one file being written, and `partners.csv`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::SampleError;
use super::format::push_field;
use super::vocabulary::PARTNERS;

// The header line of each file.
pub(super) const PARTNERS_HEADER: &str = "partner_id,name,commission,coupon_codes";
pub(super) const CLICKS_HEADER: &str = "click_id,clicked_at,url,partner_id,channel,cookie_id,\
                                        user_id,device_id,browser,redirect_hops,landing_status";
pub(super) const CONVERSIONS_HEADER: &str =
    "conversion_id,converted_at,revenue,currency,cookie_id,user_id,click_id,coupon_code,status";
pub(super) const LEADS_HEADER: &str = "partner_id,reported_at,reference,amount";
pub(super) const TRUTH_HEADER: &str = "conversion_id,true_partner_id,loss_cause";

/// One CSV file being written, with the path to blame when writing fails.
pub(super) struct CsvFile {
    path: PathBuf,
    out: BufWriter<File>,
    pub(super) rows: usize,
}

impl CsvFile {
    /// Creates `name` in `dir` and writes its header line.
    pub(super) fn create(dir: &Path, name: &str, header: &str) -> Result<Self, SampleError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| SampleError::Write {
            path: path.clone(),
            source,
        })?;
        let mut csv = Self {
            path,
            out: BufWriter::with_capacity(1 << 16, file),
            rows: 0,
        };
        csv.put(header.as_bytes())?;
        csv.put(b"\n")?;
        Ok(csv)
    }

    /// Writes one complete line, its `\n` included.
    pub(super) fn row(&mut self, line: &[u8]) -> Result<(), SampleError> {
        self.rows += 1;
        self.put(line)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), SampleError> {
        self.out
            .write_all(bytes)
            .map_err(|source| SampleError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes the file; returns its path and row count.
    pub(super) fn finish(self) -> Result<(PathBuf, usize), SampleError> {
        match self.out.into_inner() {
            Ok(_) => Ok((self.path, self.rows)),
            Err(error) => Err(SampleError::Write {
                path: self.path,
                source: error.into_error(),
            }),
        }
    }
}

/// Writes `partners.csv`; returns its path.
pub(super) fn write_partners(dir: &Path) -> Result<PathBuf, SampleError> {
    let mut csv = CsvFile::create(dir, "partners.csv", PARTNERS_HEADER)?;
    let mut line = Vec::new();
    for partner in &PARTNERS {
        line.clear();
        push_field(&mut line, partner.id);
        line.push(b',');
        push_field(&mut line, partner.name);
        line.push(b',');
        push_field(&mut line, partner.commission);
        line.push(b',');
        push_field(&mut line, &partner.coupons.join(";"));
        line.push(b'\n');
        csv.row(&line)?;
    }
    Ok(csv.finish()?.0)
}
