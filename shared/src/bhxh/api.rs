//! The HTTP side of a BHXH exchange that both services answer with: the feed's paging
//! and the benefit-decision operations ([`bhxh_decisions_api!`](crate::bhxh_decisions_api)).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::exchange::{ItemOutcome, ItemResult};
use crate::error::{ApiError, FieldError, ProblemFieldError, Text};
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};

/// Paging of a change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// `next_cursor` of the previous page; none to start from the beginning.
    pub cursor: Option<String>,
    /// Changes per page (default 50, at most 500).
    pub limit: Option<i64>,
    /// `true` adds `total`, the changes in the whole feed.
    pub total: Option<bool>,
}

impl FeedParams {
    /// The limit of a feed page, checked like every list's.
    pub fn limit(&self) -> Result<i64, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if (1..=MAX_LIMIT).contains(&limit) {
            Ok(limit)
        } else {
            Err(ApiError::bad_parameter(
                "limit",
                "invalid_limit",
                Text::new(
                    format!("limit phải từ 1 đến {MAX_LIMIT}."),
                    format!("limit must be between 1 and {MAX_LIMIT}."),
                ),
            ))
        }
    }
}

/// Counts of a batch, named as the import's summary names them.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct BatchSummary {
    /// Decisions received.
    pub total: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Stored decisions whose case reference matched no record of the person.
    pub unmatched: usize,
}

/// The counts of a batch, and an item of the answer per outcome made by `item` (which
/// is also told whether the stored decision matched a record; none when rejected).
pub fn summarise<T>(
    outcomes: &[ItemOutcome],
    item: impl Fn(&ItemOutcome, Option<bool>) -> T,
) -> (BatchSummary, Vec<T>) {
    let mut summary = BatchSummary {
        total: outcomes.len(),
        ..BatchSummary::default()
    };
    let items = outcomes
        .iter()
        .map(|o| {
            match o.result {
                ItemResult::Created => summary.created += 1,
                ItemResult::Updated => summary.updated += 1,
                ItemResult::Unchanged => summary.unchanged += 1,
                ItemResult::Rejected => summary.rejected += 1,
            }
            let matched = o.decision.as_ref().map(|d| d.subject_id.is_some());
            if matched == Some(false) {
                summary.unmatched += 1;
            }
            item(o, matched)
        })
        .collect();
    (summary, items)
}

/// A batch item's problems as every bulk answer gives them (the import's items too):
/// none when there are none, else each with its pointer, stable code and message in
/// the caller's language.
#[must_use]
pub fn problems(errors: &[FieldError]) -> Option<Vec<ProblemFieldError>> {
    if errors.is_empty() {
        return None;
    }
    ApiError::validation(errors.to_vec())
        .problem(crate::context::current().lang, None, None)
        .errors
}

/// The benefit-decision operations of one service's exchange: the types of their
/// answers and the two handlers, `receive_bhxh_benefit_decisions` and
/// `list_bhxh_benefit_decisions`.
///
/// A macro rather than generic types because what differs between the services is
/// what their OpenAPI documents publish: the names of the schemas (`DecisionResult`,
/// `DiseaseDecisionResult`, ...) and of the field that links a decision to its record
/// (`casualty_id`, `case_id`); utoipa derives a schema's name and fields from a
/// concrete type. Everything else is in [`crate::bhxh::exchange`] and here.
///
/// The caller's module must have `actix_web::{get, post}` in scope (utoipa reads the
/// path from those attributes; the paths in utoipa's attributes name this crate
/// `shared`, as the workspace does), and gives: the [`Subject`](crate::bhxh::exchange::Subject),
/// the field name, the names of the schemas, the problem type of a rejected item with
/// the function that makes them, and each handler's doc comment (its OpenAPI summary
/// and description).
#[macro_export]
macro_rules! bhxh_decisions_api {
    (
        subject: $subject:ty,
        field: $field:ident,
        result: $result:ident,
        batch: $batch:ident,
        view: $view:ident,
        list: $list:ident,
        $(#[doc = $receive_doc:tt])*
        receive,
        $(#[doc = $list_doc:tt])*
        list $(,)?
    ) => {
        /// The result of one decision of a batch.
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $result {
            /// Position in the batch, from 0.
            pub index: usize,
            pub decision_number: Option<String>,
            /// `created`, `updated`, `unchanged` or `rejected`, as for every bulk item.
            pub status: $crate::jobs::ItemStatus,
            /// The stored decision's id (none when rejected).
            pub id: Option<String>,
            /// `false` when the case reference names no record of this person: the
            /// decision is kept and shows in the reconciliation.
            pub matched: Option<bool>,
            /// Why it was rejected, with pointers into the batch (`/3/personal_id`);
            /// absent otherwise.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub problems: Option<Vec<$crate::error::ProblemFieldError>>,
        }

        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $batch {
            pub items: Vec<$result>,
            pub summary: $crate::bhxh::api::BatchSummary,
        }

        fn render_batch(
            outcomes: &[$crate::bhxh::exchange::ItemOutcome],
        ) -> Result<$crate::idempotency::StoredResponse, $crate::error::ApiError> {
            let (summary, items) = $crate::bhxh::api::summarise(outcomes, |o, matched| $result {
                index: o.index,
                decision_number: o.decision_number.clone(),
                status: o.result.status(),
                id: o.decision.as_ref().map(|d| d.id.clone()),
                matched,
                problems: $crate::bhxh::api::problems(&o.errors),
            });
            $crate::idempotency::StoredResponse::new(
                actix_web::http::StatusCode::OK,
                &$batch { items, summary },
            )
        }

        $(#[doc = $receive_doc])*
        #[utoipa::path(
            tag = "exchange-bhxh",
            params(
                shared::idempotency::WriteParams,
                ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")
            ),
            request_body(content = Vec<shared::bhxh::BenefitDecision>, example = json!([{
                "decision_number": "152/QĐ-BHXH",
                "decision_date": "2026-03-20",
                "personal_id": "004090001234",
                "case_reference": "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11",
                "capacity_loss_percent": 21,
                "benefit_type": "one_time",
                "amount_vnd": 30420000,
                "status": "issued"
            }])),
            responses((status = 200, description = "A result per decision and a summary", body = $batch))
        )]
        #[post("/exchange/bhxh/benefit-decisions")]
        pub async fn receive_bhxh_benefit_decisions(
            req: actix_web::HttpRequest,
            user: $crate::auth::AuthUser,
            db: actix_web::web::Data<$crate::db::Db>,
            params: $crate::extract::Query<$crate::idempotency::WriteParams>,
            body: $crate::extract::Json<Vec<$crate::extract::Unchecked>>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            let idempotent = $crate::idempotency::IdempotentRequest::from_request(
                &req,
                &user.principal(),
                &body.sha256,
            )?;
            let outcome = $crate::bhxh::exchange::receive_decisions::<$subject>(
                &db,
                &user,
                body.body.into_iter().map(|item| item.0).collect(),
                idempotent,
                params.dry_run,
                render_batch,
            )
            .await?;
            Ok(outcome.into_response())
        }

        /// A benefit decision as stored.
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $view {
            pub id: String,
            pub decision_number: String,
            pub decision_date: chrono::NaiveDate,
            pub personal_id: String,
            pub case_reference: String,
            /// The record the decision is linked to; `null` when unmatched.
            pub $field: Option<String>,
            pub matched: bool,
            pub capacity_loss_percent: Option<i64>,
            pub benefit_type: String,
            pub amount_vnd: i64,
            pub status: String,
            pub version: i64,
            pub received_at: chrono::DateTime<chrono::Utc>,
            pub updated_at: chrono::DateTime<chrono::Utc>,
        }

        impl From<$crate::bhxh::store::DecisionRow> for $view {
            fn from(r: $crate::bhxh::store::DecisionRow) -> Self {
                Self {
                    matched: r.subject_id.is_some(),
                    id: r.id,
                    decision_number: r.decision_number,
                    decision_date: r.decision_date,
                    personal_id: r.personal_id,
                    case_reference: r.case_reference,
                    $field: r.subject_id,
                    capacity_loss_percent: r.capacity_loss_percent,
                    benefit_type: r.benefit_type,
                    amount_vnd: r.amount_vnd,
                    status: r.status,
                    version: r.version,
                    received_at: r.created_at.and_utc(),
                    updated_at: r.updated_at.and_utc(),
                }
            }
        }

        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $list {
            pub items: Vec<$view>,
            pub next_cursor: Option<String>,
            /// Items matching the filters over all pages; only with `?total=true`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub total: Option<i64>,
        }

        /// Filters of the decision list.
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct ListDecisionsParams {
            /// `true`: only decisions that match no record; `false`: only linked ones.
            pub unmatched: Option<bool>,
            /// Decisions linked to this record.
            pub $field: Option<uuid::Uuid>,
            pub limit: Option<i64>,
            pub cursor: Option<String>,
            /// `true` adds `total`, the items matching the filters over all pages.
            pub total: Option<bool>,
        }

        $(#[doc = $list_doc])*
        #[utoipa::path(
            tag = "exchange-bhxh",
            params(ListDecisionsParams),
            responses((status = 200, description = "A page of decisions", body = $list))
        )]
        #[get("/exchange/bhxh/benefit-decisions")]
        pub async fn list_bhxh_benefit_decisions(
            user: $crate::auth::AuthUser,
            db: actix_web::web::Data<$crate::db::Db>,
            params: $crate::extract::Query<ListDecisionsParams>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            let p = params.into_inner();
            let page = $crate::pagination::Page::parse(p.limit, p.cursor.as_deref())?
                .with_total(p.total);
            let filter = $crate::bhxh::store::DecisionFilter {
                unmatched: p.unmatched,
                subject_id: p.$field.map(|c| c.to_string()),
                ..$crate::bhxh::store::DecisionFilter::default()
            };
            let page =
                $crate::bhxh::exchange::list_decisions::<$subject>(&db, &user, filter, page)
                    .await?;
            let items = page.items.into_iter().map($view::from).collect();
            Ok(actix_web::HttpResponse::Ok().json($list {
                items,
                next_cursor: page.next_cursor,
                total: page.total,
            }))
        }
    };
}
