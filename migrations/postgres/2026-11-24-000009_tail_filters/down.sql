DROP TRIGGER name_tails_follow_organization ON organizations;
DROP FUNCTION name_tails_follow_organization();
DROP INDEX name_tails_by_tail;
ALTER TABLE name_tails
    DROP COLUMN kind,
    DROP COLUMN status,
    DROP COLUMN sector_id,
    DROP COLUMN province_id,
    DROP COLUMN district_id,
    DROP COLUMN registration_date;
CREATE INDEX name_tails_by_tail ON name_tails (tail, organization_id);
