//! Reading forms and query strings.

use axum::extract::Query;
use axum::http::Uri;

use super::error::WebError;

/// The fields of a query string, or a refusal saying what is wrong with it.
pub fn query_of<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, WebError> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|e| WebError::BadRequest(e.body_text()))
}

/// The pairs of an `application/x-www-form-urlencoded` body.
pub fn url_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |&b| b == b'=');
            let k = percent_decode(it.next().unwrap_or_default());
            let v = percent_decode(it.next().unwrap_or_default());
            (k, v)
        })
}

/// The value of a form's field (the first if given twice); empty when it is missing.
pub fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// One part of a `multipart/form-data` body: a field, or a file with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// The file's name as the browser gave it; `None` for a plain field.
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

impl Part {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn multipart_boundary(content_type: Option<&str>) -> Option<String> {
    multer::parse_boundary(content_type?).ok()
}

/// The parts of a `multipart/form-data` body already read whole; a malformed body is refused.
pub async fn multipart_parts(
    boundary: &str,
    body: axum::body::Bytes,
) -> Result<Vec<Part>, WebError> {
    let stream = futures_once(body);
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    let bad = |e: multer::Error| WebError::BadRequest(format!("the form could not be read: {e}"));
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(bad)?.to_vec();
        parts.push(Part {
            name,
            file_name,
            bytes,
        });
    }
    Ok(parts)
}

/// A stream of one chunk: the whole body.
fn futures_once(
    body: axum::body::Bytes,
) -> impl futures_core::Stream<Item = Result<axum::body::Bytes, std::convert::Infallible>> {
    OneChunk(Some(body))
}

struct OneChunk(Option<axum::body::Bytes>);

impl futures_core::Stream for OneChunk {
    type Item = Result<axum::body::Bytes, std::convert::Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.take().map(Ok))
    }
}

fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        let pairs: Vec<_> = url_pairs(b"csrf=a%2Fb&name=J+Smith&x=%zz").collect();
        assert_eq!(pairs[0], ("csrf".into(), "a/b".into()));
        assert_eq!(pairs[1], ("name".into(), "J Smith".into()));
        assert_eq!(pairs[2], ("x".into(), "%zz".into()));
    }
}
