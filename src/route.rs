//! The app's typed routes. Hash routing keeps the findings payload in the URL
//! fragment, which browsers never send to a server. Every address the app writes
//! comes from [`Route::to_path`], and every address it reads goes through
//! [`Route::parse`].

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Route {
    /// The list of troubleshooters: `/`.
    Home,
    /// Walking one troubleshooter: `/t/<tree>`.
    Flow { tree: String },
    /// A step of a walk, `/t/<tree>/<step>`: the browser's back and forward buttons
    /// move between steps.
    FlowStep { tree: String, step: usize },
    /// The read-only report a findings link opens: `/r/<payload>`.
    Report { payload: String },
    /// The support view of a help-desk code: `/c/<code>`.
    Code { code: String },
    /// Any other address.
    NotFound,
}

impl Route {
    /// The route an address path names (the fragment without its `#`).
    pub fn parse(path: &str) -> Route {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let mut parts = path.split('/');
        if parts.next() != Some("") {
            return Route::NotFound;
        }
        let parts: Vec<&str> = parts.collect();
        match parts.as_slice() {
            [] | [""] => Route::Home,
            ["t", tree] if !tree.is_empty() => Route::Flow {
                tree: (*tree).to_string(),
            },
            ["t", tree, step] if !tree.is_empty() => match step.parse() {
                Ok(step) => Route::FlowStep {
                    tree: (*tree).to_string(),
                    step,
                },
                Err(_) => Route::NotFound,
            },
            ["r", payload] if !payload.is_empty() => Route::Report {
                payload: (*payload).to_string(),
            },
            ["c", code] if !code.is_empty() => Route::Code {
                code: (*code).to_string(),
            },
            _ => Route::NotFound,
        }
    }

    /// The address path of this route.
    pub fn to_path(&self) -> String {
        match self {
            Route::Home => "/".to_string(),
            Route::Flow { tree } => format!("/t/{tree}"),
            Route::FlowStep { tree, step } => format!("/t/{tree}/{step}"),
            Route::Report { payload } => format!("/r/{payload}"),
            Route::Code { code } => format!("/c/{code}"),
            Route::NotFound => "/404".to_string(),
        }
    }

    /// The link to this route on the current page, for an `<a href>`: the browser
    /// follows it, keeps it in its history, and opens it in a new tab on request.
    pub fn href(&self) -> String {
        format!("#{}", self.to_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<Route> {
        vec![
            Route::Home,
            Route::Flow {
                tree: "vpn-error-800".into(),
            },
            Route::FlowStep {
                tree: "vpn-error-800".into(),
                step: 12,
            },
            Route::Report {
                payload: "AQIDBA-_.c2VhbA".into(),
            },
            Route::Code {
                code: "ZTP-591-3WJ9".into(),
            },
        ]
    }

    #[test]
    fn every_route_reads_back_from_its_own_path() {
        for r in every_kind() {
            assert_eq!(Route::parse(&r.to_path()), r, "{}", r.to_path());
            assert_eq!(r.href(), format!("#{}", r.to_path()));
        }
    }

    #[test]
    fn odd_addresses() {
        for (path, route) in [
            ("", Route::Home),
            ("/", Route::Home),
            (
                "/t/vpn-error-800/",
                Route::Flow {
                    tree: "vpn-error-800".into(),
                },
            ),
            ("/t/x/not-a-number", Route::NotFound),
            ("/t/x/-1", Route::NotFound),
            ("/t/", Route::NotFound),
            ("/t//3", Route::NotFound),
            ("/r/", Route::NotFound),
            ("/r/a/b", Route::NotFound),
            ("/c/", Route::NotFound),
            ("/c/a/b", Route::NotFound),
            ("t/x", Route::NotFound),
            ("/404", Route::NotFound),
            ("/elsewhere", Route::NotFound),
        ] {
            assert_eq!(Route::parse(path), route, "{path:?}");
        }
    }
}
