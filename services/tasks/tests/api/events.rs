//! Events received from incidents: a grave accident opens a follow-up task, and its
//! overdue investigation marks that task overdue, whatever order they arrive in.

use serde_json::{Value, json};
use shared::testing::TestService;

use crate::helpers::json_of;

const SECRET: &str = "shared-secret";

async fn spawn() -> TestService {
    TestService::spawn_with(&tasks::SERVICE, |s| {
        s.events.inbound_secrets = vec![SECRET.into()];
    })
    .await
    .unwrap()
}

/// Delivers an event as the dispatcher does; the status code and the body.
async fn deliver(svc: &TestService, kind: &str, accident: &str, data: Value) -> (u16, Value) {
    let envelope = json!({
        "id": uuid::Uuid::now_v7().to_string(), "type": kind,
        "occurred_at": "2026-11-28T10:00:00Z", "source": "incidents", "subject": accident,
        "data": data
    });
    let body = serde_json::to_vec(&envelope).unwrap();
    let res = svc
        .client
        .post(svc.url("/internal/v1/events"))
        .header("content-type", "application/json")
        .header("x-atvsld-signature", shared::events::sign(SECRET, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, json_of(res).await)
}

fn declared(requires_immediate_declaration: bool) -> Value {
    json!({
        "commune_code": "01273", "occurred_at": "2026-10-01T02:00:00Z", "case_severity": "fatal",
        "fatal": 1, "serious": 0, "requires_immediate_declaration": requires_immediate_declaration,
        "investigation_deadline": "2026-10-31T02:00:00Z"
    })
}

fn overdue(requires_immediate_declaration: bool) -> Value {
    json!({
        "investigation_deadline": "2026-10-31T02:00:00Z", "investigation_level": "provincial",
        "requires_immediate_declaration": requires_immediate_declaration
    })
}

/// The follow-up task of `accident`, from the task list.
async fn follow_up(svc: &TestService, accident: &str) -> Option<Value> {
    let token = svc.token(shared::auth::Role::Admin, None);
    let list = json_of(
        svc.client
            .get(svc.url("/api/v1/tasks?agency=SNV"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let source_ref = format!("incidents:accident:{accident}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source_ref"] == source_ref.as_str())
        .cloned()
}

#[tokio::test]
async fn an_overdue_investigation_marks_its_follow_up_task_overdue() {
    let svc = spawn().await;
    let accident = uuid::Uuid::now_v7().to_string();
    let (status, _) = deliver(&svc, "accident.declared", &accident, declared(true)).await;
    assert_eq!(status, 200);
    let task = follow_up(&svc, &accident).await.expect("a follow-up task");
    assert_eq!(task["overdue_since"], Value::Null);
    assert_eq!(task["due_on"], "2026-10-31");

    let (status, body) = deliver(
        &svc,
        "accident.investigation_overdue",
        &accident,
        overdue(true),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")));
    let task = follow_up(&svc, &accident).await.unwrap();
    assert_eq!(task["overdue_since"], "2026-11-28T10:00:00Z");
}

#[tokio::test]
async fn an_overdue_event_before_its_declaration_is_refused_until_the_task_exists() {
    let svc = spawn().await;
    let accident = uuid::Uuid::now_v7().to_string();
    let (status, body) = deliver(
        &svc,
        "accident.investigation_overdue",
        &accident,
        overdue(true),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "follow_up_task_not_yet_known");
    assert!(follow_up(&svc, &accident).await.is_none());

    // The declaration arrives, then the dispatcher's retry of the overdue event.
    assert_eq!(
        deliver(&svc, "accident.declared", &accident, declared(true))
            .await
            .0,
        200
    );
    assert_eq!(
        deliver(
            &svc,
            "accident.investigation_overdue",
            &accident,
            overdue(true)
        )
        .await
        .0,
        200
    );
    let task = follow_up(&svc, &accident).await.unwrap();
    assert!(task["overdue_since"].is_string(), "{task}");
}

#[tokio::test]
async fn an_overdue_accident_without_a_follow_up_task_is_ignored() {
    let svc = spawn().await;
    let accident = uuid::Uuid::now_v7().to_string();
    let (status, body) = deliver(
        &svc,
        "accident.investigation_overdue",
        &accident,
        overdue(false),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")));
    assert!(follow_up(&svc, &accident).await.is_none());
}

/// Every follow-up task of `accident` (there must never be more than one).
async fn follow_ups(svc: &TestService, accident: &str) -> usize {
    let token = svc.token(shared::auth::Role::Admin, None);
    let list = json_of(
        svc.client
            .get(svc.url("/api/v1/tasks?agency=SNV"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let source_ref = format!("incidents:accident:{accident}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source_ref"] == source_ref.as_str())
        .count()
}

#[tokio::test]
async fn an_escalated_case_opens_its_follow_up_task_once_whatever_announced_it_first() {
    let svc = spawn().await;
    // Made grave by a severity raise: the escalation opens the task.
    let escalated = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        deliver(&svc, "accident.declared", &escalated, declared(false))
            .await
            .0,
        200
    );
    assert_eq!(follow_ups(&svc, &escalated).await, 0);
    let (status, body) = deliver(&svc, "accident.escalated", &escalated, declared(true)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")));
    assert_eq!(follow_ups(&svc, &escalated).await, 1);
    let task = follow_up(&svc, &escalated).await.unwrap();
    assert_eq!(task["due_on"], "2026-10-31");

    // The same escalation published again under a new event id (not an inbox
    // duplicate) and a grave declaration of the same accident open nothing more.
    for kind in ["accident.escalated", "accident.declared"] {
        let (status, body) = deliver(&svc, kind, &escalated, declared(true)).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("processed")),
            "{kind}"
        );
    }
    assert_eq!(follow_ups(&svc, &escalated).await, 1);

    // Grave at declaration, then announced as escalated as well: still one task.
    let grave = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        deliver(&svc, "accident.declared", &grave, declared(true))
            .await
            .0,
        200
    );
    assert_eq!(
        deliver(&svc, "accident.escalated", &grave, declared(true))
            .await
            .0,
        200
    );
    assert_eq!(follow_ups(&svc, &grave).await, 1);
}

#[tokio::test]
async fn two_announcements_of_one_grave_case_racing_open_one_follow_up_task() {
    let svc = spawn().await;
    let accident = uuid::Uuid::now_v7().to_string();
    let (a, b) = tokio::join!(
        deliver(&svc, "accident.declared", &accident, declared(true)),
        deliver(&svc, "accident.escalated", &accident, declared(true)),
    );
    // The loser of a race is refused (the unique index on the task's source) and
    // retried by the dispatcher; its retry is a no-op.
    for (status, body) in [&a, &b] {
        assert!(
            *status == 200 || (*status == 409 && body["code"] == "duplicate"),
            "{status} {body}"
        );
    }
    assert_eq!(follow_ups(&svc, &accident).await, 1);
    assert_eq!(
        deliver(&svc, "accident.escalated", &accident, declared(true))
            .await
            .0,
        200
    );
    assert_eq!(follow_ups(&svc, &accident).await, 1);
}
