//! The service's OpenAPI document; paths are collected from the route annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(tags(
    (name = "health-exam-reports", description = "Báo cáo y tế lao động: employers' occupational-health reports."),
    (name = "occupational-disease-cases", description = "Bệnh nghề nghiệp: the occupational-disease case registry."),
    (name = "health-statistics", description = "Thống kê sức khỏe: health statistics and the +5 %/year target."),
    (name = "monitoring-reports", description = "Quan trắc môi trường lao động: work-environment monitoring reports."),
    (name = "monitoring-statistics", description = "Thống kê quan trắc: monitoring statistics."),
    (name = "code-lists", description = "Danh mục: reference code lists."),
    (name = "exchange-bhxh", description = "Trao đổi dữ liệu với BHXH: diagnosed disease cases and benefit decisions (insurer)."),
))]
pub struct ApiDoc;
