//! `publica read`: any module's read route, from the module registry.
//!
//! The routes are the ones the node serves (`Module::routes`), so a module
//! that declares a route is readable from the CLI with no CLI code.

use crate::client::{api_error, pretty};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use publica_api::module_routes::registered;
use publica_runtime::routes::{Place, Route, Verb, ROUTE_BODY_BYTES_MAX};
use std::io::Read;
use std::path::PathBuf;

/// `publica read [<module> [<route> <path params>…]]`.
#[derive(Args, Debug)]
pub struct ReadArgs {
    /// The module (without it: every module's routes).
    module: Option<String>,
    /// The route's name (without it: the module's routes).
    route: Option<String>,
    /// The route's path parameters, in order.
    args: Vec<String>,
    /// A query parameter, `name=value` (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// For a POST route: the JSON body, from a file (`-`: stdin).
    #[arg(long)]
    body: Option<PathBuf>,
    /// Node URL.
    #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
    node: String,
}

/// Runs `publica read`.
pub async fn run(a: ReadArgs) -> Result<()> {
    let registry = registered();
    let Some(module) = a.module.as_deref() else {
        for (module, routes) in &registry {
            print_routes(module, routes);
        }
        return Ok(());
    };
    let routes = registry
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, r)| *r)
        .ok_or_else(|| {
            let names: Vec<&str> = registry.iter().map(|(m, _)| *m).collect();
            anyhow!(
                "no module '{module}'; the modules are: {}",
                names.join(", ")
            )
        })?;
    let Some(name) = a.route.as_deref() else {
        print_routes(module, routes);
        return Ok(());
    };
    let route = routes.iter().find(|r| r.name == name).ok_or_else(|| {
        let names: Vec<&str> = routes.iter().map(|r| r.name).collect();
        anyhow!(
            "module '{module}' has no route '{name}'; its routes are: {}",
            names.join(", ")
        )
    })?;
    let url = route_url(&a.node, route, &a.args, &a.params)?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .context("building the HTTP client")?;
    let request = match route.verb {
        Verb::Get => {
            if a.body.is_some() {
                bail!("{module} {name} is a GET route; it takes no --body");
            }
            http.get(url.clone())
        }
        Verb::Post => {
            let path = a.body.as_ref().ok_or_else(|| {
                anyhow!("{module} {name} needs --body FILE (JSON; '-' for stdin)")
            })?;
            http.post(url.clone())
                .header("content-type", "application/json")
                .body(read_body(path)?)
        }
    };
    let resp = request
        .send()
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let status = resp.status().as_u16();
    let is_json = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let text = resp.text().await.context("reading the node's answer")?;
    let json = serde_json::from_str::<serde_json::Value>(&text).ok();
    if status != 200 {
        let v = json.unwrap_or(serde_json::Value::String(text));
        return Err(api_error(status, &v));
    }
    match json {
        Some(v) if is_json => crate::outln!("{}", pretty(&v)),
        _ => crate::out!("{text}"),
    }
    Ok(())
}

fn print_routes(module: &str, routes: &[Route]) {
    for r in routes {
        let mut usage = format!("{module} {}", r.name);
        for p in r.path_params() {
            usage.push_str(&format!(" <{}>", p.name));
        }
        for p in r.params.iter().filter(|p| p.place == Place::Query) {
            usage.push_str(&format!(" [--param {}=…]", p.name));
        }
        if r.verb == Verb::Post {
            usage.push_str(" --body FILE");
        }
        crate::outln!("{usage}\n    {}", r.summary);
    }
}

/// The URL of `route` on `node` with these path arguments (in the route's
/// order, each percent-encoded as one segment) and `name=value` query
/// parameters.
fn route_url(
    node: &str,
    route: &Route,
    args: &[String],
    params: &[String],
) -> Result<reqwest::Url> {
    let names: Vec<&str> = route.path_params().map(|p| p.name).collect();
    if args.len() != names.len() {
        let want: Vec<String> = names.iter().map(|n| format!("<{n}>")).collect();
        bail!(
            "{} takes {} argument(s): {}",
            route.name,
            names.len(),
            if want.is_empty() {
                "none".to_string()
            } else {
                want.join(" ")
            }
        );
    }
    let mut url = reqwest::Url::parse(node.trim_end_matches('/'))
        .with_context(|| format!("'{node}' is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("node URL must start with http:// or https://, got '{node}'");
    }
    {
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| anyhow!("'{node}' cannot take a path"))?;
        segments.pop_if_empty();
        for part in route.path.trim_start_matches('/').split('/') {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    let i = names.iter().position(|n| *n == name).expect("declared");
                    if args[i].is_empty() {
                        bail!("<{name}> must not be empty");
                    }
                    segments.push(&args[i]);
                }
                None => {
                    segments.push(part);
                }
            }
        }
    }
    for p in params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow!("--param takes NAME=VALUE, got '{p}'"))?;
        if !route
            .params
            .iter()
            .any(|d| d.place == Place::Query && d.name == k)
        {
            let known: Vec<&str> = route
                .params
                .iter()
                .filter(|d| d.place == Place::Query)
                .map(|d| d.name)
                .collect();
            bail!(
                "{} has no parameter '{k}'; it takes: {}",
                route.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
        url.query_pairs_mut().append_pair(k, v);
    }
    Ok(url)
}

fn read_body(path: &std::path::Path) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    let limit = ROUTE_BODY_BYTES_MAX as u64 + 1;
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(limit)
            .read_to_end(&mut body)
            .context("reading the body from stdin")?;
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("opening {}", path.display()))?
            .take(limit)
            .read_to_end(&mut body)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    if body.len() > ROUTE_BODY_BYTES_MAX {
        bail!("the body is over {ROUTE_BODY_BYTES_MAX} bytes");
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(module: &str, name: &str) -> &'static Route {
        registered()
            .into_iter()
            .find(|(m, _)| *m == module)
            .and_then(|(_, rs)| rs.iter().find(|r| r.name == name))
            .expect("route registered")
    }

    #[test]
    fn path_arguments_are_encoded_as_one_segment() {
        let r = route("money", "account");
        let url = route_url("http://127.0.0.1:1/", r, &["a/b?c".into()], &[]).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/v1/money/accounts/a%2Fb%3Fc"
        );
    }

    #[test]
    fn argument_count_and_unknown_parameters_are_refused() {
        let r = route("money", "account");
        let e = route_url("http://127.0.0.1:1", r, &[], &[]).unwrap_err();
        assert!(e.to_string().contains("takes 1 argument(s): <id>"), "{e}");
        let e = route_url("http://127.0.0.1:1", r, &["x".into()], &["nope=1".into()]).unwrap_err();
        assert!(e.to_string().contains("no parameter 'nope'"), "{e}");
        let e = route_url("http://127.0.0.1:1", r, &["x".into()], &["nope".into()]).unwrap_err();
        assert!(e.to_string().contains("NAME=VALUE"), "{e}");
    }
}
