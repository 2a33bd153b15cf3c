-- The designated safeguarding lead becomes a role. SQLite cannot change a CHECK constraint in
-- place: the table is rebuilt (migrations run with foreign keys off and checked before commit).
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY,
    school_id INTEGER REFERENCES schools(id),
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('administrator', 'headteacher', 'attendance_officer',
        'head_of_year', 'form_tutor', 'office', 'governor', 'parent', 'safeguarding_lead')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    contact_reference TEXT
);
INSERT INTO users_new (id, school_id, username, display_name, role, password_hash, active,
    created_at, contact_reference)
SELECT id, school_id, username, display_name, role, password_hash, active, created_at,
    contact_reference
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- A report says what kind of absence it is and where it came from; a parent's own report waits
-- for staff to turn it into a code.
ALTER TABLE absence_reports ADD COLUMN kind TEXT NOT NULL DEFAULT 'other'
    CHECK (kind IN ('illness', 'appointment', 'other'));
ALTER TABLE absence_reports ADD COLUMN from_parent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE absence_reports ADD COLUMN awaiting_review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE absence_reports ADD COLUMN reviewed_by TEXT;
ALTER TABLE absence_reports ADD COLUMN reviewed_at TEXT;
ALTER TABLE absence_reports ADD COLUMN evidence_id INTEGER REFERENCES evidence_files(id);
CREATE INDEX absence_reports_awaiting ON absence_reports(awaiting_review) WHERE awaiting_review = 1;

-- Files a parent gave as evidence (an appointment card, a doctor's note): PDF or image.
CREATE TABLE evidence_files (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX evidence_files_pupil ON evidence_files(pupil_id);

-- Requests for medical evidence, and the answer.
CREATE TABLE evidence_requests (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    first_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_role TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    outcome TEXT CHECK (outcome IN ('provided', 'refused', 'withdrawn')),
    decision TEXT,
    answered_by TEXT,
    answered_role TEXT,
    answered_at TEXT,
    evidence_id INTEGER REFERENCES evidence_files(id),
    CHECK ((outcome IS NULL) = (answered_at IS NULL))
);
CREATE INDEX evidence_requests_pupil ON evidence_requests(pupil_id, first_date);
