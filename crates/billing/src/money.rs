//! Money and rates as exact integers.
//!
//! - [`Cents`]: an amount in euro cents. Every invoice line, total and fee is one.
//! - [`UnitPrice`]: a price per unit in micro-euros, because consumption is priced below the cent
//!   (an email at 0.002 EUR, an SMS at 0.06 EUR). A line's total is rounded to the cent once, per
//!   line, never per unit.
//! - [`Rate`]: a percentage in basis points (hundredths of a percent): VAT 20 % or 5.5 %, a 10 %
//!   penalty.
//!
//! Floating-point numbers never appear: they cannot hold 0.10 exactly, and a cent lost per line
//! is a cent the accounts do not balance by. Every rounding here is **half up** (half away from
//! zero for negative amounts, so a credit mirrors the charge it cancels).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// Why a decimal text is not an amount, unit price or rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("is empty")]
    Empty,
    #[error("`{0}` is not a decimal number (write it like \"19.90\", with a dot)")]
    NotADecimal(String),
    #[error("`{text}` has more than {max} decimals")]
    TooManyDecimals { text: String, max: u32 },
    #[error("`{0}` is too large")]
    TooLarge(String),
    #[error("`{0}` must end with `%` (write a rate like \"20%\" or \"5.5%\")")]
    NotAPercentage(String),
    #[error("`{0}` must not be negative")]
    Negative(String),
}

/// Parses a decimal text such as `-12.5` into an integer scaled by `10^scale`.
///
/// Only plain digits with an optional leading sign and one dot are accepted: no exponent, no
/// thousands separator, no comma. That keeps the file unambiguous for a French reader, for whom
/// `1,999` could be either number.
fn parse_scaled(text: &str, scale: u32) -> Result<i128, DecimalError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DecimalError::Empty);
    }
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (unsigned, ""),
    };
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits_only(whole) || !digits_only(fraction) {
        return Err(DecimalError::NotADecimal(trimmed.to_owned()));
    }
    if unsigned.ends_with('.') {
        return Err(DecimalError::NotADecimal(trimmed.to_owned()));
    }
    if fraction.len() > scale as usize {
        return Err(DecimalError::TooManyDecimals {
            text: trimmed.to_owned(),
            max: scale,
        });
    }
    // 18 integer digits keep every later multiplication inside i128.
    if whole.len() > 18 {
        return Err(DecimalError::TooLarge(trimmed.to_owned()));
    }
    let mut value: i128 = 0;
    for b in whole.bytes() {
        value = value * 10 + i128::from(b - b'0');
    }
    for i in 0..scale as usize {
        let digit = fraction.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
        value = value * 10 + digit;
    }
    Ok(if negative { -value } else { value })
}

/// `numerator / denominator` rounded half up (half away from zero); `denominator` must be > 0.
pub(crate) fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let magnitude = (numerator.abs() * 2 + denominator) / (denominator * 2);
    if numerator < 0 { -magnitude } else { magnitude }
}

/// Saturates an i128 into an i64: amounts this large (92 thousand billion euros) are not real,
/// and saturating keeps the arithmetic total instead of panicking in the middle of an invoice.
fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

fn write_fixed(f: &mut fmt::Formatter<'_>, value: i128, scale: u32, min_decimals: u32) -> fmt::Result {
    let sign = if value < 0 { "-" } else { "" };
    let magnitude = value.unsigned_abs();
    let divisor = 10u128.pow(scale);
    let whole = magnitude / divisor;
    let mut fraction = format!("{:0width$}", magnitude % divisor, width = scale as usize);
    while fraction.len() > min_decimals as usize && fraction.ends_with('0') {
        fraction.pop();
    }
    if fraction.is_empty() {
        write!(f, "{sign}{whole}")
    } else {
        write!(f, "{sign}{whole}.{fraction}")
    }
}

/// An amount of money in euro cents (excluding VAT unless a name says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// Whole euros.
    pub const fn euros(euros: i64) -> Cents {
        Cents(euros.saturating_mul(100))
    }

    /// Parses `"19.90"`, `"199"` or `"-5.5"` (at most two decimals).
    pub fn parse(text: &str) -> Result<Cents, DecimalError> {
        let scaled = parse_scaled(text, 2)?;
        i64::try_from(scaled)
            .map(Cents)
            .map_err(|_| DecimalError::TooLarge(text.trim().to_owned()))
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// This amount times a quantity (a number of units or of months).
    pub fn times(self, quantity: u64) -> Cents {
        Cents(saturate(i128::from(self.0) * i128::from(quantity)))
    }

    /// This amount × `numerator / denominator`, rounded half up to the cent: the share of a
    /// price for some days of a period. A zero or negative denominator gives zero (an empty
    /// period costs nothing).
    pub fn prorate(self, numerator: i64, denominator: i64) -> Cents {
        if denominator <= 0 {
            return Cents::ZERO;
        }
        Cents(saturate(div_round_half_up(
            i128::from(self.0) * i128::from(numerator),
            i128::from(denominator),
        )))
    }
}

impl fmt::Display for Cents {
    /// Always two decimals, dot separator: `19.90`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_fixed(f, i128::from(self.0), 2, 2)
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        *self = *self + rhs;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for Cents {
    fn sub_assign(&mut self, rhs: Cents) {
        *self = *self - rhs;
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(self.0.saturating_neg())
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

/// A price per unit, exact to the micro-euro (six decimals): `0.002` for an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitPrice(i64);

impl UnitPrice {
    /// Micro-euros per cent.
    const MICROS_PER_CENT: i128 = 10_000;

    /// Parses `"0.002"`, `"0.06"` or `"39"` (at most six decimals).
    pub fn parse(text: &str) -> Result<UnitPrice, DecimalError> {
        let scaled = parse_scaled(text, 6)?;
        i64::try_from(scaled)
            .map(UnitPrice)
            .map_err(|_| DecimalError::TooLarge(text.trim().to_owned()))
    }

    pub const fn from_micros(micros: i64) -> UnitPrice {
        UnitPrice(micros)
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    /// A whole-cent amount as a unit price.
    pub fn from_cents(amount: Cents) -> UnitPrice {
        UnitPrice(saturate(i128::from(amount.0) * Self::MICROS_PER_CENT))
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `quantity × unit price`, rounded half up to the cent. Rounding happens here, once for
    /// the whole line: 1,234 emails at 0.002 EUR are 2.468 EUR, billed 2.47 EUR.
    pub fn line_total(self, quantity: u64) -> Cents {
        let micros = i128::from(self.0) * i128::from(quantity);
        Cents(saturate(div_round_half_up(micros, Self::MICROS_PER_CENT)))
    }
}

impl fmt::Display for UnitPrice {
    /// At least two decimals, more only when needed: `0.002`, `0.06` → `0.06`, `39` → `39.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_fixed(f, i128::from(self.0), 6, 2)
    }
}

/// A percentage in basis points: `Rate::parse("20%")` is 2,000, `"5.5%"` is 550.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rate(u32);

impl Rate {
    pub const ZERO: Rate = Rate(0);

    pub const fn from_basis_points(basis_points: u32) -> Rate {
        Rate(basis_points)
    }

    /// `"20%"`, `"5.5 %"`, `"2.1%"`: a decimal with at most two decimals and a `%` sign, never
    /// negative.
    pub fn parse(text: &str) -> Result<Rate, DecimalError> {
        let trimmed = text.trim();
        let number = trimmed
            .strip_suffix('%')
            .ok_or_else(|| DecimalError::NotAPercentage(trimmed.to_owned()))?;
        let scaled = parse_scaled(number, 2)?;
        if scaled < 0 {
            return Err(DecimalError::Negative(trimmed.to_owned()));
        }
        u32::try_from(scaled)
            .map(Rate)
            .map_err(|_| DecimalError::TooLarge(trimmed.to_owned()))
    }

    pub const fn basis_points(self) -> u32 {
        self.0
    }

    /// `amount × rate`, rounded half up to the cent (the VAT of a line, a 10 % penalty).
    pub fn of(self, amount: Cents) -> Cents {
        Cents(saturate(div_round_half_up(
            i128::from(amount.0) * i128::from(self.0),
            10_000,
        )))
    }

    /// This rate multiplied by a whole factor ("three times the legal interest rate").
    pub fn times(self, factor: u32) -> Rate {
        Rate(self.0.saturating_mul(factor))
    }
}

impl fmt::Display for Rate {
    /// `20%`, `5.5%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_fixed(f, i128::from(self.0), 2, 0)?;
        f.write_str("%")
    }
}

/// An amount as people read it on screens and invoices: `19,90 €` in French, `€19.90` in
/// English, thousands grouped. French groups with `french_group`: a narrow no-break space on
/// screens, a plain no-break space where only WinAnsi characters print (PDF).
pub fn format_euros(cents: i64, lang: kernel::Lang, french_group: char) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (euros, rest) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    let digits = euros.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(if lang == kernel::Lang::Fr { french_group } else { ',' });
        }
        grouped.push(c);
    }
    match lang {
        kernel::Lang::Fr => format!("{sign}{grouped},{rest:02}\u{a0}€"),
        kernel::Lang::En => format!("{sign}€{grouped}.{rest:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amounts_exactly() {
        assert_eq!(Cents::parse("19.90"), Ok(Cents(1990)));
        assert_eq!(Cents::parse("199"), Ok(Cents(19_900)));
        assert_eq!(Cents::parse("0.5"), Ok(Cents(50)));
        assert_eq!(Cents::parse("-5.05"), Ok(Cents(-505)));
        assert_eq!(Cents::parse(" 1999 "), Ok(Cents(199_900)));
        assert!(matches!(Cents::parse("19,90"), Err(DecimalError::NotADecimal(_))));
        assert!(matches!(Cents::parse("1e3"), Err(DecimalError::NotADecimal(_))));
        assert!(matches!(Cents::parse("19."), Err(DecimalError::NotADecimal(_))));
        assert!(matches!(Cents::parse("."), Err(DecimalError::NotADecimal(_))));
        assert!(matches!(Cents::parse(""), Err(DecimalError::Empty)));
        assert!(matches!(
            Cents::parse("0.002"),
            Err(DecimalError::TooManyDecimals { .. })
        ));
    }

    #[test]
    fn displays_amounts_with_two_decimals() {
        assert_eq!(Cents(1990).to_string(), "19.90");
        assert_eq!(Cents(-5).to_string(), "-0.05");
        assert_eq!(Cents(19_900).to_string(), "199.00");
        assert_eq!(UnitPrice::parse("0.002").expect("valid").to_string(), "0.002");
        assert_eq!(UnitPrice::parse("39").expect("valid").to_string(), "39.00");
        assert_eq!(Rate::parse("5.5%").expect("valid").to_string(), "5.5%");
        assert_eq!(Rate::parse("20 %").expect("valid").to_string(), "20%");
    }

    #[test]
    fn unit_prices_below_the_cent_round_once_per_line() {
        let email = UnitPrice::parse("0.002").expect("valid");
        assert_eq!(email.micros(), 2_000);
        // 1,234 × 0.002 = 2.468 → 2.47
        assert_eq!(email.line_total(1_234), Cents(247));
        // 2,500 × 0.002 = 5.000 exactly
        assert_eq!(email.line_total(2_500), Cents(500));
        // 1 × 0.002 = 0.002 → 0.00, 3 × 0.002 = 0.006 → 0.01
        assert_eq!(email.line_total(1), Cents(0));
        assert_eq!(email.line_total(3), Cents(1));
        // Half a cent rounds up: 0.005 → 0.01
        assert_eq!(UnitPrice::parse("0.005").expect("valid").line_total(1), Cents(1));
        let sms = UnitPrice::parse("0.06").expect("valid");
        assert_eq!(sms.line_total(1_001), Cents(6_006));
    }

    #[test]
    fn proration_rounds_half_up_and_mirrors_credits() {
        // 15/31 of 39.00 = 18.870967… → 18.87
        assert_eq!(Cents(3900).prorate(15, 31), Cents(1887));
        // 1/2 of 0.01 = 0.005 → 0.01, and the credit mirrors it
        assert_eq!(Cents(1).prorate(1, 2), Cents(1));
        assert_eq!(Cents(-1).prorate(1, 2), Cents(-1));
        assert_eq!(Cents(1000).prorate(0, 31), Cents(0));
        assert_eq!(Cents(1000).prorate(5, 0), Cents(0));
    }

    #[test]
    fn rates_apply_half_up() {
        let vat = Rate::parse("20%").expect("valid");
        assert_eq!(vat.basis_points(), 2000);
        assert_eq!(vat.of(Cents(1990)), Cents(398));
        // 5.5 % of 0.10 = 0.0055 → 0.01
        assert_eq!(Rate::parse("5.5%").expect("valid").of(Cents(10)), Cents(1));
        assert!(matches!(Rate::parse("20"), Err(DecimalError::NotAPercentage(_))));
        assert!(matches!(Rate::parse("-1%"), Err(DecimalError::Negative(_))));
    }
}
