//! Errors as responses: a page for people, JSON for the API, and no personal data in either log
//! or message beyond what the user may see.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rollcall_app::{AppError, Refusal};

use super::page::message_page;
use super::session::Principal;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not signed in, or the session has ended.
    #[error("please sign in")]
    SignIn,
    /// Signed in, but the role or reach does not allow this.
    #[error("you do not have access to this page")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The request is wrong in a way the user can fix; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// Someone else changed the same thing first.
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts: {0}")]
    TooManyRequests(String),
    #[error("the form has expired or did not come from this site; go back, reload the page and try again")]
    Csrf,
    #[error("something went wrong on the server")]
    Internal(String),
}

impl From<Refusal> for WebError {
    /// The one mapping from a use case's refusal to a response, for pages and the API alike.
    fn from(e: Refusal) -> WebError {
        match e {
            Refusal::Forbidden => WebError::Forbidden,
            Refusal::NotFound(_) => WebError::NotFound,
            Refusal::Invalid(_) => WebError::BadRequest(e.to_string()),
            Refusal::Conflict { message, .. } => WebError::Conflict(message),
            Refusal::Store(e) => WebError::Internal(e.to_string()),
            Refusal::Internal(m) => WebError::Internal(m),
        }
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        Refusal::from(e).into()
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::SignIn => StatusCode::UNAUTHORIZED,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

tokio::task_local! {
    /// Whether the request being answered is for the JSON API (errors answer in JSON there).
    pub static API_REQUEST: bool;
    /// Who is signed in for the request being answered, if anyone: an error page is drawn with
    /// their navigation and sign-out button.
    pub static SIGNED_IN: Option<Principal>;
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            // The detail stays in the server's log; it names no pupil (store errors carry ids).
            eprintln!("error: {detail}");
        }
        let api = API_REQUEST.try_with(|a| *a).unwrap_or(false);
        let status = self.status();
        if api {
            let body = serde_json::json!({ "error": self.to_string(), "status": status.as_u16() });
            return (status, axum::Json(body)).into_response();
        }
        if matches!(self, WebError::SignIn) {
            return (StatusCode::SEE_OTHER, [(header::LOCATION, "/sign-in")]).into_response();
        }
        let user = SIGNED_IN.try_with(Clone::clone).ok().flatten();
        let page = message_page(status, &self.to_string(), user.as_ref());
        (status, page).into_response()
    }
}

pub async fn not_found(uri: Uri) -> WebError {
    let _ = uri;
    WebError::NotFound
}
