//! The client's network address, for login throttling. Behind a reverse
//! proxy every request comes from the proxy, so the address is read from a
//! header the proxy sets — but only when the deployment names that header
//! and the request really comes from one of its proxies: otherwise any
//! client could claim any address.

use std::net::{IpAddr, Ipv4Addr};

use poem::Request;

use crate::config::{Config, ProxyRange};

/// The address to throttle `req` by.
pub fn client_ip(req: &Request, config: &Config) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let forwarded = config
        .trusted_proxy_header
        .as_deref()
        .and_then(|name| req.headers().get(name))
        .and_then(|value| value.to_str().ok());
    resolve(peer, forwarded, &config.trusted_proxies)
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy
/// that sent a forwarded-for list; then the list's nearest address that is
/// not itself a trusted proxy (proxies append, so the entries to its left
/// are whatever the client claimed). A list that does not parse counts as
/// absent.
fn resolve(peer: IpAddr, forwarded: Option<&str>, proxies: &[ProxyRange]) -> IpAddr {
    let trusted = |a: IpAddr| proxies.iter().any(|p| p.contains(a));
    let Some(list) = forwarded.filter(|_| trusted(peer)) else {
        return peer;
    };
    let Ok(hops) = list
        .split(',')
        .map(|a| a.trim().parse::<IpAddr>())
        .collect::<Result<Vec<_>, _>>()
    else {
        return peer;
    };
    hops.iter()
        .rev()
        .find(|a| !trusted(**a))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn ranges(list: &[&str]) -> Vec<ProxyRange> {
        list.iter().map(|r| r.parse().unwrap()).collect()
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let proxies = ranges(&["127.0.0.1", "10.0.0.0/8"]);
        let local = ip("127.0.0.1");
        assert_eq!(
            resolve(local, Some("198.51.100.4"), &proxies),
            ip("198.51.100.4")
        );
        assert_eq!(
            resolve(local, Some("203.0.113.9, 198.51.100.4"), &proxies),
            ip("198.51.100.4"),
            "what the client claimed, to the left, is not believed"
        );
        assert_eq!(
            resolve(local, Some("198.51.100.4, 10.0.0.2"), &proxies),
            ip("198.51.100.4"),
            "a second proxy of ours is skipped"
        );
        assert_eq!(
            resolve(local, Some("10.0.0.3, 10.0.0.2"), &proxies),
            ip("10.0.0.3")
        );
        assert_eq!(
            resolve(local, Some("2001:db8::1"), &proxies),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn anyone_else_is_judged_by_their_own_address() {
        let proxies = ranges(&["127.0.0.1"]);
        let stranger = ip("192.0.2.50");
        assert_eq!(resolve(stranger, Some("198.51.100.4"), &proxies), stranger);
        assert_eq!(resolve(stranger, None, &proxies), stranger);
        let local = ip("127.0.0.1");
        assert_eq!(resolve(local, None, &proxies), local);
        assert_eq!(resolve(local, Some("not an address"), &proxies), local);
        assert_eq!(resolve(local, Some(""), &proxies), local);
        assert_eq!(resolve(local, Some("198.51.100.4"), &[]), local);
    }
}
