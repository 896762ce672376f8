//! The audit trail of personal data (docs/integration.md, "3. Roles and what each may do"): who read or changed which
//! record, when and in which request, never the values.
//!
//! Services call [`record`] inside the transaction that reads or writes personal data
//! (ID numbers, names, health findings), naming the records by their ids, one entry
//! per record. Entries form hash chains so that an edited, inserted, reordered or
//! deleted entry shows: entry `seq` of a chain stores the previous entry's hash as
//! `prev_hash` (64 zeros for the first) and its own `hash`, the hex SHA-256 of the
//! compact JSON array
//!
//! ```text
//! ["atvsld-audit-v1", prev_hash, seq, id, occurred_at, actor, actor_org, actor_roles,
//!  action, resource_type, resource_id, request_id]
//! ```
//!
//! (`seq` a number, absent values `null`, `occurred_at` as [`crate::time::utc_micros`]
//! writes it).
//!
//! There are [`LANES`] chains ("lanes"), each with its head row in `audit_lanes` (its
//! last `seq` and hash, so entries cut off the end show too). One chain would make
//! every audited request in the service wait for the one before it to commit: the head
//! is locked from the append to the end of the caller's transaction. A request appends
//! to the lane its request id hashes to (a background job, to its thread's), so
//! concurrent requests rarely meet, while all entries of one transaction go to one lane
//! (two transactions can never wait on each other's lanes). An append locks its lane's
//! head with an `UPDATE` as its first statement: on PostgreSQL the row stays locked
//! until the caller's transaction ends (a concurrent append to that lane waits, then
//! reads the new head); on SQLite the update takes the database's write lock before the
//! head is read, so the read cannot go stale.
//!
//! [`verify_chain`] walks every lane and reports the first break of each; it cannot see
//! a lane rewritten from some entry to its head, which is why the hash over all heads
//! it reports (`head_hash`) should also be kept outside the database.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::extract::hex_sha256;
use crate::pagination::{Page, Paged};
use crate::time::utc_micros;

diesel::table! {
    audit_events (id) {
        id -> Text,
        lane -> Integer,
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        actor_org -> Nullable<Text>,
        actor_roles -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_lanes (lane) {
        lane -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

/// How many chains the trail has; the migration that made them creates one head row
/// for each.
pub const LANES: i32 = 16;

const CANONICAL_VERSION: &str = "atvsld-audit-v1";
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Rows per batch when inserting or verifying, well under both backends' bind limits.
const BATCH: usize = 1000;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
struct EventRow {
    id: String,
    lane: i32,
    seq: i64,
    occurred_at: NaiveDateTime,
    actor: String,
    actor_org: Option<String>,
    actor_roles: String,
    action: String,
    resource_type: String,
    resource_id: String,
    request_id: Option<String>,
    prev_hash: String,
    hash: String,
}

impl EventRow {
    /// The hash this entry should carry (see the module documentation).
    fn expected_hash(&self) -> String {
        let canonical = serde_json::json!([
            CANONICAL_VERSION,
            self.prev_hash,
            self.seq,
            self.id,
            utc_micros(self.occurred_at.and_utc()),
            self.actor,
            self.actor_org,
            self.actor_roles,
            self.action,
            self.resource_type,
            self.resource_id,
            self.request_id,
        ]);
        hex_sha256(canonical.to_string().as_bytes())
    }
}

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    #[schema(example = "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11")]
    pub id: String,
    /// The chain (lane) the entry belongs to, 0 to 15.
    pub lane: i32,
    /// Position in its lane's chain, from 1.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// Who (issuer|subject of the token).
    #[schema(example = "https://sso.caobang.gov.vn|0193a5e2-0000-7000-8000-000000000001")]
    pub actor: String,
    /// The caller's organisation, if the token names one.
    pub actor_org: Option<String>,
    pub actor_roles: Vec<String>,
    /// What was done: `read`, `list`, `create`, `update`, `export`, ...
    #[schema(example = "read")]
    pub action: String,
    #[schema(example = "accident")]
    pub resource_type: String,
    /// Id of the record touched (never a personal ID number or any other value).
    pub resource_id: String,
    /// The request, as in its `X-Request-Id` and the logs.
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<EventRow> for AuditEvent {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            lane: row.lane,
            seq: row.seq,
            occurred_at: row.occurred_at.and_utc(),
            actor: row.actor,
            actor_org: row.actor_org,
            actor_roles: row
                .actor_roles
                .split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            request_id: row.request_id,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

/// How the chain breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The entry's content does not match its hash: it was edited.
    Altered,
    /// The entry's `prev_hash` is not the previous entry's hash: the entry before it
    /// was edited and re-hashed, or this one was put in.
    Unlinked,
    /// No entry holds this position: it was deleted.
    Missing,
    /// The chain head disagrees with the last entry: entries were cut off the end, or
    /// written around the head.
    HeadMismatch,
}

/// Where a lane's chain first breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BrokenLink {
    pub lane: i32,
    pub seq: i64,
    /// The entry at that position; `null` when there is none.
    pub id: Option<String>,
    pub reason: BreakReason,
}

/// The end of one lane, as its head row records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LaneHead {
    pub lane: i32,
    /// Entries in the lane.
    pub seq: i64,
    /// Hash of the lane's last entry (64 zeros while it is empty).
    pub hash: String,
}

/// The result of walking every lane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChainCheck {
    pub valid: bool,
    /// Entries checked.
    pub count: i64,
    /// The first break, if any (the lowest lane that has one).
    pub first_broken: Option<BrokenLink>,
    /// The first break of every lane that has one.
    pub broken: Vec<BrokenLink>,
    /// SHA-256 over every lane's head (the compact JSON array of `[lane, seq, hash]`
    /// triples in lane order). Keep it outside the database (a ticket, a log): a lane
    /// rewritten up to its head can only be caught by it.
    pub head_hash: String,
    pub lanes: Vec<LaneHead>,
}

/// Which entries to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub actor: Option<String>,
    /// At or after.
    pub from: Option<NaiveDateTime>,
    /// Before.
    pub to: Option<NaiveDateTime>,
}

/// Whether `id` has the shape of a personal ID number (12 digits, or the 9 of the old
/// identity card), the value most likely to be passed by mistake.
fn looks_like_personal_id(id: &str) -> bool {
    matches!(id.len(), 9 | 12) && id.bytes().all(|b| b.is_ascii_digit())
}

/// Appends one entry per record in `resource_ids` for `actor` doing `action` (`read`,
/// `list`, `create`, `update`, `export`, ...) to records of `resource_type`. Runs in
/// the caller's transaction (as a savepoint) so the entries exist exactly when the
/// access happened; the request id comes from [`crate::context::current`]. Record ids
/// only: never a personal ID number, a name or any other value.
pub fn record(
    conn: &mut DbConnection,
    actor: &AuthUser,
    action: &str,
    resource_type: &str,
    resource_ids: &[&str],
) -> Result<(), ApiError> {
    if resource_ids.is_empty() {
        return Ok(());
    }
    let bad_name = |s: &str| {
        s.is_empty()
            || s.len() > 64
            || !s
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-')
    };
    if bad_name(action) || bad_name(resource_type) {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "audit action and resource type are lower-case names, got {action:?} and {resource_type:?}"
        )));
    }
    if resource_ids.iter().any(|id| looks_like_personal_id(id)) {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "audit resource ids are record ids, never personal ID numbers ({resource_type})"
        )));
    }
    let request_id = crate::context::current().request_id;
    let lane = lane_for(request_id.as_deref());
    append(
        conn,
        lane,
        actor,
        action,
        resource_type,
        resource_ids,
        request_id,
    )
}

/// The lane of the current transaction: from the request id, or from the thread for
/// work outside a request.
fn lane_for(request_id: Option<&str>) -> i32 {
    i32::try_from(crate::context::spread_for(request_id, LANES.unsigned_abs())).unwrap_or(0)
}

/// Appends the entries to `lane`'s chain (see the module documentation).
fn append(
    conn: &mut DbConnection,
    lane: i32,
    actor: &AuthUser,
    action: &str,
    resource_type: &str,
    resource_ids: &[&str],
    request_id: Option<String>,
) -> Result<(), ApiError> {
    let principal = actor.principal();
    let actor_roles = actor
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    crate::db::transaction(conn, |conn| {
        use audit_lanes::dsl as h;
        let locked = diesel::update(h::audit_lanes.filter(h::lane.eq(lane)))
            .set(h::seq.eq(h::seq))
            .execute(conn)?;
        if locked != 1 {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "the head row of audit lane {lane} is missing"
            )));
        }
        let (mut seq, mut prev_hash) = h::audit_lanes
            .filter(h::lane.eq(lane))
            .select((h::seq, h::hash))
            .first::<(i64, String)>(conn)?;
        let occurred_at = db::now();
        let mut rows = Vec::with_capacity(resource_ids.len());
        for resource_id in resource_ids {
            seq += 1;
            let mut row = EventRow {
                id: uuid::Uuid::now_v7().to_string(),
                lane,
                seq,
                occurred_at,
                actor: principal.clone(),
                actor_org: actor.org.clone(),
                actor_roles: actor_roles.clone(),
                action: action.to_owned(),
                resource_type: resource_type.to_owned(),
                resource_id: (*resource_id).to_owned(),
                request_id: request_id.clone(),
                prev_hash,
                hash: String::new(),
            };
            row.hash = row.expected_hash();
            prev_hash = row.hash.clone();
            rows.push(row);
        }
        for batch in rows.chunks(BATCH) {
            crate::per_backend!(&mut *conn, c => diesel::insert_into(audit_events::table)
                .values(batch)
                .execute(c))?;
        }
        diesel::update(h::audit_lanes.filter(h::lane.eq(lane)))
            .set((h::seq.eq(seq), h::hash.eq(&prev_hash)))
            .execute(conn)?;
        Ok(())
    })
}

type Boxed<'a> = audit_events::BoxedQuery<'a, crate::db::DbBackend>;

/// The entries matching `filter`, before paging.
fn filtered<'a>(filter: &Filter) -> Boxed<'a> {
    use audit_events::dsl as a;
    let mut query = a::audit_events.into_boxed();
    if let Some(resource_type) = &filter.resource_type {
        query = query.filter(a::resource_type.eq(resource_type.clone()));
    }
    if let Some(resource_id) = &filter.resource_id {
        query = query.filter(a::resource_id.eq(resource_id.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(a::actor.eq(actor.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(a::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(a::occurred_at.lt(to));
    }
    query
}

/// Entries matching `filter`, newest first, one page, with their total when asked.
pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    page: &Page,
) -> Result<Paged<AuditEvent>, ApiError> {
    use audit_events::dsl as a;
    let total = page.total(|| filtered(filter).count().get_result::<i64>(conn))?;
    let mut query = filtered(filter);
    if let Some(before) = &page.before {
        query = query.filter(a::id.lt(before.clone()));
    }
    let rows = query
        .order(a::id.desc())
        .limit(page.fetch_limit())
        .select(EventRow::as_select())
        .load(conn)?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id.as_str());
    Ok(Paged {
        items: rows.into_iter().map(AuditEvent::from).collect(),
        next_cursor,
        total,
    })
}

/// Walks every lane from its first entry to its head and reports the first break of
/// each.
pub fn verify_chain(conn: &mut DbConnection) -> Result<ChainCheck, ApiError> {
    // The heads first: every entry up to them was committed with them, and entries
    // appended while the walk runs lie beyond them and are left for the next check.
    let heads: Vec<LaneHead> = audit_lanes::table
        .order(audit_lanes::lane.asc())
        .select((audit_lanes::lane, audit_lanes::seq, audit_lanes::hash))
        .load::<(i32, i64, String)>(conn)?
        .into_iter()
        .map(|(lane, seq, hash)| LaneHead { lane, seq, hash })
        .collect();
    let mut count = 0_i64;
    let mut broken = Vec::new();
    for head in &heads {
        let (checked, lane_broken) = verify_lane(conn, head)?;
        count += checked;
        broken.extend(lane_broken);
    }
    // An entry outside every lane that has a head was put in around the heads.
    let strays: Option<(i32, i64, String)> = audit_events::table
        .filter(diesel::dsl::not(
            audit_events::lane.eq_any(heads.iter().map(|h| h.lane).collect::<Vec<_>>()),
        ))
        .select((audit_events::lane, audit_events::seq, audit_events::id))
        .first(conn)
        .optional()?;
    if let Some((lane, seq, id)) = strays {
        broken.push(BrokenLink {
            lane,
            seq,
            id: Some(id),
            reason: BreakReason::Unlinked,
        });
    }
    for link in &broken {
        tracing::warn!(audit.lane = link.lane, audit.seq = link.seq, audit.reason = ?link.reason, "the audit chain is broken");
    }
    let triples: Vec<_> = heads
        .iter()
        .map(|h| serde_json::json!([h.lane, h.seq, h.hash]))
        .collect();
    Ok(ChainCheck {
        valid: broken.is_empty(),
        count,
        first_broken: broken.first().cloned(),
        broken,
        head_hash: hex_sha256(serde_json::Value::Array(triples).to_string().as_bytes()),
        lanes: heads,
    })
}

/// Walks one lane up to its head: the entries checked and the first break.
fn verify_lane(
    conn: &mut DbConnection,
    head: &LaneHead,
) -> Result<(i64, Option<BrokenLink>), ApiError> {
    use audit_events::dsl as a;
    let lane = head.lane;
    let mut count = 0_i64;
    let mut first_broken: Option<BrokenLink> = None;
    let mut expected_seq = 1_i64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let batch = i64::try_from(BATCH).unwrap_or(1000);
    loop {
        let rows = a::audit_events
            .filter(a::lane.eq(lane))
            .filter(a::seq.ge(expected_seq))
            .filter(a::seq.le(head.seq))
            .order(a::seq.asc())
            .limit(batch)
            .select(EventRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            break;
        };
        for row in rows {
            count += 1;
            let reason = if row.seq != expected_seq {
                Some((expected_seq, None, BreakReason::Missing))
            } else if row.hash != row.expected_hash() {
                Some((row.seq, Some(row.id.clone()), BreakReason::Altered))
            } else if row.prev_hash != prev_hash {
                Some((row.seq, Some(row.id.clone()), BreakReason::Unlinked))
            } else {
                None
            };
            if let (Some((seq, id, reason)), None) = (reason, &first_broken) {
                first_broken = Some(BrokenLink {
                    lane,
                    seq,
                    id,
                    reason,
                });
            }
            expected_seq = row.seq + 1;
            prev_hash = row.hash;
        }
        if last >= head.seq {
            break;
        }
    }
    if first_broken.is_none() && (expected_seq != head.seq + 1 || prev_hash != head.hash) {
        first_broken = Some(BrokenLink {
            lane,
            seq: head.seq,
            id: None,
            reason: BreakReason::HeadMismatch,
        });
    }
    Ok((count, first_broken))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::testing::TestDatabase;

    fn connect(db: &TestDatabase) -> DbConnection {
        use r2d2::ManageConnection;
        let manager = db::ConnectionManager::new(&db.url).unwrap_or_else(|e| panic!("{e}"));
        let mut conn = manager.connect().unwrap_or_else(|e| panic!("{e}"));
        db::run_migrations(&mut conn, &[&crate::MIGRATIONS]).unwrap_or_else(|e| panic!("{e}"));
        conn
    }

    fn user(subject: &str) -> AuthUser {
        AuthUser {
            subject: subject.into(),
            issuer: "iss".into(),
            roles: vec![Role::LaborAuthority, Role::Viewer],
            org: Some("SNV".into()),
        }
    }

    fn head(result: &ChainCheck, lane: i32) -> &LaneHead {
        result
            .lanes
            .iter()
            .find(|h| h.lane == lane)
            .unwrap_or_else(|| panic!("no lane {lane}"))
    }

    fn check(conn: &mut DbConnection) -> ChainCheck {
        verify_chain(conn).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Appends to a chosen lane, as [`record`] does to the lane of its request.
    fn record_in(conn: &mut DbConnection, lane: i32, ids: &[&str]) {
        append(conn, lane, &user("a"), "read", "accident", ids, None)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn sql(conn: &mut DbConnection, statement: &str) {
        diesel::sql_query(statement)
            .execute(conn)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    #[test]
    fn the_hash_covers_the_previous_hash_and_every_field() {
        let row = EventRow {
            id: "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11".into(),
            lane: 0,
            seq: 1,
            occurred_at: chrono::DateTime::from_timestamp(1_790_000_000, 123_456_000)
                .unwrap_or_default()
                .naive_utc(),
            actor: "iss|sub".into(),
            actor_org: None,
            actor_roles: "admin".into(),
            action: "read".into(),
            resource_type: "accident".into(),
            resource_id: "r1".into(),
            request_id: Some("req-1".into()),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let canonical = format!(
            "[\"atvsld-audit-v1\",\"{GENESIS_HASH}\",1,\"0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11\",\
             \"2026-09-21T14:13:20.123456Z\",\"iss|sub\",null,\"admin\",\"read\",\"accident\",\"r1\",\"req-1\"]"
        );
        assert_eq!(row.expected_hash(), hex_sha256(canonical.as_bytes()));

        let variants: Vec<EventRow> = vec![
            EventRow {
                prev_hash: "1".repeat(64),
                ..row.clone()
            },
            EventRow {
                seq: 2,
                ..row.clone()
            },
            EventRow {
                actor_org: Some(String::new()),
                ..row.clone()
            },
            EventRow {
                resource_id: "r2".into(),
                ..row.clone()
            },
            EventRow {
                request_id: None,
                ..row.clone()
            },
        ];
        for variant in variants {
            assert_ne!(variant.expected_hash(), row.expected_hash(), "{variant:?}");
        }
    }

    #[test]
    fn entries_chain_and_an_intact_chain_verifies() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        assert_eq!(check(&mut conn).count, 0);
        record(&mut conn, &user("a"), "read", "accident", &["r1"])
            .unwrap_or_else(|e| panic!("{e}"));
        record(&mut conn, &user("b"), "list", "accident", &["r2", "r3"])
            .unwrap_or_else(|e| panic!("{e}"));
        record(&mut conn, &user("b"), "list", "accident", &[]).unwrap_or_else(|e| panic!("{e}"));
        let result = check(&mut conn);
        assert!(result.valid, "{result:?}");
        assert_eq!(result.count, 3);

        let Paged { items, total, .. } = list(
            &mut conn,
            &Filter::default(),
            &Page {
                limit: 10,
                before: None,
                count: true,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let seqs: Vec<i64> = items.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![3, 2, 1], "newest first");
        assert_eq!(total, Some(3), "counted when asked");
        let first = items
            .last()
            .cloned()
            .unwrap_or_else(|| panic!("no entries"));
        assert_eq!(first.prev_hash, GENESIS_HASH);
        assert_eq!(first.actor, "iss|a");
        assert_eq!(first.actor_roles, vec!["labor_authority", "viewer"]);
        let newest = items.first().unwrap_or_else(|| panic!("no entries"));
        assert_eq!(
            head(&result, newest.lane).hash,
            newest.hash,
            "the lane's head"
        );
        assert!(
            items.iter().all(|e| e.lane == newest.lane),
            "one thread, one lane"
        );
        assert_eq!(
            items.get(1).map(|e| &e.hash),
            items.first().map(|e| &e.prev_hash)
        );
    }

    #[test]
    fn values_are_refused_as_resource_ids() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        assert!(record(&mut conn, &user("a"), "read", "worker", &["004098012345"]).is_err());
        assert!(record(&mut conn, &user("a"), "Read it", "worker", &["r1"]).is_err());
        assert_eq!(check(&mut conn).count, 0);
    }

    #[test]
    fn every_kind_of_tampering_is_reported() {
        let cases: [(&[&str], i64, BreakReason); 6] = [
            (
                &["UPDATE audit_events SET resource_id = 'other' WHERE lane = 5 AND seq = 2"],
                2,
                BreakReason::Altered,
            ),
            (
                &["DELETE FROM audit_events WHERE lane = 5 AND seq = 2"],
                2,
                BreakReason::Missing,
            ),
            (
                &["DELETE FROM audit_events WHERE lane = 5 AND seq = 3"],
                3,
                BreakReason::HeadMismatch,
            ),
            (
                &["UPDATE audit_events SET prev_hash = hash WHERE lane = 5 AND seq = 3"],
                3,
                BreakReason::Altered,
            ),
            // Two entries swapped: each carries its position in its hash.
            (
                &[
                    "UPDATE audit_events SET seq = -1 WHERE lane = 5 AND seq = 1",
                    "UPDATE audit_events SET seq = 1 WHERE lane = 5 AND seq = 2",
                    "UPDATE audit_events SET seq = 2 WHERE lane = 5 AND seq = -1",
                ],
                1,
                BreakReason::Altered,
            ),
            // The last entry moved to another lane, past that lane's head.
            (
                &["UPDATE audit_events SET lane = 6 WHERE lane = 5 AND seq = 3"],
                3,
                BreakReason::HeadMismatch,
            ),
        ];
        for (statements, seq, reason) in cases {
            let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
            let mut conn = connect(&test_db);
            record_in(&mut conn, 5, &["r1", "r2", "r3"]);
            record_in(&mut conn, 6, &["r4"]);
            for statement in statements {
                sql(&mut conn, statement);
            }
            let result = check(&mut conn);
            assert!(!result.valid, "{statements:?}");
            let broken = result
                .first_broken
                .unwrap_or_else(|| panic!("{statements:?}"));
            assert_eq!(
                (broken.lane, broken.seq, broken.reason),
                (5, seq, reason),
                "{statements:?}"
            );
            assert_eq!(result.broken.len(), 1, "lane 6 is intact: {statements:?}");
        }
    }

    #[test]
    fn a_break_in_one_lane_does_not_hide_a_break_in_another() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        for lane in [2, 9, 15] {
            record_in(&mut conn, lane, &["r1", "r2"]);
        }
        sql(
            &mut conn,
            "UPDATE audit_events SET actor = 'x' WHERE lane = 9 AND seq = 1",
        );
        sql(
            &mut conn,
            "DELETE FROM audit_events WHERE lane = 15 AND seq = 2",
        );
        let result = check(&mut conn);
        let found: Vec<_> = result.broken.iter().map(|b| (b.lane, b.reason)).collect();
        assert_eq!(
            found,
            vec![(9, BreakReason::Altered), (15, BreakReason::HeadMismatch)]
        );
        assert_eq!(result.count, 5);
    }

    #[test]
    fn the_head_hash_changes_with_any_lane() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        let empty = check(&mut conn);
        assert_eq!(empty.lanes.len(), 16);
        record_in(&mut conn, 11, &["r1"]);
        let after = check(&mut conn);
        assert!(after.valid);
        assert_ne!(after.head_hash, empty.head_hash);
        assert_eq!(head(&after, 11).seq, 1);
    }

    #[test]
    fn the_single_chain_of_the_release_before_becomes_lane_0_unchanged() {
        const LANES_MIGRATION: &str = "2026-12-03-140000_audit_lanes";
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        record_in(&mut conn, 0, &["r1", "r2"]);
        db::step_migration(&mut conn, &crate::MIGRATIONS, LANES_MIGRATION, false)
            .unwrap_or_else(|e| panic!("{e}"));
        // One more entry, written as the release before wrote it: one chain, one head.
        let (seq, prev_hash) = diesel::sql_query("SELECT seq, hash FROM audit_chain_head")
            .get_result::<Head>(&mut conn)
            .map(|h| (h.seq, h.hash))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut old = EventRow {
            id: "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11".into(),
            lane: 0,
            seq: seq + 1,
            occurred_at: db::now(),
            actor: "iss|old".into(),
            actor_org: None,
            actor_roles: "admin".into(),
            action: "read".into(),
            resource_type: "accident".into(),
            resource_id: "r3".into(),
            request_id: None,
            prev_hash,
            hash: String::new(),
        };
        old.hash = old.expected_hash();
        sql(
            &mut conn,
            &format!(
                "INSERT INTO audit_events (id, seq, occurred_at, actor, actor_org, actor_roles, \
                 action, resource_type, resource_id, request_id, prev_hash, hash) VALUES \
                 ('{}', {}, '{}', 'iss|old', NULL, 'admin', 'read', 'accident', 'r3', NULL, \
                 '{}', '{}')",
                old.id,
                old.seq,
                old.occurred_at.format("%Y-%m-%d %H:%M:%S%.6f"),
                old.prev_hash,
                old.hash
            ),
        );
        sql(
            &mut conn,
            &format!(
                "UPDATE audit_chain_head SET seq = {}, hash = '{}'",
                old.seq, old.hash
            ),
        );
        db::step_migration(&mut conn, &crate::MIGRATIONS, LANES_MIGRATION, true)
            .unwrap_or_else(|e| panic!("{e}"));

        let result = check(&mut conn);
        assert!(result.valid, "{result:?}");
        assert_eq!(result.count, 3);
        assert_eq!(
            (head(&result, 0).seq, &head(&result, 0).hash),
            (3, &old.hash)
        );
        // New entries go on from there.
        record_in(&mut conn, 0, &["r4"]);
        record_in(&mut conn, 4, &["r5"]);
        let result = check(&mut conn);
        assert!(result.valid, "{result:?}");
        assert_eq!((head(&result, 0).seq, head(&result, 4).seq), (4, 1));
    }

    #[derive(QueryableByName)]
    struct Head {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        seq: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        hash: String,
    }

    #[test]
    fn requests_spread_over_the_lanes_and_one_request_keeps_one() {
        let lanes: std::collections::BTreeSet<i32> = (0..200)
            .map(|i| lane_for(Some(&format!("req-{i}"))))
            .collect();
        assert!(lanes.len() >= 12, "{lanes:?}");
        assert!(lanes.iter().all(|l| (0..LANES).contains(l)));
        assert_eq!(lane_for(Some("req-7")), lane_for(Some("req-7")));
        assert_eq!(lane_for(None), lane_for(None), "same thread, same lane");
    }

    #[test]
    fn a_rehashed_entry_breaks_the_link_to_the_next() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        record(
            &mut conn,
            &user("a"),
            "read",
            "accident",
            &["r1", "r2", "r3"],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut row = audit_events::table
            .filter(audit_events::seq.eq(2))
            .filter(audit_events::lane.eq(lane_for(None)))
            .select(EventRow::as_select())
            .first(&mut conn)
            .unwrap_or_else(|e| panic!("{e}"));
        row.resource_id = "other".into();
        row.hash = row.expected_hash();
        diesel::update(audit_events::table.filter(audit_events::id.eq(&row.id)))
            .set((
                audit_events::resource_id.eq(&row.resource_id),
                audit_events::hash.eq(&row.hash),
            ))
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("{e}"));
        let broken = check(&mut conn)
            .first_broken
            .unwrap_or_else(|| panic!("not caught"));
        assert_eq!((broken.seq, broken.reason), (3, BreakReason::Unlinked));
    }

    #[tokio::test]
    async fn entries_recorded_during_a_request_carry_its_id() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        drop(connect(&test_db));
        let settings = crate::config::DatabaseSettings::new(test_db.url.clone());
        let pool = db::Db::connect(&settings).unwrap_or_else(|e| panic!("{e}"));
        let ctx = crate::context::RequestContext {
            request_id: Some("req-42".into()),
            ..Default::default()
        };
        // As a service does it: inside a request, through Db::run (another thread).
        let write = pool.run(|conn| record(conn, &user("a"), "read", "accident", &["r1"]));
        crate::context::scope(ctx, write)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let page = Page {
            limit: 1,
            before: None,
            count: false,
        };
        let Paged { items, .. } = pool
            .run(move |conn| list(conn, &Filter::default(), &page))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let request_id = items.first().and_then(|e| e.request_id.clone());
        assert_eq!(request_id.as_deref(), Some("req-42"));
    }

    #[test]
    fn concurrent_appends_keep_every_lane_a_chain() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        drop(connect(&test_db));
        let url = test_db.url.clone();
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let url = url.clone();
                std::thread::spawn(move || {
                    use r2d2::ManageConnection;
                    let manager =
                        db::ConnectionManager::new(&url).unwrap_or_else(|e| panic!("{e}"));
                    let mut conn = manager.connect().unwrap_or_else(|e| panic!("{e}"));
                    for i in 0..10 {
                        let id = format!("w{w}-{i}");
                        // Two writers a lane: appends to one lane wait on each other.
                        crate::db::transaction(&mut conn, |c| {
                            append(c, w % 2, &user("a"), "read", "accident", &[&id, "x"], None)
                        })
                        .unwrap_or_else(|e| panic!("{e}"));
                    }
                })
            })
            .collect();
        for writer in writers {
            writer
                .join()
                .unwrap_or_else(|_| panic!("a writer panicked"));
        }
        let mut conn = connect(&test_db);
        let result = check(&mut conn);
        assert!(result.valid, "{result:?}");
        assert_eq!(result.count, 80);
        let filled: Vec<_> = result
            .lanes
            .iter()
            .map(|l| (l.lane, l.seq))
            .take(3)
            .collect();
        assert_eq!(filled, vec![(0, 40), (1, 40), (2, 0)]);
    }
}
