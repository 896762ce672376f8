/// Probes, metrics, documentation, and an unknown API path answered as a problem.
#[tokio::test]
async fn the_service_is_ready_and_documents_itself() {
    shared::testing::assert_operable(&tasks::SERVICE, "ATVSLD tasks API").await;
}
