//! Every CSV the product exports is written here: quoting by the `csv` crate, and one
//! neutraliser, so that a field someone typed (a company name such as `=HYPERLINK(…)`) is
//! shown by a spreadsheet as text and never run as a formula (OWASP's CSV injection).

use std::borrow::Cow;

use crate::CoreError;

/// A field as a spreadsheet must read it: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (also after leading spaces, which some spreadsheets skip) gets a leading
/// `'`, which marks it as text.
pub fn neutralise(field: &str) -> Cow<'_, str> {
    let starts_formula = field
        .trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_formula {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

/// A CSV document being written, header first.
#[derive(Debug)]
pub struct Csv {
    writer: csv::Writer<Vec<u8>>,
}

fn failed(e: impl std::fmt::Display) -> CoreError {
    CoreError::internal_msg(format!("csv: {e}"))
}

impl Csv {
    pub fn new(header: &[&str]) -> Result<Self, CoreError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(header).map_err(failed)?;
        Ok(Self { writer })
    }

    /// One line; every field neutralised.
    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) -> Result<(), CoreError> {
        self.writer
            .write_record(fields.into_iter().map(|f| neutralise(f).into_owned()))
            .map_err(failed)
    }

    pub fn finish(self) -> Result<String, CoreError> {
        let bytes = self.writer.into_inner().map_err(failed)?;
        String::from_utf8(bytes).map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_fields_quoted() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "  =cmd"] {
            assert!(neutralise(formula).starts_with('\''), "{formula:?}");
        }
        for plain in ["plain", "a=b", "5200001", "", "Müller GmbH"] {
            assert_eq!(neutralise(plain), plain);
        }
        let mut csv = Csv::new(&["a", "b"]).unwrap();
        csv.row(["=HYPERLINK(\"x\")", "say \"hi\", then"]).unwrap();
        assert_eq!(
            csv.finish().unwrap(),
            "a,b\n\"'=HYPERLINK(\"\"x\"\")\",\"say \"\"hi\"\", then\"\n"
        );
    }
}
