//! Writing contacts as CSV a spreadsheet opens safely: a cell that starts like a formula
//! (`=`, `+`, `-`, `@`, or a tab or carriage return that some spreadsheets skip before one) is
//! prefixed with `'`, so it is shown as text and never run.

use std::borrow::Cow;
use std::io::Write;

use crate::Contact;

/// The standard columns, in the order they are written.
pub const STANDARD_COLUMNS: [&str; 5] = ["phone", "mobile", "first_name", "last_name", "email"];

/// `cell`, made safe to open in a spreadsheet.
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// CSV whose every cell is made safe to open in a spreadsheet ([`escape_formula`]).
#[derive(Debug)]
pub struct SafeCsvWriter<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> SafeCsvWriter<W> {
    /// Writes the header row.
    pub fn new<'a>(output: W, header: impl IntoIterator<Item = &'a str>) -> csv::Result<Self> {
        let mut writer = Self {
            writer: csv::WriterBuilder::new().from_writer(output),
        };
        writer.write_row(header)?;
        Ok(writer)
    }

    /// Writes one row.
    pub fn write_row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> csv::Result<()> {
        let cells: Vec<Cow<'_, str>> = cells.into_iter().map(escape_formula).collect();
        self.writer
            .write_record(cells.iter().map(|cell| cell.as_bytes()))
    }

    /// Hands what was written so far to the output.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }

    /// Flushes and returns the output.
    pub fn finish(self) -> Result<W, std::io::Error> {
        self.writer
            .into_inner()
            .map_err(|error| std::io::Error::other(error.to_string()))
    }
}

/// Writes contacts under a header of the standard columns and the given custom fields.
#[derive(Debug)]
pub struct ContactWriter<W: Write> {
    writer: SafeCsvWriter<W>,
    custom_names: Vec<String>,
}

impl<W: Write> ContactWriter<W> {
    /// Writes the header row.
    pub fn new(output: W, custom_names: Vec<String>) -> csv::Result<Self> {
        let header = STANDARD_COLUMNS
            .iter()
            .copied()
            .chain(custom_names.iter().map(String::as_str));
        let writer = SafeCsvWriter::new(output, header)?;
        Ok(Self {
            writer,
            custom_names,
        })
    }

    /// Writes one contact.
    pub fn write(&mut self, contact: &Contact) -> csv::Result<()> {
        let standard = [
            &contact.phone,
            &contact.mobile,
            &contact.first_name,
            &contact.last_name,
            &contact.email,
        ];
        let custom = self
            .custom_names
            .iter()
            .map(|name| contact.custom.get(name).map_or("", String::as_str));
        self.writer
            .write_row(standard.into_iter().map(String::as_str).chain(custom))
    }

    /// Hands what was written so far to the output.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }

    /// Flushes and returns the output.
    pub fn finish(self) -> Result<W, std::io::Error> {
        self.writer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ContactReader;

    #[test]
    fn formula_cells_become_text() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(escape_formula(cell), format!("'{cell}"));
        }
        for cell in ["393402211333", "Zoë", "", "a=b"] {
            assert_eq!(escape_formula(cell), cell);
        }
    }

    #[test]
    fn an_export_reads_back_as_the_same_contacts() {
        let mut contact = Contact {
            phone: "393402211333".into(),
            mobile: "393402211333".into(),
            first_name: "Anna, \"Nina\"".into(),
            last_name: "Rossi\nBianchi".into(),
            email: "anna@example.com".into(),
            ..Contact::default()
        };
        contact.custom.insert("tier".into(), "gold".into());
        let mut writer = ContactWriter::new(Vec::new(), vec!["tier".into()]).unwrap();
        writer.write(&contact).unwrap();
        let bytes = writer.finish().unwrap();
        let rows: Vec<_> = ContactReader::new(bytes.as_slice(), None)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].contact, contact);
    }
}
