//! The web app (`web/`, built by Vite into `web/dist`) served from the same
//! origin as the API: hashed assets cached for a year, `index.html` for every
//! other page path (the app routes in the browser), and a plain page saying
//! how to build it when it was never built.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Paths that belong to the server, never to the app: unknown ones stay 404 problems.
const SERVER_PREFIXES: [&str; 6] = [
    "/api/",
    "/socket.io",
    "/docs",
    "/health",
    "/ready",
    "/metrics",
];

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rebloom</title>
</head><body>
<h1>Rebloom is running</h1>
<p>The API is up, but the web app has not been built. <code>bash scripts/run.sh</code> builds it
(Node.js 20+ and npm), or build it yourself with <code>npm ci --prefix web &amp;&amp; npm run build --prefix web</code>
and reload this page.</p>
<ul>
<li><a href="/docs/">API documentation</a> (OpenAPI at <a href="/api/openapi.json">/api/openapi.json</a>)</li>
<li><a href="/health">Health</a> and <a href="/ready">readiness</a></li>
</ul>
<p>If you are in crisis, please contact your local emergency number or find a helpline at findahelpline.com.</p>
</body></html>
"#;

/// Whether `dir` holds a built app.
pub fn is_built(dir: &Path) -> bool {
    dir.join("index.html").is_file()
}

/// Answers every request no route took: a file of the app, the app's page for
/// a client-side path, or 404 for server paths and missing files.
pub async fn serve(dir: PathBuf, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if SERVER_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    if !is_built(&dir) {
        return Html(NOT_BUILT).into_response();
    }
    // A path whose last segment has no dot is a page of the app; anything else is a file.
    let is_page = path
        .rsplit('/')
        .next()
        .is_none_or(|last| !last.contains('.'));
    let index = dir.join("index.html");
    let result = if is_page {
        ServeFile::new(index).oneshot(req).await
    } else {
        ServeDir::new(&dir).oneshot(req).await
    };
    let mut resp = match result {
        Ok(resp) => resp.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "serving the web app failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if resp.status().is_success() {
        // Vite names assets by content hash: they never change under one name.
        let cache = if path.starts_with("/assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    resp
}
