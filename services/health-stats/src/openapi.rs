//! The service's OpenAPI document; paths are collected from the route annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi()]
pub struct ApiDoc;
