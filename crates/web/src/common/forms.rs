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
