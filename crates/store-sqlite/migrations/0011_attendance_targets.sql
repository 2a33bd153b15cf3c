-- A pupil's own attendance target for eligibility (trips and events), replacing the school's
-- standard threshold for a pupil whose health or SEND make it unfair. Append only: a new target
-- supersedes the pupil's earlier ones, which are kept with who set them and why.
CREATE TABLE attendance_targets (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    hundredths INTEGER NOT NULL CHECK (hundredths BETWEEN 0 AND 10000),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    from_date TEXT NOT NULL,
    until_date TEXT CHECK (until_date IS NULL OR until_date >= from_date),
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX attendance_targets_pupil ON attendance_targets(pupil_id, id);
CREATE TRIGGER attendance_targets_are_never_changed BEFORE UPDATE ON attendance_targets
BEGIN
    SELECT RAISE(ABORT, 'attendance targets are never changed: set a new one');
END;
CREATE TRIGGER attendance_targets_are_never_deleted BEFORE DELETE ON attendance_targets
BEGIN
    SELECT RAISE(ABORT, 'attendance targets are never deleted: set a new one');
END;
