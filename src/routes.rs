//! Every route of the server, wired from the one table of endpoints
//! ([`crate::http::openapi::ENDPOINTS`]) that the OpenAPI document is also
//! made of: each path answers the methods its entries name and a 405
//! naming them (`Allow`) to any other.

use crate::error::ApiError;
use crate::http::openapi::{ENDPOINTS, Endpoint};
use crate::http::pattern::Pattern;
use crate::http::spans::RouteField;
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use std::sync::OnceLock;

/// The JSON API's prefix: its paths are wired in one actix scope.
const API: &str = "/api/v1";

/// One path as wired.
struct Wired {
    /// The actix pattern, without [`API`] when `in_api`: a tail parameter
    /// carries its `:.*`.
    pattern: String,
    /// Whether the path is in the API's scope.
    in_api: bool,
    /// The methods, in table order, with their endpoints.
    routes: Vec<(Method, &'static Endpoint)>,
    /// `Allow` for any other method: the methods, comma-separated.
    allow: String,
    /// The path as the OpenAPI document writes it (`/api/v1/…`, a tail
    /// parameter without its `:.*`): what logs and metrics name.
    documented: String,
}

/// The table's entries grouped by path, in the order of each path's first
/// entry.
fn wired() -> &'static [Wired] {
    static WIRED: OnceLock<Vec<Wired>> = OnceLock::new();
    WIRED.get_or_init(|| {
        let mut paths: Vec<(String, Wired)> = Vec::new();
        for endpoint in ENDPOINTS {
            let (path, methods) = endpoint.path_and_methods();
            let at = match paths.iter().position(|(p, _)| *p == path) {
                Some(at) => at,
                None => {
                    let pattern = if endpoint.tail {
                        tail_pattern(&path)
                    } else {
                        path.clone()
                    };
                    let (pattern, in_api) = match pattern.strip_prefix(API) {
                        Some(rest) if rest.starts_with('/') => (rest.to_owned(), true),
                        _ => (pattern, false),
                    };
                    let wired = Wired {
                        pattern,
                        in_api,
                        routes: Vec::new(),
                        allow: String::new(),
                        documented: path.clone(),
                    };
                    paths.push((path, wired));
                    paths.len() - 1
                }
            };
            let wired = &mut paths[at].1;
            wired
                .routes
                .extend(methods.into_iter().map(|method| (method, endpoint)));
        }
        paths
            .into_iter()
            .map(|(_, mut wired)| {
                wired.allow = wired
                    .routes
                    .iter()
                    .map(|(method, _)| method.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                wired
            })
            .collect()
    })
}

/// `/admin/{file}` → `/admin/{file:.*}`: the last parameter matches the
/// rest of the path.
fn tail_pattern(path: &str) -> String {
    match path.strip_suffix('}') {
        Some(open) if open.rsplit('/').next().is_some_and(|s| s.starts_with('{')) => {
            format!("{open}:.*}}")
        }
        _ => path.to_owned(),
    }
}

/// The readers' reads, the busiest paths: wired first.
const FIRST: [&str; 4] = [
    "/api/v1/posts/{slug}/comments",
    "/api/v1/counts",
    "/api/v1/posts/{slug}",
    "/api/v1/posts",
];

/// Every route of the server, each path answering 405 to a method it lacks.
///
/// actix tries patterns in the order they are wired, each dynamic one a
/// regular expression, so the API's scope comes first (no path outside it
/// starts with `/api/v1/`) and the readers' reads first in it (no other
/// pattern matches their paths), rather than every request matching some
/// thirty patterns before its own.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut api = web::scope(API);
    let mut outside = Vec::new();
    let first = wired()
        .iter()
        .filter(|w| FIRST.contains(&w.documented.as_str()));
    let rest = wired()
        .iter()
        .filter(|w| !FIRST.contains(&w.documented.as_str()));
    for wired in first.chain(rest) {
        let allowed: &'static str = &wired.allow;
        let mut resource = web::resource(wired.pattern.as_str())
            .app_data(Pattern(&wired.documented))
            .default_service(web::to(move || async move {
                Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allowed))
            }));
        for (method, endpoint) in &wired.routes {
            resource = resource.route(endpoint.route(method.clone()));
        }
        let resource = resource.wrap(RouteField(&wired.documented));
        if wired.in_api {
            api = api.service(resource);
        } else {
            outside.push(resource);
        }
    }
    cfg.service(api);
    for resource in outside {
        cfg.service(resource);
    }
}

/// Every path [`routes`] wires, as the OpenAPI document writes it (with
/// the `/api/v1` prefix, a tail parameter without its `:.*`), and the
/// methods it answers, in `Allow`'s order.
pub fn paths() -> Vec<(String, Vec<String>)> {
    wired()
        .iter()
        .map(|wired| {
            let methods = wired.routes.iter().map(|(m, _)| m.to_string()).collect();
            (wired.documented.clone(), methods)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paths_wired_first_exist_and_no_other_pattern_can_match_theirs() {
        for path in FIRST {
            assert!(wired().iter().any(|w| w.documented == path), "{path}");
        }
        // Only the readers' post paths start with /api/v1/posts/, and no
        // path outside the API's scope starts with /api/v1/.
        for w in wired() {
            if w.documented.starts_with("/api/v1/posts") || w.documented == "/api/v1/counts" {
                assert!(FIRST.contains(&w.documented.as_str()), "{}", w.documented);
            }
            assert_eq!(
                w.in_api,
                w.documented.starts_with("/api/v1/"),
                "{}",
                w.documented
            );
        }
    }

    #[test]
    fn a_tail_parameter_takes_the_rest_of_the_path() {
        assert_eq!(tail_pattern("/admin/{file}"), "/admin/{file:.*}");
        assert_eq!(tail_pattern("/admin"), "/admin");
        assert_eq!(tail_pattern("/a/{x}/b"), "/a/{x}/b");
    }

    #[test]
    fn every_tail_entry_ends_in_a_parameter() {
        for endpoint in ENDPOINTS.iter().filter(|e| e.tail) {
            let (path, _) = endpoint.path_and_methods();
            assert_ne!(tail_pattern(&path), path, "{}: {path}", endpoint.handler);
        }
    }

    #[test]
    fn the_api_paths_are_in_its_scope_and_the_others_are_not() {
        let wired = wired();
        assert!(
            wired
                .iter()
                .any(|w| w.in_api && w.pattern == "/posts/{slug}")
        );
        assert!(
            wired
                .iter()
                .any(|w| !w.in_api && w.pattern == "/posts/{slug}")
        );
        assert!(
            wired
                .iter()
                .any(|w| !w.in_api && w.pattern == "/admin/{file:.*}")
        );
        assert!(
            wired
                .iter()
                .all(|w| !w.pattern.starts_with(API) && w.pattern.starts_with('/'))
        );
    }
}
