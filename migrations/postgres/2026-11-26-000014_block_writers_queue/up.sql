-- Writers of one resource's live blocks take turns. Two transactions inserting or moving
-- overlapping blocks of the same resource at once each wait for the other while checking the
-- exclusion constraint, and PostgreSQL ends one with "deadlock detected" (a 500 to its client)
-- instead of the exclusion violation that is a plain 409. A transaction-scoped advisory lock per
-- resource, taken before the row is written, makes the second writer wait for the first to
-- commit, then meet the committed block and fail cleanly. Writers of different resources never
-- wait for each other; the lock is released at commit or rollback.
CREATE FUNCTION resource_blocks_take_turns() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('resource_blocks'), (NEW.resource_id % 2147483647)::int);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER resource_blocks_take_turns
    BEFORE INSERT OR UPDATE ON resource_blocks
    FOR EACH ROW WHEN (NEW.status = 'live')
    EXECUTE FUNCTION resource_blocks_take_turns();
