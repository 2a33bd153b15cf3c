-- A pupil's own attendance target for eligibility (trips and events), replacing the school's
-- standard threshold for a pupil whose health or SEND make it unfair. Append only: a new target
-- supersedes the pupil's earlier ones, which are kept with who set them and why.
CREATE TABLE attendance_targets (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id       bigint NOT NULL REFERENCES pupils (id),
    hundredths     integer NOT NULL CHECK (hundredths BETWEEN 0 AND 10000),
    reason         text NOT NULL CHECK (length(trim(reason)) > 0),
    from_date      date NOT NULL,
    until_date     date CHECK (until_date IS NULL OR until_date >= from_date),
    recorded_by    text NOT NULL,
    recorded_role  text NOT NULL,
    recorded_at    timestamptz NOT NULL
);

CREATE INDEX attendance_targets_pupil ON attendance_targets (pupil_id, id);

CREATE TRIGGER attendance_targets_are_never_changed BEFORE UPDATE OR DELETE ON attendance_targets
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse('attendance targets are never changed or deleted: set a new one');
