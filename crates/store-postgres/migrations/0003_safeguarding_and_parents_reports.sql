-- The designated safeguarding lead becomes a role.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('administrator', 'headteacher',
    'attendance_officer', 'head_of_year', 'form_tutor', 'office', 'governor', 'parent',
    'safeguarding_lead'));

-- Files a parent gave as evidence (an appointment card, a doctor's note): PDF or image.
CREATE TABLE evidence_files (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id      bigint NOT NULL REFERENCES pupils (id),
    file_name     text NOT NULL,
    content_type  text NOT NULL,
    bytes         bytea NOT NULL,
    uploaded_by   text NOT NULL,
    uploaded_at   timestamptz NOT NULL
);

CREATE INDEX evidence_files_pupil ON evidence_files (pupil_id);

-- A report says what kind of absence it is and where it came from; a parent's own report waits
-- for staff to turn it into a code.
ALTER TABLE absence_reports
    ADD COLUMN kind text NOT NULL DEFAULT 'other' CHECK (kind IN ('illness', 'appointment', 'other')),
    ADD COLUMN from_parent boolean NOT NULL DEFAULT false,
    ADD COLUMN awaiting_review boolean NOT NULL DEFAULT false,
    ADD COLUMN reviewed_by text,
    ADD COLUMN reviewed_at timestamptz,
    ADD COLUMN evidence_id bigint REFERENCES evidence_files (id);

CREATE INDEX absence_reports_awaiting ON absence_reports (awaiting_review) WHERE awaiting_review;

-- Requests for medical evidence, and the answer.
CREATE TABLE evidence_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id        bigint NOT NULL REFERENCES pupils (id),
    first_date      date NOT NULL,
    last_date       date NOT NULL,
    reason          text NOT NULL,
    requested_by    text NOT NULL,
    requested_role  text NOT NULL,
    requested_at    timestamptz NOT NULL,
    outcome         text CHECK (outcome IN ('provided', 'refused', 'withdrawn')),
    decision        text,
    answered_by     text,
    answered_role   text,
    answered_at     timestamptz,
    evidence_id     bigint REFERENCES evidence_files (id),
    CHECK ((outcome IS NULL) = (answered_at IS NULL))
);

CREATE INDEX evidence_requests_pupil ON evidence_requests (pupil_id, first_date);
