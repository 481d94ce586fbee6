//! Reading GraphQL requests off HTTP: GET parameters and JSON bodies, strictly.

use async_graphql::{Request, Variables};
use serde::Deserialize;
use serde_json::Value;

use crate::platform::error::{AppError, Limit};

/// GET parameters: `variables` and `extensions` arrive as JSON text.
#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn json_object(name: &str, text: Option<&str>) -> Result<Option<Value>, AppError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(Some(value)),
        Ok(Value::Null) => Ok(None),
        _ => Err(AppError::BadRequest(format!(
            "{name} must be a JSON object"
        ))),
    }
}

pub fn parse_get(query: &str) -> Result<Request, AppError> {
    let params: GetParams = serde_urlencoded::from_str(query)
        .map_err(|e| AppError::BadRequest(format!("invalid GraphQL GET parameters: {e}")))?;
    let mut request = Request::new(params.query.unwrap_or_default());
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = json_object("variables", params.variables.as_deref())? {
        request = request.variables(Variables::from_json(variables));
    }
    if let Some(Value::Object(extensions)) =
        json_object("extensions", params.extensions.as_deref())?
    {
        for (key, value) in extensions {
            request.extensions.insert(
                key,
                async_graphql::Value::from_json(value).unwrap_or_default(),
            );
        }
    }
    Ok(request)
}

/// A JSON object is one request, a JSON array of objects a batch; anything else is refused
/// (serde alone would read `[]` as a request with every field defaulted).
pub fn parse_body(body: &[u8], max_batch: usize) -> Result<(Vec<Request>, bool), AppError> {
    let invalid = |e: serde_json::Error| {
        AppError::BadRequest(format!(
            "request body is not a valid GraphQL JSON request: {e}"
        ))
    };
    let value: Value = serde_json::from_slice(body).map_err(invalid)?;
    let single = |v: Value| -> Result<Request, AppError> {
        let Value::Object(map) = &v else {
            return Err(AppError::BadRequest(
                "each GraphQL request must be a JSON object".into(),
            ));
        };
        for (key, expected) in [("variables", "an object"), ("extensions", "an object")] {
            if map.get(key).is_some_and(|x| !x.is_object() && !x.is_null()) {
                return Err(AppError::BadRequest(format!("{key} must be {expected}")));
            }
        }
        if map
            .get("operationName")
            .is_some_and(|x| !x.is_string() && !x.is_null())
        {
            return Err(AppError::BadRequest(
                "operationName must be a string".into(),
            ));
        }
        serde_json::from_value(v).map_err(invalid)
    };
    match value {
        Value::Array(items) => {
            if max_batch == 0 {
                return Err(AppError::limit(
                    Limit::BatchSize,
                    "batched requests are disabled",
                ));
            }
            if items.is_empty() || items.len() > max_batch {
                return Err(AppError::limit(
                    Limit::BatchSize,
                    format!("a batch must hold 1 to {max_batch} operations"),
                ));
            }
            Ok((
                items.into_iter().map(single).collect::<Result<_, _>>()?,
                true,
            ))
        }
        other => Ok((vec![single(other)?], false)),
    }
}
