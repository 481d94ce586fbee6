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
