//! Bytes -> CSV contact import -> export -> import again: nothing may panic, every row is a
//! contact or a numbered error, row numbers grow, stored phones are digits, and an exported
//! contact reads back unchanged (formula escaping aside).

#![no_main]

use herald_contacts::export::ContactWriter;
use herald_contacts::import::ContactReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(reader) = ContactReader::new(bytes, None) else {
        return;
    };
    let mut last_row = 1;
    let mut contacts = Vec::new();
    for row in reader {
        let number = match &row {
            Ok(row) => row.row,
            Err(error) => error.row,
        };
        assert!(number > last_row);
        last_row = number;
        if let Ok(row) = row {
            assert!(!row.contact.phone.is_empty());
            assert!(row.contact.phone.bytes().all(|b| b.is_ascii_digit()));
            assert!(row.contact.mobile.bytes().all(|b| b.is_ascii_digit()));
            contacts.push(row.contact);
        }
    }
    let Ok(mut writer) = ContactWriter::new(Vec::new(), Vec::new()) else {
        return;
    };
    for contact in &contacts {
        writer.write(contact).unwrap();
    }
    let exported = writer.finish().unwrap();
    let again: Vec<_> = ContactReader::new(exported.as_slice(), None)
        .unwrap()
        .collect();
    assert_eq!(again.len(), contacts.len());
    for (read, written) in again.iter().zip(&contacts) {
        let read = read.as_ref().unwrap();
        assert_eq!(read.contact.phone, written.phone);
    }
});
