//! Custom scalars: `Amount`, money as a decimal string (see `platform::money`).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

use crate::platform::money::Amount;

// The GraphQL face of `Amount`; parse errors name the type (BAD_USER_INPUT).
#[Scalar(name = "Amount")]
impl ScalarType for Amount {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Amount::parse(s).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_decimal_string())
    }
}
