//! `/healthz` and `/readyz`.

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness() {
    let mut app = TestApp::sqlite().await;
    let browser = app.browser();
    assert_eq!(browser.get_text("/healthz").await, (StatusCode::OK, "ok".to_owned()));
    assert_eq!(browser.get_text("/readyz").await, (StatusCode::OK, "ready".to_owned()));
    assert!(browser.get("/healthz").await.headers().get("set-cookie").is_none());
    // With the database closed, the process is alive but not ready.
    app.app.store.close().await;
    assert_eq!(browser.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(browser.get("/readyz").await.status(), StatusCode::SERVICE_UNAVAILABLE);
    app.stop().await;
}
