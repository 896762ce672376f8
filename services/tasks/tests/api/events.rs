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
    // The plan row is locked before the look-up: the second waits for the first and
    // finds its task.
    for (status, body) in [&a, &b] {
        assert_eq!(*status, 200, "{body}");
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

/// The positions of the follow-up tasks in plan 664, read from the database.
fn follow_up_positions(svc: &TestService) -> Vec<(String, i32)> {
    use diesel::prelude::*;
    use tasks::db::schema::tasks;
    let mut conn = svc.app_db.get().unwrap();
    tasks::table
        .filter(tasks::source_ref.like("incidents:accident:%"))
        .select((tasks::source_ref.assume_not_null(), tasks::position))
        .load(&mut *conn)
        .unwrap()
}

/// As `atvsld up` wires tasks: several accident events in flight at once, of different
/// accidents and of the same one, with a redelivery among them. Each is applied once,
/// and the follow-up tasks take distinct positions in the plan.
#[tokio::test]
async fn accident_events_delivered_concurrently_are_each_applied_once() {
    const ACCIDENTS: usize = 12;
    let svc = spawn().await;
    let accidents: Vec<String> = (0..ACCIDENTS)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let before = follow_up_positions(&svc).len();
    let deliver_at_once = |kind: &'static str| {
        futures_util::future::join_all(
            accidents
                .iter()
                .map(|accident| deliver(&svc, kind, accident, declared(true))),
        )
    };
    // Declarations and escalations of the same accidents at the same time: each
    // accident's two announcements race, and all accidents race for the next position.
    let (declared_all, escalated_all) = tokio::join!(
        deliver_at_once("accident.declared"),
        deliver_at_once("accident.escalated")
    );
    for (status, body) in declared_all.iter().chain(&escalated_all) {
        assert_eq!(
            (*status, body["status"].as_str()),
            (200, Some("processed")),
            "{body}"
        );
    }
    // The same event id sent twice at once (a redelivery while the first is in flight):
    // one is processed, the other a duplicate, or refused and retried.
    let again = json!({
        "id": uuid::Uuid::now_v7().to_string(), "type": "accident.investigation_overdue",
        "occurred_at": "2026-11-28T10:00:00Z", "source": "incidents",
        "subject": accidents[0], "data": overdue(true)
    });
    let body = serde_json::to_vec(&again).unwrap();
    let send = || {
        svc.client
            .post(svc.url("/internal/v1/events"))
            .header("content-type", "application/json")
            .header("x-atvsld-signature", shared::events::sign(SECRET, &body))
            .body(body.clone())
            .send()
    };
    let (first, second) = tokio::join!(send(), send());
    let mut outcomes = Vec::new();
    for res in [first.unwrap(), second.unwrap()] {
        let status = res.status().as_u16();
        let body = json_of(res).await;
        outcomes.push((status, body["status"].as_str().map(str::to_owned)));
    }
    outcomes.sort();
    assert!(
        outcomes
            == [
                (200, Some("duplicate".into())),
                (200, Some("processed".into()))
            ]
            || (outcomes.first() == Some(&(200, Some("processed".into())))
                && outcomes.get(1).is_some_and(|(s, _)| *s == 409)),
        "{outcomes:?}"
    );

    let positions = follow_up_positions(&svc);
    assert_eq!(positions.len(), before + ACCIDENTS, "one task per accident");
    for accident in &accidents {
        let source_ref = format!("incidents:accident:{accident}");
        assert_eq!(
            positions.iter().filter(|(s, _)| *s == source_ref).count(),
            1,
            "{accident}"
        );
    }
    let mut taken: Vec<i32> = positions.iter().map(|(_, p)| *p).collect();
    taken.sort_unstable();
    taken.dedup();
    assert_eq!(
        taken.len(),
        positions.len(),
        "distinct positions: {positions:?}"
    );
    let task = follow_up(&svc, &accidents[0]).await.unwrap();
    assert_eq!(task["overdue_since"], "2026-11-28T10:00:00Z", "{task}");
}
