use proptest::prelude::*;

use super::*;

fn read(bytes: &[u8]) -> Vec<Result<ImportedRow, RowError>> {
    ContactReader::new(bytes, None).unwrap().collect()
}

fn phones(bytes: &[u8]) -> Vec<String> {
    read(bytes)
        .into_iter()
        .map(|row| row.unwrap().contact.phone)
        .collect()
}

#[test]
fn spreadsheet_dialects_read_alike() {
    let expected = vec!["393402211333".to_owned(), "447700900123".to_owned()];
    let files: [&[u8]; 6] = [
        b"phone,first_name\n+39 340 221 1333,Anna\n+44 7700 900123,Bob\n",
        b"phone;first_name\r\n+39 340 221 1333;Anna\r\n+44 7700 900123;Bob\r\n",
        b"phone\tfirst_name\n+39 340 221 1333\tAnna\n+44 7700 900123\tBob",
        b"\xEF\xBB\xBFphone,first_name\n+39 340 221 1333,Anna\n\n\n+44 7700 900123,Bob\n",
        b"\"phone\",\"first_name\"\n\"+39 340 221 1333\",\"Anna\"\n\"+44 7700 900123\",\"Bob\"\n",
        b"Phone Number;First Name\n+39 340 221 1333;Anna\n;\n+44 7700 900123;Bob\n",
    ];
    for file in files {
        assert_eq!(phones(file), expected, "{}", String::from_utf8_lossy(file));
    }
}

#[test]
fn quoted_fields_keep_separators_line_breaks_and_any_script() {
    let rows = read(
        "phone;last_name;note\n12345;\"Rossi; Bianchi\";\"line one\nline two\"\n67890;李;محمد\n"
            .as_bytes(),
    );
    let first = &rows[0].as_ref().unwrap().contact;
    assert_eq!(first.last_name, "Rossi; Bianchi");
    assert_eq!(first.custom["note"], "line one\nline two");
    let second = &rows[1].as_ref().unwrap().contact;
    assert_eq!(
        (second.last_name.as_str(), second.custom["note"].as_str()),
        ("李", "محمد")
    );
}

#[test]
fn bad_rows_are_reported_and_good_rows_kept() {
    let rows = read(b"phone,email\n12345,a@example.com\n0800-FLOWERS,b@example.com\n67890,nope\n,\n555 123,c@example.com,extra\n99999,\n");
    let good: Vec<_> = rows
        .iter()
        .filter_map(|row| row.as_ref().ok())
        .map(|row| (row.row, row.contact.phone.as_str()))
        .collect();
    assert_eq!(good, [(2, "12345"), (7, "99999")]);
    let bad: Vec<_> = rows
        .iter()
        .filter_map(|row| row.as_ref().err())
        .map(|error| (error.row, error.field.as_str()))
        .collect();
    assert_eq!(bad, [(3, "phone"), (4, "email"), (6, "row")]);
    let reason = &rows[1].as_ref().unwrap_err().reason;
    assert!(reason.contains("0800-FLOWERS"), "{reason}");
}

#[test]
fn a_value_that_is_not_utf8_names_its_column() {
    let rows = read(b"phone,first_name\n12345,Jos\xE9\n67890,Ana\n");
    let error = rows[0].as_ref().unwrap_err();
    assert_eq!((error.row, error.field.as_str()), (2, "first_name"));
    assert!(rows[1].is_ok());
}

#[test]
fn the_admins_mapping_wins_over_the_suggestion() {
    let mapping = vec![
        ColumnTarget::Ignore,
        ColumnTarget::Mobile,
        ColumnTarget::Custom("Tier".into()),
    ];
    let rows: Vec<_> =
        ContactReader::new(&b"id,cell,level\n1,+1 555 0100,gold\n"[..], Some(mapping))
            .unwrap()
            .collect();
    let contact = &rows[0].as_ref().unwrap().contact;
    assert_eq!(
        (contact.phone.as_str(), contact.mobile.as_str()),
        ("15550100", "15550100")
    );
    assert_eq!(contact.custom["Tier"], "gold");
}

#[test]
fn headers_suggest_their_fields() {
    let reader = ContactReader::new(
        &b"Telephone,Mobile Phone,Given Name,Surname,E-mail,Tier,\n"[..],
        None,
    )
    .unwrap();
    assert_eq!(
        reader.mapping(),
        [
            ColumnTarget::Phone,
            ColumnTarget::Mobile,
            ColumnTarget::FirstName,
            ColumnTarget::LastName,
            ColumnTarget::Email,
            ColumnTarget::Custom("Tier".into()),
            ColumnTarget::Ignore,
        ]
    );
}

#[test]
fn files_that_cannot_be_imported_say_why() {
    assert!(matches!(
        ContactReader::new(&b""[..], None),
        Err(ImportError::Empty)
    ));
    assert!(matches!(
        ContactReader::new(&b"name,city\n"[..], None),
        Err(ImportError::NoPhoneColumn)
    ));
    assert!(matches!(
        ContactReader::new(&b"phone,name\n"[..], Some(vec![ColumnTarget::Phone])),
        Err(ImportError::MappingLength {
            mapped: 1,
            columns: 2
        })
    ));
    assert!(matches!(
        ContactReader::new(&b"phone,tel\n"[..], None),
        Err(ImportError::DuplicateTarget(target)) if target == "phone"
    ));
}

#[test]
fn column_targets_round_trip_through_their_text() {
    for target in [
        ColumnTarget::Phone,
        ColumnTarget::Custom("loyalty tier".into()),
        ColumnTarget::Ignore,
    ] {
        assert_eq!(target.to_string().parse::<ColumnTarget>(), Ok(target));
    }
    assert!("custom:".parse::<ColumnTarget>().is_err());
    assert!("fax".parse::<ColumnTarget>().is_err());
}

proptest! {
    #[test]
    fn any_bytes_import_or_are_refused_and_rows_count_up(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut file = b"phone,first_name,tier\n".to_vec();
        file.extend(body);
        let reader = ContactReader::new(file.as_slice(), None).unwrap();
        let mut last = 1;
        for row in reader {
            let number = match &row { Ok(row) => row.row, Err(error) => error.row };
            prop_assert!(number > last);
            last = number;
            if let Ok(row) = row {
                prop_assert!(!row.contact.phone.is_empty());
                prop_assert!(row.contact.phone.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }

    #[test]
    fn the_separator_is_found_whatever_the_cells(cells in proptest::collection::vec("[a-z0-9 ]{0,8}", 2..6), separator in prop::sample::select(vec![b',', b';', b'\t'])) {
        let line = cells.join(&char::from(separator).to_string());
        prop_assert_eq!(sniff_delimiter(line.as_bytes()), separator);
    }
}
