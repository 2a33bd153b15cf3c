-- The attendance register: schools, calendars, the admission register, marks and amendments.
CREATE TABLE schools (
    id INTEGER PRIMARY KEY,
    urn TEXT UNIQUE,
    name TEXT NOT NULL,
    la TEXT,
    estab TEXT,
    am_opens TEXT,
    am_closes TEXT,
    pm_opens TEXT,
    pm_closes TEXT
);

CREATE TABLE half_terms (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX half_terms_school ON half_terms(school_id, start_date);

CREATE TABLE closures (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    sessions TEXT NOT NULL CHECK (sessions IN ('am', 'pm', 'both')),
    reason TEXT NOT NULL,
    -- Comma-separated year groups; empty for the whole school.
    year_groups TEXT NOT NULL DEFAULT '',
    CHECK (start_date <= end_date)
);
CREATE INDEX closures_school ON closures(school_id, start_date);

CREATE TABLE pupils (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    upn TEXT NOT NULL,
    surname TEXT NOT NULL,
    forename TEXT NOT NULL,
    dob TEXT NOT NULL,
    sex TEXT CHECK (sex IN ('M', 'F')),
    year_group TEXT NOT NULL,
    form TEXT,
    admission_date TEXT NOT NULL,
    leaving_date TEXT,
    fsm INTEGER NOT NULL DEFAULT 0,
    pupil_premium INTEGER NOT NULL DEFAULT 0,
    looked_after INTEGER NOT NULL DEFAULT 0,
    social_worker INTEGER NOT NULL DEFAULT 0,
    eal INTEGER NOT NULL DEFAULT 0,
    young_carer INTEGER NOT NULL DEFAULT 0,
    sen TEXT NOT NULL DEFAULT 'N' CHECK (sen IN ('N', 'K', 'E')),
    ethnicity TEXT,
    deletion_ground TEXT,
    UNIQUE (school_id, upn)
);
CREATE INDEX pupils_form ON pupils(school_id, form);

-- One row per pupil, date and session: the register as it stands.
CREATE TABLE marks (
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    date TEXT NOT NULL,
    session TEXT NOT NULL CHECK (session IN ('AM', 'PM')),
    code TEXT NOT NULL,
    minutes_late INTEGER,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (pupil_id, date, session)
) WITHOUT ROWID;

-- Every change to a mark, with the entry it replaced. Append only.
CREATE TABLE amendments (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    date TEXT NOT NULL,
    session TEXT NOT NULL CHECK (session IN ('AM', 'PM')),
    original_code TEXT NOT NULL,
    original_minutes_late INTEGER,
    original_recorded_by TEXT NOT NULL,
    original_recorded_role TEXT NOT NULL,
    original_recorded_at TEXT NOT NULL,
    code TEXT NOT NULL,
    minutes_late INTEGER,
    reason TEXT NOT NULL CHECK (reason <> ''),
    amended_by TEXT NOT NULL,
    amended_role TEXT NOT NULL,
    amended_at TEXT NOT NULL
);
CREATE INDEX amendments_pupil ON amendments(pupil_id, date, session);

-- Registers are evidence: a mark is never deleted and an amendment never changes.
CREATE TRIGGER marks_are_never_deleted BEFORE DELETE ON marks
BEGIN
    SELECT RAISE(ABORT, 'marks are never deleted');
END;
CREATE TRIGGER amendments_are_never_changed BEFORE UPDATE ON amendments
BEGIN
    SELECT RAISE(ABORT, 'amendments are never changed');
END;
CREATE TRIGGER amendments_are_never_deleted BEFORE DELETE ON amendments
BEGIN
    SELECT RAISE(ABORT, 'amendments are never deleted');
END;

-- Each pupil's marks for an academic year, one byte per session (a national code's number, 0 for
-- no mark), kept in the same transaction as `marks` so that a year's figures load in one read.
-- Derived from `marks`, which remains the record.
CREATE TABLE register_lines (
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    academic_year INTEGER NOT NULL,
    line BLOB NOT NULL,
    PRIMARY KEY (pupil_id, academic_year)
) WITHOUT ROWID;

-- Attendance policies, as written; a school's, or the defaults for every school (no school).
-- Each save is a new version; nothing is overwritten.
CREATE TABLE policies (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER REFERENCES schools(id),
    text TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX policies_school ON policies(school_id, version);
CREATE TRIGGER policies_are_never_changed BEFORE UPDATE ON policies
BEGIN
    SELECT RAISE(ABORT, 'policies are never changed: save a new version');
END;
CREATE TRIGGER policies_are_never_deleted BEFORE DELETE ON policies
BEGIN
    SELECT RAISE(ABORT, 'policies are never deleted: save a new version');
END;

-- People who sign in, and what each reaches.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    school_id INTEGER REFERENCES schools(id),
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('administrator', 'headteacher', 'attendance_officer',
        'head_of_year', 'form_tutor', 'office', 'governor', 'parent')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE user_year_groups (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    year_group TEXT NOT NULL,
    PRIMARY KEY (user_id, year_group)
) WITHOUT ROWID;
CREATE TABLE user_forms (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    form TEXT NOT NULL,
    PRIMARY KEY (user_id, form)
) WITHOUT ROWID;
CREATE TABLE user_children (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    PRIMARY KEY (user_id, pupil_id)
) WITHOUT ROWID;

-- Sign-in sessions, by the hash of the token the browser holds.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;

-- Whom to contact about a pupil, in order.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    priority INTEGER NOT NULL,
    name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    parental_responsibility INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX contacts_pupil ON contacts(pupil_id, priority);

-- What a parent reported, applied to the register with the marks it wrote.
CREATE TABLE absence_reports (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    first_date TEXT NOT NULL,
    first_session TEXT NOT NULL CHECK (first_session IN ('AM', 'PM')),
    last_date TEXT NOT NULL,
    last_session TEXT NOT NULL CHECK (last_session IN ('AM', 'PM')),
    reason TEXT NOT NULL,
    code TEXT NOT NULL,
    expected_return TEXT,
    reported_by TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX absence_reports_pupil ON absence_reports(pupil_id, first_date);
