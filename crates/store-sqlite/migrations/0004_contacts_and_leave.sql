-- Contacts become people, once each by the school's own reference for them, linked to each pupil
-- they are a contact for. The old per-pupil rows are copied: each becomes a person of its own
-- (reference 'C' and its id), the name split at its first space, and lives-with and may-collect
-- taken from parental responsibility.
CREATE TABLE contact_people (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    reference TEXT NOT NULL,
    forename TEXT NOT NULL,
    surname TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    UNIQUE (school_id, reference)
);

CREATE TABLE pupil_contacts (
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    person_id INTEGER NOT NULL REFERENCES contact_people(id),
    relationship TEXT NOT NULL,
    parental_responsibility INTEGER NOT NULL,
    lives_with INTEGER NOT NULL,
    priority INTEGER NOT NULL CHECK (priority >= 0),
    may_collect INTEGER NOT NULL,
    PRIMARY KEY (pupil_id, person_id)
) WITHOUT ROWID;
CREATE INDEX pupil_contacts_person ON pupil_contacts(person_id);

INSERT INTO contact_people (id, school_id, reference, forename, surname, phone, email)
SELECT c.id, p.school_id, 'C' || c.id,
       CASE WHEN instr(c.name, ' ') > 0 THEN substr(c.name, 1, instr(c.name, ' ') - 1) ELSE '' END,
       CASE WHEN instr(c.name, ' ') > 0 THEN substr(c.name, instr(c.name, ' ') + 1) ELSE c.name END,
       c.phone, c.email
FROM contacts c JOIN pupils p ON p.id = c.pupil_id;

INSERT INTO pupil_contacts (pupil_id, person_id, relationship, parental_responsibility,
    lives_with, priority, may_collect)
SELECT pupil_id, id, relationship, parental_responsibility, parental_responsibility, priority,
       parental_responsibility
FROM contacts;

DROP TABLE contacts;

-- A parent's own entry among the school's contacts.
ALTER TABLE users ADD COLUMN contact_reference TEXT;

-- Applications for leave of absence and the decision on each.
CREATE TABLE leave_applications (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    person_id INTEGER NOT NULL REFERENCES contact_people(id),
    first_date TEXT NOT NULL,
    first_session TEXT NOT NULL CHECK (first_session IN ('AM', 'PM')),
    last_date TEXT NOT NULL,
    last_session TEXT NOT NULL CHECK (last_session IN ('AM', 'PM')),
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    granted INTEGER,
    decided_on TEXT,
    decision_reason TEXT,
    granted_first_date TEXT,
    granted_first_session TEXT CHECK (granted_first_session IN ('AM', 'PM')),
    granted_last_date TEXT,
    granted_last_session TEXT CHECK (granted_last_session IN ('AM', 'PM')),
    decided_by TEXT,
    decided_role TEXT,
    decided_at TEXT,
    CHECK ((granted IS NULL) = (decided_on IS NULL))
);
CREATE INDEX leave_applications_pupil ON leave_applications(pupil_id, first_date);
