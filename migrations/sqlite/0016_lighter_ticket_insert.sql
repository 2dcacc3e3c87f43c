-- Only cancelled tickets are looked up by when they were cancelled (their
-- places come free again: `tickets::statements::CLAIM_PLACE`, the office
-- page's counts), so only they are indexed for it: the insert of every new
-- ticket, the busiest write there is, keeps one index fewer up to date.
DROP INDEX tickets_released;
CREATE INDEX tickets_released ON tickets (issued_service_id, service_date, cancelled_at) WHERE state = 'cancelled';
