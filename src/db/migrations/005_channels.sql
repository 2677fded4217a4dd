-- Channels are a registry in code (src/channels): the template API and the
-- send path refuse unknown channels, so the column no longer lists them.
ALTER TABLE templates DROP CONSTRAINT IF EXISTS templates_channel_check;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_channel_check;
