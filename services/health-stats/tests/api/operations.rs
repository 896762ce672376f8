use shared::auth::Role;
use shared::testing::TestService;

#[tokio::test]
async fn the_service_is_ready_and_documents_itself() {
    let svc = TestService::spawn(&health_stats::SERVICE).await.unwrap();
    for path in ["/healthz", "/readyz", "/metrics", "/docs/"] {
        assert_eq!(
            svc.client
                .get(svc.url(path))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200,
            "{path}"
        );
    }
    let spec: serde_json::Value = svc
        .client
        .get(svc.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["info"]["title"], "ATVSLD health statistics API");
}

#[tokio::test]
async fn unknown_api_paths_are_problems() {
    let svc = TestService::spawn(&health_stats::SERVICE).await.unwrap();
    let res = svc
        .client
        .get(svc.url("/api/v1/nothing"))
        .bearer_auth(svc.token(Role::Admin, None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}
