//! The client's address, for sign-in throttling. Behind a reverse proxy every request comes
//! from the proxy, so the address it reports (`Forwarded: for=`, or `X-Forwarded-For`) is
//! used, but only when the request really comes from a configured trusted proxy: a client
//! that sends the header itself is ignored. The list is read from the right (the hop nearest
//! to us) past every trusted proxy; the first other address is the client.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// An address of a `for=` or `X-Forwarded-For` entry: an IP, possibly quoted, bracketed or
/// with a port. Obfuscated identifiers (`_hidden`, `unknown`) are not addresses.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    // `192.0.2.1:4711`; a bare IPv6 address has parsed above.
    s.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok())
}

/// The `for=` values of `Forwarded`, or the entries of `X-Forwarded-For`, nearest hop last.
fn forwarded_chain(headers: &HeaderMap) -> Vec<String> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .map_or_else(String::new, |(_, v)| v.trim().to_owned())
            })
            .collect();
    }
    values("x-forwarded-for")
}

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    };
    proxies.iter().any(|net| net.contains(&ip))
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the nearest
/// address in the forwarded chain that is not a trusted proxy. `None` when a trusted proxy
/// sent no usable address: then no address is throttled (the sign-in name still is), rather
/// than every client behind the proxy sharing the proxy's.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, proxies: &[IpNet]) -> Option<IpAddr> {
    if !trusted(peer, proxies) {
        return Some(peer);
    }
    for node in forwarded_chain(headers).iter().rev() {
        let ip = parse_node(node)?;
        if !trusted(ip, proxies) {
            return Some(ip);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_forwarded_address_counts_only_from_a_trusted_proxy() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let forged = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(
            client_address(ip("203.0.113.9"), &forged, &proxies),
            Some(ip("203.0.113.9")),
            "a client cannot claim another address"
        );
        assert_eq!(
            client_address(ip("10.1.2.3"), &forged, &proxies),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(ip("203.0.113.9"), &forged, &[]),
            Some(ip("203.0.113.9")),
            "no proxy is trusted unless configured"
        );
    }

    #[test]
    fn the_chain_is_read_from_the_nearest_hop_past_trusted_proxies() {
        let proxies: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ];
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.0.0.2")]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &chain, &proxies),
            Some(ip("198.51.100.7")),
            "the leftmost entry is the client's own claim and is not believed"
        );
        let std = headers(&[(
            "forwarded",
            r#"for=192.0.2.60;proto=http;by=10.0.0.1, for="[2001:db8:cafe::17]:4711""#,
        )]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), &std, &proxies),
            Some(ip("192.0.2.60"))
        );
        let ported = headers(&[("forwarded", "for=\"198.51.100.7:8443\"")]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &ported, &proxies),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn a_trusted_proxy_without_a_usable_address_gives_none() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        for h in [
            headers(&[]),
            headers(&[("forwarded", "for=_hidden")]),
            headers(&[("x-forwarded-for", "10.0.0.3")]),
            headers(&[("x-forwarded-for", "not an address")]),
        ] {
            assert_eq!(client_address(ip("10.0.0.1"), &h, &proxies), None);
        }
    }
}
