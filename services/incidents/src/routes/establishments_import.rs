//! `/api/v1/establishments/import`: registering or updating many establishments at once.

use actix_web::{HttpRequest, HttpResponse, post, web};
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::extract::Query;
use shared::idempotency::WriteParams;
use shared::jobs::BulkResponse;
use shared::jobs::bulk;
use shared::routes::jobs::JobResponse;

use super::dto::CreateEstablishmentRequest;
use crate::service::establishments::import;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_establishments);
}

/// Import establishments
///
/// Nhập hàng loạt cơ sở sản xuất, kinh doanh (`admin`, `labor_authority`). The body is a
/// JSON array or NDJSON of registrations as `POST /establishments` takes them (without
/// `external_ref`), or a UTF-8 CSV with a header row, up to 32 MiB. CSV headers are the
/// field names (`tax_code`, `headcount.total`…) or their Vietnamese names: `Mã số thuế`
/// → `tax_code`, `Tên cơ sở` → `name`, `Mã ngành` → `vsic_code`, `Loại hình` →
/// `ownership_type`, `Mã xã` → `commune_code`, `Địa chỉ` → `address`, `Tổng số lao động`
/// → `headcount.total`, `Lao động nữ` → `headcount.female`, `Lao động nặng nhọc, độc hại`
/// → `headcount.hazardous`, `Mã đơn vị BHXH` → `bhxh_unit_code`.
///
/// Each row is checked by the rules of a single registration. A new tax code is
/// `created`; a registered one is `updated` (a revision with reason "Nhập hàng loạt") or
/// `unchanged`; a row that breaks a rule is `rejected` with problems pointing at it
/// (`/3/tax_code`). Up to the configured size (1,000 rows by default) the answer comes
/// at once; a larger batch is stored and runs as a job (`202`, `Location:
/// /api/v1/jobs/{id}`), 500 rows a transaction. Each transaction announces what it
/// created or changed in one `establishments.imported` event (a single registration or
/// change announces `establishment.upserted`). `?dry_run=true` checks everything and
/// writes nothing.
#[utoipa::path(
    tag = "establishments",
    params(WriteParams),
    request_body(
        description = "Registrations as a JSON array, NDJSON (one object a line) or CSV",
        content(
            (Vec<CreateEstablishmentRequest> = "application/json", example = json!([
                {"tax_code": "4800123456", "name": "Công ty TNHH Xây dựng Nguyên Bình",
                 "vsic_code": "4100", "ownership_type": "2", "commune_code": "01273",
                 "headcount": {"total": 45, "female": 6, "hazardous": 30}},
                {"tax_code": "4800234565", "name": "Hợp tác xã Chè Phja Đén",
                 "vsic_code": "0127", "ownership_type": "4", "commune_code": "01279",
                 "headcount": {"total": 18, "female": 11, "hazardous": 0}}
            ])),
            (String = "application/x-ndjson", example = json!(concat!(
                r#"{"tax_code":"4800123456","name":"Công ty TNHH Xây dựng Nguyên Bình","vsic_code":"4100","ownership_type":"2","commune_code":"01273","headcount":{"total":45,"female":6,"hazardous":30}}"#, "\n",
                r#"{"tax_code":"4800234565","name":"Hợp tác xã Chè Phja Đén","vsic_code":"0127","ownership_type":"4","commune_code":"01279","headcount":{"total":18,"female":11,"hazardous":0}}"#, "\n"
            ))),
            (String = "text/csv", example = json!(concat!(
                "Mã số thuế,Tên cơ sở,Mã ngành,Loại hình,Mã xã,Tổng số lao động,Lao động nữ,\"Lao động nặng nhọc, độc hại\"\n",
                "4800123456,Công ty TNHH Xây dựng Nguyên Bình,4100,2,01273,45,6,30\n",
                "4800234565,Hợp tác xã Chè Phja Đén,0127,4,01279,18,11,0\n"
            ))),
        )
    ),
    responses(
        (status = 200, description = "Applied (or checked, in a dry run): a result per row and a summary", body = BulkResponse),
        (status = 202, description = "A large batch, running as a job", body = JobResponse,
            headers(("Location" = String, description = "The job, `/api/v1/jobs/{id}`"))),
    )
)]
#[post("/establishments/import")]
pub async fn import_establishments(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    crate::access::check("import_establishments", &user)?;
    bulk::submit(
        &req,
        payload,
        &db,
        user.principal(),
        import::KIND,
        import::COLUMNS,
        import::run,
        params.dry_run,
    )
    .await
}
