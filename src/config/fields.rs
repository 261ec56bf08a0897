//! The keys a settings group reads from the config file, as serde names them: asked of the group's
//! own `Deserialize`, so that a key is never listed twice (a skipped field is not a key).

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// The fields `T` asks for; empty unless `T` is a struct with named fields.
pub fn of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut asked = Asked(&[]);
    let _ = T::deserialize(&mut asked);
    asked.0
}

/// A deserializer that only notes which fields a struct asks for, then stops.
struct Asked(&'static [&'static str]);

impl<'de> Deserializer<'de> for &mut Asked {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = fields;
        Err(de::Error::custom("only the field names are asked for"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only the field names are asked for"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}
