//! Schemas the platform's generated OpenAPI document cannot derive (feature `openapi`).

/// States that a type travels as a JSON string (hex, a code), for a type whose serde impl is written by
/// hand: `string_schema!(Digest, "SHA-256, 64 hex digits");`.
#[macro_export]
macro_rules! string_schema {
    ($t:ty, $description:expr) => {
        impl utoipa::PartialSchema for $t {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($description))
                    .into()
            }
        }
        impl utoipa::ToSchema for $t {}
    };
}
