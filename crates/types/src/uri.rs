//! Percent-encoding of the values put in an API URL (RFC 3986): letters,
//! digits, `-._~` and `/` stay, every other byte is `%XX`.

/// `s` percent-encoded for a query value or a path.
#[must_use]
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_bytes_are_escaped() {
        assert_eq!(
            super::encode("urn:epc:id:sgtin:1.2.A%2FB&c"),
            "urn%3Aepc%3Aid%3Asgtin%3A1.2.A%252FB%26c"
        );
        assert_eq!(super::encode("a/b é"), "a/b%20%C3%A9");
    }
}
