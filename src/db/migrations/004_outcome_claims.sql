-- An exporter claims pending outcomes for a while before it calls Segment (outside any transaction):
-- others skip them until the claim expires, so a crashed exporter's outcomes are sent again, once.
ALTER TABLE outcomes ADD COLUMN claimed_until timestamptz;
