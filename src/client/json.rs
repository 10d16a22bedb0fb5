//! A small JSON reader for the client's own documents: call parameters handed over as JSON
//! text (`from_json`, which the npm package's client uses), Kunog's error envelope, and the
//! check that a 2xx body is whole JSON rather than an answer cut short.
//!
//! Scope: RFC 8259 exactly (no comments, trailing commas, `NaN` or single quotes; UTF-8 only;
//! escapes checked, surrogates paired; nesting at most 128 deep, as in serde_json), numbers
//! kept as their text, duplicate keys resolved to the last (as `JSON.parse` does).
//!
//! Why not serde_json here: its deserializer and error messages (which format floats) cost
//! about 90 KB of the npm package's wasm, over half of it. Typed decoding of API objects
//! (`Call<PaymentIntent>` natively) still uses serde_json; this reader is tested against it.

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// The number as written (already checked against the JSON grammar).
    Number(Box<str>),
    String(String),
    Array(Vec<Value>),
    /// Members in document order, each key once.
    Object(Vec<(String, Value)>),
}

/// Why a text is not one JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The text ends before the document does: a body cut short (or an empty one).
    Eof,
    /// Anything else: not JSON, HTML, trailing characters, bad escapes, too deep.
    Invalid,
}

/// serde_json's limit too: deeper documents are refused rather than risk the stack.
const MAX_DEPTH: usize = 128;

/// Parses one JSON document (surrounding whitespace allowed).
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, ParseError> {
    let text = match core::str::from_utf8(bytes) {
        Ok(text) => text,
        // A multi-byte character cut at the very end is a body cut short.
        Err(err) if err.error_len().is_none() => {
            // Whatever precedes the cut must still be valid so far.
            let valid = &bytes[..err.valid_up_to()];
            return match parse(valid) {
                Ok(_) => Err(ParseError::Invalid),
                Err(kind) => Err(kind),
            };
        }
        Err(_) => return Err(ParseError::Invalid),
    };
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: 0 };
    reader.skip_whitespace();
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.pos == reader.bytes.len() {
        Ok(value)
    } else {
        Err(ParseError::Invalid)
    }
}

impl Value {
    /// `null`, `a boolean`, `a number`, ...: for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Removes and returns the member `name` of an object's members.
pub(crate) fn take(members: &mut Vec<(String, Value)>, name: &str) -> Option<Value> {
    let index = members.iter().position(|(key, _)| key == name)?;
    Some(members.remove(index).1)
}

/// Largest magnitude accepted for a number written with a fraction or exponent
/// (`4900.0`, `4.9e3`): beyond it an f64 no longer holds every integer exactly.
const MAX_INTEGRAL_FLOAT: i64 = 9_000_000_000_000_000;

/// A JSON number's text as an integer: `Some` for a plain integer within i64, and for a
/// number written with a fraction or exponent whose value is whole and below 9e15 (what
/// `JSON.stringify` produces for large or computed numbers); `None` otherwise. Exact:
/// decimal digits, no floating point.
pub(crate) fn integer_value(number: &str) -> Option<i64> {
    if let Ok(int) = number.parse::<i64>() {
        return Some(int);
    }
    let (negative, unsigned) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (unsigned.get(..at)?, unsigned.get(at + 1..)?.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (int_digits, frac_digits) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The value is digits x 10^scale.
    let digits = format!("{int_digits}{frac_digits}");
    let digits = digits.trim_start_matches('0');
    let mut scale = exponent.checked_sub(i64::try_from(frac_digits.len()).ok()?)?;
    let significant = digits.trim_end_matches('0');
    scale = scale.checked_add(i64::try_from(digits.len() - significant.len()).ok()?)?;
    if significant.is_empty() {
        return Some(0);
    }
    if scale < 0 || i64::try_from(significant.len()).ok()?.checked_add(scale)? > 16 {
        return None;
    }
    let mut value: i64 = significant.parse().ok()?;
    for _ in 0..scale {
        value = value.checked_mul(10)?;
    }
    (value < MAX_INTEGRAL_FLOAT).then_some(if negative { -value } else { value })
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    /// The text from `start` to the current position. Both are at ASCII bytes; `get` rather
    /// than indexing keeps the panic path (and its formatting) out of the wasm.
    fn slice(&self, start: usize) -> &str {
        self.text.get(start..self.pos).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// The next byte, consumed; `Eof` at the end.
    fn next(&mut self) -> Result<u8, ParseError> {
        let byte = self.peek().ok_or(ParseError::Eof)?;
        self.pos += 1;
        Ok(byte)
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        match self.peek().ok_or(ParseError::Eof)? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(ParseError::Invalid),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, ParseError> {
        let rest = &self.bytes[self.pos..];
        if rest.starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else if word.as_bytes().starts_with(rest) {
            Err(ParseError::Eof)
        } else {
            Err(ParseError::Invalid)
        }
    }

    fn digits(&mut self) -> Result<(), ParseError> {
        if !self.next()?.is_ascii_digit() {
            return Err(ParseError::Invalid);
        }
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        Ok(())
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => {
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            _ => return Err(ParseError::Invalid),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.digits()?;
        }
        Ok(Value::Number(self.slice(start).into()))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        // Fewer than four characters left is a cut (serde_json's verdict too).
        if self.bytes.len() - self.pos < 4 {
            return Err(ParseError::Eof);
        }
        let mut code = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16).ok_or(ParseError::Invalid)?;
            code = code * 16 + digit;
        }
        Ok(code)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character at once.
            let run_start = self.pos;
            while self.peek().is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            out.push_str(self.slice(run_start));
            match self.next()? {
                b'"' => return Ok(out),
                b'\\' => {}
                _ => return Err(ParseError::Invalid), // a raw control character
            }
            let escaped = match self.next()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode_escape()?,
                _ => return Err(ParseError::Invalid),
            };
            out.push(escaped);
        }
    }

    /// After `\u`: one code point, a surrogate pair taking two escapes.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.next()? != b'\\' || self.next()? != b'u' {
                    return Err(ParseError::Invalid);
                }
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(ParseError::Invalid);
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(ParseError::Invalid),
            code => code,
        };
        char::from_u32(code).ok_or(ParseError::Invalid)
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::Invalid);
        }
        self.pos += 1; // [
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.next()? {
                b',' => {}
                b']' => return Ok(Value::Array(items)),
                _ => return Err(ParseError::Invalid),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::Invalid);
        }
        self.pos += 1; // {
        let mut members: Vec<(String, Value)> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            match self.peek().ok_or(ParseError::Eof)? {
                b'"' => {}
                _ => return Err(ParseError::Invalid),
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.next()? != b':' {
                return Err(ParseError::Invalid);
            }
            self.skip_whitespace();
            let value = self.value(depth)?;
            match members.iter_mut().find(|(existing, _)| *existing == key) {
                Some(member) => member.1 = value,
                None => members.push((key, value)),
            }
            self.skip_whitespace();
            match self.next()? {
                b',' => {}
                b'}' => return Ok(Value::Object(members)),
                _ => return Err(ParseError::Invalid),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str) -> Result<(), ParseError> {
        parse(text.as_bytes()).map(drop)
    }

    #[test]
    fn documents_and_their_verdicts() {
        use ParseError::{Eof, Invalid};
        let table: &[(&str, Result<(), ParseError>)] = &[
            (r#"{"a":[1,-2.5e+3,true,false,null,"x\u00e9\ud83d\ude00"]}"#, Ok(())),
            (" \n 0 \t", Ok(())),
            ("-0.0e-0", Ok(())),
            (r#""\"\\\/\b\f\n\r\t""#, Ok(())),
            ("", Err(Eof)),
            ("   ", Err(Eof)),
            ("{", Err(Eof)),
            (r#"{"id":"pi_1","amount":49"#, Err(Eof)),
            (r#"{"id":"pi_"#, Err(Eof)),
            ("[1,", Err(Eof)),
            ("tru", Err(Eof)),
            ("-", Err(Eof)),
            ("1.", Err(Eof)),
            ("1e+", Err(Eof)),
            (r#""\u12"#, Err(Eof)),
            (r#""\ud83d"#, Err(Eof)),
            ("<html>", Err(Invalid)),
            ("OK", Err(Invalid)),
            ("01", Err(Invalid)),
            ("1.x", Err(Invalid)),
            ("+1", Err(Invalid)),
            (".5", Err(Invalid)),
            ("[1,]", Err(Invalid)),
            ("{\"a\":1,}", Err(Invalid)),
            ("{a:1}", Err(Invalid)),
            ("{\"a\" 1}", Err(Invalid)),
            ("'a'", Err(Invalid)),
            ("NaN", Err(Invalid)),
            ("[1] x", Err(Invalid)),
            ("{}{}", Err(Invalid)),
            ("truex", Err(Invalid)),
            ("\"a\tb\"", Err(Invalid)),
            (r#""\x41""#, Err(Invalid)),
            (r#""\udc00""#, Err(Invalid)),
            (r#""\ud800\u0041""#, Err(Invalid)),
            (r#""\ud800x""#, Err(Invalid)),
            ("/* */ 1", Err(Invalid)),
        ];
        for (text, expected) in table {
            assert_eq!(verdict(text), *expected, "{text}");
        }
    }

    #[test]
    fn utf8_is_checked_and_a_character_cut_at_the_end_is_eof() {
        assert_eq!(parse(b"\"\xff\""), Err(ParseError::Invalid));
        assert_eq!(parse("\"é\"".as_bytes()).unwrap(), Value::String("é".into()));
        assert_eq!(parse(b"{\"a\":\"\xc3"), Err(ParseError::Eof));
        assert_eq!(parse(b"1\xc3"), Err(ParseError::Invalid));
    }

    #[test]
    fn nesting_is_limited_to_128() {
        let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert_eq!(parse(deep.as_bytes()), Err(ParseError::Invalid));
        // Far deeper, and cut short: refused at the limit, never a stack overflow.
        assert_eq!(parse("[{\"a\":".repeat(100_000).as_bytes()), Err(ParseError::Invalid));
    }

    #[test]
    fn values_members_and_duplicates() {
        let value = parse(br#"{"b":1,"a":"x","b":[true,null]}"#).unwrap();
        let Value::Object(mut members) = value else { panic!("an object") };
        assert_eq!(members.len(), 2);
        assert_eq!(take(&mut members, "b"), Some(Value::Array(vec![Value::Bool(true), Value::Null])));
        assert_eq!(take(&mut members, "a"), Some(Value::String("x".into())));
        assert_eq!(take(&mut members, "a"), None);
        assert_eq!(parse(b"-12.50e1").unwrap(), Value::Number("-12.50e1".into()));
    }

    #[test]
    fn integers_from_number_text() {
        let table: &[(&str, Option<i64>)] = &[
            ("4900", Some(4900)),
            ("-7", Some(-7)),
            ("9223372036854775807", Some(i64::MAX)),
            ("9223372036854775808", None),
            ("4900.0", Some(4900)),
            ("4.9e3", Some(4900)),
            ("49E2", Some(4900)),
            ("490000e-2", Some(4900)),
            ("0.0", Some(0)),
            ("-0", Some(0)),
            ("0e5", Some(0)),
            ("1e15", Some(1_000_000_000_000_000)),
            ("8.999999999999999e15", Some(8_999_999_999_999_999)),
            ("9e15", None),
            ("1e16", None),
            ("1e400", None),
            ("1e-400", None),
            ("49.5", None),
            ("0.1", None),
            ("1.5e0", None),
        ];
        for (text, expected) in table {
            assert_eq!(integer_value(text), *expected, "{text}");
        }
    }

    /// serde_json as the reference: the same documents accepted, the same cut-short ones
    /// called EOF, and the same values read.
    #[cfg(not(target_arch = "wasm32"))]
    mod against_serde_json {
        use super::super::*;
        use proptest::prelude::*;

        fn reference(text: &str) -> Result<serde_json::Value, ParseError> {
            serde_json::from_str(text).map_err(|err| if err.is_eof() { ParseError::Eof } else { ParseError::Invalid })
        }

        fn same_value(ours: &Value, theirs: &serde_json::Value) -> bool {
            match (ours, theirs) {
                (Value::Null, serde_json::Value::Null) => true,
                (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
                (Value::Number(a), serde_json::Value::Number(b)) => {
                    a.parse::<f64>().ok() == b.as_f64() || integer_value(a).is_some_and(|n| Some(n) == b.as_i64())
                }
                (Value::String(a), serde_json::Value::String(b)) => a == b,
                (Value::Array(a), serde_json::Value::Array(b)) => {
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
                }
                (Value::Object(a), serde_json::Value::Object(b)) => {
                    a.len() == b.len() && a.iter().all(|(key, x)| b.get(key).is_some_and(|y| same_value(x, y)))
                }
                _ => false,
            }
        }

        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                any::<i64>().prop_map(serde_json::Value::from),
                (-1.0e300f64..1.0e300).prop_map(serde_json::Value::from),
                any::<String>().prop_map(serde_json::Value::String),
            ];
            leaf.prop_recursive(6, 64, 8, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
                    proptest::collection::btree_map(any::<String>(), inner, 0..8)
                        .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn whole_documents_read_the_same(value in json_value(), pretty in any::<bool>()) {
                let text = if pretty { serde_json::to_string_pretty(&value).unwrap() } else { value.to_string() };
                let ours = parse(text.as_bytes()).unwrap();
                prop_assert!(same_value(&ours, &value), "{text}");
            }

            #[test]
            fn documents_cut_short_are_eof(value in json_value(), cut in any::<prop::sample::Index>()) {
                let text = value.to_string();
                let boundaries: Vec<usize> = (0..text.len()).filter(|&at| text.is_char_boundary(at)).collect();
                let at = boundaries[cut.index(boundaries.len())];
                let cut_text = &text[..at];
                prop_assert_eq!(parse(cut_text.as_bytes()).map(drop), reference(cut_text).map(drop), "{}", cut_text);
            }

            #[test]
            fn edited_documents_get_the_same_verdict(
                value in json_value(),
                edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(&[
                    "", " ", ",", ":", "[", "]", "{", "}", "\"", "\\", "\\u", "0", "-", ".", "e", "+", "1", "a", "t", "n", "\u{1}", "é",
                ][..])), 1..4),
            ) {
                let mut text = value.to_string();
                for (at, insert) in edits {
                    let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
                    let at = boundaries[at.index(boundaries.len())];
                    // Replace one character (if any) at `at` by the inserted text.
                    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                    text.replace_range(at..end, insert);
                }
                let theirs = reference(&text);
                // serde_json refuses numbers beyond f64's range; RFC 8259 leaves that to the reader.
                if let Err(ParseError::Invalid) = theirs {
                    if serde_json::from_str::<serde_json::Value>(&text).unwrap_err().to_string().contains("out of range") {
                        return Ok(());
                    }
                }
                prop_assert_eq!(parse(text.as_bytes()).map(drop), theirs.map(drop), "{}", text);
            }
        }
    }
}
