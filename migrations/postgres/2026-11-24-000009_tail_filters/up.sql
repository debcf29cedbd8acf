-- Each tail carries the columns a list filters on (issue 7), so that a search's second
-- tier checks its filters on the tail itself, in its index, and reads the organization
-- only for the tails that pass. Checked on the organization, a filter that no holder of a
-- common phrase meets ("chan nuoi" in the transport sector, "nong nghiep" among
-- suspended units) read every holder's record. The application writes the copies with
-- the tails; the trigger below keeps them equal to the organization's whatever changes it.
ALTER TABLE name_tails
    ADD COLUMN kind TEXT,
    ADD COLUMN status TEXT,
    ADD COLUMN sector_id BIGINT,
    ADD COLUMN province_id BIGINT,
    ADD COLUMN district_id BIGINT,
    ADD COLUMN registration_date DATE;

UPDATE name_tails AS t
SET kind = o.kind, status = o.status, sector_id = o.sector_id, province_id = o.province_id,
    district_id = o.district_id, registration_date = o.registration_date
FROM organizations AS o
WHERE o.id = t.organization_id;

ALTER TABLE name_tails
    ALTER COLUMN kind SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN sector_id SET NOT NULL,
    ALTER COLUMN province_id SET NOT NULL,
    ALTER COLUMN registration_date SET NOT NULL;

-- Every list names a kind; the phrase is a range of the tails after it; the other filters
-- are checked on the index entry, before the row is read.
DROP INDEX name_tails_by_tail;
CREATE INDEX name_tails_by_tail ON name_tails
    (kind, tail, organization_id, status, sector_id, province_id, district_id, registration_date);

CREATE FUNCTION name_tails_follow_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE name_tails
    SET kind = NEW.kind, status = NEW.status, sector_id = NEW.sector_id,
        province_id = NEW.province_id, district_id = NEW.district_id,
        registration_date = NEW.registration_date
    WHERE organization_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER name_tails_follow_organization
AFTER UPDATE OF kind, status, sector_id, province_id, district_id, registration_date ON organizations
FOR EACH ROW
WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.sector_id IS DISTINCT FROM NEW.sector_id OR OLD.province_id IS DISTINCT FROM NEW.province_id
    OR OLD.district_id IS DISTINCT FROM NEW.district_id
    OR OLD.registration_date IS DISTINCT FROM NEW.registration_date)
EXECUTE FUNCTION name_tails_follow_organization();
