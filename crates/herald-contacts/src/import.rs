//! Reading contacts from a spreadsheet's CSV, streamed: the file's columns are mapped to
//! contact fields (suggested from the header, chosen by the admin), and every row becomes a
//! [`Contact`] or a [`RowError`]; one bad row never costs the good ones.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Contact, FieldError};

/// Most columns a file may have.
pub const MAX_COLUMNS: usize = 200;
/// How much of the file's start is read to find its separator.
const SNIFF_BYTES: usize = 64 * 1024;
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Where a column of the file goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ColumnTarget {
    /// The phone number.
    Phone,
    /// The mobile number.
    Mobile,
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Email.
    Email,
    /// A custom field of that name.
    Custom(String),
    /// Not imported.
    Ignore,
}

impl fmt::Display for ColumnTarget {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Phone => formatter.write_str("phone"),
            Self::Mobile => formatter.write_str("mobile"),
            Self::FirstName => formatter.write_str("first_name"),
            Self::LastName => formatter.write_str("last_name"),
            Self::Email => formatter.write_str("email"),
            Self::Custom(name) => write!(formatter, "custom:{name}"),
            Self::Ignore => formatter.write_str("ignore"),
        }
    }
}

impl FromStr for ColumnTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "phone" => Self::Phone,
            "mobile" => Self::Mobile,
            "first_name" => Self::FirstName,
            "last_name" => Self::LastName,
            "email" => Self::Email,
            "ignore" => Self::Ignore,
            _ => match text.strip_prefix("custom:").map(str::trim) {
                Some(name) if !name.is_empty() => Self::Custom(name.to_owned()),
                _ => {
                    return Err(format!(
                        "{text:?} is not a column target: phone, mobile, first_name, last_name, email, ignore or custom:NAME"
                    ));
                }
            },
        })
    }
}

impl TryFrom<String> for ColumnTarget {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ColumnTarget> for String {
    fn from(target: ColumnTarget) -> Self {
        target.to_string()
    }
}

impl ColumnTarget {
    /// The target a header suggests: the usual spellings of the standard fields, otherwise a
    /// custom field named like the header (nothing for a blank header).
    pub fn suggested_by(header: &str) -> Self {
        let folded: String = header
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "phone" | "phonenumber" | "telephone" | "tel" | "number" | "whatsapp" => Self::Phone,
            "mobile" | "mobilephone" | "mobilenumber" | "cell" | "cellphone" => Self::Mobile,
            "firstname" | "first" | "givenname" | "name" => Self::FirstName,
            "lastname" | "last" | "surname" | "familyname" => Self::LastName,
            "email" | "emailaddress" | "mail" => Self::Email,
            "" => Self::Ignore,
            _ => Self::Custom(header.trim().to_owned()),
        }
    }
}

/// A file that cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has no header row.
    #[error("the file is empty: its first row must name the columns")]
    Empty,
    /// More columns than Herald reads.
    #[error("the file has {0} columns; at most {MAX_COLUMNS} are read")]
    TooManyColumns(usize),
    /// The mapping does not match the header.
    #[error("the mapping names {mapped} columns but the file has {columns}")]
    MappingLength {
        /// Columns in the mapping.
        mapped: usize,
        /// Columns in the file.
        columns: usize,
    },
    /// Neither phone nor mobile is mapped.
    #[error("no column is mapped to phone or mobile")]
    NoPhoneColumn,
    /// Two columns go to the same field.
    #[error("two columns are mapped to {0}")]
    DuplicateTarget(String),
    /// The header row is not UTF-8 or not CSV.
    #[error("the header row cannot be read: {0}")]
    Header(String),
    /// Reading the file failed.
    #[error("the file cannot be read: {0}")]
    Io(#[from] std::io::Error),
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    /// The row as a spreadsheet numbers it: the header is row 1.
    pub row: u64,
    /// The field at fault (`phone`, `email`, `custom.tier`, or `row` for the row as a whole).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

/// A row read into a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRow {
    /// The row as a spreadsheet numbers it.
    pub row: u64,
    /// The contact it holds, normalised.
    pub contact: Contact,
}

/// The separator a file uses: of comma, semicolon and tab, the one its first line has most of
/// outside quotes (comma when none).
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in head {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(count) = counts.iter_mut().find(|(separator, _)| *separator == byte) {
                    count.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .fold((b',', 0), |best, &candidate| {
            if candidate.1 > best.1 {
                candidate
            } else {
                best
            }
        })
        .0
}

/// Reads contacts from CSV; an iterator of rows, each a contact or the reason it is not one.
pub struct ContactReader<R: Read> {
    records: csv::Reader<BufReader<R>>,
    headers: Vec<String>,
    mapping: Vec<ColumnTarget>,
    delimiter: u8,
    record: csv::ByteRecord,
    row: u64,
    ended: bool,
}

impl<R: Read> fmt::Debug for ContactReader<R> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ContactReader")
            .field("headers", &self.headers)
            .field("mapping", &self.mapping)
            .field("row", &self.row)
            .finish_non_exhaustive()
    }
}

impl<R: Read> ContactReader<R> {
    /// Opens `input`, reads its header row, and applies `mapping` (one target per column), or
    /// the targets the headers suggest when there is none.
    pub fn new(input: R, mapping: Option<Vec<ColumnTarget>>) -> Result<Self, ImportError> {
        let mut buffered = BufReader::with_capacity(SNIFF_BYTES, input);
        let head = buffered.fill_buf()?;
        let bom = head.starts_with(BYTE_ORDER_MARK);
        let delimiter = sniff_delimiter(if bom {
            &head[BYTE_ORDER_MARK.len()..]
        } else {
            head
        });
        if bom {
            buffered.consume(BYTE_ORDER_MARK.len());
        }
        let mut records = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(buffered);
        let mut header = csv::ByteRecord::new();
        if !records
            .read_byte_record(&mut header)
            .map_err(|error| ImportError::Header(error.to_string()))?
        {
            return Err(ImportError::Empty);
        }
        if header.len() > MAX_COLUMNS {
            return Err(ImportError::TooManyColumns(header.len()));
        }
        let headers = header
            .iter()
            .map(|name| {
                std::str::from_utf8(name)
                    .map(|name| name.trim().to_owned())
                    .map_err(|_| ImportError::Header("it is not UTF-8 text".to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mapping = match mapping {
            Some(mapping) if mapping.len() != headers.len() => {
                return Err(ImportError::MappingLength {
                    mapped: mapping.len(),
                    columns: headers.len(),
                });
            }
            Some(mapping) => mapping,
            None => headers
                .iter()
                .map(|header| ColumnTarget::suggested_by(header))
                .collect(),
        };
        check_mapping(&mapping)?;
        Ok(Self {
            records,
            headers,
            mapping,
            delimiter,
            record: csv::ByteRecord::new(),
            row: 1,
            ended: false,
        })
    }

    /// The file's column names, as written (trimmed).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Where each column goes.
    pub fn mapping(&self) -> &[ColumnTarget] {
        &self.mapping
    }

    /// The separator found.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    fn contact_of_record(&self) -> Result<Contact, RowError> {
        let row_error = |field: &str, reason: String| RowError {
            row: self.row,
            field: field.to_owned(),
            reason,
        };
        if self.record.len() > self.headers.len() {
            return Err(row_error(
                "row",
                format!(
                    "the row has {} fields but the header has {} columns",
                    self.record.len(),
                    self.headers.len()
                ),
            ));
        }
        let mut contact = Contact::default();
        for (index, (value, target)) in self.record.iter().zip(&self.mapping).enumerate() {
            let Ok(value) = std::str::from_utf8(value) else {
                return Err(row_error(
                    &self.headers[index],
                    "the value is not UTF-8 text: save the file as CSV UTF-8".to_owned(),
                ));
            };
            let slot = match target {
                ColumnTarget::Phone => &mut contact.phone,
                ColumnTarget::Mobile => &mut contact.mobile,
                ColumnTarget::FirstName => &mut contact.first_name,
                ColumnTarget::LastName => &mut contact.last_name,
                ColumnTarget::Email => &mut contact.email,
                ColumnTarget::Custom(name) => contact.custom.entry(name.clone()).or_default(),
                ColumnTarget::Ignore => continue,
            };
            value.clone_into(slot);
        }
        contact
            .normalized()
            .map_err(|FieldError { field, reason }| row_error(&field, reason))
    }
}

fn check_mapping(mapping: &[ColumnTarget]) -> Result<(), ImportError> {
    if !mapping
        .iter()
        .any(|target| matches!(target, ColumnTarget::Phone | ColumnTarget::Mobile))
    {
        return Err(ImportError::NoPhoneColumn);
    }
    let mut seen = std::collections::HashSet::new();
    for target in mapping
        .iter()
        .filter(|target| **target != ColumnTarget::Ignore)
    {
        if !seen.insert(target) {
            return Err(ImportError::DuplicateTarget(target.to_string()));
        }
    }
    Ok(())
}

impl<R: Read> Iterator for ContactReader<R> {
    type Item = Result<ImportedRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        loop {
            self.row += 1;
            match self.records.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true)
                    if self
                        .record
                        .iter()
                        .all(|field| field.iter().all(u8::is_ascii_whitespace)) =>
                {
                    continue;
                }
                Ok(true) => {
                    let row = self.row;
                    return Some(
                        self.contact_of_record()
                            .map(|contact| ImportedRow { row, contact }),
                    );
                }
                Err(error) => {
                    // An IO error ends the file; a malformed row does not.
                    self.ended = matches!(error.kind(), csv::ErrorKind::Io(_));
                    return Some(Err(RowError {
                        row: self.row,
                        field: "row".to_owned(),
                        reason: error.to_string(),
                    }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
