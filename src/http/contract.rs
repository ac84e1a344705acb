//! The OpenAPI document as the server actually behaves. poem-openapi
//! derives most of it from the handlers' types; this module states the few
//! things it cannot express, so that generated clients and contract tests
//! (schemathesis) see exactly what the server does:
//!
//! - dates are `format: date` (`YYYY-MM-DD`), not poem's private `naive-date`,
//!   and unsigned integers state the range that `format: uint32` implies
//!   only to poem;
//! - a property that is not required accepts `null` as "absent" in requests
//!   and is sent as `null` when it has no value, so it is `nullable`;
//! - request bodies refuse unknown fields (every input type is
//!   `deny_unknown_fields`), so their schemas say `additionalProperties: false`;
//! - every operation that needs a bearer token documents its 401.
//!
//! The document is built once at start-up; [`allowed_methods`] reads the
//! same document to answer 405s with an `Allow` header.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// The finished document for a server at `server_url`.
pub fn document(server_url: &str) -> Value {
    let raw = super::openapi(server_url).spec();
    let mut doc: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    standard_formats(&mut doc);
    let inputs = request_schemas(&doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            mark_optional_nullable(schema);
            if inputs.contains(name) {
                close_object(schema);
            }
        }
    }
    close_inline_request_bodies(&mut doc);
    document_unauthorized(&mut doc);
    doc
}

/// Request bodies described inline (the multipart upload) take no other
/// fields either.
fn close_inline_request_bodies(doc: &mut Value) {
    for op in operations_mut(doc) {
        if let Some(content) = op
            .pointer_mut("/requestBody/content")
            .and_then(Value::as_object_mut)
        {
            for media in content.values_mut() {
                if let Some(schema) = media.get_mut("schema") {
                    close_object(schema);
                }
            }
        }
    }
}

fn standard_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            match map.get("format").and_then(Value::as_str) {
                Some("naive-date") => {
                    map.insert("format".to_owned(), json!("date"));
                }
                Some(f) if f.starts_with("uint") => {
                    let max = match f {
                        "uint8" => Some(u64::from(u8::MAX)),
                        "uint16" => Some(u64::from(u16::MAX)),
                        "uint32" => Some(u64::from(u32::MAX)),
                        _ => None,
                    };
                    map.entry("minimum").or_insert(json!(0));
                    if let Some(max) = max {
                        map.entry("maximum").or_insert(json!(max));
                    }
                }
                _ => {}
            }
            map.values_mut().for_each(standard_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(standard_formats),
        _ => {}
    }
}

/// Names of the component schemas a request body can contain.
fn request_schemas(doc: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    for body in operations(doc).filter_map(|op| op.get("requestBody")) {
        collect_refs(body, &mut pending);
    }
    while let Some(name) = pending.pop() {
        if found.insert(name.clone())
            && let Some(schema) = doc.pointer(&format!("/components/schemas/{name}"))
        {
            collect_refs(schema, &mut pending);
        }
    }
    found
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn operations(doc: &Value) -> impl Iterator<Item = &Value> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::values)
        .filter_map(Value::as_object)
        .flat_map(Map::values)
}

fn operations_mut(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(Map::values_mut)
        .filter_map(Value::as_object_mut)
        .flat_map(Map::values_mut)
}

fn mark_optional_nullable(schema: &mut Value) {
    let required: BTreeSet<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if required.contains(name) {
            continue;
        }
        if let Some(reference) = property.get("$ref").cloned() {
            *property = json!({ "allOf": [{ "$ref": reference }], "nullable": true });
        } else if let Some(map) = property.as_object_mut() {
            map.insert("nullable".to_owned(), json!(true));
        }
    }
}

fn close_object(schema: &mut Value) {
    if let Some(map) = schema.as_object_mut()
        && map.get("type").and_then(Value::as_str) == Some("object")
        && map.contains_key("properties")
    {
        map.insert("additionalProperties".to_owned(), json!(false));
    }
}

fn document_unauthorized(doc: &mut Value) {
    for op in operations_mut(doc) {
        let secured = op
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        if let (true, Some(responses)) = (
            secured,
            op.get_mut("responses").and_then(Value::as_object_mut),
        ) {
            responses.entry("401").or_insert_with(|| {
                json!({
                    "description": "No valid bearer token.",
                    "content": { super::problem::PROBLEM_CONTENT_TYPE: {
                        "schema": { "$ref": "#/components/schemas/Problem" }
                    } }
                })
            });
        }
    }
}

/// For each path template in the document (`/api/v1/audits/{id}`), the
/// methods it answers, as an `Allow` header value.
pub fn allowed_methods(doc: &Value) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    for (path, ops) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let methods: BTreeMap<&str, ()> = ops
            .as_object()
            .into_iter()
            .flat_map(Map::keys)
            .map(|m| (m.as_str(), ()))
            .collect();
        let allow = methods
            .keys()
            .map(|m| m.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(", ");
        out.push((path.split('/').map(str::to_owned).collect(), allow));
    }
    out
}

/// The `Allow` value for a request path, if it matches a path template.
pub fn allow_for<'a>(table: &'a [(Vec<String>, String)], path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.split('/').collect();
    table
        .iter()
        .find(|(template, _)| {
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        })
        .map(|(_, allow)| allow.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_properties_become_nullable_and_refs_are_wrapped() {
        let mut schema = json!({
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": { "type": "string" },
                "note": { "type": "string" },
                "kind": { "$ref": "#/components/schemas/Kind" }
            }
        });
        mark_optional_nullable(&mut schema);
        assert_eq!(schema["properties"]["id"], json!({ "type": "string" }));
        assert_eq!(
            schema["properties"]["note"],
            json!({ "type": "string", "nullable": true })
        );
        assert_eq!(
            schema["properties"]["kind"],
            json!({ "allOf": [{ "$ref": "#/components/schemas/Kind" }], "nullable": true })
        );
    }

    #[test]
    fn allow_matches_templates_by_segment() {
        let doc = json!({ "paths": {
            "/api/v1/audits": { "get": {}, "post": {} },
            "/api/v1/audits/{id}": { "get": {}, "put": {}, "delete": {} }
        }});
        let table = allowed_methods(&doc);
        assert_eq!(allow_for(&table, "/api/v1/audits"), Some("GET, POST"));
        assert_eq!(
            allow_for(&table, "/api/v1/audits/0123"),
            Some("DELETE, GET, PUT")
        );
        assert_eq!(allow_for(&table, "/api/v1/audits/0123/x"), None);
    }

    #[test]
    fn the_served_document_has_no_private_formats_and_closed_inputs() {
        let doc = document("http://127.0.0.1:8080");
        let text = doc.to_string();
        assert!(!text.contains("naive-date"));
        assert_eq!(
            doc.pointer("/components/schemas/LoginRequest/additionalProperties"),
            Some(&json!(false))
        );
        assert!(
            doc.pointer("/paths/~1api~1v1~1me/get/responses/401")
                .is_some()
        );
    }
}
