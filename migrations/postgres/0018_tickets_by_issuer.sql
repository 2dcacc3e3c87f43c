-- The numbers a kiosk (or a staff account) issued lately are counted before
-- it issues another (a kiosk in a public hall is capped per minute). Only
-- tickets an account issued are indexed, so an online booking's insert keeps
-- no more indexes up to date.
CREATE INDEX tickets_by_issuer ON tickets (booked_by_staff, issued_at) WHERE booked_by_staff IS NOT NULL;
