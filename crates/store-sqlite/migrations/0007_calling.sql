-- First-day calling as it happens: each attempt to reach a pupil's contact, each message sent to
-- a parent, and the steps taken when nobody is reached.

-- An attempt to reach one contact about an absence; a parent's reason is linked to the absence
-- report it was recorded as.
CREATE TABLE call_attempts (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    absence_date TEXT NOT NULL,
    absence_session TEXT NOT NULL CHECK (absence_session IN ('AM', 'PM')),
    person_id INTEGER NOT NULL REFERENCES contact_people(id),
    parent INTEGER NOT NULL,
    number TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('reason_given', 'no_answer', 'voicemail',
        'wrong_number', 'message_sent')),
    note TEXT NOT NULL,
    report_id INTEGER REFERENCES absence_reports(id),
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX call_attempts_day ON call_attempts(absence_date, pupil_id);

-- A message about an absence to one parent: saved before it is sent, its outcome after.
CREATE TABLE parent_messages (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    absence_date TEXT NOT NULL,
    absence_session TEXT NOT NULL CHECK (absence_session IN ('AM', 'PM')),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    person_id INTEGER NOT NULL REFERENCES contact_people(id),
    recipient TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    sent INTEGER,
    detail TEXT,
    message_id TEXT,
    outcome_at TEXT,
    CHECK ((sent IS NULL) = (outcome_at IS NULL))
);
CREATE INDEX parent_messages_day ON parent_messages(absence_date, pupil_id);

-- The steps taken when nobody is reached: one of each kind per pupil and day, dated, owned and
-- closed with an outcome.
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    kind TEXT NOT NULL CHECK (kind IN ('safeguarding_flag', 'home_visit', 'missing_education')),
    about TEXT NOT NULL,
    reason TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_role TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    owner_id INTEGER REFERENCES users(id),
    assigned_by TEXT,
    assigned_role TEXT,
    assigned_at TEXT,
    contact_made INTEGER,
    outcome TEXT,
    closed_by TEXT,
    closed_role TEXT,
    closed_at TEXT,
    UNIQUE (pupil_id, kind, about),
    CHECK ((outcome IS NULL) = (closed_at IS NULL))
);
CREATE INDEX escalations_open ON escalations(pupil_id) WHERE closed_at IS NULL;
