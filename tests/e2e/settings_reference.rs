//! The README's settings table is the configuration reference: every key of
//! `shared::config::Settings` is in it as `APP__SECTION__KEY`, and it names no key
//! that does not exist. The keys are read from the settings structs themselves, by
//! walking their serde representation with a deserializer that records each field it
//! is asked for, so a new setting cannot be forgotten.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde::de::value::{Error, SeqDeserializer, StrDeserializer};
use serde::de::{DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};

/// Answers every request with an empty or zero value, and records the path of each
/// field that is not itself a section.
struct Recorder<'a> {
    path: String,
    keys: &'a RefCell<BTreeSet<String>>,
}

impl Recorder<'_> {
    fn leaf(&self) {
        self.keys.borrow_mut().insert(self.path.clone());
    }
}

macro_rules! leaf {
    ($($method:ident => $visit:ident($($value:expr)?)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.leaf();
            visitor.$visit($($value)?)
        })*
    };
}

impl<'de> Deserializer<'de> for Recorder<'_> {
    type Error = Error;

    leaf! {
        deserialize_any => visit_unit(),
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i64(0),
        deserialize_i16 => visit_i64(0),
        deserialize_i32 => visit_i64(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u64(0),
        deserialize_u16 => visit_u64(0),
        deserialize_u32 => visit_u64(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f64(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char('x'),
        deserialize_str => visit_str(""),
        deserialize_string => visit_str(""),
        deserialize_bytes => visit_bytes(b""),
        deserialize_byte_buf => visit_bytes(b""),
        deserialize_unit => visit_unit(),
        deserialize_identifier => visit_str(""),
        deserialize_ignored_any => visit_unit(),
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.leaf();
        visitor.visit_seq(SeqDeserializer::<_, Error>::new(
            Vec::<String>::new().into_iter(),
        ))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.leaf();
        visitor.visit_map(Fields {
            path: self.path,
            fields: &[],
            keys: self.keys,
        })
    }

    /// A struct is a section: its fields are walked, not recorded themselves.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_map(Fields {
            path: self.path,
            fields,
            keys: self.keys,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(serde::de::Error::custom(format!(
            "{}: an enum setting; teach this test to walk it",
            self.path
        )))
    }
}

/// Hands a struct's fields to its visitor one by one, each value a [`Recorder`].
struct Fields<'a> {
    path: String,
    fields: &'static [&'static str],
    keys: &'a RefCell<BTreeSet<String>>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(field) = self.fields.first() else {
            return Ok(None);
        };
        let key: StrDeserializer<'_, Error> = field.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (field, rest) = self.fields.split_first().unwrap();
        self.fields = rest;
        seed.deserialize(Recorder {
            path: format!("{}__{}", self.path, field.to_ascii_uppercase()),
            keys: self.keys,
        })
    }
}

/// Every `APP__SECTION__KEY` that `Settings` reads.
fn settings_keys() -> BTreeSet<String> {
    let keys = RefCell::new(BTreeSet::new());
    shared::config::Settings::<shared::config::NoExtra>::deserialize(Recorder {
        path: "APP".into(),
        keys: &keys,
    })
    .unwrap_or_else(|e| panic!("walking the settings: {e}"));
    keys.into_inner()
}

/// The keys named in the first column of the README's `| setting | default | meaning |` table.
fn readme_keys() -> BTreeSet<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| setting | default | meaning |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(
        !table.is_empty(),
        "README.md has no `| setting | default | meaning |` table"
    );
    let mut keys = BTreeSet::new();
    for row in table {
        let first = row
            .trim_start_matches('|')
            .split('|')
            .next()
            .unwrap_or_default();
        let named: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
        assert!(!named.is_empty(), "a settings row names no key: {row}");
        for key in named {
            assert!(
                key.starts_with("APP__") && !key.contains('…'),
                "write each key in full, one a row: {key:?} in {row}"
            );
            keys.insert(key.to_owned());
        }
    }
    keys
}

#[test]
fn the_readme_settings_table_lists_every_setting_and_nothing_else() {
    let actual = settings_keys();
    // The walk itself is checked on keys known to exist, nested and optional ones.
    for known in [
        "APP__DATABASE__URL",
        "APP__AUTH__JWKS_PATH",
        "APP__EVENTS__INBOUND_SECRETS",
        "APP__UPSTREAMS__HEALTH_STATS",
    ] {
        assert!(actual.contains(known), "{known} not derived: {actual:?}");
    }
    let documented = readme_keys();
    let missing: Vec<&String> = actual.difference(&documented).collect();
    let unknown: Vec<&String> = documented.difference(&actual).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "README.md settings table: missing {missing:?}; names settings that do not exist {unknown:?}"
    );
}
