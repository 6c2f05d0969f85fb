//! Email addresses, URLs, IP and MAC addresses: hand-written scanners, no backtracking.

/// Characters allowed unquoted in the local part of an address (RFC 5322 `atext` and `.`).
fn is_local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || b"!#$%&'*+/=?^_`{|}~.-".contains(&b)
}

pub(crate) fn is_domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b >= 0x80
}

/// A host name with at least two labels and an alphabetic top-level domain (or an IDN one,
/// `xn--…`): labels of letters, digits and inner hyphens, at most 63 bytes each.
pub(crate) fn is_domain(d: &[u8]) -> bool {
    if d.is_empty() || d.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in d.split(|&b| b == b'.') {
        if label.is_empty()
            || label.len() > 63
            || label[0] == b'-'
            || label[label.len() - 1] == b'-'
            || !label.iter().all(|&b| is_domain_char(b) && b != b'.')
        {
            return false;
        }
        labels += 1;
        last = label;
    }
    let tld_ok = (last.len() >= 2 && last.iter().all(|&b| b.is_ascii_alphabetic() || b >= 0x80))
        || (last.len() > 4 && last[..4].eq_ignore_ascii_case(b"xn--"));
    labels >= 2 && tld_ok
}

/// An email address `local@domain` (RFC 5321 limits; unquoted local parts only).
pub(crate) fn is_email(s: &[u8]) -> bool {
    if s.len() < 6 || s.len() > 254 {
        return false;
    }
    let Some(at) = s.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty()
        || local.len() > 64
        || local[0] == b'.'
        || local[local.len() - 1] == b'.'
        || local.windows(2).any(|w| w == b"..")
        || !local.iter().all(|&b| is_local_char(b))
    {
        return false;
    }
    is_domain(domain)
}

/// Length of a URL scheme prefix (`http://`, `https://`, `ftp://`, `ftps://`, or `www.`),
/// case-insensitive; 0 when there is none.
pub(crate) fn url_prefix_len(s: &[u8]) -> usize {
    for p in [&b"https://"[..], b"http://", b"ftps://", b"ftp://", b"www."] {
        if s.len() > p.len() && s[..p.len()].eq_ignore_ascii_case(p) {
            return p.len();
        }
    }
    0
}

/// Characters that may appear in a URL after the host (RFC 3986, plus non-ASCII for IRIs).
pub(crate) fn is_url_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// A web URL: a scheme (or `www.`), an optional `user@`, a host (domain name, `localhost`,
/// IPv4 or bracketed IPv6), an optional port, then a path, query or fragment without spaces.
pub(crate) fn is_url(s: &[u8]) -> bool {
    let p = url_prefix_len(s);
    if p == 0 || s.len() > 4096 || !s.iter().all(|&b| is_url_char(b)) {
        return false;
    }
    let www = s[..p].eq_ignore_ascii_case(b"www.");
    let rest = if www { s } else { &s[p..] };
    let end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let mut authority = &rest[..end];
    if let Some(at) = authority.iter().rposition(|&b| b == b'@') {
        authority = &authority[at + 1..];
    }
    let host = if authority.first() == Some(&b'[') {
        let Some(close) = authority.iter().position(|&b| b == b']') else {
            return false;
        };
        let after = &authority[close + 1..];
        if !(after.is_empty() || is_port(after)) {
            return false;
        }
        return std::str::from_utf8(&authority[1..close]).is_ok_and(is_ipv6);
    } else {
        match authority.iter().rposition(|&b| b == b':') {
            Some(colon) if is_port(&authority[colon..]) => &authority[..colon],
            Some(_) => return false,
            None => authority,
        }
    };
    host.eq_ignore_ascii_case(b"localhost")
        || is_domain(host)
        || std::str::from_utf8(host).is_ok_and(is_ipv4)
}

fn is_port(b: &[u8]) -> bool {
    b.len() >= 2 && b.len() <= 6 && b[0] == b':' && b[1..].iter().all(u8::is_ascii_digit)
}

/// Dotted-decimal IPv4: four numbers 0–255 without leading zeros.
pub(crate) fn is_ipv4(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 7 || b.len() > 15 {
        return false;
    }
    let mut parts = 0;
    for part in b.split(|&c| c == b'.') {
        parts += 1;
        if parts > 4
            || part.is_empty()
            || part.len() > 3
            || !part.iter().all(u8::is_ascii_digit)
            || (part.len() > 1 && part[0] == b'0')
        {
            return false;
        }
        let v = part.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
        if v > 255 {
            return false;
        }
    }
    parts == 4
}

/// IPv6 in RFC 4291 text form: eight groups of 1–4 hex digits, one `::` for a run of zero
/// groups, optionally an embedded IPv4 tail and a `%zone`. At least one `:` pair is needed,
/// so times such as `12:30:00` are not addresses.
pub(crate) fn is_ipv6(s: &str) -> bool {
    let s = match s.split_once('%') {
        Some((addr, zone))
            if !zone.is_empty() && zone.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            addr
        }
        Some(_) => return false,
        None => s,
    };
    if s.len() < 2 || s.len() > 45 {
        return false;
    }
    let (head, tail, compressed) = match s.find("::") {
        Some(i) => {
            if s[i + 2..].contains("::") {
                return false;
            }
            (&s[..i], &s[i + 2..], true)
        }
        None => (s, "", false),
    };
    let count = |part: &str, allow_v4_tail: bool| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let groups: Vec<&str> = part.split(':').collect();
        let mut n = 0;
        for (i, g) in groups.iter().enumerate() {
            if allow_v4_tail && i == groups.len() - 1 && g.contains('.') {
                if !is_ipv4(g) {
                    return None;
                }
                n += 2;
            } else if !g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_hexdigit()) {
                n += 1;
            } else {
                return None;
            }
        }
        Some(n)
    };
    let Some(h) = count(head, !compressed) else {
        return false;
    };
    let Some(t) = count(tail, true) else {
        return false;
    };
    if compressed { h + t <= 7 } else { h == 8 }
}

/// A MAC-48 address: six pairs of hex digits separated by `:` or `-` (one kind), or three
/// groups of four separated by `.` (Cisco style).
pub(crate) fn is_mac(s: &str) -> bool {
    let b = s.as_bytes();
    match b.len() {
        17 => {
            let sep = b[2];
            if sep != b':' && sep != b'-' {
                return false;
            }
            b.chunks(3).all(|c| {
                c[0].is_ascii_hexdigit()
                    && c[1].is_ascii_hexdigit()
                    && (c.len() == 2 || c[2] == sep)
            })
        }
        14 => b
            .chunks(5)
            .all(|c| c[..4].iter().all(u8::is_ascii_hexdigit) && (c.len() == 4 || c[4] == b'.')),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "anna.svensson@gmail.com",
            "j.o'neil+tag@sub.example.co.uk",
            "jörgen@exempel.se",
            "x_y@a-b.io",
        ] {
            assert!(is_email(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "anna@",
            "@example.com",
            "anna@example",
            "anna..b@example.com",
            ".anna@example.com",
            "anna@-example.com",
            "anna@example.c0m",
            "an na@example.com",
            "anna@exa_mple.com",
        ] {
            assert!(!is_email(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn urls() {
        for ok in [
            "https://example.com",
            "http://www.example.org/path?q=1#frag",
            "www.datalab.eu/docs",
            "https://user@host.example.com:8443/x",
            "http://192.168.0.1:8080/",
            "http://[2001:db8::1]:80/a",
            "http://localhost:3000",
        ] {
            assert!(is_url(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "https://",
            "http://exa mple.com",
            "https://example",
            "ftp://:80",
            "example.com",
            "http://host.com:port/",
        ] {
            assert!(!is_url(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn ip_addresses() {
        for ok in ["192.168.1.1", "0.0.0.0", "255.255.255.255", "8.8.4.4"] {
            assert!(is_ipv4(ok), "{ok}");
        }
        for bad in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "a.b.c.d",
        ] {
            assert!(!is_ipv4(bad), "{bad}");
        }
        for ok in [
            "2001:db8:85a3::8a2e:370:7334",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "::1",
            "fe80::1%eth0",
            "::ffff:192.168.1.1",
            "1::",
        ] {
            assert!(is_ipv6(ok), "{ok}");
        }
        for bad in [
            "12:30:00",
            "1:2:3:4:5:6:7",
            "1::2::3",
            "2001:db8:85a3::8a2e:370g:7334",
            "1:2:3:4:5:6:7:8:9",
            "12345::1",
            ":",
        ] {
            assert!(!is_ipv6(bad), "{bad}");
        }
    }

    #[test]
    fn macs() {
        for ok in ["00:1A:2b:3C:4d:5E", "00-1a-2b-3c-4d-5e", "001a.2b3c.4d5e"] {
            assert!(is_mac(ok), "{ok}");
        }
        for bad in [
            "00:1A:2b:3C:4d",
            "00:1A-2b:3C:4d:5E",
            "00:1G:2b:3C:4d:5E",
            "001a2b3c4d5e",
        ] {
            assert!(!is_mac(bad), "{bad}");
        }
    }
}
