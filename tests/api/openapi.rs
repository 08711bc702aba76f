//! The OpenAPI document: committed as `docs/openapi.json` (a change that
//! nobody noticed fails here), served at `/api/v1/openapi.json`, and
//! complete: every route `routes::routes` wires is in it with exactly the
//! methods the route answers.

use crate::helpers::{assert_conditional_get, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SNAPSHOT: &str = "docs/openapi.json";
const REFRESH: &str = "COLLOQUY_BLESS=1 cargo test --test api openapi";

fn document() -> Value {
    serde_json::from_str(&colloquy::http::openapi::document_json()).unwrap()
}

/// Operations per path: `{"/healthz": {"GET"}, …}`.
fn documented(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(|k| k.to_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// What `routes::routes` wires: every path (as OpenAPI writes it) and
/// its methods, read from the route table itself. A path or a method
/// wired twice is a mistake the map would hide, so it fails here.
fn wired() -> BTreeMap<String, BTreeSet<String>> {
    let mut routes = BTreeMap::new();
    for (path, methods) in colloquy::routes::paths() {
        let count = methods.len();
        let methods: BTreeSet<String> = methods.into_iter().collect();
        assert_eq!(methods.len(), count, "{path} wires a method twice");
        assert!(
            routes.insert(path.clone(), methods).is_none(),
            "{path} is wired twice"
        );
    }
    routes
}

#[test]
fn the_openapi_document_matches_the_committed_snapshot() {
    let generated = colloquy::http::openapi::document_json();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("COLLOQUY_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{SNAPSHOT} is not the document the handlers generate (first difference at line \
             {line}). If the API change is intended, refresh the snapshot with\n    {REFRESH}\n\
             and commit it with the change."
        );
    }
}

#[test]
fn every_route_the_app_wires_is_in_the_document_with_its_methods() {
    let wired = wired();
    let documented = documented(&document());
    assert!(wired.len() > 40, "the route table has only {wired:?}");
    assert_eq!(
        wired, documented,
        "the routes (left) and the OpenAPI document (right) disagree"
    );
}

#[tokio::test]
async fn every_documented_path_answers_405_with_exactly_the_documented_methods() {
    let app = spawn_app().await;
    for (path, methods) in documented(&document()) {
        // Fill the path's parameters with something of the right type.
        let concrete = path
            .replace("{slug}", "no-such-post")
            .replace("{id}", "1")
            .replace("{bytes}", "1")
            .replace("{file}", "x");
        let response = app
            .reader
            .put(format!("{}{concrete}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "PUT {path}"
        );
        let allow: BTreeSet<String> = response
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("PUT {path}: no Allow header"))
            .to_str()
            .unwrap()
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect();
        assert_eq!(allow, methods, "{path}: Allow (left) against the document");
    }
}

#[test]
fn moderator_operations_need_the_session_and_changes_need_the_csrf_token_too() {
    let doc = document();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "colloquy_session");
    assert_eq!(schemes["csrf"]["in"], "header");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let needs = |scheme: &str| {
                !security.is_empty() && security.iter().all(|r| r.get(scheme).is_some())
            };
            let signed_in_only = path.starts_with("/api/v1/moderation")
                || path == "/api/v1/auth/me"
                || path == "/api/v1/auth/password"
                || path == "/api/v1/auth/logout-all";
            let changes = method != "get";
            if signed_in_only {
                assert!(needs("session"), "{method} {path} must need the session");
                if changes {
                    assert!(needs("csrf"), "{method} {path} must need the CSRF token");
                    assert!(
                        operation["responses"]["403"].is_object(),
                        "{method} {path}: 403"
                    );
                }
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{method} {path}: 401"
                );
            }
        }
    }
}

#[test]
fn every_error_answer_is_a_problem_document() {
    let doc = document();
    let responses = doc["components"]["responses"].as_object().unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                let response = match response["$ref"].as_str() {
                    Some(r) => &responses[r.rsplit('/').next().unwrap()],
                    None => response,
                };
                let problem = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(
                    problem, "#/components/schemas/Problem",
                    "{method} {path} {status} is not problem+json"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_document_is_served_and_cacheable() {
    let app = spawn_app().await;
    let response = app
        .reader
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cache = response.headers()["cache-control"].to_str().unwrap();
    assert!(cache.starts_with("public"), "{cache}");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, document());
    assert_eq!(served["openapi"], "3.1.0");
    let again = app
        .reader
        .get(app.url("/openapi.json"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn the_document_answers_conditional_gets_by_rfc_9110() {
    let app = spawn_app().await;
    assert_conditional_get(&app.reader, &app.url("/openapi.json"), &["cache-control"]).await;
}

#[test]
fn every_reference_in_the_document_resolves() {
    fn walk(value: &Value, doc: &Value, missing: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let pointer = target.trim_start_matches('#');
                    if doc.pointer(pointer).is_none() {
                        missing.push(target.clone());
                    }
                }
                map.values().for_each(|v| walk(v, doc, missing));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, doc, missing)),
            _ => {}
        }
    }
    let doc = document();
    let mut missing = Vec::new();
    walk(&doc, &doc, &mut missing);
    assert!(
        missing.is_empty(),
        "unresolved: {missing:?} (list the type in components(schemas(…)))"
    );
}
