//! Input rules for accounts. Each failure names the input field it concerns.

use crate::platform::error::{AppError, AppResult};

pub const USERNAME_LEN: std::ops::RangeInclusive<usize> = 3..=32;
pub const PASSWORD_LEN: std::ops::RangeInclusive<usize> = 8..=128;
const EMAIL_MAX_LEN: usize = 254;

/// Usernames are case-folded, then must be 3–32 of `[a-z0-9_]`.
pub fn username(raw: &str) -> AppResult<String> {
    let name = raw.trim().to_lowercase();
    if !USERNAME_LEN.contains(&name.chars().count()) {
        return Err(AppError::bad_input(
            "username",
            "username must be 3 to 32 characters long",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(AppError::bad_input(
            "username",
            "username may contain only letters, digits and underscores",
        ));
    }
    Ok(name)
}

/// Emails are stored lower-cased so that uniqueness ignores case.
pub fn email(raw: &str) -> AppResult<String> {
    let email = raw.trim().to_lowercase();
    if email.len() > EMAIL_MAX_LEN || !email_address::EmailAddress::is_valid(&email) {
        return Err(AppError::bad_input("email", "email is not a valid address"));
    }
    // The crate accepts bare local domains ("a@b"); a deliverable address needs a dot.
    let domain = email.rsplit('@').next().unwrap_or_default();
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Err(AppError::bad_input("email", "email is not a valid address"));
    }
    Ok(email)
}

pub fn password(field: &'static str, raw: &str) -> AppResult<()> {
    if !PASSWORD_LEN.contains(&raw.chars().count()) {
        return Err(AppError::bad_input(
            field,
            "password must be 8 to 128 characters long",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username("Alice_01").unwrap(), "alice_01");
        for bad in [
            "ab",
            "",
            "a-b-c",
            "name with space",
            "ünïcode",
            &"a".repeat(33),
        ] {
            assert_eq!(
                username(bad).unwrap_err().field(),
                Some("username"),
                "{bad}"
            );
        }
        assert!(username(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Alice@Example.COM ").unwrap(), "alice@example.com");
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a@b",
            "a b@example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(password("password", "1234567").is_err());
        assert!(password("password", "12345678").is_ok());
        assert!(password("password", &"x".repeat(128)).is_ok());
        assert!(password("password", &"x".repeat(129)).is_err());
    }
}
