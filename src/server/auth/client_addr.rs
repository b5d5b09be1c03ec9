//! Which address a request really came from. `X-Forwarded-For` is written
//! by whoever sent the request, so it is believed only as far as it was
//! appended by proxies we operate: starting from the TCP peer, walk the list
//! right to left while the hop is a trusted proxy; the first address that is
//! not one is the client. Without trusted proxies the peer is the client.
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::net::{IpAddr, SocketAddr};

/// The `trusted_proxies` setting: IPs and CIDR ranges. In `Leptos.toml` a
/// list (`["10.0.0.0/8", "::1"]`) or one comma-separated string, which is
/// also the form of `POSTROOM_TRUSTED_PROXIES=10.0.0.1,10.1.0.0/16`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in items.into_iter().flat_map(|s| s.split(',')) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("trusted_proxies: {item:?} is not an IP address or CIDR"))?;
            nets.push(net.trunc());
        }
        Ok(TrustedProxies(nets))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let raw = Raw::deserialize(d)?;
        let items: Vec<String> = match raw {
            Raw::One(s) => vec![s],
            Raw::Many(v) => v,
        };
        TrustedProxies::parse(items.iter().map(String::as_str)).map_err(serde::de::Error::custom)
    }
}

/// The client's address given the TCP peer and the `X-Forwarded-For`
/// header values in the order received.
pub fn client_addr<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // The furthest hop known so far; every step left was vouched for by a
    // trusted proxy on its right.
    let mut furthest = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // A trusted proxy passed on something that is not an address:
            // nothing further left can be believed.
            return furthest;
        };
        if !trusted.contains(ip) {
            return ip;
        }
        furthest = ip;
    }
    furthest
}

/// `1.2.3.4`, `2001:db8::1`, and the `1.2.3.4:5678` / `[2001:db8::1]:80`
/// forms some proxies write.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(s: &str) -> TrustedProxies {
        TrustedProxies::parse([s]).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(
            client_addr(ip("203.0.113.9"), ["1.1.1.1"], &none),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_addr(ip("10.0.0.1"), ["1.1.1.1"], &none),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_set_its_address() {
        let t = proxies("10.0.0.0/8");
        assert_eq!(
            client_addr(ip("203.0.113.9"), ["1.1.1.1"], &t),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_wins() {
        let t = proxies("10.0.0.0/8, 192.168.1.7");
        // The client put a fake address first; the proxy appended the real one.
        assert_eq!(
            client_addr(ip("10.0.0.2"), ["6.6.6.6, 198.51.100.4"], &t),
            ip("198.51.100.4")
        );
        // Two trusted hops, over two header lines.
        assert_eq!(
            client_addr(ip("10.0.0.2"), ["6.6.6.6, 198.51.100.4", "192.168.1.7"], &t),
            ip("198.51.100.4")
        );
        assert_eq!(
            client_addr(ip("10.0.0.2"), ["198.51.100.4:5555,10.9.9.9"], &t),
            ip("198.51.100.4")
        );
        assert_eq!(
            client_addr(ip("10.0.0.2"), ["[2001:db8::5]:443"], &t),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn missing_or_garbled_headers_fall_back_to_the_furthest_known_hop() {
        let t = proxies("10.0.0.0/8");
        assert_eq!(client_addr(ip("10.0.0.2"), [], &t), ip("10.0.0.2"));
        assert_eq!(client_addr(ip("10.0.0.2"), [""], &t), ip("10.0.0.2"));
        assert_eq!(client_addr(ip("10.0.0.2"), ["unknown"], &t), ip("10.0.0.2"));
        assert_eq!(
            client_addr(ip("10.0.0.2"), ["1.2.3.4, garbage, 10.0.0.9"], &t),
            ip("10.0.0.9")
        );
        // Only proxies in the chain: the left-most of them.
        assert_eq!(
            client_addr(ip("10.0.0.2"), ["10.0.0.5, 10.0.0.6"], &t),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_matched_as_ipv4() {
        let t = proxies("127.0.0.1");
        assert_eq!(
            client_addr(ip("::ffff:127.0.0.1"), ["::ffff:198.51.100.4"], &t),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn the_setting_parses_lists_strings_and_refuses_junk() {
        let t = TrustedProxies::parse(["10.0.0.1, 10.1.0.0/16", "::1", ""]).unwrap();
        assert!(t.contains(ip("10.0.0.1")));
        assert!(!t.contains(ip("10.0.0.2")));
        assert!(t.contains(ip("10.1.200.3")));
        assert!(t.contains(ip("::1")));
        assert!(TrustedProxies::parse(["10.0.0.300"]).is_err());
        assert!(TrustedProxies::parse(["example.com"]).is_err());
        assert!(TrustedProxies::parse([""]).unwrap().is_empty());
        let from_str: TrustedProxies = serde_json::from_str("\"10.0.0.1,10.1.0.0/16\"").unwrap();
        let from_list: TrustedProxies =
            serde_json::from_str("[\"10.0.0.1\",\"10.1.0.0/16\"]").unwrap();
        assert_eq!(from_str, from_list);
        assert_eq!(
            serde_json::to_string(&from_list).unwrap(),
            "[\"10.0.0.1/32\",\"10.1.0.0/16\"]"
        );
    }
}
