//! A JSON string that is only ever a string. poem-openapi's `String` quietly
//! accepts numbers and booleans (`"title": 5` becomes `"5"`); input fields
//! use this type instead, so a wrong type is a 400 that says so.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Type for Text {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(std::iter::once(&self.0))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => Ok(Self(s)),
            Some(other) => Err(ParseError::custom(format!(
                "expected a string, found {}",
                json_kind(&other)
            ))),
            None => Err(ParseError::expected_input()),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_strings_parse() {
        assert_eq!(
            Text::parse_from_json(Some(Value::from("x"))).unwrap(),
            Text("x".into())
        );
        for bad in [
            Value::from(5),
            Value::from(true),
            Value::Null,
            serde_json::json!([]),
        ] {
            assert!(Text::parse_from_json(Some(bad)).is_err());
        }
        assert!(Text::parse_from_json(None).is_err());
    }
}
