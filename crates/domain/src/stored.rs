//! `stored_enum!`: a closed set of values stored and sent as lowercase text.

/// Declares an enum whose variants are stored as fixed text: `as_str` for writing, `TryFrom<String>`
/// for decoding a row (an unknown value is an error, not a default), serde as the same text.
#[macro_export]
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and wire text.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Exactly the stored text (what the database holds), nothing else.
            #[must_use]
            pub fn from_stored(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::DomainError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::from_stored(&text).ok_or_else(|| {
                    $crate::DomainError::new(format!(
                        concat!("not a stored ", stringify!($name), ": {:?}"),
                        text
                    ))
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::from_stored(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("not a ", stringify!($name), ": {:?}"),
                        text
                    ))
                })
            }
        }
    };
}
