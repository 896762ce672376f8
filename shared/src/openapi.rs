//! What every service's OpenAPI document has in common, added in one place so no
//! handler annotation can forget it: bearer security on `/api/` operations, the
//! problem+json error responses, the dry-run answer, the exact schemas of the
//! suite-wide parameters, the operations endpoints, and the suite merge.

use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Paths, Ref, RefOr, ResponsesBuilder, Tag};
use utoipa::{PartialSchema, ToSchema};

use crate::error::{ProblemDetails, ProblemFieldError};

pub const BEARER: &str = "bearer_auth";

/// How a caller gets a token, shown in Swagger UI's Authorize dialog and in generated clients.
const BEARER_DESCRIPTION: &str = "A JWT (EdDSA or RS256) with the claims `roles` and `org`. \
    In production it comes from the province's identity provider, through LGSP for other \
    government systems (see docs/integration.md, \"Authentication\"). In development, \
    `atvsld token --role admin --data-dir <the data folder of atvsld up>` prints one that the \
    services started by `atvsld up` trust; roles: admin, labor_authority, health_authority, \
    agency, enterprise, commune, insurer, viewer.";

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ProblemDetails")))
            .build(),
    )
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    problem(description).build().into()
}

const RATE_LIMITED: &str = "RateLimited";
const RATE_LIMITED_REF: &str = "#/components/responses/RateLimited";

/// 429 `rate_limited` (see [`crate::throttle`]), with the seconds to wait.
fn rate_limited_response() -> RefOr<utoipa::openapi::Response> {
    problem(
        "Quá nhiều yêu cầu (too many requests): the caller is over its rate limit, \
         `code` is `rate_limited`; retry after `Retry-After` seconds",
    )
    .header(
        "Retry-After",
        utoipa::openapi::header::HeaderBuilder::new()
            .schema(u64::schema())
            .description(Some("Seconds to wait before the next request"))
            .build(),
    )
    .build()
    .into()
}

/// Completes a service's generated document.
pub fn finish(mut api: OpenApi, title: &str, description: &str) -> OpenApi {
    api.info.title = title.to_owned();
    api.info.description = Some(description.to_owned());
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api.info.license = Some(utoipa::openapi::License::new("MIT OR Apache-2.0"));
    api.info.contact = Some(contact());
    api.servers = Some(vec![server(
        "This service on its own port; behind the gateway, under /<service name>",
    )]);

    // Request bodies state the limits the extractor enforces (`crate::limits`).
    let mut components = api.components.take().unwrap_or_default();
    for (path, item) in api.paths.paths.iter_mut() {
        let protected = path.starts_with("/api/");
        let limited = !path.starts_with("/internal/");
        for op in operations_mut(item) {
            if let Some(body) = op
                .request_body
                .as_mut()
                .and_then(|b| b.content.get_mut("application/json"))
                .and_then(|c| c.schema.as_mut())
            {
                crate::limits::bound(body, &mut components.schemas);
            }
            if limited {
                op.responses
                    .responses
                    .entry("429".into())
                    .or_insert_with(|| Ref::new(RATE_LIMITED_REF).into());
            }
            if protected && op.security.is_none() {
                op.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
            }
            document_client_errors(path, op);
            op.responses
                .responses
                .entry("4XX".into())
                .or_insert_with(|| {
                    problem_response("Lỗi phía bên gọi (client error), RFC 9457 problem details")
                });
            op.responses
                .responses
                .entry("5XX".into())
                .or_insert_with(|| {
                    problem_response(
                        "Lỗi phía máy chủ (server error); the body never holds internals",
                    )
                });
            document_dry_run(op);
            for parameter in op.parameters.iter_mut().flatten() {
                constrain(parameter);
            }
        }
        let writes = [
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in writes.into_iter().flatten() {
            document_conflict(op);
        }
    }
    add_operations_paths(&mut api.paths);

    let components = api.components.insert(components);
    components.security_schemes.insert(
        BEARER.into(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(BEARER_DESCRIPTION))
                .build(),
        ),
    );
    components
        .responses
        .insert(RATE_LIMITED.into(), rate_limited_response());
    for (name, description) in CLIENT_ERRORS {
        components
            .responses
            .insert(name.into(), problem_response(description));
    }
    components.schemas.insert(
        ProblemDetails::name().into_owned(),
        ProblemDetails::schema(),
    );
    components.schemas.insert(
        ProblemFieldError::name().into_owned(),
        ProblemFieldError::schema(),
    );

    let tags = api.tags.get_or_insert_with(Vec::new);
    if !tags.iter().any(|t| t.name == "operations") {
        let mut tag = Tag::new("operations");
        tag.description = Some("Liveness and readiness probes (no token needed).".into());
        tags.push(tag);
    }
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    api
}

/// Client errors documented once, in `components.responses`, and referred to by
/// every operation that can answer them.
const CLIENT_ERRORS: [(&str, &str); 8] = [
    (
        "BadRequest",
        "Yêu cầu không đọc được: a parameter, a header or the body cannot be read \
         (e.g. `malformed_json`, `invalid_query`); `errors` names the parameter",
    ),
    (
        "Unauthenticated",
        "Chưa xác thực: no bearer token, an expired or malformed one (`unauthorized`), \
         or one signed by a key this service does not trust (`unknown_signing_key`)",
    ),
    (
        "Forbidden",
        "Không có quyền: the token's role may not do this (`forbidden`), or the record \
         belongs to another organisation or is in a state this role may not change \
         (a specific code, e.g. `sector_not_yours`, `report_not_yours`)",
    ),
    (
        "NotFound",
        "Không tìm thấy (`not_found`): no record with this id, or none the caller may see",
    ),
    (
        "Conflict",
        "Xung đột: the record's state does not allow this (e.g. `illegal_transition`, \
         `duplicate`), or an `Idempotency-Key` was reused with another body",
    ),
    (
        "VersionMismatch",
        "Phiên bản đã thay đổi (`version_mismatch`): `If-Match` names an older version; \
         read the record again, then retry",
    ),
    ("IfMatchRequired", "Thiếu If-Match (`if_match_required`)"),
    (
        "InvalidData",
        "Dữ liệu không hợp lệ (`validation_failed` or a specific code): each entry of \
         `errors` names a field by JSON Pointer (`pointer`) or a parameter (`parameter`)",
    ),
];

fn add_response(op: &mut Operation, status: &str, name: &str) {
    op.responses
        .responses
        .entry(status.into())
        .or_insert_with(|| Ref::new(format!("#/components/responses/{name}")).into());
}

/// The client errors an operation can answer, read off its shape so that no handler
/// has to list them: 400 where parameters or a body are read, 401 and 403 wherever a token is needed, 404 where the path names
/// a record, 412 and 428 where `If-Match` is taken, 422 where a body is (409 on
/// writes: [`document_conflict`]). A status a handler documents itself keeps its own.
fn document_client_errors(path: &str, op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let takes_if_match = op
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name.eq_ignore_ascii_case("If-Match"));
    if op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add_response(op, "400", "BadRequest");
    }
    if secured {
        add_response(op, "401", "Unauthenticated");
        add_response(op, "403", "Forbidden");
    }
    if path.contains('{') {
        add_response(op, "404", "NotFound");
    }
    if takes_if_match {
        add_response(op, "412", "VersionMismatch");
        add_response(op, "428", "IfMatchRequired");
    }
    if op.request_body.is_some() {
        add_response(op, "422", "InvalidData");
    }
}

/// A write with a token can meet a record in a state that refuses it, or an
/// idempotency key used before.
fn document_conflict(op: &mut Operation) {
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        add_response(op, "409", "Conflict");
    }
}

/// A write that takes `?dry_run=true` answers 200 with what it would have created
/// (and `Dry-Run: true`), not 201: the same body, documented beside the 201.
fn document_dry_run(op: &mut Operation) {
    let takes_dry_run = op
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == "dry_run" && p.parameter_in == ParameterIn::Query);
    let Some(RefOr::T(created)) = op.responses.responses.get("201") else {
        return;
    };
    if !takes_dry_run || op.responses.responses.contains_key("200") {
        return;
    }
    let mut answer = created.clone();
    answer.description =
        "Dry run (`?dry_run=true`, answered with `Dry-Run: true`): the answer a real write \
         would give; nothing was written"
            .into();
    op.responses.responses.insert("200".into(), answer.into());
}

/// Query parameters whose names mean the same everywhere.
const PERIOD_PATTERN: &str = "^(20[0-9]{2}|2100)(-H[12])?$";

/// The schemas of the parameters every service reads with the same shared code say
/// exactly what that code accepts, so a client can check them before sending:
/// `limit` (`shared::pagination`), `period` (`shared::period`), `Idempotency-Key`
/// (`shared::idempotency`) and `If-Match` (`shared::versioning`). A parameter whose
/// handler set its own bounds keeps them.
fn constrain(parameter: &mut Parameter) {
    let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() else {
        return;
    };
    match (&parameter.parameter_in, parameter.name.as_str()) {
        (ParameterIn::Query, "limit") => {
            schema.minimum.get_or_insert(utoipa::Number::Int(1));
            schema.maximum.get_or_insert(utoipa::Number::Int(
                isize::try_from(crate::pagination::MAX_LIMIT).unwrap_or(isize::MAX),
            ));
        }
        (ParameterIn::Query, "period") => {
            schema.pattern.get_or_insert_with(|| PERIOD_PATTERN.into());
        }
        (ParameterIn::Header, "Idempotency-Key") => {
            schema.min_length.get_or_insert(1);
            schema.max_length.get_or_insert(255);
            // Printable ASCII without spaces.
            schema.pattern.get_or_insert_with(|| "^[!-~]+$".into());
        }
        (ParameterIn::Header, "If-Match") => {
            schema
                .pattern
                .get_or_insert_with(|| "^(W/)?\"?[0-9]{1,18}\"?$".into());
        }
        _ => {}
    }
}

/// Who answers for the API (Spectral's `info-contact`).
fn contact() -> utoipa::openapi::Contact {
    utoipa::openapi::ContactBuilder::new()
        .name(Some(
            "Sở Nội vụ tỉnh Cao Bằng (provincial labour authority), ATVSLĐ suite maintainers",
        ))
        .build()
}

/// A relative server URL: the document is served by the host it describes.
fn server(description: &str) -> utoipa::openapi::Server {
    utoipa::openapi::server::ServerBuilder::new()
        .url("/")
        .description(Some(description))
        .build()
}

fn add_operations_paths(paths: &mut Paths) {
    let probe = |id: &str, summary: &str, description: &str, failure: Option<&str>| {
        let mut responses = ResponsesBuilder::new()
            .response("200", ResponseBuilder::new().description("OK").build());
        if let Some(failure) = failure {
            responses = responses.response("503", problem_response(failure));
        }
        let mut op = Operation::new();
        op.operation_id = Some(id.into());
        op.summary = Some(summary.into());
        op.description = Some(description.into());
        op.tags = Some(vec!["operations".into()]);
        op.responses = responses.build();
        op
    };
    paths.paths.insert(
        "/healthz".into(),
        PathItem::new(
            HttpMethod::Get,
            probe(
                "healthz",
                "Liveness",
                "The process is up and serving HTTP.",
                None,
            ),
        ),
    );
    paths.paths.insert(
        "/readyz".into(),
        PathItem::new(
            HttpMethod::Get,
            probe(
                "readyz",
                "Readiness",
                "The service can reach its database.",
                Some("The database is unreachable."),
            ),
        ),
    );
}

/// The suite document: each service's paths under its gateway prefix
/// (`/incidents/api/v1/...`), operation ids prefixed with the service so they stay
/// unique, components and tags merged. The `/internal/` endpoints stay in each
/// service's own document only: the gateway does not route them.
pub fn merge(services: &[(&str, OpenApi)]) -> OpenApi {
    let mut merged = OpenApi::new(
        utoipa::openapi::InfoBuilder::new()
            .title("ATVSLD suite API (Cao Bang, plan 664/KH-UBND)")
            .description(Some(
                "The ATVSLĐ (an toàn, vệ sinh lao động) suite of Cao Bằng, Kế hoạch 664/KH-UBND. \
                 All services of the suite as the gateway serves them: /incidents, /health-stats and /tasks. \
                 Each service's own document (openapi/<service>.json) describes the same operations without the prefix.",
            ))
            .version(env!("CARGO_PKG_VERSION"))
            .license(Some(utoipa::openapi::License::new("MIT OR Apache-2.0")))
            .contact(Some(contact()))
            .build(),
        Paths::new(),
    );
    merged.servers = Some(vec![server(
        "The gateway: each service under /incidents, /health-stats or /tasks",
    )]);
    let colliding = colliding_schemas(services);
    for (prefix, api) in services {
        let mut api = rename_schemas(api, &colliding, &pascal_case(prefix));
        for (path, mut item) in std::mem::take(&mut api.paths.paths) {
            // Service-to-service endpoints are not routed by the gateway.
            if path.starts_with("/internal/") {
                continue;
            }
            for op in operations_mut(&mut item) {
                op.operation_id = op
                    .operation_id
                    .take()
                    .map(|id| format!("{}_{id}", prefix.replace('-', "_")));
            }
            merged.paths.paths.insert(format!("/{prefix}{path}"), item);
        }
        let components = merged.components.get_or_insert_with(Default::default);
        if let Some(theirs) = api.components {
            components.schemas.extend(theirs.schemas);
            components.security_schemes.extend(theirs.security_schemes);
            components.responses.extend(theirs.responses);
        }
        let tags = merged.tags.get_or_insert_with(Vec::new);
        for tag in api.tags.unwrap_or_default() {
            if !tags.iter().any(|t| t.name == tag.name) {
                tags.push(tag);
            }
        }
    }
    if let Some(tags) = merged.tags.as_mut() {
        tags.sort_by(|a, b| a.name.cmp(&b.name));
    }
    drop_unused_schemas(&mut merged);
    merged
}

/// Removes the schemas no operation reaches, directly or through other schemas: those
/// of the `/internal/` endpoints left out of the suite document (`Envelope`...).
fn drop_unused_schemas(api: &mut OpenApi) {
    const PREFIX: &str = "#/components/schemas/";
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v.as_str()) {
                        ("$ref", Some(r)) => out.extend(r.strip_prefix(PREFIX).map(str::to_owned)),
                        _ => refs(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let schemas = std::mem::take(&mut components.schemas);
    let mut pending = Vec::new();
    refs(
        &serde_json::to_value(&api.paths).unwrap_or_default(),
        &mut pending,
    );
    refs(
        &serde_json::to_value(&*components).unwrap_or_default(),
        &mut pending,
    );
    let mut used = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if let Some(schema) = schemas.get(&name).filter(|_| !used.contains(&name)) {
            refs(
                &serde_json::to_value(schema).unwrap_or_default(),
                &mut pending,
            );
            used.insert(name);
        }
    }
    components.schemas = schemas
        .into_iter()
        .filter(|(name, _)| used.contains(name))
        .collect();
}

/// Schema names that two services use for different schemas; the merged document
/// keeps both under a service prefix (`IncidentsHeadcount`, `HealthStatsHeadcount`)
/// instead of letting the last service's schema replace the first's.
fn colliding_schemas(services: &[(&str, OpenApi)]) -> std::collections::BTreeSet<String> {
    let mut seen: std::collections::BTreeMap<String, serde_json::Value> = Default::default();
    let mut colliding = std::collections::BTreeSet::new();
    for (_, api) in services {
        for (name, schema) in api.components.iter().flat_map(|c| c.schemas.iter()) {
            let value = serde_json::to_value(schema).unwrap_or_default();
            match seen.get(name) {
                Some(first) if *first != value => {
                    colliding.insert(name.clone());
                }
                Some(_) => {}
                None => {
                    seen.insert(name.clone(), value);
                }
            }
        }
    }
    colliding
}

/// `health-stats` → `HealthStats`.
fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// A copy of `api` with the schemas named in `names` renamed to `prefix` + name, and
/// every reference to them rewritten.
fn rename_schemas(
    api: &OpenApi,
    names: &std::collections::BTreeSet<String>,
    prefix: &str,
) -> OpenApi {
    fn rewrite(
        value: &mut serde_json::Value,
        names: &std::collections::BTreeSet<String>,
        prefix: &str,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if key == "$ref" {
                        if let Some(name) = v
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                            .filter(|n| names.contains(*n))
                        {
                            *v = serde_json::Value::String(format!(
                                "#/components/schemas/{prefix}{name}"
                            ));
                        }
                    } else {
                        rewrite(v, names, prefix);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    rewrite(v, names, prefix);
                }
            }
            _ => {}
        }
    }
    let uses_any = api
        .components
        .as_ref()
        .is_some_and(|c| c.schemas.keys().any(|n| names.contains(n)));
    if !uses_any {
        return api.clone();
    }
    let Ok(mut value) = serde_json::to_value(api) else {
        return api.clone();
    };
    rewrite(&mut value, names, prefix);
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
    {
        let renamed: Vec<String> = schemas
            .keys()
            .filter(|n| names.contains(*n))
            .cloned()
            .collect();
        for name in renamed {
            if let Some(schema) = schemas.remove(&name) {
                schemas.insert(format!("{prefix}{name}"), schema);
            }
        }
    }
    serde_json::from_value(value).unwrap_or_else(|_| api.clone())
}

/// Adds the answers recorded by `atvsld openapi --record-examples` as response
/// examples. `examples` is `{operationId: {status: body}}` (the text of
/// `openapi/examples/<service>.json`). A response shared through
/// `#/components/responses/…` is copied into the operation first, so each operation
/// shows its own answer rather than one example for all. The request bodies keep the
/// examples their schemas give: the security matrix sends those.
pub fn add_examples(api: OpenApi, examples: &str) -> OpenApi {
    use serde_json::Value;
    let Ok(Value::Object(examples)) = serde_json::from_str::<Value>(examples) else {
        return api;
    };
    if examples.is_empty() {
        return api;
    }
    let Ok(mut doc) = serde_json::to_value(&api) else {
        return api;
    };
    let shared = doc
        .pointer("/components/responses")
        .cloned()
        .unwrap_or_default();
    let operations = doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for op in operations {
        let Some(recorded) = op
            .get("operationId")
            .and_then(Value::as_str)
            .and_then(|id| examples.get(id))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (status, example) in recorded {
            let Some(response) = op.pointer_mut(&format!("/responses/{status}")) else {
                continue;
            };
            let component = response
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/responses/"))
                .and_then(|name| shared.get(name));
            if let Some(component) = component {
                *response = component.clone();
            }
            let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
                continue;
            };
            let media = ["application/json", "application/problem+json"]
                .into_iter()
                .find(|m| content.contains_key(*m))
                .map(str::to_owned)
                .or_else(|| content.keys().next().cloned());
            if let Some(media) = media
                .and_then(|m| content.get_mut(&m))
                .and_then(Value::as_object_mut)
            {
                media.insert("example".into(), example.clone());
            }
        }
    }
    serde_json::from_value(doc).unwrap_or(api)
}
