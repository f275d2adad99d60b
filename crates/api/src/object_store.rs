//! The record store's ciphertexts in an S3-compatible object store
//! (`docs/health.md`, "An object store for ciphertexts"): AWS S3, MinIO,
//! Ceph RGW, Garage and the like, spoken to over HTTP(S) with requests
//! signed by AWS Signature Version 4.
//!
//! The layout and the ordering are the directory store's
//! ([`publica_store::blobs::BlobStore`]): a blob is the object
//! `<prefix><id>`, its metadata `<prefix><id>.meta`, written blob first
//! and deleted metadata first, so a blob counts as stored only once its
//! metadata is. S3 makes each object durable before it answers a `PUT`.
//! Opening lists the prefix and removes blobs whose metadata never came
//! (a crash between the two writes). One node, one prefix: two nodes
//! sharing a prefix would sweep each other's uploads.
//!
//! The credentials come from the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY` and, for temporary ones, `AWS_SESSION_TOKEN`),
//! never from a flag a process listing would show, and are never logged.

use publica_store::blobs::{valid_id, BlobRecovery, Blobs, Stored};
use publica_store::StoreError;
use reqwest::blocking::{Client, Response};
use reqwest::{Method, StatusCode, Url};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The longest object prefix accepted.
pub const PREFIX_CHARS_MAX: usize = 256;

/// Tries of one request that failed on the way or with a 5xx answer.
const TRIES: u32 = 3;

/// Where the record store keeps its ciphertexts, when not in its folder.
#[derive(Clone)]
pub struct S3Config {
    /// The bucket's URL: path style (`http://minio:9000/records`) or
    /// virtual-hosted (`https://records.s3.eu-west-1.amazonaws.com`).
    pub bucket_url: Url,
    /// Prepended to every object's name, e.g. `node-1/`.
    pub prefix: String,
    /// The signing region (`us-east-1` for most non-AWS stores).
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket_url", &self.bucket_url.as_str())
            .field("prefix", &self.prefix)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl S3Config {
    /// Checks the settings and takes the credentials from the environment.
    /// The message says what is wrong.
    pub fn from_env(bucket_url: &str, prefix: &str, region: &str) -> Result<S3Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err("an S3 record store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment".into());
        };
        S3Config::new(
            bucket_url,
            prefix,
            region,
            id,
            secret,
            var("AWS_SESSION_TOKEN"),
        )
    }

    /// Checks the settings.
    pub fn new(
        bucket_url: &str,
        prefix: &str,
        region: &str,
        access_key_id: String,
        secret_access_key: String,
        session_token: Option<String>,
    ) -> Result<S3Config, String> {
        let url = Url::parse(bucket_url).map_err(|e| format!("bucket URL {bucket_url:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(format!(
                "bucket URL {bucket_url:?}: give http(s)://host[:port][/bucket], without query, fragment or credentials"
            ));
        }
        let path_ok = url
            .path()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._/".contains(&b));
        if !path_ok {
            return Err(format!(
                "bucket URL {bucket_url:?}: a bucket name is letters, digits, '-', '.' and '_'"
            ));
        }
        let prefix_ok = prefix.len() <= PREFIX_CHARS_MAX
            && !prefix.starts_with('/')
            && !prefix.contains("//")
            && !prefix.split('/').any(|s| s == "." || s == "..")
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._/".contains(&b));
        if !prefix_ok {
            return Err(format!(
                "object prefix {prefix:?}: at most {PREFIX_CHARS_MAX} of letters, digits, '-', '.', '_' and '/', not starting with '/'"
            ));
        }
        let region_ok = !region.is_empty()
            && region.len() <= 64
            && region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !region_ok {
            return Err(format!("region {region:?}: letters, digits and '-'"));
        }
        let printable =
            |s: &str| !s.is_empty() && s.len() <= 4096 && s.bytes().all(|b| b.is_ascii_graphic());
        if !printable(&access_key_id) || !printable(&secret_access_key) {
            return Err(
                "the S3 access key id and secret are printable ASCII without spaces".into(),
            );
        }
        if session_token.as_deref().is_some_and(|t| !printable(t)) {
            return Err("AWS_SESSION_TOKEN is printable ASCII without spaces".into());
        }
        let mut bucket_url = url;
        let trimmed = bucket_url.path().trim_end_matches('/').to_string();
        bucket_url.set_path(&trimmed);
        Ok(S3Config {
            bucket_url,
            prefix: prefix.to_string(),
            region: region.to_string(),
            access_key_id,
            secret_access_key,
            session_token,
        })
    }
}

/// The record store's blobs in a bucket.
#[derive(Debug)]
pub struct S3Store {
    config: S3Config,
    client: Client,
}

fn failed(context: String, why: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        context,
        source: std::io::Error::other(why.to_string()),
    }
}

impl S3Store {
    /// Connects, checks that the bucket answers to these credentials and
    /// removes blobs whose metadata an interrupted write never stored.
    pub fn open(config: S3Config) -> Result<(S3Store, BlobRecovery), StoreError> {
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| failed("starting the S3 client".into(), e))?;
        let store = S3Store { config, client };
        let mut report = BlobRecovery::default();
        let keys = store.list()?;
        let metas: std::collections::HashSet<&str> = keys
            .iter()
            .filter_map(|k| k.strip_suffix(".meta"))
            .collect();
        for id in keys.iter().filter(|k| valid_id(k)) {
            if metas.contains(id.as_str()) {
                report.kept += 1;
            } else {
                store.remove(id)?;
                report.incomplete += 1;
            }
        }
        Ok((store, report))
    }

    fn object_url(&self, name: &str) -> Url {
        let mut url = self.config.bucket_url.clone();
        let path = format!(
            "{}/{}{name}",
            url.path().trim_end_matches('/'),
            self.config.prefix
        );
        url.set_path(&path);
        url
    }

    /// Sends one signed request, again when it failed on the way or with
    /// a 5xx answer (every request here is idempotent).
    fn send(&self, method: Method, url: Url, body: &[u8]) -> Result<Response, StoreError> {
        let what = || format!("S3 {method} {}", url.path());
        let payload_hash = hex::encode(Sha256::digest(body));
        let mut last = String::new();
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 << attempt));
            }
            let amz_date = amz_date(std::time::SystemTime::now());
            let host = host_header(&url);
            let mut signed = vec![
                ("host", host.as_str()),
                ("x-amz-content-sha256", payload_hash.as_str()),
                ("x-amz-date", amz_date.as_str()),
            ];
            if let Some(t) = &self.config.session_token {
                signed.push(("x-amz-security-token", t.as_str()));
            }
            let auth = authorization(
                &self.config,
                method.as_str(),
                url.path(),
                url.query().unwrap_or(""),
                &signed,
                &payload_hash,
                &amz_date,
            );
            let mut req = self
                .client
                .request(method.clone(), url.clone())
                .header("authorization", auth);
            for (name, value) in &signed[1..] {
                req = req.header(*name, *value);
            }
            if method == Method::PUT {
                req = req.body(body.to_vec());
            }
            match req.send() {
                Ok(r) if r.status().is_server_error() => last = answer_error(r),
                Ok(r) => return Ok(r),
                Err(e) => last = e.to_string(),
            }
        }
        Err(failed(what(), format!("{last} (after {TRIES} tries)")))
    }

    fn expect(
        &self,
        method: Method,
        name: &str,
        body: &[u8],
        ok: &[StatusCode],
    ) -> Result<Response, StoreError> {
        let url = self.object_url(name);
        let r = self.send(method.clone(), url.clone(), body)?;
        if ok.contains(&r.status()) {
            Ok(r)
        } else {
            Err(failed(
                format!("S3 {method} {}", url.path()),
                answer_error(r),
            ))
        }
    }

    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let r = self.expect(
            Method::GET,
            name,
            &[],
            &[StatusCode::OK, StatusCode::NOT_FOUND],
        )?;
        if r.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let bytes = r.bytes().map_err(|e| failed(format!("S3 GET {name}"), e))?;
        Ok(Some(bytes.to_vec()))
    }

    fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.expect(
            Method::DELETE,
            name,
            &[],
            &[
                StatusCode::OK,
                StatusCode::NO_CONTENT,
                StatusCode::NOT_FOUND,
            ],
        )
        .map(drop)
    }

    /// Every object name under the prefix, without it (ListObjectsV2,
    /// page by page).
    fn list(&self) -> Result<Vec<String>, StoreError> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![
                ("list-type".to_string(), "2".to_string()),
                ("prefix".to_string(), self.config.prefix.clone()),
            ];
            if let Some(t) = &token {
                query.push(("continuation-token".to_string(), t.clone()));
            }
            let mut url = self.config.bucket_url.clone();
            if url.path().is_empty() {
                url.set_path("/");
            }
            url.set_query(Some(&canonical_query(&query)));
            let r = self.send(Method::GET, url.clone(), &[])?;
            let context = || format!("S3 list {}{}", self.config.bucket_url, self.config.prefix);
            if r.status() != StatusCode::OK {
                return Err(failed(context(), answer_error(r)));
            }
            let text = r.text().map_err(|e| failed(context(), e))?;
            let page = parse_list(&text).map_err(|e| failed(context(), e))?;
            for key in page.keys {
                if let Some(name) = key.strip_prefix(&self.config.prefix) {
                    names.push(name.to_string());
                }
            }
            match page.next {
                Some(t) if page.truncated => token = Some(t),
                _ => return Ok(names),
            }
        }
    }
}

impl Blobs for S3Store {
    fn put(&self, id: &str, blob: &[u8], meta: &[u8]) -> Result<(), StoreError> {
        assert!(valid_id(id), "blob ids are checked by the caller");
        self.expect(Method::PUT, id, blob, &[StatusCode::OK])?;
        self.expect(Method::PUT, &format!("{id}.meta"), meta, &[StatusCode::OK])
            .map(drop)
    }

    fn contains(&self, id: &str) -> Result<bool, StoreError> {
        if !valid_id(id) {
            return Ok(false);
        }
        let r = self.expect(
            Method::HEAD,
            &format!("{id}.meta"),
            &[],
            &[StatusCode::OK, StatusCode::NOT_FOUND],
        )?;
        Ok(r.status() == StatusCode::OK)
    }

    fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let Some(meta) = self.meta(id)? else {
            return Ok(None);
        };
        match self.read(id)? {
            Some(blob) => Ok(Some((blob, meta))),
            None => Err(failed(
                format!("S3 GET {id}"),
                "the metadata is there but the blob is not",
            )),
        }
    }

    fn meta(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if !valid_id(id) {
            return Ok(None);
        }
        self.read(&format!("{id}.meta"))
    }

    fn delete(&self, id: &str) -> Result<bool, StoreError> {
        if !valid_id(id) {
            return Ok(false);
        }
        let had = self.contains(id)?;
        self.remove(&format!("{id}.meta"))?;
        self.remove(id)?;
        Ok(had)
    }

    fn ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .list()?
            .into_iter()
            .filter_map(|k| k.strip_suffix(".meta").map(str::to_string))
            .filter(|k| valid_id(k))
            .collect())
    }
}

/// What an error answer says: its status and the S3 error code.
fn answer_error(r: Response) -> String {
    let status = r.status();
    let body = r.text().unwrap_or_default();
    match xml_values(&body, "Code").into_iter().next() {
        Some(code) => format!("{status} {code}"),
        None => status.to_string(),
    }
}

/// The `Host` header reqwest sends for `url`: the port only when not the
/// scheme's default.
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
fn amz_date(at: std::time::SystemTime) -> String {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (y, m, d) = publica_types::calendar::civil_from_days(days);
    let s = secs % 86_400;
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// RFC 3986 encoding as SigV4 wants it: unreserved characters kept,
/// every other byte as `%XX`.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string, encoded and sorted as SigV4 signs it (and as sent).
fn canonical_query(params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Authorization` header of a request (AWS Signature Version 4, for
/// service `s3`). `path` and `query` are as sent (already encoded);
/// `headers` are the signed ones, names in lower case.
fn authorization(
    config: &S3Config,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    payload_hash: &str,
    amz_date: &str,
) -> String {
    let mut headers = headers.to_vec();
    headers.sort();
    let canonical_headers: String = headers
        .iter()
        .map(|(n, v)| format!("{n}:{}\n", v.trim()))
        .collect();
    let signed = headers
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(";");
    let path = if path.is_empty() { "/" } else { path };
    let request =
        format!("{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{payload_hash}");
    let date = &amz_date[..8];
    let scope = format!("{date}/{}/s3/aws4_request", config.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(request.as_bytes()))
    );
    let mut key = publica_crypto::hmac_sha256(
        format!("AWS4{}", config.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [config.region.as_str(), "s3", "aws4_request"] {
        key = publica_crypto::hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex::encode(publica_crypto::hmac_sha256(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope},SignedHeaders={signed},Signature={signature}",
        config.access_key_id
    )
}

/// One page of a ListObjectsV2 answer.
#[derive(Debug, PartialEq, Eq)]
struct ListPage {
    keys: Vec<String>,
    truncated: bool,
    next: Option<String>,
}

fn parse_list(xml: &str) -> Result<ListPage, String> {
    if !xml.contains("<ListBucketResult") {
        return Err("the answer is not a ListBucketResult".into());
    }
    Ok(ListPage {
        keys: xml_values(xml, "Key"),
        truncated: xml_values(xml, "IsTruncated")
            .first()
            .is_some_and(|v| v == "true"),
        next: xml_values(xml, "NextContinuationToken").into_iter().next(),
    })
}

/// The text of every `<tag>…</tag>`, unescaped. Enough for S3's flat
/// answers; element names here never nest in themselves.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signing example of the Amazon S3 API reference ("Signature
    /// calculations for the Authorization header", GET Object): its
    /// example keys and the signature it publishes.
    #[test]
    fn signature_v4_matches_the_published_s3_example() {
        let config = S3Config::new(
            "https://examplebucket.s3.amazonaws.com",
            "",
            "us-east-1",
            "AKIAIOSFODNN7EXAMPLE".into(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            None,
        )
        .unwrap();
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let auth = authorization(
            &config,
            "GET",
            "/test.txt",
            "",
            &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", empty),
                ("x-amz-date", "20130524T000000Z"),
            ],
            empty,
            "20130524T000000Z",
        );
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn dates_queries_and_list_answers() {
        let at = std::time::UNIX_EPOCH + Duration::from_secs(1_369_353_600 + 3_723);
        assert_eq!(amz_date(at), "20130524T010203Z");
        assert_eq!(
            canonical_query(&[
                ("prefix".into(), "node 1/a".into()),
                ("list-type".into(), "2".into()),
            ]),
            "list-type=2&prefix=node%201%2Fa"
        );
        let page = parse_list(
            "<?xml version=\"1.0\"?><ListBucketResult><IsTruncated>true</IsTruncated>\
             <Contents><Key>p/a</Key></Contents><Contents><Key>p/a.meta</Key></Contents>\
             <NextContinuationToken>x&amp;y</NextContinuationToken></ListBucketResult>",
        )
        .unwrap();
        assert_eq!(
            page,
            ListPage {
                keys: vec!["p/a".into(), "p/a.meta".into()],
                truncated: true,
                next: Some("x&y".into()),
            }
        );
        assert!(parse_list("<Error><Code>AccessDenied</Code></Error>").is_err());
    }

    #[test]
    fn settings_are_checked_and_the_secret_never_printed() {
        let ok = |url: &str, prefix: &str| {
            S3Config::new(url, prefix, "us-east-1", "id".into(), "s3cr3t".into(), None)
        };
        let c = ok("http://127.0.0.1:9000/records/", "node-1/").unwrap();
        assert_eq!(c.bucket_url.as_str(), "http://127.0.0.1:9000/records");
        assert!(!format!("{c:?}").contains("s3cr3t"));
        for (url, prefix) in [
            ("ftp://host/b", ""),
            ("http://host/b?x=1", ""),
            ("http://user:pw@host/b", ""),
            ("http://host/b%20c", ""),
            ("http://host/b", "/abs"),
            ("http://host/b", "a/../b"),
            ("http://host/b", "a//b"),
            ("http://host/b", "a b"),
        ] {
            assert!(ok(url, prefix).is_err(), "{url} {prefix}");
        }
        assert!(S3Config::new("http://h/b", "", "us east", "i".into(), "s".into(), None).is_err());
        assert!(S3Config::new("http://h/b", "", "us-east-1", "".into(), "s".into(), None).is_err());
    }
}
