//! The pages' assets, compiled into the binary: the style sheet, three small scripts, and Apache
//! ECharts (vendored, see `assets/vendor/echarts-6.1.0/README.md`). Served under `/assets/` with
//! an entity tag, so a browser revalidates and gets 304 while the binary is the same.

use std::hash::{Hash as _, Hasher as _};

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
#[derive(Clone, Copy, Debug)]
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// Every asset.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/app.js"),
    },
    Asset {
        name: "chart.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/chart.js"),
    },
    Asset {
        name: "record.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/record.js"),
    },
    Asset {
        name: ECHARTS,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/echarts-6.1.0/echarts.common.min.js"),
    },
    Asset {
        name: "ECHARTS-LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/echarts-6.1.0/LICENSE"),
    },
];

/// The name of Apache ECharts (6.1.0, the "common" build) under `/assets/`.
pub const ECHARTS: &str = "echarts-6.1.0.common.min.js";

/// SHA-256 of the vendored ECharts file, as its README gives it (checked by a test).
pub const ECHARTS_SHA256: &str = "61f13280aba3161f77fc801bf5f9c786f55f10432153a0683fc5cc0700b013d5";

/// The asset named `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

fn etag(asset: &Asset) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    asset.bytes.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// `GET /assets/{file}`.
pub(crate) async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = find(&name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let tag = etag(asset);
    let mut response = if headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(CONTENT_TYPE, asset.content_type)], asset.bytes).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(ETAG, value);
    }
    response
}
