//! An owner's email address, checked before it is used or cached: one bare address (`user@domain`),
//! nothing around it. An address that fails is never mailed and never cached; the owner is listed
//! with the reason, and the other owners are written to as usual.

/// `text` as an address a message may go to, or why it may not (the reason shows the text with
/// its control characters escaped, so a line break cannot reach the terminal or a log as one).
pub fn checked(text: &str) -> Result<String, String> {
    let shown = format!("{text:?}");
    if text.chars().any(char::is_control) {
        return Err(format!(
            "the address {shown} holds a line break or another control character"
        ));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!("the address {shown} holds a space: it is not one address"));
    }
    if !text.is_ascii() {
        return Err(format!(
            "the address {shown} holds characters outside ASCII, which an SMTP server without SMTPUTF8 refuses"
        ));
    }
    let address = match text.parse::<lettre::Address>() {
        Ok(address) => address,
        Err(e) => return Err(format!("the address {shown} is not an email address ({e})")),
    };
    if !is_host_name(address.domain()) {
        return Err(format!(
            "the address {shown} does not end in a domain name such as example.com (an IP address, a \
             single name such as localhost, or a numeric top-level domain is not one)"
        ));
    }
    if !is_plain_local_part(address.user()) {
        return Err(format!(
            "the address {shown} is quoted or holds characters a plain address does not"
        ));
    }
    Ok(address.to_string())
}

/// `example.com`: two labels or more, of letters, digits and inner hyphens, the last not a number;
/// no `[127.0.0.1]` literal, no `127.0.0.1`, no `localhost`.
fn is_host_name(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let top = labels.last().copied().unwrap_or_default();
    labels.len() >= 2
        && top.chars().any(|c| c.is_ascii_alphabetic())
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The part before the `@`, unquoted: dot-separated runs of RFC 5322's `atext`.
fn is_plain_local_part(user: &str) -> bool {
    user.split('.').all(|run| {
        !run.is_empty()
            && run
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
    })
}

#[cfg(test)]
mod tests {
    use super::checked;

    #[test]
    fn one_bare_address_passes_and_anything_that_could_add_a_header_does_not() {
        assert_eq!(checked("yara@example.com").unwrap(), "yara@example.com");
        for (bad, why) in [
            ("yara@example.com\r\nBcc: attacker@example.com", "line break"),
            ("yara@example.com\nBcc: x@example.com", "line break"),
            ("yara@example.com, attacker@example.com", "space"),
            ("Yara <yara@example.com>", "space"),
            ("yara@example.com,attacker@example.com", "not an email address"),
            ("yara", "not an email address"),
            ("yara@[127.0.0.1]", "domain name"),
            ("yara@exämple.com", "outside ASCII"),
            ("yara@127.0.0.1", "domain name"),
            ("yara@localhost", "domain name"),
            ("yara@example.123", "domain name"),
            ("\"yara\"@example.com", "quoted"),
        ] {
            let reason = checked(bad).unwrap_err();
            assert!(reason.contains(why), "{bad:?}: {reason}");
            assert!(!reason.contains('\n') && !reason.contains('\r'), "{reason}");
        }
    }
}
