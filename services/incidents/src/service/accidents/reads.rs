//! Reading accidents: one (audited, as it shows personal data), a page, the history.

use super::*;

/// One accident with its casualties; the read is audited.
pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<AccidentView, ApiError> {
    read(db, user, "get_accident", id).await
}

/// The investigation of one accident, with the accident (the read is audited).
pub async fn get_investigation(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<AccidentView, ApiError> {
    read(db, user, "get_investigation", id).await
}

async fn read(
    db: &Db,
    user: &AuthUser,
    operation: &'static str,
    id: String,
) -> Result<AccidentView, ApiError> {
    let visibility = access::scope(operation, user)?;
    let user = user.clone();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let accident = repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
            let view = load_view(conn, accident)?;
            audit(conn, &user, "read", &view.casualties)?;
            Ok::<_, ApiError>(view)
        })
    })
    .await
}

/// An accident as a list shows it: no personal data, only what its summary needs.
pub struct Listed {
    pub row: AccidentRow,
    pub severities: Vec<Severity>,
    /// From the investigation, so that a list item's clock reads as the detail's.
    pub record_announced_on: Option<chrono::NaiveDate>,
}

/// A page of accidents with their casualties' severities (no personal data), and
/// their total when asked.
pub async fn list(
    db: &Db,
    user: &AuthUser,
    filter: Filter,
    page: Page,
) -> Result<Paged<Listed>, ApiError> {
    let visibility = access::scope("list_accidents", user)?;
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            let total = fetch.total(|| repo::count(conn, &visibility, &filter))?;
            let rows = repo::list(
                conn,
                &visibility,
                &filter,
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let casualties = repo::casualties_of(conn, &ids)?;
            let investigations = repo::investigations_of(conn, &ids)?;
            rows.into_iter()
                .map(|row| {
                    let severities = casualties
                        .iter()
                        .filter(|c| c.accident_id == row.id)
                        .map(|c| {
                            parse_stored("casualties", "severity", &c.severity, Severity::parse)
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let record_announced_on = investigations
                        .iter()
                        .find(|i| i.accident_id == row.id)
                        .and_then(|i| i.record_announced_on);
                    Ok(Listed {
                        row,
                        severities,
                        record_announced_on,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()
                .map(|rows| (rows, total))
        })
        .await?;
    let (items, next_cursor) = page.finish(rows, |l| l.row.id.as_str());
    Ok(Paged {
        items,
        next_cursor,
        total,
    })
}

pub async fn revisions(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<Vec<AccidentRevisionRow>, ApiError> {
    let visibility = access::scope("list_accident_revisions", user)?;
    db.run(move |conn| {
        repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(repo::revisions(conn, &id)?)
    })
    .await
}
