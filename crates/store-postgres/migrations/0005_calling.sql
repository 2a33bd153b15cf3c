-- First-day calling as it happens: each attempt to reach a pupil's contact, each message sent to
-- a parent, and the steps taken when nobody is reached.

-- An attempt to reach one contact about an absence; a parent's reason is linked to the absence
-- report it was recorded as.
CREATE TABLE call_attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id         bigint NOT NULL REFERENCES pupils (id),
    absence_date     date NOT NULL,
    absence_session  text NOT NULL CHECK (absence_session IN ('AM', 'PM')),
    person_id        bigint NOT NULL REFERENCES contact_people (id),
    parent           boolean NOT NULL,
    number           text NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('reason_given', 'no_answer', 'voicemail',
                         'wrong_number', 'message_sent')),
    note             text NOT NULL,
    report_id        bigint REFERENCES absence_reports (id),
    recorded_by      text NOT NULL,
    recorded_role    text NOT NULL,
    recorded_at      timestamptz NOT NULL
);

CREATE INDEX call_attempts_day ON call_attempts (absence_date, pupil_id);

-- A message about an absence to one parent: saved before it is sent, its outcome after.
CREATE TABLE parent_messages (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id         bigint NOT NULL REFERENCES pupils (id),
    absence_date     date NOT NULL,
    absence_session  text NOT NULL CHECK (absence_session IN ('AM', 'PM')),
    channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
    person_id        bigint NOT NULL REFERENCES contact_people (id),
    recipient        text NOT NULL,
    recorded_by      text NOT NULL,
    recorded_role    text NOT NULL,
    recorded_at      timestamptz NOT NULL,
    sent             boolean,
    detail           text,
    message_id       text,
    outcome_at       timestamptz,
    CHECK ((sent IS NULL) = (outcome_at IS NULL))
);

CREATE INDEX parent_messages_day ON parent_messages (absence_date, pupil_id);

-- The steps taken when nobody is reached: one of each kind per pupil and day, dated, owned and
-- closed with an outcome.
CREATE TABLE escalations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id       bigint NOT NULL REFERENCES pupils (id),
    kind           text NOT NULL CHECK (kind IN ('safeguarding_flag', 'home_visit',
                       'missing_education')),
    about          date NOT NULL,
    reason         text NOT NULL,
    opened_by      text NOT NULL,
    opened_role    text NOT NULL,
    opened_at      timestamptz NOT NULL,
    owner_id       bigint REFERENCES users (id),
    assigned_by    text,
    assigned_role  text,
    assigned_at    timestamptz,
    contact_made   boolean,
    outcome        text,
    closed_by      text,
    closed_role    text,
    closed_at      timestamptz,
    UNIQUE (pupil_id, kind, about),
    CHECK ((outcome IS NULL) = (closed_at IS NULL))
);

CREATE INDEX escalations_open ON escalations (pupil_id) WHERE closed_at IS NULL;
