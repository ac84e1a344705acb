//! The client's network address, for login throttling. Behind a reverse
//! proxy every request comes from the proxy, so the address is read from a
//! header the proxy sets — but only when the deployment names that header:
//! otherwise any client could claim any address.

use std::net::{IpAddr, Ipv4Addr};

use poem::Request;

/// The address to throttle `req` by.
pub fn client_ip(req: &Request, trusted_proxy_header: Option<&str>) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    trusted_proxy_header
        .and_then(|name| req.headers().get(name))
        .and_then(|value| value.to_str().ok())
        .and_then(last_address)
        .unwrap_or(peer)
}

/// The last address in a comma-separated list: the one the nearest proxy
/// saw (earlier entries are whatever the client sent).
fn last_address(list: &str) -> Option<IpAddr> {
    list.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_address_is_the_one_the_proxy_saw() {
        assert_eq!(
            last_address("203.0.113.9, 198.51.100.4"),
            Some(IpAddr::from([198, 51, 100, 4]))
        );
        assert_eq!(last_address("2001:db8::1"), "2001:db8::1".parse().ok());
        assert_eq!(last_address("not an address"), None);
        assert_eq!(last_address(""), None);
    }

    #[test]
    fn the_header_counts_only_when_configured() {
        let req = Request::builder()
            .header("x-forwarded-for", "198.51.100.4")
            .finish();
        assert_eq!(
            client_ip(&req, Some("x-forwarded-for")),
            IpAddr::from([198, 51, 100, 4])
        );
        assert_eq!(client_ip(&req, None), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
}
