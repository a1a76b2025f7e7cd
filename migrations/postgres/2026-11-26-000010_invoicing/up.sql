-- Invoicing: one invoice per customer and month drafted from open charges (one line per charge),
-- reviewed, then issued with the next number of its year's series and joined to the single
-- integrity chain; issued documents and their lines are immutable (triggers below). Credit notes
-- are invoices of kind credit_note referencing the original. Payments are rows of their own, so
-- an issued invoice never changes when it is paid.
CREATE TABLE invoices (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'issued')),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- The month served (YYYY-MM): one invoice per customer and month.
    month TEXT NOT NULL,
    -- What a credit note corrects.
    corrects_id BIGINT REFERENCES invoices (id),
    notes TEXT NOT NULL DEFAULT '',
    -- Set when issued.
    series TEXT,
    number TEXT UNIQUE,
    issue_date DATE,
    due_date DATE,
    supplier_name TEXT,
    supplier_tax_id TEXT,
    supplier_address TEXT,
    customer_name TEXT,
    customer_tax_id TEXT,
    customer_address TEXT,
    net_cents BIGINT,
    vat_cents BIGINT,
    total_cents BIGINT,
    chain_position BIGINT UNIQUE,
    previous_hash TEXT,
    record_hash TEXT,
    content_digest TEXT,
    generated_at TEXT,
    pdf BYTEA,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    issued_at TIMESTAMP,
    CHECK (status = 'draft' OR (number IS NOT NULL AND issue_date IS NOT NULL
        AND record_hash IS NOT NULL AND chain_position IS NOT NULL))
);
-- A second draft (or invoice) for the same customer and month is refused by the database.
CREATE UNIQUE INDEX invoices_one_per_month ON invoices (customer_id, month) WHERE kind = 'invoice';
CREATE INDEX invoices_month ON invoices (month, status);

CREATE TABLE invoice_lines (
    id BIGSERIAL PRIMARY KEY,
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    position INTEGER NOT NULL,
    -- The charge this line bills (NULL for a line staff added).
    charge_id BIGINT REFERENCES charges (id),
    service_date DATE NOT NULL,
    description TEXT NOT NULL,
    -- minutes (priced per hour) or count.
    unit TEXT NOT NULL CHECK (unit IN ('minutes', 'count')),
    quantity BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    vat_category TEXT NOT NULL,
    -- Percent, as text ("21", "0"), fixed when the line is made.
    vat_rate TEXT NOT NULL,
    net_cents BIGINT NOT NULL,
    -- Staff changed it: a re-run of the month leaves it alone.
    edited BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);
CREATE UNIQUE INDEX invoice_lines_one_per_charge ON invoice_lines (charge_id);

-- Which line bills a charge: a charge is invoiced at most once.
ALTER TABLE charges ADD COLUMN invoice_line_id BIGINT REFERENCES invoice_lines (id);
CREATE INDEX charges_open ON charges (customer_id, invoice_line_id, service_date);

-- The single head of the chain that invoices and credit notes join in issue order; locked by
-- every issuing transaction, so the chain never forks.
CREATE TABLE chain_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    position BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO chain_head (id, position, last_hash) VALUES (1, 0, '');

CREATE TABLE payments (
    id BIGSERIAL PRIMARY KEY,
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    paid_on DATE NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents <> 0),
    method TEXT NOT NULL CHECK (method IN ('transfer', 'card', 'cash', 'direct_debit', 'other')),
    reference TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id);

-- Membership plans: a monthly fee, included hours per machine category, a discount on machine
-- and tutor hours; customers subscribe from a month on (and until a month, inclusive).
CREATE TABLE plans (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    monthly_fee_cents BIGINT NOT NULL CHECK (monthly_fee_cents >= 0),
    discount_percent INTEGER NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE plan_included_hours (
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    category_id BIGINT NOT NULL REFERENCES machine_categories (id),
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    PRIMARY KEY (plan_id, category_id)
);
CREATE TABLE subscriptions (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    first_month TEXT NOT NULL,
    last_month TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, first_month);

-- Issued documents are immutable: the database refuses to change or delete them, their lines,
-- or which line bills a charge once that line's document is issued.
CREATE FUNCTION refuse_issued_invoice() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'issued' THEN
        RAISE EXCEPTION 'immutable: an issued invoice cannot be changed or deleted';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION refuse_issued_invoice();

CREATE FUNCTION refuse_issued_invoice_line() RETURNS trigger AS $$
DECLARE
    parent BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        parent := NEW.invoice_id;
    ELSE
        parent := OLD.invoice_id;
    END IF;
    IF (SELECT status FROM invoices WHERE id = parent) = 'issued' THEN
        RAISE EXCEPTION 'immutable: lines of an issued invoice cannot be changed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoice_lines_immutable BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_issued_invoice_line();

CREATE FUNCTION refuse_moving_invoiced_charge() RETURNS trigger AS $$
BEGIN
    IF OLD.invoice_line_id IS NOT NULL
        AND NEW.invoice_line_id IS DISTINCT FROM OLD.invoice_line_id
        AND (SELECT i.status FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
             WHERE l.id = OLD.invoice_line_id) = 'issued' THEN
        RAISE EXCEPTION 'immutable: a charge on an issued invoice stays on it';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER charges_invoiced_immutable BEFORE UPDATE ON charges
    FOR EACH ROW EXECUTE FUNCTION refuse_moving_invoiced_charge();
