//! Sign-up of a company and its first administrator (OSX-SIGNUP, INES-KYC).

use kernel::values::{Email, Siren, VatNumber, check_password, country_code, required_text};
use kernel::{FieldErrors, Lang};
use serde::Deserialize;

/// What a person submits on the sign-up form or to `POST /api/v1/signup`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SignupInput {
    pub legal_name: String,
    pub siren: String,
    pub vat_number: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub admin_name: String,
    pub admin_email: String,
    pub password: String,
    /// The current terms accepted in full: there is no conditional acceptance (OSX-SIGNUP).
    pub accept_terms: bool,
    /// The person certifies legal age and authority to bind the company (INES-KYC).
    pub certify_authority: bool,
    pub lang: Option<Lang>,
}

/// A sign-up whose every field is known good.
#[derive(Debug, Clone)]
pub struct Signup {
    pub legal_name: String,
    pub siren: Siren,
    pub vat_number: Option<VatNumber>,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub admin_name: String,
    pub admin_email: Email,
    pub password: String,
    pub lang: Lang,
}

impl SignupInput {
    /// Checks every field and reports all refusals at once.
    pub fn parse(self) -> Result<Signup, FieldErrors> {
        let mut errors = FieldErrors::new();
        let legal_name = errors.check(required_text("legal_name", &self.legal_name, 200));
        let siren = errors.check(Siren::parse("siren", &self.siren));
        let vat_number = if self.vat_number.trim().is_empty() {
            Some(None)
        } else {
            errors.check(VatNumber::parse("vat_number", &self.vat_number)).map(Some)
        };
        // A French VAT number embeds the SIREN: the two must name the same company.
        if let (Some(s), Some(Some(v))) = (&siren, &vat_number)
            && v.as_str().starts_with("FR")
            && !v.as_str().ends_with(s.as_str())
        {
            errors.push("vat_number", "vat_siren_mismatch");
        }
        let address_line = errors.check(required_text("address_line", &self.address_line, 300));
        let postal_code = errors.check(required_text("postal_code", &self.postal_code, 20));
        let city = errors.check(required_text("city", &self.city, 120));
        let country = errors.check(country_code("country", &self.country));
        let admin_name = errors.check(required_text("admin_name", &self.admin_name, 200));
        let admin_email = errors.check(Email::parse("admin_email", &self.admin_email));
        errors.check(check_password(
            "password",
            &self.password,
            Some(self.admin_email.trim()),
        ));
        if !self.accept_terms {
            errors.push("accept_terms", "terms_not_accepted");
        }
        if !self.certify_authority {
            errors.push("certify_authority", "authority_not_certified");
        }
        match (
            legal_name,
            siren,
            vat_number,
            address_line,
            postal_code,
            city,
            country,
            admin_name,
            admin_email,
        ) {
            (
                Some(legal_name),
                Some(siren),
                Some(vat_number),
                Some(address_line),
                Some(postal_code),
                Some(city),
                Some(country),
                Some(admin_name),
                Some(admin_email),
            ) if errors.is_empty() => Ok(Signup {
                legal_name,
                siren,
                vat_number,
                address_line,
                postal_code,
                city,
                country,
                admin_name,
                admin_email,
                password: self.password,
                lang: self.lang.unwrap_or_default(),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> SignupInput {
        SignupInput {
            legal_name: "Boulangerie Dupont SARL".into(),
            siren: "732829320".into(),
            vat_number: "FR44732829320".into(),
            address_line: "1 rue de la Paix".into(),
            postal_code: "75002".into(),
            city: "Paris".into(),
            country: "fr".into(),
            admin_name: "Claire Dupont".into(),
            admin_email: "claire@dupont.fr".into(),
            password: "une phrase de passe longue".into(),
            accept_terms: true,
            certify_authority: true,
            lang: None,
        }
    }

    // clause: OSX-SIGNUP, INES-KYC
    #[test]
    fn signup_requires_full_acceptance_and_certification() {
        assert!(valid().parse().is_ok());
        let err = SignupInput {
            accept_terms: false,
            certify_authority: false,
            ..valid()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["accept_terms", "certify_authority"]);
    }

    #[test]
    fn signup_reports_every_bad_field() {
        let err = SignupInput {
            siren: "123456789".into(),
            vat_number: "FR00123".into(),
            admin_email: "nope".into(),
            password: "short".into(),
            country: "France".into(),
            ..valid()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("siren", "siren_checksum"),
                ("vat_number", "vat_format"),
                ("country", "country_format"),
                ("admin_email", "email_format"),
                ("password", "password_too_short"),
            ]
        );
    }

    #[test]
    fn french_vat_must_match_siren() {
        let err = SignupInput {
            siren: "552032534".into(),
            ..valid()
        }
        .parse()
        .unwrap_err();
        assert_eq!(err.0[0].code, "vat_siren_mismatch");
    }
}
