DROP TRIGGER resource_blocks_take_turns ON resource_blocks;
DROP FUNCTION resource_blocks_take_turns();
