DROP INDEX charges_invoice_line;
DROP INDEX charges_due;
CREATE INDEX charges_open ON charges (customer_id, invoice_line_id, service_date);
