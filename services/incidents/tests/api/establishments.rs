use reqwest::Method;
use serde_json::json;
use shared::auth::Role;

use crate::helpers::{assert_problem, establishment, first_error, json_of, spawn_app, tax_code};

#[tokio::test]
async fn a_registered_establishment_can_be_read_back() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/establishments",
            &app.admin(),
            &establishment(&tax_code(1)),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(res.headers()["etag"], "\"1\"");
    let created = json_of(res).await;
    assert_eq!(created["vsic_section"], "B");
    assert_eq!(created["commune_name"], "Phường Thục Phán");
    assert_eq!(created["version"], 1);

    let res = app.get(&location, &app.admin()).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let read = json_of(res).await;
    assert_eq!(read, created);
}

#[tokio::test]
async fn text_is_stored_in_nfc_whatever_form_it_was_typed_in() {
    let app = spawn_app().await;
    let mut body = establishment(&tax_code(2));
    body["name"] = json!("Cao Ba\u{0306}\u{0300}ng Mining");
    let created = app.create_establishment(&body).await;
    assert_eq!(created["name"], "Cao Bằng Mining");
}

#[tokio::test]
async fn an_invalid_tax_code_is_pointed_at_with_a_stable_code() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/establishments",
            &app.admin(),
            &establishment("0100047517"),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        (
            "/tax_code".to_owned(),
            "invalid_tax_code_checksum".to_owned()
        )
    );
    assert_eq!(app.establishment_count().await, 0);
}

#[tokio::test]
async fn every_broken_rule_is_reported_at_once() {
    let app = spawn_app().await;
    let mut body = establishment(&tax_code(3));
    body["vsic_code"] = json!("04");
    body["commune_code"] = json!("01267"); // Phường Sông Hiến, abolished on 1 July 2025
    body["headcount"]["female"] = json!(500);
    let res = app
        .post("/api/v1/establishments", &app.admin(), &body)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let codes: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["pointer"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("/vsic_code", "invalid_vsic_code"),
            ("/commune_code", "former_commune_code"),
            ("/headcount/female", "exceeds_total_headcount")
        ]
    );
    assert!(
        problem["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("01273"),
        "names the successor"
    );
}

#[tokio::test]
async fn a_second_establishment_with_the_same_tax_code_is_a_conflict() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(4))).await;
    let res = app
        .post(
            "/api/v1/establishments",
            &app.admin(),
            &establishment(&tax_code(4)),
        )
        .await;
    assert_problem(res, 409, "duplicate_tax_code").await;
    assert_eq!(app.establishment_count().await, 1);
}

#[tokio::test]
async fn a_replayed_post_with_the_same_idempotency_key_makes_one_record() {
    let app = spawn_app().await;
    let body = establishment(&tax_code(5));
    let send = |body: serde_json::Value| {
        let req = app
            .svc
            .client
            .post(app.svc.url("/api/v1/establishments"))
            .bearer_auth(app.admin())
            .header("Idempotency-Key", "3f1c2b7e-0d7c-4c55-9a57-6b1f0b6a9a01")
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    let first = send(body.clone()).await;
    assert_eq!(first.status().as_u16(), 201);
    assert!(first.headers().get("idempotency-replayed").is_none());
    let first_body = json_of(first).await;

    let second = send(body.clone()).await;
    assert_eq!(second.status().as_u16(), 201);
    assert_eq!(second.headers()["idempotency-replayed"], "true");
    assert_eq!(json_of(second).await, first_body);
    assert_eq!(app.establishment_count().await, 1);

    let mut other = body;
    other["name"] = json!("Another name");
    assert_problem(send(other).await, 422, "idempotency_key_reused").await;
}

#[tokio::test]
async fn concurrent_duplicates_with_one_key_make_one_record() {
    let app = spawn_app().await;
    let body = establishment(&tax_code(6));
    let requests = (0..8).map(|_| {
        app.svc
            .client
            .post(app.svc.url("/api/v1/establishments"))
            .bearer_auth(app.admin())
            .header("Idempotency-Key", "same-key-for-all")
            .json(&body)
            .send()
    });
    let responses = futures_util::future::join_all(requests).await;
    let mut bodies = Vec::new();
    for res in responses {
        let res = res.unwrap();
        let status = res.status().as_u16();
        assert!(status == 201 || status == 409, "status {status}");
        if status == 201 {
            bodies.push(json_of(res).await);
        }
    }
    assert!(!bodies.is_empty());
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every success is the same answer"
    );
    assert_eq!(app.establishment_count().await, 1);
}

#[tokio::test]
async fn a_dry_run_answers_but_writes_nothing() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/establishments?dry_run=true",
            &app.admin(),
            &establishment(&tax_code(7)),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["dry-run"], "true");
    assert!(res.headers().get("location").is_none());
    let body = json_of(res).await;
    assert_eq!(body["tax_code"], tax_code(7));
    assert_eq!(app.establishment_count().await, 0);

    // A dry run still finds conflicts.
    app.create_establishment(&establishment(&tax_code(7))).await;
    let res = app
        .post(
            "/api/v1/establishments?dry_run=true",
            &app.admin(),
            &establishment(&tax_code(7)),
        )
        .await;
    assert_problem(res, 409, "duplicate_tax_code").await;
}

#[tokio::test]
async fn sending_the_same_external_ref_finds_the_first_record() {
    let app = spawn_app().await;
    let mut body = establishment(&tax_code(8));
    body["external_ref"] = json!("dkkd-0008");
    let first = app.create_establishment(&body).await;
    let res = app
        .post("/api/v1/establishments", &app.admin(), &body)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(json_of(res).await["id"], first["id"]);
    assert_eq!(app.establishment_count().await, 1);
}

#[tokio::test]
async fn an_update_needs_the_current_version_and_a_reason_and_keeps_history() {
    let app = spawn_app().await;
    let created = app.create_establishment(&establishment(&tax_code(9))).await;
    let path = format!("/api/v1/establishments/{}", created["id"].as_str().unwrap());
    let mut change = establishment(&tax_code(9));
    change.as_object_mut().unwrap().remove("tax_code");
    change["headcount"]["total"] = json!(140);
    change["change_reason"] = json!("Cập nhật số lao động 6 tháng đầu năm");

    let put = |if_match: Option<&str>, body: &serde_json::Value| {
        let mut req = app
            .svc
            .client
            .put(app.svc.url(&path))
            .bearer_auth(app.admin())
            .json(body);
        if let Some(v) = if_match {
            req = req.header("If-Match", v);
        }
        async move { req.send().await.unwrap() }
    };
    assert_problem(put(None, &change).await, 428, "if_match_required").await;
    assert_problem(put(Some("\"7\""), &change).await, 412, "version_mismatch").await;
    let mut no_reason = change.clone();
    no_reason["change_reason"] = json!("  ");
    let problem = assert_problem(
        put(Some("\"1\""), &no_reason).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(first_error(&problem).0, "/change_reason");

    let res = put(Some("\"1\""), &change).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let updated = json_of(res).await;
    assert_eq!(updated["headcount"]["total"], 140);
    assert_eq!(updated["version"], 2);

    // The old ETag no longer works: no lost update.
    assert_problem(put(Some("\"1\""), &change).await, 412, "version_mismatch").await;

    let revisions = json_of(app.get(&format!("{path}/revisions"), &app.admin()).await).await;
    let items = revisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["version"], 2);
    assert_eq!(
        items[0]["change_reason"],
        "Cập nhật số lao động 6 tháng đầu năm"
    );
    assert_eq!(items[1]["record"]["headcount"]["total"], 120);

    // Revisions page like every list: one version a page, the oldest last.
    let first = json_of(
        app.get(
            &format!("{path}/revisions?limit=1&total=true"),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            first["total"].as_i64(),
            first["items"][0]["version"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    let last = json_of(
        app.get(
            &format!("{path}/revisions?limit=1&cursor={cursor}"),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(last["items"][0]["version"], 1);
    assert!(last["next_cursor"].is_null(), "{last}");
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor_and_filter() {
    let app = spawn_app().await;
    for n in 10..13 {
        app.create_establishment(&establishment(&tax_code(n))).await;
    }
    let mut other = establishment(&tax_code(13));
    other["vsic_code"] = json!("41000");
    other["commune_code"] = json!("01279");
    app.create_establishment(&other).await;

    let page1 = json_of(
        app.get("/api/v1/establishments?limit=3", &app.admin())
            .await,
    )
    .await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 3);
    assert_eq!(page1["items"][0]["tax_code"], tax_code(13), "newest first");
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = json_of(
        app.get(
            &format!("/api/v1/establishments?limit=3&cursor={cursor}"),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert!(page2["next_cursor"].is_null());
    assert!(
        page1.get("total").is_none(),
        "no count unless asked: {page1}"
    );

    // Asked for, the total counts every page (3 + 1 here) and follows the filters.
    let counted = json_of(
        app.get("/api/v1/establishments?limit=3&total=true", &app.admin())
            .await,
    )
    .await;
    assert_eq!(counted["total"], 4, "{counted}");
    assert_eq!(counted["items"].as_array().unwrap().len(), 3);
    let counted = json_of(
        app.get(
            &format!("/api/v1/establishments?limit=3&total=true&cursor={cursor}"),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(counted["total"], 4, "the same on every page: {counted}");
    let one = json_of(
        app.get(
            "/api/v1/establishments?vsic_section=F&total=true",
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(one["total"], 1, "{one}");
    let res = app
        .get("/api/v1/establishments?total=maybe", &app.admin())
        .await;
    assert_problem(res, 400, "invalid_query").await;

    let filtered = json_of(
        app.get(
            "/api/v1/establishments?vsic_section=F&commune_code=01279",
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    let feed = json_of(
        app.get(
            "/api/v1/establishments?updated_since=2999-01-01T00:00:00%2B07:00",
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(feed["items"].as_array().unwrap().len(), 0);

    let res = app
        .get(
            "/api/v1/establishments?updated_since=2025-01-01T00:00:00",
            &app.admin(),
        )
        .await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app
        .get("/api/v1/establishments?limit=100000", &app.admin())
        .await;
    assert_problem(res, 400, "invalid_limit").await;
}

#[tokio::test]
async fn an_enterprise_sees_and_changes_only_its_own_establishment() {
    let app = spawn_app().await;
    let mine = app
        .create_establishment(&establishment(&tax_code(20)))
        .await;
    let theirs = app
        .create_establishment(&establishment(&tax_code(21)))
        .await;
    let token = app.token(Role::Enterprise, Some(&tax_code(20)));

    let res = app
        .get(
            &format!("/api/v1/establishments/{}", mine["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let res = app
        .get(
            &format!("/api/v1/establishments/{}", theirs["id"].as_str().unwrap()),
            &token,
        )
        .await;
    let body = assert_problem(res, 404, "not_found").await;
    assert!(!body.to_string().contains(&tax_code(21)), "no foreign data");
    let res = app
        .get(
            &format!(
                "/api/v1/establishments/{}/revisions",
                theirs["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_problem(res, 404, "not_found").await;

    let list = json_of(app.get("/api/v1/establishments", &token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], mine["id"]);

    let mut change = establishment(&tax_code(21));
    change.as_object_mut().unwrap().remove("tax_code");
    change["change_reason"] = json!("thử sửa cơ sở khác");
    let res = app
        .svc
        .client
        .put(app.svc.url(&format!(
            "/api/v1/establishments/{}",
            theirs["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .header("If-Match", "\"1\"")
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;

    // It may register itself, but not somebody else.
    let res = app
        .post(
            "/api/v1/establishments",
            &token,
            &establishment(&tax_code(22)),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
}

#[tokio::test]
async fn a_commune_sees_only_establishments_in_its_commune() {
    let app = spawn_app().await;
    let here = app
        .create_establishment(&establishment(&tax_code(30)))
        .await;
    let mut elsewhere = establishment(&tax_code(31));
    elsewhere["commune_code"] = json!("01279");
    let there = app.create_establishment(&elsewhere).await;
    let token = app.token(Role::Commune, Some("01273"));
    let list = json_of(app.get("/api/v1/establishments", &token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], here["id"]);
    let res = app
        .get(
            &format!("/api/v1/establishments/{}", there["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn roles_without_access_are_refused() {
    let app = spawn_app().await;
    let created = app
        .create_establishment(&establishment(&tax_code(40)))
        .await;
    for role in [
        Role::Viewer,
        Role::Commune,
        Role::Agency,
        Role::Insurer,
        Role::HealthAuthority,
    ] {
        let res = app
            .post(
                "/api/v1/establishments",
                &app.token(role, Some("X")),
                &establishment(&tax_code(41)),
            )
            .await;
        assert_problem(res, 403, "forbidden").await;
    }
    for role in [Role::Viewer, Role::Insurer] {
        let path = format!("/api/v1/establishments/{}", created["id"].as_str().unwrap());
        assert_problem(
            app.get(&path, &app.token(role, None)).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_eq!(app.establishment_count().await, 1);
    let res = app
        .request(
            Method::GET,
            "/api/v1/establishments/not-a-uuid",
            Some(&app.admin()),
            None,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}
