//! The check catalog: every check a tree may name, its parameters, and what its
//! outcomes and figure mean. Names are fixed here so trees lint before checks exist.
//! [`Check`] is a check as a tree node runs it: its parameters typed, the defaults
//! applied by lint, so whoever runs it reads no parameter by name.

/// A check a tree can run. The app implements each in `src/services/checks.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckName {
    BrowserOnline,
    HelperPing,
    ClockSkew,
    CaptivePortal,
    InternetCanary,
    EgressAltPorts,
    Platform,
    ClientAddress,
    ServerResolve,
    ServerProbe,
    OperatorStatus,
}

/// The type a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Int,
    Str,
    List,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Int => "a whole number",
            Self::Str => "a string",
            Self::List => "a list of strings",
        }
    }
}

/// A parameter a check accepts.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: ParamType,
    /// What the parameter does, for lint messages and docs.
    pub about: &'static str,
}

/// The platform names `platform` reports and its `pass`/`warn` lists accept.
pub const PLATFORMS: [&str; 6] = ["windows", "macos", "ios", "android", "linux", "chromeos"];

/// How many round trips `helper.ping` times when the tree does not say: the fewest
/// lint allows (fewer say nothing about jitter or loss).
pub const PING_COUNT: u8 = 5;

/// A set of [`PLATFORMS`], one bit each (in that order): what a `platform` list
/// compiles to, so the app carries a byte, not a list of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "u8")]
pub struct Platforms(u8);

impl From<u8> for Platforms {
    fn from(bits: u8) -> Self {
        Platforms::from_bits(bits)
    }
}

impl Platforms {
    /// The set with these bits; bits past [`PLATFORMS`] are dropped.
    pub const fn from_bits(bits: u8) -> Self {
        Platforms(bits & ((1 << PLATFORMS.len()) - 1))
    }

    /// The set with `platform` added; `None` when it is not one of [`PLATFORMS`].
    pub fn with(self, platform: &str) -> Option<Self> {
        let i = PLATFORMS.iter().position(|p| *p == platform)?;
        Some(Platforms(self.0 | (1 << i)))
    }

    pub fn contains(self, platform: &str) -> bool {
        PLATFORMS
            .iter()
            .position(|p| *p == platform)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// A check node's check with its parameters, typed, as lint read and checked them
/// (defaults applied there, once): every check of [`CheckName`], those that take
/// parameters with their values. Served as JSON in the tree: a name, or a name
/// with its parameters (`{"serverprobe":{"port":1723}}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    BrowserOnline,
    HelperPing {
        /// Round trips to time, 5 to 20 (lint).
        count: u8,
        /// Median round trip above which the result is warn; never negative (lint).
        warn_ms: i64,
    },
    ClockSkew {
        /// Seconds of difference above which the result is fail; never negative (lint).
        max_skew_s: i64,
    },
    CaptivePortal,
    InternetCanary,
    EgressAltPorts,
    Platform {
        pass: Platforms,
        /// Any detected platform in neither set fails.
        warn: Platforms,
    },
    ClientAddress,
    ServerResolve,
    ServerProbe {
        /// The TCP port the helper connects to.
        port: u16,
    },
    OperatorStatus,
}

impl Check {
    pub fn name(self) -> CheckName {
        match self {
            Self::BrowserOnline => CheckName::BrowserOnline,
            Self::HelperPing { .. } => CheckName::HelperPing,
            Self::ClockSkew { .. } => CheckName::ClockSkew,
            Self::CaptivePortal => CheckName::CaptivePortal,
            Self::InternetCanary => CheckName::InternetCanary,
            Self::EgressAltPorts => CheckName::EgressAltPorts,
            Self::Platform { .. } => CheckName::Platform,
            Self::ClientAddress => CheckName::ClientAddress,
            Self::ServerResolve => CheckName::ServerResolve,
            Self::ServerProbe { .. } => CheckName::ServerProbe,
            Self::OperatorStatus => CheckName::OperatorStatus,
        }
    }
}

impl CheckName {
    pub const ALL: [CheckName; 11] = [
        Self::BrowserOnline,
        Self::HelperPing,
        Self::ClockSkew,
        Self::CaptivePortal,
        Self::InternetCanary,
        Self::EgressAltPorts,
        Self::Platform,
        Self::ClientAddress,
        Self::ServerResolve,
        Self::ServerProbe,
        Self::OperatorStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BrowserOnline => "browser.online",
            Self::HelperPing => "helper.ping",
            Self::ClockSkew => "clock.skew",
            Self::CaptivePortal => "captive.portal",
            Self::InternetCanary => "internet.canary",
            Self::EgressAltPorts => "egress.alt_ports",
            Self::Platform => "platform",
            Self::ClientAddress => "client.address",
            Self::ServerResolve => "server.resolve",
            Self::ServerProbe => "server.probe",
            Self::OperatorStatus => "operator.status",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Parameters the check accepts; any other key is a lint error.
    pub fn params(self) -> &'static [ParamSpec] {
        match self {
            Self::HelperPing => &[
                ParamSpec {
                    name: "count",
                    ty: ParamType::Int,
                    about: "how many pings to time (5 to 20)",
                },
                ParamSpec {
                    name: "warn_ms",
                    ty: ParamType::Int,
                    about: "median round trip above which the result is warn",
                },
            ],
            Self::ClockSkew => &[ParamSpec {
                name: "max_skew_s",
                ty: ParamType::Int,
                about: "seconds of difference above which the result is fail (default 120)",
            }],
            Self::Platform => &[
                ParamSpec {
                    name: "pass",
                    ty: ParamType::List,
                    about: "platforms that pass",
                },
                ParamSpec {
                    name: "warn",
                    ty: ParamType::List,
                    about: "platforms that warn; any other detected platform fails",
                },
            ],
            Self::ServerProbe => &[ParamSpec {
                name: "port",
                ty: ParamType::Int,
                about: "the TCP port the helper connects to",
            }],
            Self::BrowserOnline
            | Self::CaptivePortal
            | Self::InternetCanary
            | Self::EgressAltPorts
            | Self::ClientAddress
            | Self::ServerResolve
            | Self::OperatorStatus => &[],
        }
    }

    /// Parameters a tree must give.
    pub fn required_params(self) -> &'static [&'static str] {
        match self {
            Self::ServerProbe => &["port"],
            Self::Platform => &["pass"],
            _ => &[],
        }
    }

    /// Unit of the small figure a result carries, in English (reports write the
    /// figure with its unit in the reader's words: `findings::figure_text`).
    pub fn figure_unit(self) -> Option<&'static str> {
        match self {
            Self::HelperPing | Self::ServerProbe | Self::InternetCanary => Some("ms"),
            Self::ClockSkew => Some("s"),
            Self::EgressAltPorts => Some("ports open"),
            Self::ServerResolve => Some("addresses"),
            _ => None,
        }
    }

    /// Whether the check needs the server name the user typed.
    pub fn needs_server_name(self) -> bool {
        matches!(self, Self::ServerResolve | Self::ServerProbe)
    }
}
