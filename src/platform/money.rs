//! Money: an integer number of the smallest unit (1e-8 RoadCoin), so that no arithmetic ever
//! touches a float, written as a decimal string with up to 8 fractional digits. The GraphQL
//! `Amount` scalar over this type lives in `graphql::scalars`.

/// Smallest units in one RoadCoin; the one definition of the scale.
pub const UNITS_PER_COIN: i64 = 100_000_000;
const SCALE: i64 = UNITS_PER_COIN;
const FRACTION_DIGITS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(pub i64);

impl Amount {
    pub fn to_decimal_string(self) -> String {
        use std::fmt::Write;
        // One allocation: lists write hundreds of amounts per response.
        let mut out = String::with_capacity(28);
        if self.0 < 0 {
            out.push('-');
        }
        let abs = self.0.unsigned_abs();
        let (whole, mut frac) = (abs / SCALE as u64, abs % SCALE as u64);
        let _ = write!(out, "{whole}");
        if frac != 0 {
            let mut digits = [b'0'; FRACTION_DIGITS];
            for digit in digits.iter_mut().rev() {
                *digit = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            let len = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
            out.push('.');
            out.extend(digits[..len].iter().map(|&d| char::from(d)));
        }
        out
    }

    /// Parses a non-negative decimal like "12", "0.5" or "1.00000001".
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || (text.contains('.') && !digits(frac)) {
            return Err("amount must be a non-negative decimal string such as \"12.5\"".into());
        }
        if frac.len() > FRACTION_DIGITS {
            return Err("amount has more than 8 fractional digits".into());
        }
        let whole: i64 = whole
            .parse()
            .map_err(|_| "amount is too large".to_string())?;
        let frac_units: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<8}")
                .parse()
                .map_err(|_| "amount is not a number".to_string())?
        };
        whole
            .checked_mul(SCALE)
            .and_then(|w| w.checked_add(frac_units))
            .map(Amount)
            .ok_or_else(|| "amount is too large".into())
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_without_trailing_zeros() {
        assert_eq!(Amount(100 * SCALE).to_decimal_string(), "100");
        assert_eq!(Amount(150_000_000).to_decimal_string(), "1.5");
        assert_eq!(Amount(1).to_decimal_string(), "0.00000001");
        assert_eq!(Amount(0).to_decimal_string(), "0");
        assert_eq!(Amount(-250_000_010).to_decimal_string(), "-2.5000001");
        assert_eq!(
            Amount(i64::MIN).to_decimal_string(),
            "-92233720368.54775808"
        );
        for units in [1, 10, 99_999_999, 100_000_001, 123_456_789_012] {
            let text = Amount(units).to_decimal_string();
            assert_eq!(Amount::parse(&text), Ok(Amount(units)), "{text}");
        }
    }

    #[test]
    fn parses_strictly() {
        assert_eq!(Amount::parse("100").unwrap(), Amount(100 * SCALE));
        assert_eq!(Amount::parse("0.00000001").unwrap(), Amount(1));
        assert_eq!(Amount::parse("1.5").unwrap(), Amount(150_000_000));
        for bad in [
            "",
            "-1",
            "1.",
            ".5",
            "1.000000001",
            "1e5",
            "abc",
            "99999999999999999999",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad}");
        }
    }
}
