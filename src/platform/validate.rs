//! Input rules every domain shares. Each failure names the input field it concerns.

use super::error::{AppError, AppResult};

/// Optional free text: trimmed, empty means cleared, bounded length, no control characters
/// but newlines.
pub fn optional_text(
    field: &'static str,
    raw: Option<&str>,
    max_chars: usize,
) -> AppResult<Option<String>> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max_chars {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {max_chars} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::bad_input(
            field,
            format!("{field} contains control characters"),
        ));
    }
    Ok(Some(value.to_owned()))
}

/// An optional absolute http(s) URL.
pub fn optional_url(field: &'static str, raw: Option<&str>) -> AppResult<Option<String>> {
    let url = optional_text(field, raw, 2048)?;
    if let Some(url) = &url {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.contains(' ') {
            return Err(AppError::bad_input(
                field,
                format!("{field} must be an http(s) URL"),
            ));
        }
    }
    Ok(url)
}

/// Bidi overrides and isolates, and zero-width characters: invisible, and able to make a name
/// read as something it is not ("gpj.exe" shown as "exe.jpg").
fn is_deceptive(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' // zero-width space, joiners, LRM/RLM
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{FEFF}' // zero-width no-break space
        | '\u{061C}' // Arabic letter mark
    )
}

/// Required free text (a post, a message body): trimmed, 1 to `max_chars` characters, no
/// control characters but newlines and tabs. Bidi and zero-width characters are allowed:
/// long text in right-to-left scripts needs them.
pub fn text(field: &'static str, raw: &str, max_chars: usize) -> AppResult<String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > max_chars {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {max_chars} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::bad_input(
            field,
            format!("{field} contains control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A name shown as one line (a title, a file or device name, a label): like `text`, but no
/// line breaks, and no bidi or zero-width characters.
pub fn name(field: &'static str, raw: &str, max_chars: usize) -> AppResult<String> {
    let value = text(field, raw, max_chars)?;
    if value.contains(['\n', '\t']) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be a single line"),
        ));
    }
    if value.chars().any(is_deceptive) {
        return Err(AppError::bad_input(
            field,
            format!("{field} contains invisible or direction-changing characters"),
        ));
    }
    Ok(value)
}

/// An optional name (a full name, a wallet label): empty means none, otherwise `name`.
pub fn optional_name(
    field: &'static str,
    raw: Option<&str>,
    max_chars: usize,
) -> AppResult<Option<String>> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => name(field, value, max_chars).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_what_text_allows() {
        for ok in ["hello", "  spaced  ", "émoji 🎉", "שלום"] {
            assert!(name("name", ok, 64).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "   ",
            "a\nb",
            "evil\u{202E}gpj.exe",
            "zero\u{200B}width",
            "tab\tx",
        ] {
            assert!(name("name", bad, 64).is_err(), "{bad:?}");
        }
        assert!(text("body", "line one\nline two \u{202E}rtl", 64).is_ok());
        assert!(text("body", "bell\u{7}", 64).is_err());
        assert_eq!(
            text("body", &"x".repeat(65), 64).unwrap_err().field(),
            Some("body")
        );
        assert_eq!(name("title", " t ", 5).unwrap(), "t");
    }
}
