//! The smallest Typst world that prints Rollcall's documents: one fixed template, one JSON file
//! holding the documents, the fonts that ship with Typst, and a fixed date. It reads nothing from
//! disk and reaches no network.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The template every document is typeset with. It reads the documents from [`DATA_PATH`] with
/// `json(...)`, so their text is only ever data.
const TEMPLATE: &str = include_str!("template.typ");

/// Where the template finds the documents.
pub(crate) const DATA_PATH: &str = "/data.json";
const MAIN_PATH: &str = "/main.typ";

/// What every render shares, made once per process: the standard library, the fonts and the
/// parsed template.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    data_id: FileId,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        let main_id = file_id(MAIN_PATH);
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            main: Source::new(main_id, TEMPLATE.to_owned()),
            data_id: file_id(DATA_PATH),
        }
    })
}

fn file_id(path: &str) -> FileId {
    // Both paths are fixed, absolute and plain, so they are always valid virtual paths.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("{path} is a valid path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One render's world: the shared template and fonts, this render's documents as JSON, and the
/// day Typst takes for today.
pub(crate) struct RenderWorld {
    shared: &'static Shared,
    data: Bytes,
    today: Datetime,
}

impl RenderWorld {
    pub(crate) fn new(json: Vec<u8>, today: Datetime) -> RenderWorld {
        RenderWorld {
            shared: shared(),
            data: Bytes::new(json),
            today,
        }
    }
}

impl World for RenderWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.shared.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.shared.main.id() {
            Ok(self.shared.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.shared.data_id {
            Ok(self.data.clone())
        } else if id == self.shared.main.id() {
            Ok(Bytes::from_string(self.shared.main.clone()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}
