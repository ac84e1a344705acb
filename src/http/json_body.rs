//! JSON request bodies that say which field is wrong. poem-openapi's
//! `Json<T>` answers a value of the wrong JSON type with the type it
//! expected but not the field it was in (its generated parsers drop the
//! name), which leaves a client guessing among a dozen fields. `JsonBody<T>`
//! parses exactly as `Json<T>` does and documents the same schema; when
//! parsing fails it looks the body up against `T`'s schema and names the
//! first field whose value is of the wrong kind or not one of its allowed
//! values, as a 400 problem with that field in `errors`.

use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody, Response, Result};
use poem_openapi::error::ParseRequestPayloadError;
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use serde_json::Value;

use super::problem::{FieldProblem, field_problem_response};

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> std::ops::Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A body whose `field` holds a value of the wrong kind.
#[derive(Debug, thiserror::Error)]
#[error("the request body is not valid: {problem:?}")]
pub struct MalformedField {
    problem: FieldProblem,
}

impl poem::error::ResponseError for MalformedField {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn as_response(&self) -> Response {
        field_problem_response(
            StatusCode::BAD_REQUEST,
            format!("the field {} is not valid", self.problem.field),
            vec![self.problem.clone()],
        )
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = Json::<T>::CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        Json::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = T::IS_REQUIRED;

    async fn from_request(request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        let value = if data.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&data).map_err(|err| ParseRequestPayloadError {
                reason: err.to_string(),
            })?
        };
        match T::parse_from_json(Some(value)) {
            Ok(parsed) => Ok(Self(parsed)),
            Err(err) => {
                // Parsed again only now: a body that parses is not copied.
                let mut registry = Registry::new();
                T::register(&mut registry);
                let problem = match serde_json::from_slice::<Value>(&data) {
                    Ok(Value::Object(fields)) => wrong_field(&registry, &T::schema_ref(), &fields),
                    _ => None,
                };
                Err(match problem {
                    Some(problem) => MalformedField { problem }.into(),
                    None => ParseRequestPayloadError {
                        reason: err.into_message(),
                    }
                    .into(),
                })
            }
        }
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON);

/// The first field of `fields` that `schema` does not allow, with why,
/// named by its path (`actions[0].due`) when it is inside a list or an
/// object.
fn wrong_field(
    registry: &Registry,
    schema: &MetaSchemaRef,
    fields: &serde_json::Map<String, Value>,
) -> Option<FieldProblem> {
    wrong_in(registry, schema, fields, "")
}

fn wrong_in(
    registry: &Registry,
    schema: &MetaSchemaRef,
    fields: &serde_json::Map<String, Value>,
    prefix: &str,
) -> Option<FieldProblem> {
    let object = resolve(registry, schema)?;
    object.properties.iter().find_map(|(name, property)| {
        let value = fields.get(*name)?;
        let path = if prefix.is_empty() {
            (*name).to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        let optional = !object.required.contains(name);
        match mismatch(registry, property, value, optional) {
            Some(message) => Some(FieldProblem {
                field: path,
                message,
            }),
            None => nested(registry, property, value, &path),
        }
    })
}

/// The first problem inside a list or an object that is itself of the
/// right kind.
fn nested(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &Value,
    path: &str,
) -> Option<FieldProblem> {
    let resolved = resolve(registry, schema)?;
    match value {
        Value::Object(inner) if !resolved.properties.is_empty() => {
            wrong_in(registry, schema, inner, path)
        }
        Value::Array(items) => {
            let item_schema = resolved.items.as_deref()?;
            items.iter().enumerate().find_map(|(i, item)| {
                let at = format!("{path}[{i}]");
                match mismatch(registry, item_schema, item, false) {
                    Some(message) => Some(FieldProblem { field: at, message }),
                    None => nested(registry, item_schema, item, &at),
                }
            })
        }
        _ => None,
    }
}

/// The schema `schema` names, looking through the `allOf` wrapper that a
/// field's own description puts around a named type.
fn resolve<'a>(registry: &'a Registry, schema: &'a MetaSchemaRef) -> Option<&'a MetaSchema> {
    let found = match schema {
        MetaSchemaRef::Inline(inline) => inline,
        MetaSchemaRef::Reference(name) => registry.schemas.get(name)?,
    };
    // `allOf: [the type, the field's own description]`.
    match found.all_of.first() {
        Some(inner) => resolve(registry, inner),
        None => Some(found),
    }
}

/// Why `value` does not fit `schema`, if it plainly does not: a value of
/// another JSON kind, or a text that is not one of the allowed values.
fn mismatch(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &Value,
    optional: bool,
) -> Option<String> {
    let schema = resolve(registry, schema)?;
    if value.is_null() {
        return (!optional).then(|| "must not be null".to_owned());
    }
    if matches!(schema.format, Some("date" | "naive-date")) {
        return not_a_date(value);
    }
    let expected = match schema.ty {
        "string" if !value.is_string() => "text",
        "integer" if !(value.is_i64() || value.is_u64()) => "a whole number",
        "number" if !value.is_number() => "a number",
        "boolean" if !value.is_boolean() => "true or false",
        "array" if !value.is_array() => "a list",
        "object" if !value.is_object() => "an object",
        _ => return not_allowed(schema, value),
    };
    Some(format!("must be {expected}, not {}", kind(value)))
}

fn not_a_date(value: &Value) -> Option<String> {
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    match value.as_str().map(|text| time::Date::parse(text, iso)) {
        Some(Ok(_)) => None,
        _ => Some("must be a real date written YYYY-MM-DD".to_owned()),
    }
}

fn not_allowed(schema: &MetaSchema, value: &Value) -> Option<String> {
    if schema.enum_items.is_empty() || schema.enum_items.contains(value) {
        return None;
    }
    let allowed: Vec<String> = schema
        .enum_items
        .iter()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect();
    Some(format!("must be one of: {}", allowed.join(", ")))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::Object;
    use serde_json::json;

    use super::*;

    /// A kind of thing, for the tests.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
    #[oai(rename_all = "snake_case")]
    enum Shape {
        Round,
        Square,
    }

    #[derive(Debug, Object)]
    struct Sample {
        /// A day.
        on: time::Date,
        /// A shape.
        shape: Shape,
        count: Option<i64>,
        #[oai(default)]
        parts: Vec<Part>,
        #[oai(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, Object)]
    struct Part {
        due: Option<time::Date>,
        shape: Shape,
    }

    fn wrong(body: Value) -> Option<(String, String)> {
        let mut registry = Registry::new();
        Sample::register(&mut registry);
        let Value::Object(fields) = body else {
            return None;
        };
        wrong_field(&registry, &Sample::schema_ref(), &fields).map(|p| (p.field, p.message))
    }

    #[test]
    fn the_first_field_of_the_wrong_kind_is_named() {
        let named = |field: &str, message: &str| Some((field.to_owned(), message.to_owned()));
        assert_eq!(
            wrong(json!({"on": 3, "shape": "round"})),
            named("on", "must be a real date written YYYY-MM-DD")
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-30", "shape": "round"})),
            named("on", "must be a real date written YYYY-MM-DD")
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": "oval"})),
            named("shape", "must be one of: round, square")
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": "round", "count": 1.5})),
            named(
                "count",
                "must be a whole number, not a number with a fraction"
            )
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": null})),
            named("shape", "must not be null")
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": "round", "count": null})),
            None
        );
    }

    #[test]
    fn a_field_inside_a_list_is_named_by_its_path() {
        let named = |field: &str, message: &str| Some((field.to_owned(), message.to_owned()));
        let ok = json!({"due": "2025-02-03", "shape": "round"});
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": "round",
                "parts": [ok, {"due": "2025-02-30", "shape": "round"}]})),
            named("parts[1].due", "must be a real date written YYYY-MM-DD")
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": "round", "parts": [{"shape": "oval"}]})),
            named("parts[0].shape", "must be one of: round, square")
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": "round", "tags": ["a", 7]})),
            named("tags[1]", "must be text, not a number")
        );
        assert_eq!(
            wrong(json!({"on": "2025-02-03", "shape": "round", "parts": [ok], "tags": ["a"]})),
            None
        );
    }
}
