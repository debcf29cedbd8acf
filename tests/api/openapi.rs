//! The committed OpenAPI document is the one the code generates, and the server serves
//! it with offline interactive docs.

use crate::db_test;

const COMMITTED: &str = "openapi/openapi.json";

#[test]
fn committed_document_matches_the_code() {
    let generated = coop_registry::openapi::document_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &generated).expect("write openapi/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} differs from the code; regenerate it with \
         `cargo run -- openapi --output {COMMITTED}` (or UPDATE_OPENAPI=1 cargo test)"
    );
}

#[test]
fn every_operation_documents_its_errors_as_problems() {
    let doc: serde_json::Value = serde_json::from_str(&coop_registry::openapi::document_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                // A shared answer is written once under components/responses.
                let response = match response["$ref"].as_str() {
                    Some(reference) => {
                        doc.pointer(reference.trim_start_matches('#')).expect("referred response")
                    }
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not a problem document"
                    );
                }
            }
            let writes = matches!(method.as_str(), "post" | "patch" | "put");
            if writes && op.get("requestBody").is_some() {
                for status in ["400", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path} does not document {status}");
                }
            }
        }
    }
}

db_test!(served_document_and_offline_docs, |app| {
    let served = app.get("/api/openapi.json").await.json();
    let generated: serde_json::Value =
        serde_json::from_str(&coop_registry::openapi::document_json()).unwrap();
    assert_eq!(served, generated);
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    let html = String::from_utf8(docs.body.clone()).unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "the docs page loads nothing from the network");
    let config = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(config.status, 200);
    assert!(String::from_utf8_lossy(&config.body).contains("/api/openapi.json"));
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.body.len() > 100_000);
});
