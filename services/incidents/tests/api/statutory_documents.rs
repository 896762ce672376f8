//! Phụ lục XIV and XV as documents to sign: the workbook read back with an XLSX
//! reader and the PDF read back as text hold the title block, the period, the JSON
//! answer's figures and the signature block, on A4 landscape pages.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::Value;
use shared::auth::Role;
use shared::documents::{self, MOTTO, NATIONAL_TITLE, format_decimal, format_int};

use crate::helpers::{TestApp, json_of, spawn_app};
use crate::statutory_reports::{seed, this_year};

/// The answer's media type, file name and bytes.
async fn download(app: &TestApp, path: &str, accept: Option<&str>) -> (String, String, Vec<u8>) {
    let token = app.token(Role::LaborAuthority, Some("SNV"));
    let mut req = app.svc.client.get(app.svc.url(path)).bearer_auth(token);
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    let media = res.headers()["content-type"].to_str().unwrap().to_owned();
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (media, disposition, res.bytes().await.unwrap().to_vec())
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn rows(wb: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<Data>> {
    wb.worksheet_range(sheet)
        .unwrap()
        .rows()
        .map(<[Data]>::to_vec)
        .collect()
}

/// Whether any cell of the sheet reads `s`.
fn has(sheet: &[Vec<Data>], s: &str) -> bool {
    sheet.iter().flatten().any(|c| text(c) == s)
}

/// A file of the workbook's zip.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    std::io::read_to_string(zip.by_name(name).unwrap()).unwrap()
}

/// Every sheet prints on A4 landscape, one page wide; each annex repeats its
/// table heading (the row after `ANNEX_TABLE_ROW` rows, counted from 1) on every page.
fn prints_on_a4_landscape(bytes: &[u8], sheets: usize) {
    for n in 1..=sheets {
        let sheet = part(bytes, &format!("xl/worksheets/sheet{n}.xml"));
        assert!(sheet.contains(r#"paperSize="9""#), "sheet {n}: A4");
        assert!(sheet.contains(r#"orientation="landscape""#), "sheet {n}");
        assert!(
            sheet.contains(r#"fitToPage="1""#),
            "sheet {n}: fit to width"
        );
        assert!(
            sheet.contains(r#"fitToHeight="0""#),
            "sheet {n}: any length"
        );
    }
    let workbook = part(bytes, "xl/workbook.xml");
    let heading = documents::xlsx::ANNEX_TABLE_ROW + 1;
    let repeated = workbook
        .matches(&format!("!${heading}:${heading}</definedName>"))
        .count();
    assert_eq!(repeated, sheets - 1, "{workbook}");
}

fn is_a4_landscape(bytes: &[u8]) {
    let sizes = shared::testing::pdf_page_sizes(bytes).unwrap();
    assert!(!sizes.is_empty());
    for (w, h) in sizes {
        assert!(
            (w - 841.89).abs() < 1.0 && (h - 595.28).abs() < 1.0,
            "{w} × {h}"
        );
    }
}

#[tokio::test]
async fn the_forms_as_workbook_and_pdf_hold_the_json_figures_and_the_signature_block() {
    let app = spawn_app().await;
    seed(&app).await;
    let token = app.token(Role::LaborAuthority, Some("SNV"));
    let year = this_year();
    for (form, annex) in [("xiv", "XIV"), ("xv", "XV")] {
        let path = format!("/api/v1/statutory-reports/{form}?period={year}");
        let res = app.get(&path, &token).await;
        assert_eq!(res.status().as_u16(), 200);
        let report: Value = json_of(res).await;
        let title = report["title"].as_str().unwrap();
        let total = &report["total"]["figures"];
        let period = format!("Kỳ báo cáo: năm {year} (từ ngày 01/01/{year} đến ngày 31/12/{year})");

        // The workbook, through ?format= and through Accept.
        let (media, disposition, bytes) =
            download(&app, &format!("{path}&format=xlsx"), None).await;
        assert_eq!(media, documents::XLSX);
        assert_eq!(
            disposition,
            format!("attachment; filename=\"phu-luc-{annex}-{year}.xlsx\"")
        );
        let (media, _, _) = download(&app, &path, Some(documents::XLSX)).await;
        assert_eq!(media, documents::XLSX);
        prints_on_a4_landscape(&bytes, 1 + report["breakdowns"].as_array().unwrap().len());
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let sheet = rows(&mut wb, "Báo cáo");
        for s in [
            "UBND TỈNH CAO BẰNG",
            "SỞ NỘI VỤ",
            NATIONAL_TITLE,
            MOTTO,
            "BÁO CÁO",
            title,
            period.as_str(),
            "Nơi nhận:",
            "GIÁM ĐỐC",
            "- Bộ Nội vụ;",
        ] {
            assert!(has(&sheet, s), "{form}: no {s} in the workbook");
        }
        let item = |label: &str| {
            sheet
                .iter()
                .find(|r| r.get(1).map(text).as_deref() == Some(label))
                .unwrap_or_else(|| panic!("{form}: no row {label}"))
                .clone()
        };
        for (label, key) in [
            ("Số vụ tai nạn lao động", "cases"),
            ("Số người bị nạn", "casualties"),
            ("Số người chết", "fatal"),
            ("Số lao động nữ bị nạn", "female"),
        ] {
            let row = item(label);
            assert_eq!(number(&row[4]), total[key].as_f64(), "{form} {label}");
            assert_eq!(
                number(&row[3]),
                report["previous_year_total"]["figures"][key].as_f64(),
                "{form} {label} a year before"
            );
        }
        assert_eq!(text(&item("Số người bị nạn")[2]), "Người");
        // Each breakdown is an annex sheet, a row per group.
        for b in report["breakdowns"].as_array().unwrap() {
            let name = match b["group_by"].as_str().unwrap() {
                "cause" => "Nguyên nhân",
                "injury_factor" => "Yếu tố gây chấn thương",
                "vsic_section" => "Ngành kinh tế (VSIC)",
                "ownership_type" => "Loại hình sở hữu",
                "commune" => "Đơn vị hành chính cấp xã",
                other => panic!("{other}"),
            };
            let annex_rows = rows(&mut wb, name);
            let first = documents::xlsx::ANNEX_TABLE_ROW as usize + 1;
            let expected = b["rows"].as_array().unwrap();
            assert_eq!(annex_rows.len() - first, expected.len(), "{form} {name}");
            for (row, e) in annex_rows[first..].iter().zip(expected) {
                assert_eq!(text(&row[1]), e["label"].as_str().unwrap());
                assert_eq!(number(&row[5]), e["figures"]["casualties"].as_f64());
            }
        }

        // The PDF.
        let (media, disposition, bytes) = download(&app, &path, Some(documents::PDF)).await;
        assert_eq!(media, documents::PDF);
        assert_eq!(
            disposition,
            format!("attachment; filename=\"phu-luc-{annex}-{year}.pdf\"")
        );
        is_a4_landscape(&bytes);
        let pdf = shared::testing::pdf_text(&bytes).unwrap();
        for s in [
            "UBND TỈNH CAO BẰNG",
            "SỞ NỘI VỤ",
            NATIONAL_TITLE,
            MOTTO,
            "Số: /BC-SNV",
            "BÁO CÁO",
            title,
            &period,
            "Số người bị nạn",
            "Ghi chú về phương pháp:",
            "Nơi nhận:",
            "GIÁM ĐỐC",
        ] {
            assert!(pdf.contains(s), "{form}: no {s} in the PDF: {pdf}");
        }
        if form == "xiv" {
            // The workers (4,000 in the seed) with a dot between thousands, and the
            // fatal rate with a decimal comma, as the JSON has them.
            let workers = report["total"]["workers"].as_i64().unwrap();
            assert_eq!(workers, 4000);
            assert!(pdf.contains(&format_int(workers)), "{pdf}");
            assert!(pdf.contains("4.000"), "{pdf}");
            let rate = report["total"]["fatal_rate_per_100000"].as_f64().unwrap();
            assert!(pdf.contains(&format_decimal(rate)), "{pdf}");
        }
    }
}

#[tokio::test]
async fn a_document_is_read_as_the_json_is() {
    let app = spawn_app().await;
    let year = this_year();
    let path = format!("/api/v1/statutory-reports/xiv?period={year}&format=pdf");
    let res = app
        .get(&path, &app.token(Role::Enterprise, Some("0100000001")))
        .await;
    assert_eq!(res.status().as_u16(), 403);
    let res = app
        .get(
            &format!("/api/v1/statutory-reports/xiv?period={year}&format=doc"),
            &app.admin(),
        )
        .await;
    assert_eq!(res.status().as_u16(), 400);
}

/// Whether any cell of the sheet contains `s`.
fn mentions(sheet: &[Vec<Data>], s: &str) -> bool {
    sheet.iter().flatten().any(|c| text(c).contains(s))
}

#[tokio::test]
async fn the_quick_report_as_workbook_and_pdf_is_the_draft_with_the_casualties_and_the_signature_block()
 {
    let app = spawn_app().await;
    let tax = crate::helpers::tax_code(1);
    app.create_establishment(&crate::helpers::establishment(&tax))
        .await;
    let mut fatal = crate::helpers::casualty("004090012345", "fatal");
    fatal["full_name"] = serde_json::json!("Hoàng Thị Lụa");
    let body = crate::helpers::declaration(&tax, 1, vec![fatal]);
    let accident = crate::statutory_reports::declare(&app, &body).await;
    let id = accident["id"].as_str().unwrap();
    let path = format!("/api/v1/accidents/{id}/quick-report");
    let q: Value = json_of(app.get(&path, &app.admin()).await).await;
    assert_eq!(q["status"], "draft");
    let title = q["report"]["title"].as_str().unwrap();
    let place = q["report"]["accident"]["place"].as_str().unwrap();
    assert_eq!(place, "Khai trường mỏ, tổ 5");
    // The day it happened, Viet Nam time, as the document writes it.
    let occurred: chrono::DateTime<chrono::Utc> = q["report"]["accident"]["occurred_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let day = occurred
        .with_timezone(&shared::time::vietnam())
        .format("%d/%m/%Y")
        .to_string();

    let (media, disposition, bytes) = download(&app, &format!("{path}?format=xlsx"), None).await;
    assert_eq!(media, documents::XLSX);
    assert!(
        disposition.starts_with("attachment; filename=\"phu-luc-XIII-"),
        "{disposition}"
    );
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = rows(&mut wb, "Báo cáo");
    for s in [
        "UBND TỈNH CAO BẰNG",
        NATIONAL_TITLE,
        MOTTO,
        "BÁO CÁO NHANH",
        title,
        "DỰ THẢO",
        "Nơi nhận:",
        "GIÁM ĐỐC",
    ] {
        assert!(has(&sheet, s), "no {s} in the workbook");
    }
    assert!(mentions(&sheet, place), "no place in the workbook");
    assert!(mentions(&sheet, &day), "no {day} in the workbook");
    assert!(mentions(&sheet, "Công ty TNHH Khai khoáng Cao Bằng"));
    let people = rows(&mut wb, "Người bị nạn");
    assert!(has(&people, "Hoàng Thị Lụa"), "{people:?}");
    assert!(has(&people, "Chết"));

    let (media, _, bytes) = download(&app, &path, Some(documents::PDF)).await;
    assert_eq!(media, documents::PDF);
    let pdf = shared::testing::pdf_text(&bytes).unwrap();
    for s in [
        "UBND TỈNH CAO BẰNG",
        NATIONAL_TITLE,
        "BÁO CÁO NHANH",
        title,
        "DỰ THẢO",
        place,
        day.as_str(),
        "Hoàng Thị Lụa",
        "Nơi nhận:",
        "GIÁM ĐỐC",
    ] {
        assert!(pdf.contains(s), "no {s} in the PDF: {pdf}");
    }

    // Read as the JSON is: another employer does not see the document either.
    let other = app.token(Role::Enterprise, Some(&crate::helpers::tax_code(2)));
    let res = app.get(&format!("{path}?format=pdf"), &other).await;
    assert_eq!(res.status().as_u16(), 404);
}
