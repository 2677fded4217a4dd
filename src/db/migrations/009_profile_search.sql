-- The Studio's profile search by email (GET /api/profiles?query=): case-insensitive,
-- as people type addresses, without scanning every profile.
CREATE INDEX profiles_email_idx ON profiles (lower(traits->>'email'));
