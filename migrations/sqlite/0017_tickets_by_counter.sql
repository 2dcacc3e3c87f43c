-- A counter's tickets are looked up by the counter: the number it calls now
-- (the office page and the hall board, the console, after every call) and
-- what it served today. Without an index each such look read all of
-- `tickets`, which keeps every ticket of every day. Only tickets a counter
-- has taken are indexed, so the insert of a new ticket keeps no more indexes
-- up to date.
CREATE INDEX tickets_at_counter ON tickets (counter_id, called_at) WHERE state IN ('called', 'serving');
CREATE INDEX tickets_by_counter ON tickets (counter_id, service_date) WHERE counter_id IS NOT NULL;
