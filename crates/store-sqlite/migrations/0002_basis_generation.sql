-- A counter raised by every change to what registers and figures are built from: the schools
-- (with their register times), their calendars and the admission register. A process may keep
-- those in memory and reload them when the counter has moved, whoever made the change.
CREATE TABLE basis_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO basis_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER basis_schools_insert AFTER INSERT ON schools
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_schools_update AFTER UPDATE ON schools
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_schools_delete AFTER DELETE ON schools
BEGIN UPDATE basis_generation SET generation = generation + 1; END;

CREATE TRIGGER basis_half_terms_insert AFTER INSERT ON half_terms
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_half_terms_update AFTER UPDATE ON half_terms
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_half_terms_delete AFTER DELETE ON half_terms
BEGIN UPDATE basis_generation SET generation = generation + 1; END;

CREATE TRIGGER basis_closures_insert AFTER INSERT ON closures
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_closures_update AFTER UPDATE ON closures
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_closures_delete AFTER DELETE ON closures
BEGIN UPDATE basis_generation SET generation = generation + 1; END;

CREATE TRIGGER basis_pupils_insert AFTER INSERT ON pupils
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_pupils_update AFTER UPDATE ON pupils
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
CREATE TRIGGER basis_pupils_delete AFTER DELETE ON pupils
BEGIN UPDATE basis_generation SET generation = generation + 1; END;
