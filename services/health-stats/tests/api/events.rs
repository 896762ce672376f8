//! Events received from the other services.

use serde_json::json;

use crate::helpers::{json_of, tax_code};

#[tokio::test]
async fn an_establishment_upserted_event_updates_the_registry_once() {
    let svc = shared::testing::TestService::spawn_with(&health_stats::SERVICE, |s| {
        s.events.inbound_secrets = vec!["shared-secret".into()];
    })
    .await
    .unwrap();
    let envelope = json!({
        "id": uuid::Uuid::now_v7().to_string(), "type": "establishment.upserted",
        "occurred_at": "2026-11-28T10:00:00Z", "source": "incidents", "subject": "e1",
        "data": {"tax_code": tax_code(9), "name": "Mỏ đá Cao Bằng", "commune_code": "01273", "vsic_code": "08", "vsic_section": "B", "ownership_type": "2", "version": 1}
    });
    let body = serde_json::to_vec(&envelope).unwrap();
    let send = |signature: String| {
        svc.client
            .post(svc.url("/internal/v1/events"))
            .header("content-type", "application/json")
            .header("x-atvsld-signature", signature)
            .body(body.clone())
            .send()
    };
    assert_eq!(
        send(shared::events::sign("wrong", &body))
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let first = json_of(
        send(shared::events::sign("shared-secret", &body))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(first["status"], "processed");
    let again = json_of(
        send(shared::events::sign("shared-secret", &body))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(again["status"], "duplicate");
    let mut conn = svc.app_db.get().unwrap();
    let row = health_stats::db::establishments::find(&mut conn, &tax_code(9))
        .unwrap()
        .unwrap();
    assert_eq!(row.name, "Mỏ đá Cao Bằng");
    assert_eq!(row.vsic_section.as_deref(), Some("B"));
}
