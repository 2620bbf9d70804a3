//! The range table: which addresses the helper never connects to unless the operator
//! lists that exact address. `Ipv4Addr::is_global` is unstable, so the table is ours;
//! IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged
//! by the IPv4 address inside.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a probe target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    SharedCgnat,
    Multicast,
    Broadcast,
    Documentation,
    Reserved,
    UniqueLocal,
}

impl Refusal {
    /// For messages: "… is a loopback address".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Unspecified => "an unspecified address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private-network address",
            Self::LinkLocal => "a link-local address",
            Self::SharedCgnat => "a carrier-grade NAT address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Documentation => "a documentation address",
            Self::Reserved => "a reserved or special-purpose address",
            Self::UniqueLocal => "a unique-local (private) IPv6 address",
        }
    }
}

/// `(network, prefix length, why)`, IPv4. Order matters only for the reason given.
const V4: &[([u8; 4], u8, Refusal)] = &[
    ([0, 0, 0, 0], 32, Refusal::Unspecified),
    ([0, 0, 0, 0], 8, Refusal::Reserved), // "this network"
    ([10, 0, 0, 0], 8, Refusal::Private),
    ([100, 64, 0, 0], 10, Refusal::SharedCgnat),
    ([127, 0, 0, 0], 8, Refusal::Loopback),
    ([169, 254, 0, 0], 16, Refusal::LinkLocal), // 169.254.169.254 (cloud metadata) too
    ([172, 16, 0, 0], 12, Refusal::Private),
    ([192, 0, 0, 0], 24, Refusal::Reserved), // IETF protocol assignments
    ([192, 0, 2, 0], 24, Refusal::Documentation),
    ([192, 88, 99, 0], 24, Refusal::Reserved), // 6to4 relay anycast
    ([192, 168, 0, 0], 16, Refusal::Private),
    ([198, 18, 0, 0], 15, Refusal::Reserved), // benchmarking
    ([198, 51, 100, 0], 24, Refusal::Documentation),
    ([203, 0, 113, 0], 24, Refusal::Documentation),
    ([224, 0, 0, 0], 4, Refusal::Multicast),
    ([255, 255, 255, 255], 32, Refusal::Broadcast),
    ([240, 0, 0, 0], 4, Refusal::Reserved),
];

/// `(network, prefix length, why)`, IPv6 ranges that do not embed IPv4.
const V6: &[(u128, u8, Refusal)] = &[
    (0, 128, Refusal::Unspecified),
    (1, 128, Refusal::Loopback),
    (0x0064_ff9b_0001 << 80, 48, Refusal::Reserved), // local-use NAT64
    (0x0100 << 112, 64, Refusal::Reserved),          // discard-only
    (0x2001_0db8 << 96, 32, Refusal::Documentation),
    (0x2001 << 112, 23, Refusal::Reserved), // IETF protocol assignments, Teredo
    (0x3fff << 112, 20, Refusal::Documentation),
    (0xfc00 << 112, 7, Refusal::UniqueLocal),
    (0xfe80 << 112, 10, Refusal::LinkLocal),
    (0xfec0 << 112, 10, Refusal::Reserved), // site-local, deprecated
    (0xff00 << 112, 8, Refusal::Multicast),
];

fn in_v4(a: Ipv4Addr, net: [u8; 4], len: u8) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    (u32::from(a) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn in_v6(a: Ipv6Addr, net: u128, len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    (u128::from(a) & mask) == (net & mask)
}

/// The IPv4 address an IPv6 address carries, for the forms that route to it:
/// mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`)
/// and 6to4 (`2002:AABB:CCDD::`).
pub(crate) fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(a);
    let low = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if in_v6(a, 0xffff << 32, 96) || in_v6(a, 0, 96) {
        return Some(low);
    }
    if in_v6(a, 0x0064_ff9b << 96, 96) {
        return Some(low);
    }
    if in_v6(a, 0x2002 << 112, 16) {
        return Some(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    None
}

/// Why the helper will not connect to `a` on its own judgement, or `None` for a
/// global address. The operator's exact-address allow list is applied by
/// [`judge`], not here.
pub(crate) fn refusal(a: IpAddr) -> Option<Refusal> {
    match a {
        IpAddr::V4(v4) => V4
            .iter()
            .find(|(net, len, _)| in_v4(v4, *net, *len))
            .map(|(_, _, why)| *why),
        IpAddr::V6(v6) => {
            if let Some(why) = V6
                .iter()
                .find(|(net, len, _)| in_v6(v6, *net, *len))
                .map(|(_, _, why)| *why)
            {
                return Some(why);
            }
            embedded_v4(v6).and_then(|v4| refusal(IpAddr::V4(v4)))
        }
    }
}

/// The helper's verdict on one resolved address: allowed when the operator lists it
/// exactly, otherwise when the range table has nothing against it.
pub(crate) fn judge(a: IpAddr, allow: &[IpAddr]) -> Result<(), Refusal> {
    if allow.contains(&a) {
        return Ok(());
    }
    match refusal(a) {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(s: &str) -> Option<Refusal> {
        refusal(s.parse().unwrap())
    }

    #[test]
    fn the_whole_refusal_list() {
        use Refusal::*;
        let cases: &[(&str, Refusal)] = &[
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Reserved),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.169.254", LinkLocal),
            ("169.254.0.1", LinkLocal),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("::", Unspecified),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("fec0::1", Reserved),
            ("2001::1", Reserved),
            ("100::1", Reserved),
            ("64:ff9b:1::1", Reserved),
            // IPv4 inside IPv6: mapped, compatible, NAT64, 6to4.
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::127.0.0.1", Loopback),
            ("::10.0.0.1", Private),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("64:ff9b::7f00:1", Loopback),
            ("2002:7f00:1::", Loopback),
            ("2002:c0a8:101::1", Private),
        ];
        for (addr, expected) in cases {
            assert_eq!(why(addr), Some(*expected), "{addr}");
        }
    }

    #[test]
    fn global_addresses_pass() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.0.3.1",
            "223.255.255.255",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(why(a), None, "{a}");
        }
    }

    #[test]
    fn only_the_exact_listed_address_is_let_through() {
        let allow: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap()];
        assert!(judge("127.0.0.1".parse().unwrap(), &allow).is_ok());
        assert_eq!(
            judge("127.0.0.2".parse().unwrap(), &allow),
            Err(Refusal::Loopback)
        );
        // The mapped form is another address: listing 127.0.0.1 does not allow it.
        assert_eq!(
            judge("::ffff:127.0.0.1".parse().unwrap(), &allow),
            Err(Refusal::Loopback)
        );
        assert!(judge("8.8.8.8".parse().unwrap(), &[]).is_ok());
    }
}
