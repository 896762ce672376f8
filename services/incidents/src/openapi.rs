//! The service's OpenAPI document; paths are collected from the route annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(tags(
    (name = "establishments", description = "Cơ sở sản xuất, kinh doanh: the establishments registry."),
    (name = "code-lists", description = "Danh mục: reference code lists."),
))]
pub struct ApiDoc;
