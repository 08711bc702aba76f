//! JSON integers that arrive written with a zero fraction (`229.0`).
//! JSON Schema counts such a number as an integer, so a client generated
//! from the OpenAPI document may send one; serde refuses it for an `i32`.
//! Use on integer fields of request bodies:
//! `#[serde(default, deserialize_with = "whole::option")]`.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
}

fn to<T: TryFrom<i64>, E: serde::de::Error>(number: Number) -> Result<T, E> {
    let whole = match number {
        Number::Int(n) => Some(n),
        // Saturating; a value out of `T`'s range fails just below.
        Number::Float(f) if f.fract() == 0.0 => Some(f as i64),
        Number::Float(_) => None,
    };
    whole
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| E::custom("expected a whole number in range"))
}

/// An optional whole number.
pub fn option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    Option::<Number>::deserialize(deserializer)?
        .map(to)
        .transpose()
}

/// A list of whole numbers.
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    Vec::<Number>::deserialize(deserializer)?
        .into_iter()
        .map(to)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::option")]
        id: Option<i32>,
        #[serde(default, deserialize_with = "super::list")]
        ids: Vec<i32>,
    }

    #[test]
    fn zero_fractions_are_read_and_others_refused() {
        let b: Body = serde_json::from_str(r#"{"id": 229.0, "ids": [1, 2.0]}"#).unwrap();
        assert_eq!((b.id, b.ids), (Some(229), vec![1, 2]));
        let b: Body = serde_json::from_str(r#"{"id": null}"#).unwrap();
        assert_eq!(b.id, None);
        assert!(serde_json::from_str::<Body>(r#"{"id": 1.5}"#).is_err());
        assert!(serde_json::from_str::<Body>(r#"{"id": 3000000000}"#).is_err());
        assert!(serde_json::from_str::<Body>(r#"{"ids": ["1"]}"#).is_err());
    }
}
