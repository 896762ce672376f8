//! The service's OpenAPI document; paths are collected from the route annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(tags(
    (name = "establishments", description = "Cơ sở sản xuất, kinh doanh: the establishments registry."),
    (name = "accidents", description = "Tai nạn lao động: accident declarations, casualties and investigations."),
    (name = "accident-reports", description = "Báo cáo định kỳ tình hình TNLĐ: periodic accident reports and filing status."),
    (name = "accident-statistics", description = "Thống kê tai nạn lao động: accident statistics and rates."),
    (name = "statutory-reports", description = "Báo cáo của tỉnh theo Nghị định 39/2016/NĐ-CP: the province's periodic forms (Phụ lục XIV, XV) and the quick report of each grave accident (Phụ lục XIII)."),
    (name = "code-lists", description = "Danh mục: reference code lists."),
    (name = "technical-incidents", description = "Sự cố kỹ thuật gây mất ATVSLĐ nghiêm trọng: serious technical incidents and their investigation."),
    (name = "exchange-bhxh", description = "Trao đổi dữ liệu với BHXH: confirmed accident cases, benefit decisions and reconciliation (insurer)."),
))]
pub struct ApiDoc;
