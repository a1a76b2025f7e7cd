-- The month's run at scale (tens of thousands of customers, a million charges). Open charges get
-- a partial index of their own: finding the customers and charges due on a month reads only the
-- open ones (covering the due-date and deferral tests), and linking a charge to its line just
-- drops it from the index instead of rewriting an entry. Invoiced charges are found by their line
-- through a second partial index, so removing or checking a line never scans all charges (the
-- foreign key from charges to invoice lines looks them up this way too).
DROP INDEX charges_open;
CREATE INDEX charges_due ON charges (customer_id, service_date, deferred_to_month)
    WHERE invoice_line_id IS NULL;
CREATE INDEX charges_invoice_line ON charges (invoice_line_id)
    WHERE invoice_line_id IS NOT NULL;
