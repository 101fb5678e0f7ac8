//! E-mail addresses as accounts, clinicians and trusted contacts are found by.

/// Normalises an e-mail address for storage and lookup; `None` if it is not one.
pub fn normalize_email(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.len() > 254 || !email_address::EmailAddress::is_valid(trimmed) {
        return None;
    }
    Some(trimmed.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            normalize_email("  Sam@Example.ORG "),
            Some("sam@example.org".into())
        );
        assert_eq!(normalize_email("not-an-email"), None);
        assert_eq!(normalize_email(""), None);
    }
}
