//! What answers a request that no route takes: 405 with `Allow` when the path is one
//! of the service's but the method is not (RFC 9110 §15.5.6: the client learns what it
//! may do there), 404 otherwise. The table comes from the service's OpenAPI document,
//! which lists every route, so the two cannot disagree.

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

/// One segment of a route's path.
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{id}`: any one segment.
    Parameter,
}

/// The service's paths and the methods each takes.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<String>)>,
}

fn segments(path: &str) -> Vec<Segment> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

/// Paths served beside the documented ones (the document itself, metrics).
const UNDOCUMENTED_GETS: [&str; 2] = ["/openapi.json", "/metrics"];

impl RouteTable {
    pub fn from_spec(api: &OpenApi) -> Self {
        let mut routes: Vec<(Vec<Segment>, Vec<String>)> = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, has)| *has)
                .map(|(m, _)| m.to_owned())
                .collect();
                (segments(path), methods)
            })
            .collect();
        routes.extend(
            UNDOCUMENTED_GETS
                .iter()
                .map(|p| (segments(p), vec!["GET".to_owned()])),
        );
        Self { routes }
    }

    /// The methods `path` takes (`GET, POST`), if it is one of the service's paths.
    /// The most specific route answers: `/establishments/import` is not
    /// `/establishments/{id}`.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let asked: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let matching: Vec<&(Vec<Segment>, Vec<String>)> = self
            .routes
            .iter()
            .filter(|(route, _)| {
                route.len() == asked.len()
                    && route
                        .iter()
                        .zip(&asked)
                        .all(|(segment, part)| match segment {
                            Segment::Literal(l) => l == part,
                            Segment::Parameter => !part.is_empty(),
                        })
            })
            .collect();
        let parameters =
            |route: &[Segment]| route.iter().filter(|s| **s == Segment::Parameter).count();
        let fewest = matching.iter().map(|(r, _)| parameters(r)).min()?;
        let mut methods: Vec<&str> = matching
            .iter()
            .filter(|(r, _)| parameters(r) == fewest)
            .flat_map(|(_, m)| m.iter().map(String::as_str))
            .collect();
        methods.sort_unstable();
        methods.dedup();
        Some(methods.join(", "))
    }
}

/// The app's default service.
pub async fn unmatched(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(allow) => Err(ApiError::MethodNotAllowed { allow }),
        None => Err(ApiError::NotFound { resource: "route" }),
    }
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
    use utoipa::openapi::{Info, Paths};

    use super::*;

    #[test]
    fn a_known_path_lists_its_methods_and_an_unknown_one_none() {
        let mut paths = Paths::new();
        paths.paths.insert(
            "/api/v1/accidents/{id}".into(),
            PathItem::new(HttpMethod::Get, Operation::new()),
        );
        if let Some(item) = paths.paths.get_mut("/api/v1/accidents/{id}") {
            item.put = Some(Operation::new());
        }
        paths.paths.insert(
            "/api/v1/accidents".into(),
            PathItem::new(HttpMethod::Post, Operation::new()),
        );
        paths.paths.insert(
            "/api/v1/accidents/import".into(),
            PathItem::new(HttpMethod::Post, Operation::new()),
        );
        let table = RouteTable::from_spec(&OpenApi::new(Info::new("t", "1"), paths));
        assert_eq!(
            table.allowed("/api/v1/accidents/42").as_deref(),
            Some("GET, PUT")
        );
        assert_eq!(table.allowed("/api/v1/accidents").as_deref(), Some("POST"));
        assert_eq!(
            table.allowed("/api/v1/accidents/import").as_deref(),
            Some("POST")
        );
        assert_eq!(table.allowed("/metrics").as_deref(), Some("GET"));
        assert_eq!(table.allowed("/api/v1/accidents/42/x"), None);
        assert_eq!(table.allowed("/api/v1/accidents/"), None);
        assert_eq!(table.allowed("/nowhere"), None);
    }
}
