//! The consolidated report: JSON, and the same figures in the document to sign — the
//! `.xlsx` workbook read back with an XLSX reader, the PDF read back as text.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;
use shared::documents::{MOTTO, NATIONAL_TITLE, format_int, xlsx::ANNEX_TABLE_ROW};
use tasks::domain::kpi::Direction;
use tasks::domain::seed::AgencyKind;
use tasks::domain::status::{FilingStatus, ReportStatus, TaskStatus};
use tasks::routes::consolidated::document as xlsx;

use crate::helpers::{TestApp, assert_problem, json_of, spawn_app};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

pub(crate) fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::Empty => None,
        other => panic!("not a number: {other:?}"),
    }
}

fn moment(d: &Data) -> NaiveDateTime {
    match d {
        Data::DateTime(t) => t.as_datetime().unwrap(),
        other => panic!("not a date-time: {other:?}"),
    }
}

/// A JSON moment as the workbook shows it: Viet Nam time, to the second.
fn vietnam(v: &Value) -> NaiveDateTime {
    let at: DateTime<Utc> = serde_json::from_value(v.clone()).unwrap();
    at.with_timezone(&shared::time::vietnam()).naive_local()
}

fn assert_same_moment(cell: &Data, json: &Value) {
    let (shown, exact) = (moment(cell), vietnam(json));
    let gap = (shown - exact).num_milliseconds().abs();
    assert!(gap < 1000, "{shown} vs {exact}");
}

fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap()
}

fn all_rows(wb: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<Data>> {
    wb.worksheet_range(sheet)
        .unwrap()
        .rows()
        .map(<[Data]>::to_vec)
        .collect()
}

/// An annex sheet's table: its heading row, then its rows.
pub(crate) fn rows(wb: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<Data>> {
    all_rows(wb, sheet).split_off(ANNEX_TABLE_ROW as usize)
}

async fn file(app: &TestApp, agency: &str, period: &str) -> Value {
    let task = app.tasks_of(agency).await[0]["id"].clone();
    let body = json!({
        "plan_id": app.plan_id().await, "period": period,
        "narrative": [{"task_id": task, "text": "Đã tuyên truyền, huấn luyện an toàn, vệ sinh lao động."}]
    });
    let res = app
        .post("/api/v1/plan-reports", &app.agency(agency), &body)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    json_of(res).await
}

async fn review(app: &TestApp, id: &Value, body: Value) {
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/plan-reports/{}/review", id.as_str().unwrap()),
            Some(&app.labor()),
            Some(&body),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
}

pub(crate) async fn workbook(
    app: &TestApp,
    path: &str,
    accept: Option<&str>,
) -> Xlsx<Cursor<Vec<u8>>> {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
    let res = app
        .request(Method::GET, path, Some(&app.labor()), None, &headers)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], XLSX);
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"bao-cao-tong-hop-664-KH-UBND-"),
        "{disposition}"
    );
    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
    let bytes = res.bytes().await.unwrap().to_vec();
    open_workbook_from_rs(Cursor::new(bytes)).unwrap()
}

#[tokio::test]
async fn the_workbook_holds_the_same_figures_as_the_json_answer() {
    let app = spawn_app().await;
    let year = shared::time::today().year();
    let period = year.to_string();
    let syt = file(&app, "SYT", &period).await;
    review(
        &app,
        &syt["id"],
        json!({"decision": "return", "comment": "Bổ sung số liệu khám phát hiện bệnh nghề nghiệp."}),
    )
    .await;
    let sxd = file(&app, "SXD", &period).await;
    review(&app, &sxd["id"], json!({"decision": "accept"})).await;
    file(&app, "BCB", &period).await;

    let plan = app.plan_id().await;
    let path = format!("/api/v1/plans/{plan}/consolidated-report?period={period}");
    let report = app.get_json(&path, &app.labor()).await;
    assert_eq!(report["plan"]["number"], "664/KH-UBND");
    assert_eq!(report["period"], period.as_str());
    assert_eq!(report["kpis"]["year"], year);
    let reports = report["reports"].as_array().unwrap();
    let agencies: Vec<&str> = reports
        .iter()
        .map(|r| r["agency"].as_str().unwrap())
        .collect();
    assert_eq!(agencies, ["BCB", "SXD", "SYT"]);
    assert_eq!(reports[1]["status"], "accepted");
    assert_eq!(reports[2]["status"], "returned");
    assert_eq!(
        reports[2]["review_comment"],
        "Bổ sung số liệu khám phát hiện bệnh nghề nghiệp."
    );
    assert_eq!(report["compliance"]["summary"]["returned"], 1);
    assert_eq!(report["kpis"]["items"].as_array().unwrap().len(), 3);

    // The same through Accept and through ?format=xlsx.
    let mut wb = workbook(&app, &path, Some(XLSX)).await;
    workbook(&app, &format!("{path}&format=xlsx"), None).await;
    assert_eq!(wb.sheet_names(), xlsx::SHEETS.map(str::to_owned).to_vec());

    // Tổng hợp: the document itself, with the summary in its body.
    let summary = all_rows(&mut wb, "Tổng hợp");
    let cells: Vec<String> = summary
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    for s in [
        "UBND TỈNH CAO BẰNG",
        "SỞ NỘI VỤ",
        NATIONAL_TITLE,
        MOTTO,
        "BÁO CÁO",
        "Tổng hợp tình hình thực hiện Kế hoạch số 664/KH-UBND",
        "Nội dung",
        "Ghi chú về phương pháp:",
        "Nơi nhận:",
        "GIÁM ĐỐC",
    ] {
        assert!(cells.iter().any(|c| c == s), "no {s} in the workbook");
    }
    let value = |label: &str| {
        summary
            .iter()
            .find(|r| matches!(&r[0], Data::String(s) if s == label))
            .unwrap_or_else(|| panic!("no row {label}"))[1]
            .clone()
    };
    assert_eq!(text(&value("Kế hoạch")), "664/KH-UBND");
    assert_eq!(text(&value("Kỳ báo cáo")), period);
    assert_eq!(
        moment(&value("Hạn báo cáo")).date().to_string(),
        report["compliance"]["due_on"].as_str().unwrap()
    );
    let s = &report["compliance"]["summary"];
    for (label, key) in [
        ("Số cơ quan phải báo cáo", "expected"),
        ("Nộp đúng hạn", "on_time"),
        ("Nộp muộn hạn", "late"),
        ("Bị trả lại, chưa nộp lại", "returned"),
        ("Chưa nộp (quá hạn)", "missing"),
        ("Chưa đến hạn", "not_yet_due"),
        ("Tỷ lệ nộp đúng hạn (%)", "on_time_percent"),
        ("Tỷ lệ đã nộp (%)", "filed_percent"),
    ] {
        assert_eq!(number(&value(label)), s[key].as_f64(), "{label}");
    }

    // Tình hình báo cáo: one row per expected agency.
    let sheet = rows(&mut wb, "Tình hình báo cáo");
    let expected = report["compliance"]["agencies"].as_array().unwrap();
    assert_eq!(sheet.len(), expected.len() + 1);
    for (i, (row, a)) in sheet[1..].iter().zip(expected).enumerate() {
        assert_eq!(number(&row[0]), Some((i + 1) as f64));
        assert_eq!(text(&row[1]), a["agency"].as_str().unwrap());
        assert_eq!(text(&row[2]), a["name"].as_str().unwrap());
        assert_eq!(
            text(&row[3]),
            xlsx::agency_kind_label(parse::<AgencyKind>(&a["kind"]))
        );
        assert_eq!(
            text(&row[4]),
            xlsx::filing_status_label(parse::<FilingStatus>(&a["status"]))
        );
        if a["first_received_at"].is_null() {
            assert_eq!(row.get(5).cloned().unwrap_or(Data::Empty), Data::Empty);
        } else {
            assert_same_moment(&row[5], &a["first_received_at"]);
        }
    }

    // Nhiệm vụ.
    let sheet = rows(&mut wb, "Nhiệm vụ");
    let tasks = report["compliance"]["tasks"].as_array().unwrap();
    assert_eq!(sheet.len(), tasks.len() + 1);
    for (row, t) in sheet[1..].iter().zip(tasks) {
        assert_eq!(number(&row[1]), t["item"].as_f64());
        assert_eq!(text(&row[2]), t["section"].as_str().unwrap());
        // The task as the plan words it, not only its number.
        assert!(!t["text"].as_str().unwrap().is_empty());
        assert_eq!(text(&row[3]), t["text"].as_str().unwrap());
        assert_eq!(
            text(&row[4]),
            xlsx::task_status_label(parse::<TaskStatus>(&t["status"]))
        );
        let each: Vec<String> = t["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                format!(
                    "{}: {}",
                    a["agency"].as_str().unwrap(),
                    xlsx::task_status_label(parse(&a["status"]))
                )
            })
            .collect();
        assert_eq!(text(&row[5]), each.join("; "));
    }

    // Báo cáo các cơ quan.
    let sheet = rows(&mut wb, "Báo cáo các cơ quan");
    assert_eq!(sheet.len(), reports.len() + 1);
    for (row, r) in sheet[1..].iter().zip(reports) {
        assert_eq!(text(&row[1]), r["agency"].as_str().unwrap());
        assert_eq!(text(&row[2]), r["name"].as_str().unwrap());
        assert_eq!(
            text(&row[3]),
            xlsx::report_status_label(parse::<ReportStatus>(&r["status"]))
        );
        assert_eq!(number(&row[4]), r["version"].as_f64());
        assert_same_moment(&row[5], &r["first_received_at"]);
        assert_same_moment(&row[6], &r["received_at"]);
        assert_eq!(text(&row[7]), xlsx::yes_no(r["on_time"].as_bool().unwrap()));
        assert_eq!(
            text(row.get(8).unwrap_or(&Data::Empty)),
            r["review_comment"].as_str().unwrap_or_default()
        );
    }
    assert_eq!(text(&sheet[2][2]), "Sở Xây dựng");

    // Chỉ tiêu: no KPI source here, so every figure is empty with the reason.
    let sheet = rows(&mut wb, "Chỉ tiêu");
    assert_eq!(text(&sheet[0][5]), format!("Năm {}", year - 1));
    assert_eq!(text(&sheet[0][6]), format!("Năm {year}"));
    let kpis = report["kpis"]["items"].as_array().unwrap();
    assert_eq!(sheet.len(), kpis.len() + 1);
    for (row, k) in sheet[1..].iter().zip(kpis) {
        assert_eq!(text(&row[1]), k["target"]["indicator"].as_str().unwrap());
        assert_eq!(
            text(&row[2]),
            xlsx::kpi_unit_label(k["target"]["unit"].as_str().unwrap())
        );
        assert!(!text(&row[2]).contains('_'), "a unit in words");
        assert_eq!(
            text(&row[3]),
            xlsx::direction_label(parse::<Direction>(&k["target"]["direction"]))
        );
        assert_eq!(
            number(&row[4]),
            k["target"]["yearly_change_percent"].as_f64()
        );
        assert_eq!(number(&row[5]), k["previous"]["value"].as_f64());
        assert_eq!(number(&row[6]), k["current"]["value"].as_f64());
        assert_eq!(number(&row[7]), k["change_percent"].as_f64());
        assert_eq!(text(&row[8]), "");
        assert_eq!(k["unavailable"]["reason"], "not_configured");
        assert!(text(&row[9]).starts_with("Chưa cấu hình"), "{:?}", row[9]);
    }

    // The PDF: A4 landscape, the title block, the summary's figures, the signature block.
    let res = app
        .request(
            Method::GET,
            &format!("{path}&format=pdf"),
            Some(&app.labor()),
            None,
            &[],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"bao-cao-tong-hop-664-KH-UBND-{period}.pdf\"")
    );
    let bytes = res.bytes().await.unwrap();
    for (w, h) in shared::testing::pdf_page_sizes(&bytes).unwrap() {
        assert!(
            (w - 841.89).abs() < 1.0 && (h - 595.28).abs() < 1.0,
            "{w} × {h}"
        );
    }
    let pdf = shared::testing::pdf_text(&bytes).unwrap();
    let expected = s["expected"].as_i64().unwrap();
    // A task's text (its first words: the cell wraps the rest onto more lines).
    let task_text = tasks[0]["text"].as_str().unwrap();
    let opening: Vec<&str> = task_text.split_whitespace().take(3).collect();
    for phrase in [
        "UBND TỈNH CAO BẰNG".to_owned(),
        NATIONAL_TITLE.to_owned(),
        MOTTO.to_owned(),
        "BÁO CÁO".to_owned(),
        "Tổng hợp tình hình thực hiện Kế hoạch số 664/KH-UBND".to_owned(),
        format!("Kỳ báo cáo: năm {year}"),
        format!("Số cơ quan phải báo cáo {}", format_int(expected)),
        "Phụ lục 2: Tình trạng thực hiện nhiệm vụ".to_owned(),
        "Sở Xây dựng".to_owned(),
        opening.join(" "),
        "Nơi nhận:".to_owned(),
        "GIÁM ĐỐC".to_owned(),
    ] {
        assert!(pdf.contains(&phrase), "no {phrase} in the PDF: {pdf}");
    }
}

#[tokio::test]
async fn the_consolidated_report_is_for_so_noi_vu_admin_and_viewers() {
    let app = spawn_app().await;
    let plan = app.plan_id().await;
    let path = format!("/api/v1/plans/{plan}/consolidated-report?period=2025");
    for token in [app.admin(), app.token(Role::Viewer, None)] {
        let res = app.get(&path, &token).await;
        assert_eq!(res.status().as_u16(), 200);
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("application/json"), "{ct}");
    }
    for token in [
        app.agency("SYT"),
        app.token(Role::Enterprise, Some("0100047516")),
    ] {
        assert_problem(app.get(&path, &token).await, 403, "forbidden").await;
    }
    assert_problem(
        app.get(
            &format!(
                "/api/v1/plans/{}/consolidated-report?period=2025",
                uuid_nil()
            ),
            &app.labor(),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/plans/{plan}/consolidated-report?period=2025-H2"),
            &app.labor(),
        )
        .await,
        400,
        "invalid_report_period",
    )
    .await;
    let res = app
        .get(
            &format!("/api/v1/plans/{plan}/consolidated-report?period=2025&format=docx"),
            &app.labor(),
        )
        .await;
    assert_eq!(res.status().as_u16(), 400);
}

fn uuid_nil() -> &'static str {
    "00000000-0000-0000-0000-000000000000"
}
