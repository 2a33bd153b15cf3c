//! What every page and API module shares, and nothing that belongs to one of them: the state
//! of the application, who is signed in, errors as responses, the frame of a page, reading forms
//! and formatting for people. Page modules import from here and never from one another; nothing
//! here imports a page module.

pub mod error;
pub mod format;
pub mod forms;
pub mod layout;
pub mod missing;
pub mod page;
pub mod session;
pub mod state;

pub use error::WebError;
pub use page::page;
pub use session::{MaybePrincipal, Principal};
pub use state::{AppState, Settings};

use rollcall_app::access::Permission;
use rollcall_core::Role;

/// One route and what it needs of the user's role; a test visits each as every role.
#[derive(Debug, Clone, Copy)]
pub struct RouteRule {
    pub method: &'static str,
    /// The route as the browser asks for it; `{upn}`, `{form}`, `{date}`, `{session}` stand for a
    /// pupil, form, school day and session of the test school.
    pub path: &'static str,
    pub permission: Permission,
}

impl RouteRule {
    /// The roles the route admits.
    pub fn roles(&self) -> &'static [Role] {
        self.permission.roles()
    }
}
