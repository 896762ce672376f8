//! Subscriptions: who receives which events, and the check that keeps a subscription
//! URL from pointing into our own network (SSRF).

use std::net::{IpAddr, ToSocketAddrs};

use diesel::prelude::*;
use serde::Serialize;

use super::schema::subscriptions;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError, Text};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionRow {
    pub id: String,
    pub url: String,
    /// Comma-separated event types; `*` for all.
    pub event_types: String,
    #[serde(skip)]
    pub secret: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    /// Deliveries of this subscription in flight at once; `None`: the service-wide
    /// `events.per_subscription`.
    pub max_in_flight: Option<i32>,
}

impl SubscriptionRow {
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types
            .split(',')
            .any(|t| t == "*" || t == event_type)
    }
}

pub fn insert(conn: &mut DbConnection, row: &SubscriptionRow) -> QueryResult<()> {
    diesel::insert_into(subscriptions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SubscriptionRow>> {
    subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<SubscriptionRow>> {
    subscriptions::table
        .order(subscriptions::id)
        .select(SubscriptionRow::as_select())
        .load(conn)
}

/// The active subscriptions that want `event_type`.
pub fn active_for(conn: &mut DbConnection, event_type: &str) -> QueryResult<Vec<SubscriptionRow>> {
    let rows: Vec<SubscriptionRow> = subscriptions::table
        .filter(subscriptions::active.eq(true))
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter(|s| s.wants(event_type)).collect())
}

pub fn set_active(conn: &mut DbConnection, id: &str, active: bool) -> QueryResult<usize> {
    diesel::update(subscriptions::table.find(id))
        .set(subscriptions::active.eq(active))
        .execute(conn)
}

/// Replaces the signing secret (the suite's own subscriptions, when the secret of
/// `atvsld up` is rotated); deliveries still pending are signed with the new one.
pub fn set_secret(conn: &mut DbConnection, id: &str, secret: &str) -> QueryResult<usize> {
    diesel::update(subscriptions::table.find(id))
        .set(subscriptions::secret.eq(secret))
        .execute(conn)
}

/// Replaces the event types (the suite's own subscriptions, when a newer `atvsld up`
/// wires more types than the data folder's older one did).
pub fn set_event_types(conn: &mut DbConnection, id: &str, types: &str) -> QueryResult<usize> {
    diesel::update(subscriptions::table.find(id))
        .set(subscriptions::event_types.eq(types))
        .execute(conn)
}

/// Sets how many deliveries may be in flight at once (`None`: the service-wide
/// setting).
pub fn set_max_in_flight(
    conn: &mut DbConnection,
    id: &str,
    max_in_flight: Option<i32>,
) -> QueryResult<usize> {
    diesel::update(subscriptions::table.find(id))
        .set(subscriptions::max_in_flight.eq(max_in_flight))
        .execute(conn)
}

/// Loopback, link-local, private, unique-local, unspecified and multicast addresses:
/// nothing a partner's webhook should resolve to.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast()
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Checks a subscription URL: http(s) only, no credentials, and — unless
/// `allow_internal` (development) — no host that is or resolves to an internal address.
pub fn check_url(url: &str, allow_internal: bool) -> Result<(), ApiError> {
    let refuse = |code: &'static str, vi: &str, en: &str| {
        ApiError::validation(vec![FieldError::body(
            "/url",
            code,
            Text::new(vi.to_owned(), en.to_owned()),
        )])
    };
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| refuse("invalid_url", "URL không hợp lệ.", "Invalid URL."))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(refuse(
            "invalid_url",
            "URL phải là http hoặc https và không chứa thông tin đăng nhập.",
            "The URL must be http or https, without credentials.",
        ));
    }
    if allow_internal {
        return Ok(());
    }
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (host.as_str(), port)
            .to_socket_addrs()
            .map(|a| a.map(|s| s.ip()).collect())
            .unwrap_or_default(),
    };
    if addresses.is_empty() || addresses.into_iter().any(is_internal) {
        return Err(refuse(
            "internal_url_refused",
            "Không cho phép URL trỏ vào địa chỉ nội bộ (loopback, mạng riêng, link-local) hoặc không phân giải được.",
            "URLs that are, or resolve to, internal addresses (loopback, private, link-local), or do not resolve, are refused.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_by_default() {
        for url in [
            "http://127.0.0.1/",
            "http://localhost:8080/x",
            "http://169.254.169.254/latest",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://192.168.0.1/",
            "http://100.64.0.1/",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
        }
        assert!(
            check_url("http://127.0.0.1/", true).is_ok(),
            "allowed in development"
        );
        assert!(check_url("ftp://example.org/", true).is_err());
        assert!(check_url("https://user:pw@example.org/", true).is_err());
        assert!(!is_internal(
            "8.8.8.8".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
        ));
    }

    #[test]
    fn wildcards_and_lists_of_types() {
        let row = |types: &str| SubscriptionRow {
            id: String::new(),
            url: String::new(),
            event_types: types.into(),
            secret: String::new(),
            active: true,
            created_by: String::new(),
            created_at: chrono::NaiveDateTime::default(),
            max_in_flight: None,
        };
        assert!(row("*").wants("accident.declared"));
        assert!(row("a.b,accident.declared").wants("accident.declared"));
        assert!(!row("a.b").wants("accident.declared"));
    }
}
