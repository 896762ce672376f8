//! The service's OpenAPI document; paths are collected from the route annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(tags(
    (name = "agencies", description = "Cơ quan, đơn vị: the agencies the plan assigns."),
    (name = "plans", description = "Kế hoạch: plans, their targets and KPIs."),
    (name = "tasks", description = "Nhiệm vụ: tasks and their assignments."),
    (name = "plan-reports", description = "Báo cáo tình hình thực hiện: the agencies' six-month and annual reports."),
    (name = "data-sets", description = "Bộ chỉ tiêu: the plan's activity indicators, who reports them, and their totals."),
    (name = "compliance", description = "Tình hình báo cáo: who reported, and where each task stands."),
    (name = "code-lists", description = "Danh mục: the codes the API takes, with their names."),
    (name = "reminders", description = "Nhắc hạn báo cáo: reminders before and after each due date."),
))]
pub struct ApiDoc;
