-- The initial schema: the logical schema of rollcall-store (crates/store/src/lib.rs).
-- A migration that has landed is never edited; later changes go in a new, numbered file.

CREATE TABLE schools (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    urn        text UNIQUE,
    name       text NOT NULL,
    la         text,
    estab      text,
    -- Register times as HH:MM, all four empty until a calendar is imported.
    am_opens   text,
    am_closes  text,
    pm_opens   text,
    pm_closes  text,
    CONSTRAINT schools_register_times_all_or_none CHECK (
        (am_opens IS NULL) = (am_closes IS NULL)
        AND (am_opens IS NULL) = (pm_opens IS NULL)
        AND (am_opens IS NULL) = (pm_closes IS NULL)
    )
);

-- A school without a URN is known by its name.
CREATE UNIQUE INDEX schools_name_without_urn ON schools (name) WHERE urn IS NULL;

CREATE TABLE half_terms (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id   bigint NOT NULL REFERENCES schools (id),
    name        text NOT NULL,
    start_date  date NOT NULL,
    end_date    date NOT NULL,
    CHECK (start_date <= end_date)
);

CREATE INDEX half_terms_school ON half_terms (school_id, start_date);

CREATE TABLE closures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id   bigint NOT NULL REFERENCES schools (id),
    start_date  date NOT NULL,
    end_date    date NOT NULL,
    sessions    text NOT NULL CHECK (sessions IN ('am', 'pm', 'both')),
    reason      text NOT NULL,
    -- Empty for the whole school.
    year_groups text[] NOT NULL DEFAULT '{}',
    CHECK (start_date <= end_date)
);

CREATE INDEX closures_school ON closures (school_id, start_date);

CREATE TABLE pupils (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id       bigint NOT NULL REFERENCES schools (id),
    upn             text NOT NULL,
    surname         text NOT NULL,
    forename        text NOT NULL,
    dob             date NOT NULL,
    sex             text CHECK (sex IN ('F', 'M')),
    year_group      text NOT NULL,
    form            text,
    admission_date  date NOT NULL,
    leaving_date    date,
    fsm             boolean NOT NULL,
    pupil_premium   boolean NOT NULL,
    looked_after    boolean NOT NULL,
    social_worker   boolean NOT NULL,
    eal             boolean NOT NULL,
    young_carer     boolean NOT NULL,
    sen             text NOT NULL CHECK (sen IN ('N', 'K', 'E')),
    ethnicity       text,
    deletion_ground text,
    UNIQUE (school_id, upn)
);
CREATE INDEX pupils_form ON pupils (school_id, form);

-- One row per pupil, date and session; never deleted.
CREATE TABLE marks (
    pupil_id       bigint NOT NULL REFERENCES pupils (id),
    date           date NOT NULL,
    session        text NOT NULL CHECK (session IN ('AM', 'PM')),
    code           text NOT NULL,
    minutes_late   integer CHECK (minutes_late >= 0),
    recorded_by    text NOT NULL,
    recorded_role  text NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (pupil_id, date, session)
);

-- A school's marks are read through its pupils: the primary key serves a pupil's date range.

-- Append only.
CREATE TABLE amendments (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id                bigint NOT NULL,
    date                    date NOT NULL,
    session                 text NOT NULL CHECK (session IN ('AM', 'PM')),
    original_code           text NOT NULL,
    original_minutes_late   integer CHECK (original_minutes_late >= 0),
    original_recorded_by    text NOT NULL,
    original_recorded_role  text NOT NULL,
    original_recorded_at    timestamptz NOT NULL,
    amended_code            text NOT NULL,
    amended_minutes_late    integer CHECK (amended_minutes_late >= 0),
    reason                  text NOT NULL,
    amended_by              text NOT NULL,
    amended_role            text NOT NULL,
    amended_at              timestamptz NOT NULL,
    FOREIGN KEY (pupil_id, date, session) REFERENCES marks (pupil_id, date, session)
);

CREATE INDEX amendments_pupil ON amendments (pupil_id, id);

-- Attendance policies, as written: a school's, or the defaults for every school in the database
-- (no school). Each save is a new version; nothing is overwritten.
CREATE TABLE policies (
    version        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id      bigint REFERENCES schools (id),
    text           text NOT NULL,
    recorded_by    text NOT NULL,
    recorded_role  text NOT NULL,
    recorded_at    timestamptz NOT NULL
);
CREATE INDEX policies_school ON policies (school_id, version);

-- Registers are evidence: a mark is never deleted, and amendments and policies never change.
CREATE FUNCTION rollcall_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;
CREATE TRIGGER marks_are_never_deleted BEFORE DELETE ON marks
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse('marks are never deleted');
CREATE TRIGGER amendments_are_never_changed BEFORE UPDATE OR DELETE ON amendments
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse('amendments are never changed or deleted');
CREATE TRIGGER policies_are_never_changed BEFORE UPDATE OR DELETE ON policies
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse('policies are never changed or deleted: save a new version');

-- The people who sign in: staff of one school, trust-wide staff (no school) and parents.
CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id      bigint REFERENCES schools (id),
    username       text NOT NULL,
    display_name   text NOT NULL,
    role           text NOT NULL CHECK (role IN ('administrator', 'headteacher',
                       'attendance_officer', 'head_of_year', 'form_tutor', 'office', 'governor',
                       'parent')),
    -- argon2id, in PHC string form; never the password.
    password_hash  text NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- A user name is unique in any case.
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE INDEX users_school ON users (school_id);

-- What each user reaches: a head of year's year groups, a form tutor's forms, a parent's children.
CREATE TABLE user_year_groups (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    year_group  text NOT NULL,
    PRIMARY KEY (user_id, year_group)
);

CREATE TABLE user_forms (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    form     text NOT NULL,
    PRIMARY KEY (user_id, form)
);

CREATE TABLE user_children (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pupil_id  bigint NOT NULL REFERENCES pupils (id),
    PRIMARY KEY (user_id, pupil_id)
);

CREATE INDEX user_children_pupil ON user_children (pupil_id);

-- Sign-in sessions, by the hash of the token the browser holds. Not evidence: ended by deleting.
CREATE TABLE sessions (
    token_hash    text PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

-- Whom to contact about a pupil, in order of priority.
CREATE TABLE contacts (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id                 bigint NOT NULL REFERENCES pupils (id),
    priority                 integer NOT NULL CHECK (priority >= 0),
    name                     text NOT NULL,
    relationship             text NOT NULL,
    phone                    text,
    email                    text,
    parental_responsibility  boolean NOT NULL
);

CREATE INDEX contacts_pupil ON contacts (pupil_id, priority);

-- What a parent reported, applied to the register in the same transaction as the marks it wrote.
CREATE TABLE absence_reports (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id         bigint NOT NULL REFERENCES pupils (id),
    first_date       date NOT NULL,
    first_session    text NOT NULL CHECK (first_session IN ('AM', 'PM')),
    last_date        date NOT NULL,
    last_session     text NOT NULL CHECK (last_session IN ('AM', 'PM')),
    reason           text NOT NULL,
    code             text NOT NULL,
    expected_return  date,
    reported_by      text NOT NULL,
    recorded_by      text NOT NULL,
    recorded_role    text NOT NULL,
    recorded_at      timestamptz NOT NULL
);

CREATE INDEX absence_reports_pupil ON absence_reports (pupil_id, first_date);
