//! The API's shapes of domain values: enums and objects that the OpenAPI
//! document describes, each with conversions to and from the domain type it
//! shows. The domain knows nothing of poem-openapi; the names the document
//! uses are kept with `#[oai(rename = …)]`.

pub mod audit;
pub mod objective;
pub mod profile;
pub mod readiness;
pub mod record;
pub mod reflection;
pub mod supervision;

/// An API enum mirroring a domain enum variant for variant, with `From`
/// both ways. The matches are exhaustive, so a variant added to the domain
/// enum fails to compile until the view has it too.
macro_rules! enum_view {
    (
        $(#[$meta:meta])*
        pub enum $view:ident mirrors $domain:ident {
            $($(#[$vmeta:meta])* $variant:ident,)*
        }
    ) => {
        $(#[$meta])*
        pub enum $view {
            $($(#[$vmeta])* $variant,)*
        }

        impl From<$domain> for $view {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => Self::$variant,)*
                }
            }
        }

        impl From<$view> for $domain {
            fn from(value: $view) -> Self {
                match value {
                    $($view::$variant => Self::$variant,)*
                }
            }
        }
    };
}

use enum_view;
