#include "storage/migrations.h"

namespace billwright::storage {

// Portable SQL: BIGINT for money (minor units) and instants (Unix seconds, UTC), CHAR(10)
// ISO dates for civil dates (they sort as text), VARCHAR with explicit lengths.
const std::vector<Migration>& migrations() {
    static const std::vector<Migration> kMigrations = {
        {1,
         "platform billing foundation",
         {
             R"(CREATE TABLE tenants (
                 id VARCHAR(40) NOT NULL PRIMARY KEY,
                 name VARCHAR(200) NOT NULL,
                 status VARCHAR(16) NOT NULL,
                 timezone VARCHAR(64) NOT NULL,
                 default_currency CHAR(3) NOT NULL,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL))",
             R"(CREATE TABLE billing_configs (
                 tenant_id VARCHAR(40) NOT NULL PRIMARY KEY,
                 flat_rate_minor BIGINT NOT NULL,
                 currency CHAR(3) NOT NULL,
                 billing_frequency VARCHAR(16) NOT NULL,
                 billing_email VARCHAR(254) NOT NULL,
                 auto_generate_invoices BIGINT NOT NULL,
                 billing_day_of_month BIGINT NOT NULL,
                 payment_due_days BIGINT NOT NULL,
                 email_notifications BIGINT NOT NULL,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             R"(CREATE TABLE platform_invoices (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 invoice_number VARCHAR(32) NOT NULL,
                 amount_minor BIGINT NOT NULL,
                 currency CHAR(3) NOT NULL,
                 status VARCHAR(20) NOT NULL,
                 billing_frequency VARCHAR(16) NOT NULL,
                 period_start CHAR(10) NOT NULL,
                 period_end CHAR(10) NOT NULL,
                 issue_date CHAR(10) NOT NULL,
                 due_date CHAR(10) NOT NULL,
                 paid_date CHAR(10),
                 payment_reference VARCHAR(200),
                 payment_method VARCHAR(20),
                 failed_attempts BIGINT NOT NULL,
                 last_failure_reason VARCHAR(500),
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT platform_invoices_id UNIQUE (id),
                 CONSTRAINT platform_invoices_number UNIQUE (invoice_number),
                 CONSTRAINT platform_invoices_period UNIQUE (tenant_id, period_start),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             "CREATE INDEX platform_invoices_status ON platform_invoices (status, due_date)",
             R"(CREATE TABLE platform_payment_attempts (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 invoice_id VARCHAR(40) NOT NULL,
                 outcome VARCHAR(16) NOT NULL,
                 amount_minor BIGINT NOT NULL,
                 currency CHAR(3) NOT NULL,
                 payment_method VARCHAR(20),
                 payment_reference VARCHAR(200),
                 paid_date CHAR(10),
                 failure_reason VARCHAR(500),
                 actor VARCHAR(40) NOT NULL,
                 created_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 FOREIGN KEY (tenant_id, invoice_id) REFERENCES platform_invoices (tenant_id, id)))",
             R"(CREATE TABLE invoice_sequences (
                 scope VARCHAR(32) NOT NULL,
                 year BIGINT NOT NULL,
                 last_value BIGINT NOT NULL,
                 PRIMARY KEY (scope, year)))",
             R"(CREATE TABLE api_keys (
                 id VARCHAR(40) NOT NULL PRIMARY KEY,
                 tenant_id VARCHAR(40),
                 role VARCHAR(20) NOT NULL,
                 name VARCHAR(200) NOT NULL,
                 secret_hash CHAR(64) NOT NULL,
                 created_at BIGINT NOT NULL,
                 created_by VARCHAR(40),
                 revoked_at BIGINT,
                 last_used_at BIGINT,
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             "CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id)",
             R"(CREATE TABLE audit_events (
                 id VARCHAR(40) NOT NULL PRIMARY KEY,
                 tenant_id VARCHAR(40),
                 actor VARCHAR(40) NOT NULL,
                 actor_role VARCHAR(20) NOT NULL,
                 action VARCHAR(64) NOT NULL,
                 object_type VARCHAR(40) NOT NULL,
                 object_id VARCHAR(64) NOT NULL,
                 before_json TEXT,
                 after_json TEXT,
                 request_id VARCHAR(64),
                 created_at BIGINT NOT NULL,
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             "CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id)",
             R"(CREATE TABLE outbox_messages (
                 id VARCHAR(40) NOT NULL PRIMARY KEY,
                 tenant_id VARCHAR(40),
                 kind VARCHAR(40) NOT NULL,
                 dedupe_key VARCHAR(200) NOT NULL,
                 recipient VARCHAR(254) NOT NULL,
                 subject VARCHAR(300) NOT NULL,
                 body TEXT NOT NULL,
                 status VARCHAR(16) NOT NULL,
                 attempts BIGINT NOT NULL,
                 next_attempt_at BIGINT NOT NULL,
                 last_error VARCHAR(500),
                 created_at BIGINT NOT NULL,
                 sent_at BIGINT,
                 CONSTRAINT outbox_messages_dedupe UNIQUE (dedupe_key),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             "CREATE INDEX outbox_messages_pending ON outbox_messages (status, next_attempt_at)",
             R"(CREATE TABLE idempotency_keys (
                 principal VARCHAR(40) NOT NULL,
                 idem_key VARCHAR(255) NOT NULL,
                 request_hash CHAR(64) NOT NULL,
                 status_code BIGINT,
                 response_body TEXT,
                 created_at BIGINT NOT NULL,
                 PRIMARY KEY (principal, idem_key)))",
         }},
        {2,
         "hosting inventory: customers, sites, equipment, telemetry, contracts",
         {
             R"(CREATE TABLE tenant_sequences (
                 tenant_id VARCHAR(40) NOT NULL,
                 name VARCHAR(32) NOT NULL,
                 last_value BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, name),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             R"(CREATE TABLE tenant_billing_settings (
                 tenant_id VARCHAR(40) NOT NULL PRIMARY KEY,
                 default_energy_rate_micro BIGINT,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             R"(CREATE TABLE customers (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 name VARCHAR(200) NOT NULL,
                 company_name VARCHAR(200),
                 contact_email VARCHAR(254) NOT NULL,
                 billing_email VARCHAR(254),
                 phone VARCHAR(40),
                 billing_currency CHAR(3),
                 active BIGINT NOT NULL,
                 portal_access BIGINT NOT NULL,
                 internal_notes TEXT,
                 in_default BIGINT NOT NULL,
                 default_reason VARCHAR(500),
                 default_since BIGINT,
                 billing_hold BIGINT NOT NULL,
                 pool_redirect BIGINT NOT NULL,
                 auto_pay BIGINT NOT NULL,
                 credit_balance_minor BIGINT NOT NULL,
                 archived_at BIGINT,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT customers_id UNIQUE (id),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             R"(CREATE TABLE sites (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 name VARCHAR(200) NOT NULL,
                 location VARCHAR(500),
                 energy_cost_rate_micro BIGINT,
                 currency CHAR(3) NOT NULL,
                 operated_for_customer_id VARCHAR(40),
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT sites_id UNIQUE (id),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id),
                 FOREIGN KEY (tenant_id, operated_for_customer_id)
                     REFERENCES customers (tenant_id, id)))",
             R"(CREATE TABLE equipment (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 serial_number VARCHAR(100) NOT NULL,
                 model VARCHAR(200) NOT NULL,
                 hashrate_mth BIGINT NOT NULL,
                 power_mw BIGINT NOT NULL,
                 efficiency_mjth BIGINT NOT NULL,
                 efficiency_computed BIGINT NOT NULL,
                 site_id VARCHAR(40),
                 owner_customer_id VARCHAR(40),
                 status VARCHAR(16) NOT NULL,
                 pdu_port VARCHAR(100),
                 sample_key BIGINT NOT NULL,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT equipment_id UNIQUE (id),
                 CONSTRAINT equipment_sample_key UNIQUE (sample_key),
                 CONSTRAINT equipment_serial UNIQUE (tenant_id, serial_number),
                 CONSTRAINT equipment_port UNIQUE (tenant_id, pdu_port),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id),
                 FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id),
                 FOREIGN KEY (tenant_id, owner_customer_id) REFERENCES customers (tenant_id, id)))",
             // A global counter: equipment.sample_key values come from here.
             R"(CREATE TABLE global_sequences (
                 name VARCHAR(32) NOT NULL PRIMARY KEY,
                 last_value BIGINT NOT NULL))",
             // The ingestion hot path. Samples are keyed by the unit's integer sample_key
             // (unique database-wide, so it belongs to exactly one tenant's unit) instead of
             // (tenant_id, equipment_id) text: with the two 30-byte ids in every row the table
             // was 3.5 times larger and inserts 3 times slower (bench/README.md). Every read
             // reaches it through the unit found by (tenant_id, id).
             R"(CREATE TABLE telemetry_samples (
                 equipment_key BIGINT NOT NULL,
                 kind BIGINT NOT NULL,
                 ts BIGINT NOT NULL,
                 value BIGINT NOT NULL,
                 PRIMARY KEY (equipment_key, kind, ts),
                 FOREIGN KEY (equipment_key) REFERENCES equipment (sample_key))
                 {clustered})",
             R"(CREATE TABLE contracts (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 contract_number VARCHAR(32),
                 type VARCHAR(16) NOT NULL,
                 status VARCHAR(16) NOT NULL,
                 term VARCHAR(20) NOT NULL,
                 term_days BIGINT,
                 start_date CHAR(10) NOT NULL,
                 end_date CHAR(10) NOT NULL,
                 end_date_overridden BIGINT NOT NULL,
                 auto_renew BIGINT NOT NULL,
                 notice_days BIGINT NOT NULL,
                 notice_given_on CHAR(10),
                 max_extensions BIGINT NOT NULL,
                 extensions_used BIGINT NOT NULL,
                 currency CHAR(3) NOT NULL,
                 billing_methods VARCHAR(64) NOT NULL,
                 rate_micro BIGINT,
                 power_cap_w BIGINT,
                 failover_mode VARCHAR(16) NOT NULL,
                 failover_hashprice_bp BIGINT,
                 failover_hashprice_source VARCHAR(32),
                 failover_rate_micro BIGINT,
                 miner_model VARCHAR(200),
                 miner_hashrate_mth BIGINT,
                 miner_efficiency_mjth BIGINT,
                 quantity BIGINT,
                 connector_fee_bp BIGINT,
                 payout_wallet VARCHAR(128),
                 service_fee_per_site_minor BIGINT,
                 management_fee_rate_micro BIGINT,
                 notes TEXT,
                 activated_at BIGINT,
                 ended_on CHAR(10),
                 end_reason VARCHAR(500),
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT contracts_id UNIQUE (id),
                 CONSTRAINT contracts_number UNIQUE (tenant_id, contract_number),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id),
                 FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)))",
             "CREATE INDEX contracts_status ON contracts (status, end_date)",
             "CREATE INDEX contracts_customer ON contracts (tenant_id, customer_id)",
             // active_equipment_id equals equipment_id while the contract is active and is NULL
             // otherwise; the unique constraint (NULLs never collide) keeps a unit of equipment
             // in at most one active contract.
             R"(CREATE TABLE contract_equipment (
                 tenant_id VARCHAR(40) NOT NULL,
                 contract_id VARCHAR(40) NOT NULL,
                 equipment_id VARCHAR(40) NOT NULL,
                 active_equipment_id VARCHAR(40),
                 assigned_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, contract_id, equipment_id),
                 CONSTRAINT contract_equipment_active UNIQUE (tenant_id, active_equipment_id),
                 FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id),
                 FOREIGN KEY (tenant_id, equipment_id) REFERENCES equipment (tenant_id, id)))",
             "CREATE INDEX contract_equipment_equipment ON contract_equipment (tenant_id, "
             "equipment_id)",
             R"(CREATE TABLE contract_sites (
                 tenant_id VARCHAR(40) NOT NULL,
                 contract_id VARCHAR(40) NOT NULL,
                 site_id VARCHAR(40) NOT NULL,
                 active_site_id VARCHAR(40),
                 assigned_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, contract_id, site_id),
                 CONSTRAINT contract_sites_active UNIQUE (tenant_id, active_site_id),
                 FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id),
                 FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)))",
             R"(CREATE TABLE contract_events (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 contract_id VARCHAR(40) NOT NULL,
                 kind VARCHAR(32) NOT NULL,
                 occurred_on CHAR(10) NOT NULL,
                 previous_end_date CHAR(10),
                 new_end_date CHAR(10),
                 detail VARCHAR(500),
                 actor VARCHAR(80) NOT NULL,
                 created_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id)))",
             "CREATE INDEX contract_events_contract ON contract_events (tenant_id, contract_id, "
             "id)",
         }},
        {3,
         "plugin configuration per tenant; market hashprices for failover pricing",
         {
             // Secret values are stored only sealed (AES-256-GCM, services/secret_box.h).
             R"(CREATE TABLE plugin_settings (
                 tenant_id VARCHAR(40) NOT NULL,
                 plugin_id VARCHAR(64) NOT NULL,
                 name VARCHAR(64) NOT NULL,
                 value VARCHAR(4096),
                 sealed VARCHAR(6000),
                 key_id VARCHAR(32),
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, plugin_id, name),
                 CHECK ((value IS NULL) <> (sealed IS NULL)),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             R"(CREATE TABLE hashprices (
                 tenant_id VARCHAR(40) NOT NULL,
                 source VARCHAR(32) NOT NULL,
                 day CHAR(10) NOT NULL,
                 currency CHAR(3) NOT NULL,
                 price_micro BIGINT NOT NULL,
                 recorded_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, source, day),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
         }},
        {4,
         "customer invoicing: billing settings, invoices and lines, credit ledger, invoice runs, "
         "outbox delivery",
         {
             // Seed 001's billing settings. One ALTER per column: SQLite adds one at a time.
             "ALTER TABLE tenant_billing_settings ADD COLUMN billing_day BIGINT NOT NULL DEFAULT 1",
             "ALTER TABLE tenant_billing_settings ADD COLUMN invoice_due_days BIGINT NOT NULL "
             "DEFAULT 15",
             "ALTER TABLE tenant_billing_settings ADD COLUMN auto_generate BIGINT NOT NULL "
             "DEFAULT 0",
             "ALTER TABLE tenant_billing_settings ADD COLUMN auto_send BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE tenant_billing_settings ADD COLUMN tax_rate_milli_pct BIGINT NOT NULL "
             "DEFAULT 0",
             "ALTER TABLE tenant_billing_settings ADD COLUMN tax_display VARCHAR(16) NOT NULL "
             "DEFAULT 'exclusive'",
             "ALTER TABLE tenant_billing_settings ADD COLUMN invoice_header VARCHAR(500)",
             "ALTER TABLE tenant_billing_settings ADD COLUMN invoice_logo_url VARCHAR(1000)",
             "ALTER TABLE tenant_billing_settings ADD COLUMN invoice_footer VARCHAR(2000)",
             "ALTER TABLE tenant_billing_settings ADD COLUMN show_line_items BIGINT NOT NULL "
             "DEFAULT 1",
             "ALTER TABLE tenant_billing_settings ADD COLUMN sender_name VARCHAR(200)",
             "ALTER TABLE tenant_billing_settings ADD COLUMN sender_email VARCHAR(254)",
             "ALTER TABLE tenant_billing_settings ADD COLUMN reply_to VARCHAR(254)",
             // Per customer: NULL follows the tenant's show_line_items.
             "ALTER TABLE customers ADD COLUMN show_line_items BIGINT",
             // Lease: monthly fee per leased unit; any type: a discount on the contract's
             // charges in hundredths of a percent.
             "ALTER TABLE contracts ADD COLUMN lease_fee_per_unit_minor BIGINT",
             "ALTER TABLE contracts ADD COLUMN discount_bp BIGINT",
             // live_period_start is period_start while the invoice is not cancelled and NULL
             // once it is: the unique key keeps one live invoice per customer and period
             // (NULLs never collide), and a cancelled one can be generated again.
             R"(CREATE TABLE invoices (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 invoice_number VARCHAR(32),
                 status VARCHAR(16) NOT NULL,
                 period_start CHAR(10) NOT NULL,
                 period_end CHAR(10) NOT NULL,
                 live_period_start CHAR(10),
                 currency CHAR(3) NOT NULL,
                 due_days BIGINT NOT NULL,
                 issue_date CHAR(10),
                 due_date CHAR(10),
                 paid_date CHAR(10),
                 tax_rate_milli_pct BIGINT NOT NULL,
                 tax_display VARCHAR(16) NOT NULL,
                 subtotal_minor BIGINT NOT NULL,
                 discount_minor BIGINT NOT NULL,
                 tax_minor BIGINT NOT NULL,
                 total_minor BIGINT NOT NULL,
                 credit_applied_minor BIGINT NOT NULL,
                 amount_due_minor BIGINT NOT NULL,
                 billed_wh BIGINT NOT NULL,
                 pdu_wh BIGINT,
                 run_id VARCHAR(40),
                 held_reason VARCHAR(500),
                 status_reason VARCHAR(500),
                 emailed_at BIGINT,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT invoices_id UNIQUE (id),
                 CONSTRAINT invoices_number UNIQUE (tenant_id, invoice_number),
                 CONSTRAINT invoices_live_period UNIQUE (tenant_id, customer_id, live_period_start),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id),
                 FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)))",
             "CREATE INDEX invoices_status ON invoices (status, due_date)",
             "CREATE INDEX invoices_period ON invoices (tenant_id, period_start)",
             R"(CREATE TABLE invoice_lines (
                 tenant_id VARCHAR(40) NOT NULL,
                 invoice_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 position BIGINT NOT NULL,
                 kind VARCHAR(24) NOT NULL,
                 formula VARCHAR(16) NOT NULL,
                 description VARCHAR(500) NOT NULL,
                 contract_id VARCHAR(40),
                 method VARCHAR(64),
                 plugin_id VARCHAR(64),
                 wh BIGINT,
                 rate_micro BIGINT,
                 equipment_hours BIGINT,
                 quantity BIGINT,
                 unit_amount_minor BIGINT,
                 days BIGINT,
                 period_days BIGINT,
                 percent_bp BIGINT,
                 base_minor BIGINT,
                 amount_minor BIGINT NOT NULL,
                 taxable BIGINT NOT NULL,
                 tax_minor BIGINT NOT NULL,
                 manual BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, invoice_id, id),
                 FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)))",
             R"(CREATE TABLE invoice_contracts (
                 tenant_id VARCHAR(40) NOT NULL,
                 invoice_id VARCHAR(40) NOT NULL,
                 contract_id VARCHAR(40) NOT NULL,
                 contract_number VARCHAR(32),
                 contract_type VARCHAR(16) NOT NULL,
                 billed_wh BIGINT NOT NULL,
                 pdu_wh BIGINT,
                 power_cap_w BIGINT,
                 cap_exceeded_hours BIGINT NOT NULL,
                 peak_w BIGINT NOT NULL,
                 excess_wh BIGINT NOT NULL,
                 unbilled_equipment_hours BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, invoice_id, contract_id),
                 FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)))",
             // Every change of a customer's credit balance, signed (+ adds credit); the balance
             // is the sum of the customer's entries.
             R"(CREATE TABLE credit_ledger (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 kind VARCHAR(16) NOT NULL,
                 amount_minor BIGINT NOT NULL,
                 currency CHAR(3) NOT NULL,
                 balance_after_minor BIGINT NOT NULL,
                 invoice_id VARCHAR(40),
                 reason VARCHAR(500),
                 actor VARCHAR(80) NOT NULL,
                 created_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)))",
             "CREATE INDEX credit_ledger_customer ON credit_ledger (tenant_id, customer_id, id)",
             R"(CREATE TABLE invoice_runs (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 period_start CHAR(10) NOT NULL,
                 period_end CHAR(10) NOT NULL,
                 customer_id VARCHAR(40),
                 skip_existing BIGINT NOT NULL,
                 preview_one BIGINT NOT NULL,
                 auto_send BIGINT NOT NULL,
                 status VARCHAR(24) NOT NULL,
                 trigger_kind VARCHAR(16) NOT NULL,
                 schedule_key VARCHAR(80),
                 preview_invoice_id VARCHAR(40),
                 lease_owner VARCHAR(80),
                 lease_until BIGINT,
                 created_by VARCHAR(80) NOT NULL,
                 created_at BIGINT NOT NULL,
                 started_at BIGINT,
                 finished_at BIGINT,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT invoice_runs_id UNIQUE (id),
                 CONSTRAINT invoice_runs_schedule UNIQUE (schedule_key),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             "CREATE INDEX invoice_runs_status ON invoice_runs (status, lease_until)",
             R"(CREATE TABLE invoice_run_items (
                 tenant_id VARCHAR(40) NOT NULL,
                 run_id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 position BIGINT NOT NULL,
                 status VARCHAR(16) NOT NULL,
                 invoice_id VARCHAR(40),
                 reason VARCHAR(500),
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, run_id, customer_id),
                 FOREIGN KEY (tenant_id, run_id) REFERENCES invoice_runs (tenant_id, id)))",
             "CREATE INDEX invoice_run_items_status ON invoice_run_items (tenant_id, run_id, "
             "status, position)",
             // Outbox delivery over SMTP: an HTML alternative, the sender identity, one
             // attachment, the object the message is about, and a lease while a worker sends.
             "ALTER TABLE outbox_messages ADD COLUMN html_body TEXT",
             "ALTER TABLE outbox_messages ADD COLUMN sender_name VARCHAR(200)",
             "ALTER TABLE outbox_messages ADD COLUMN sender_email VARCHAR(254)",
             "ALTER TABLE outbox_messages ADD COLUMN reply_to VARCHAR(254)",
             "ALTER TABLE outbox_messages ADD COLUMN attachment_name VARCHAR(200)",
             "ALTER TABLE outbox_messages ADD COLUMN attachment_type VARCHAR(100)",
             "ALTER TABLE outbox_messages ADD COLUMN attachment_body TEXT",
             "ALTER TABLE outbox_messages ADD COLUMN object_id VARCHAR(64)",
             "ALTER TABLE outbox_messages ADD COLUMN lease_until BIGINT",
         }},
        {5,
         "contracts by customer in id order (invoice computation looks them up per customer)",
         {
             // Without it SQLite answered "a customer's contracts ORDER BY id" by walking every
             // contract of the tenant: 24x slower invoice runs at 10,000 customers (bench/).
             "CREATE INDEX contracts_customer_id ON contracts (tenant_id, customer_id, id)",
         }},
        {6,
         "tenant Lua scripts: scripts, versions, limits; invoice lines priced by a script",
         {
             R"(CREATE TABLE scripts (
                 tenant_id VARCHAR(40) NOT NULL,
                 name VARCHAR(64) NOT NULL,
                 kind VARCHAR(24) NOT NULL,
                 latest_version BIGINT NOT NULL,
                 active_version BIGINT,
                 active_kind VARCHAR(24),
                 previous_version BIGINT,
                 failures BIGINT NOT NULL,
                 quarantined_at BIGINT,
                 last_failure_code VARCHAR(40),
                 last_failure_message VARCHAR(1000),
                 last_failure_line BIGINT,
                 last_failure_at BIGINT,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, name),
                 CONSTRAINT scripts_active_kind UNIQUE (tenant_id, active_kind),
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             R"(CREATE TABLE script_versions (
                 tenant_id VARCHAR(40) NOT NULL,
                 name VARCHAR(64) NOT NULL,
                 version BIGINT NOT NULL,
                 kind VARCHAR(24) NOT NULL,
                 source TEXT NOT NULL,
                 sha256 VARCHAR(64) NOT NULL,
                 author VARCHAR(200) NOT NULL,
                 examples_run BIGINT NOT NULL,
                 created_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, name, version),
                 FOREIGN KEY (tenant_id, name) REFERENCES scripts (tenant_id, name)))",
             R"(CREATE TABLE script_limits (
                 tenant_id VARCHAR(40) NOT NULL PRIMARY KEY,
                 instructions BIGINT NOT NULL,
                 memory_bytes BIGINT NOT NULL,
                 wall_ms BIGINT NOT NULL,
                 max_call_depth BIGINT NOT NULL,
                 max_source_bytes BIGINT NOT NULL,
                 quarantine_after BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             // A line priced by a script names it; a line that fell back to the plain rate
             // says why (the failure code, or "quarantined").
             "ALTER TABLE invoice_lines ADD COLUMN script_name VARCHAR(64)",
             "ALTER TABLE invoice_lines ADD COLUMN script_version BIGINT",
             "ALTER TABLE invoice_lines ADD COLUMN script_fallback VARCHAR(40)",
         }},
        {7,
         "payments: methods on file, payments and refunds, provider events, collection state",
         {
             // A customer's ways to pay, as the processor's references (never card numbers).
             R"(CREATE TABLE payment_methods (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 plugin_id VARCHAR(64) NOT NULL,
                 type VARCHAR(16) NOT NULL,
                 reference VARCHAR(255) NOT NULL,
                 provider_customer VARCHAR(255),
                 label VARCHAR(200) NOT NULL,
                 status VARCHAR(24) NOT NULL,
                 is_default BIGINT NOT NULL,
                 failure_code VARCHAR(64),
                 created_by VARCHAR(80) NOT NULL,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)))",
             "CREATE INDEX payment_methods_customer ON payment_methods (tenant_id, customer_id, "
             "id)",
             "CREATE INDEX payment_methods_reference ON payment_methods (tenant_id, plugin_id, "
             "reference)",
             // One row per attempt. The processor's reference is unique per (tenant, plugin):
             // the same wire or Stripe payment can never be recorded twice.
             R"(CREATE TABLE payments (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 invoice_id VARCHAR(40) NOT NULL,
                 plugin_id VARCHAR(64) NOT NULL,
                 method_id VARCHAR(40),
                 trigger_kind VARCHAR(16) NOT NULL,
                 currency CHAR(3) NOT NULL,
                 amount_minor BIGINT NOT NULL,
                 surcharge_minor BIGINT NOT NULL,
                 received_minor BIGINT NOT NULL,
                 fee_minor BIGINT,
                 applied_minor BIGINT NOT NULL,
                 credited_minor BIGINT NOT NULL,
                 refunded_minor BIGINT NOT NULL,
                 status VARCHAR(24) NOT NULL,
                 reference VARCHAR(255),
                 idempotency_key VARCHAR(80) NOT NULL,
                 failure_code VARCHAR(64),
                 failure_message VARCHAR(500),
                 action_url VARCHAR(2048),
                 note VARCHAR(500),
                 received_on CHAR(10),
                 created_by VARCHAR(80) NOT NULL,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 settled_at BIGINT,
                 PRIMARY KEY (tenant_id, id),
                 CONSTRAINT payments_id UNIQUE (id),
                 CONSTRAINT payments_reference UNIQUE (tenant_id, plugin_id, reference),
                 FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)))",
             "CREATE INDEX payments_invoice ON payments (tenant_id, invoice_id, id)",
             "CREATE INDEX payments_open ON payments (status, updated_at)",
             R"(CREATE TABLE refunds (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 payment_id VARCHAR(40) NOT NULL,
                 invoice_id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 amount_minor BIGINT NOT NULL,
                 from_credit_minor BIGINT NOT NULL,
                 currency CHAR(3) NOT NULL,
                 status VARCHAR(16) NOT NULL,
                 reference VARCHAR(255),
                 reason VARCHAR(500) NOT NULL,
                 failure_code VARCHAR(64),
                 idempotency_key VARCHAR(80) NOT NULL,
                 created_by VARCHAR(80) NOT NULL,
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)))",
             "CREATE INDEX refunds_payment ON refunds (tenant_id, payment_id, id)",
             // Every verified provider event, once: a redelivery finds its row and changes
             // nothing.
             R"(CREATE TABLE provider_events (
                 tenant_id VARCHAR(40) NOT NULL,
                 plugin_id VARCHAR(64) NOT NULL,
                 event_id VARCHAR(255) NOT NULL,
                 kind VARCHAR(16) NOT NULL,
                 object_id VARCHAR(40),
                 outcome VARCHAR(200) NOT NULL,
                 occurred_at BIGINT NOT NULL,
                 received_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, plugin_id, event_id)))",
             // Paid amounts and the collection state of auto-pay and retries.
             "ALTER TABLE invoices ADD COLUMN amount_paid_minor BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE invoices ADD COLUMN collect_at BIGINT",
             "ALTER TABLE invoices ADD COLUMN collection_failures BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE invoices ADD COLUMN first_failure_at BIGINT",
             "CREATE INDEX invoices_collect ON invoices (collect_at)",
             "ALTER TABLE credit_ledger ADD COLUMN payment_id VARCHAR(40)",
             "ALTER TABLE tenant_billing_settings ADD COLUMN auto_pay_timing VARCHAR(16) NOT NULL "
             "DEFAULT 'on_due_date'",
             "ALTER TABLE tenant_billing_settings ADD COLUMN payment_retry_days VARCHAR(64) NOT "
             "NULL DEFAULT '1,3,5,7'",
         }},
        {8,
         "RevenueGuard: customer status history, webhook settings, webhook outbox channel",
         {
             R"(CREATE TABLE customer_status_events (
                 tenant_id VARCHAR(40) NOT NULL,
                 id VARCHAR(40) NOT NULL,
                 customer_id VARCHAR(40) NOT NULL,
                 kind VARCHAR(24) NOT NULL,
                 actor VARCHAR(80) NOT NULL,
                 actor_role VARCHAR(20) NOT NULL,
                 reason VARCHAR(500),
                 webhook_event_id VARCHAR(40),
                 created_at BIGINT NOT NULL,
                 PRIMARY KEY (tenant_id, id),
                 FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)))",
             "CREATE INDEX customer_status_events_customer ON customer_status_events (tenant_id, "
             "customer_id, id)",
             R"(CREATE TABLE revenue_guard_settings (
                 tenant_id VARCHAR(40) NOT NULL PRIMARY KEY,
                 webhook_url VARCHAR(2000),
                 webhook_secret_sealed VARCHAR(400),
                 key_id VARCHAR(64),
                 created_at BIGINT NOT NULL,
                 updated_at BIGINT NOT NULL,
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)))",
             // An outbox message is an email or a signed HTTP POST (RevenueGuard events).
             "ALTER TABLE outbox_messages ADD COLUMN channel VARCHAR(16) NOT NULL DEFAULT 'email'",
         }},
        {9,
         "payments keep the call parameters and return URL of their charge, so a charge asked "
         "again is the same request",
         {
             "ALTER TABLE payments ADD COLUMN call_params TEXT",
         }},
        {10,
         "invoice runs shared between nodes: a lease on each run item (the node that holds or "
         "last held it, and until when)",
         {
             // Workers claim batches of pending items; the run-level lease columns of
             // migration 4 are no longer written.
             "ALTER TABLE invoice_run_items ADD COLUMN lease_owner VARCHAR(80)",
             "ALTER TABLE invoice_run_items ADD COLUMN lease_until BIGINT",
         }},
        {11,
         "scheduler jobs shared between nodes: a row lease per job and subject while it is "
         "offered or worked",
         {
             // No owner and lease_until 0: offered, free to claim. Rows are deleted when their
             // subject is done, so the table holds only work in flight.
             R"(CREATE TABLE work_leases (
                 job VARCHAR(40) NOT NULL,
                 subject VARCHAR(160) NOT NULL,
                 lease_owner VARCHAR(80),
                 lease_until BIGINT NOT NULL,
                 PRIMARY KEY (job, subject))
                 {clustered})",
         }},
        {12,
         "customer invoices carry a revision, raised by every change to the invoice, its lines "
         "or its contract summaries",
         {
             // What a cached representation of the invoice is checked against on each read
             // (services/invoice_text_cache.h). Only SqlInvoices writes these tables.
             "ALTER TABLE invoices ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
         }},
    };
    return kMigrations;
}

int latestSchemaVersion() { return migrations().back().version; }

namespace {

void ensureMigrationTable(Connection& c, const Dialect& dialect) {
    c.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL PRIMARY KEY, "
        "name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)" +
        std::string(dialect.tableOptions()));
}

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool identifierChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// Replaces `word` where it stands alone (not inside a longer identifier).
void replaceWord(std::string& text, std::string_view word, std::string_view by) {
    std::size_t at = 0;
    while ((at = text.find(word, at)) != std::string::npos) {
        const std::size_t end = at + word.size();
        const bool alone = (at == 0 || !identifierChar(text[at - 1])) &&
                           (end == text.size() || !identifierChar(text[end]));
        if (alone) {
            text.replace(at, word.size(), by);
            at += by.size();
        } else {
            at = end;
        }
    }
}

// A migration statement as the database needs it. The released statements stay as written;
// only these rewrites differ per dialect:
//  - "{clustered}" marks a table stored in primary-key order: SQLite needs WITHOUT ROWID for
//    that, InnoDB does it anyway;
//  - the type TEXT (upper case: column names are lower case) becomes dialect.textType();
//  - every CREATE TABLE gets dialect.tableOptions() (MySQL: InnoDB, utf8mb4, binary collation);
//  - where DDL is not transactional, CREATE TABLE, CREATE INDEX and ADD COLUMN get IF NOT
//    EXISTS, so a migration interrupted half-way is simply run again.
std::string withDialect(std::string_view statement, const Dialect& dialect) {
    std::string out(statement);
    constexpr std::string_view kClustered = "{clustered}";
    if (const auto at = out.find(kClustered); at != std::string::npos)
        out.replace(at, kClustered.size(), dialect.clusteredTableOption());
    if (dialect.textType() != "TEXT") replaceWord(out, "TEXT", dialect.textType());
    const bool create_table = startsWith(out, "CREATE TABLE ");
    if (create_table) out += dialect.tableOptions();
    if (!dialect.ddlIsTransactional()) {
        if (create_table) {
            out.insert(std::string_view("CREATE TABLE ").size(), "IF NOT EXISTS ");
        } else if (startsWith(out, "CREATE INDEX ")) {
            out.insert(std::string_view("CREATE INDEX ").size(), "IF NOT EXISTS ");
        } else if (startsWith(out, "ALTER TABLE ")) {
            constexpr std::string_view kAdd = " ADD COLUMN ";
            if (const auto at = out.find(kAdd); at != std::string::npos)
                out.insert(at + kAdd.size(), "IF NOT EXISTS ");
        }
    }
    return out;
}

int readVersion(Connection& c) {
    const auto rows = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    return static_cast<int>(rows.at(0).getInt(0));
}

}  // namespace

int currentSchemaVersion(Database& db) {
    int version = 0;
    try {
        db.transact(TxMode::kRead, [&](Connection& c) {
            version = readVersion(c);
            return true;
        });
    } catch (const DbError&) {
        return 0;  // no schema_migrations table yet: nothing applied
    }
    return version;
}

namespace {

// Applies `m` on `c` and records it.
void apply(Connection& c, const Dialect& dialect, const Migration& m, std::int64_t now_unix) {
    for (const auto statement : m.statements) c.execute(withDialect(statement, dialect));
    c.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
              {std::int64_t{m.version}, std::string(m.name), now_unix});
}

// Where DDL commits implicitly (MySQL), a migration cannot be one transaction. The nodes take
// the database's migration lock in turn instead, on one connection in autocommit mode; each
// statement is re-runnable (withDialect), and the version row is written last, so a migration
// interrupted at any point is applied again, whole, by the next start.
void applyUnderLock(Database& db, std::int64_t now_unix, MigrationReport& report) {
    const Dialect& dialect = db.dialect();
    db.withConnection([&](Connection& c) {
        const auto got = c.query(dialect.migrationLock());
        if (got.empty() || got.at(0).getOptionalInt(0).value_or(0) != 1)
            throw DbError(DbErrorKind::kBusy, "the migration lock was not granted in time");
        struct Unlock {
            Connection& c;
            const Dialect& dialect;
            ~Unlock() {
                try {
                    c.query(dialect.migrationUnlock());
                } catch (const DbError&) {
                    // The server releases the lock with the session anyway.
                }
            }
        } unlock{c, dialect};
        ensureMigrationTable(c, dialect);
        const int current = readVersion(c);
        for (const Migration& m : migrations()) {
            if (current >= m.version) continue;
            apply(c, dialect, m, now_unix);
            report.applied_now.push_back(m.version);
        }
    });
}

}  // namespace

MigrationReport applyMigrations(Database& db, std::int64_t now_unix) {
    MigrationReport report;
    report.latest_version = latestSchemaVersion();
    if (!db.dialect().ddlIsTransactional()) {
        applyUnderLock(db, now_unix, report);
        report.current_version = currentSchemaVersion(db);
        return report;
    }
    for (const Migration& m : migrations()) {
        // Each migration checks the version again inside its own write transaction, so two
        // nodes starting together apply it once.
        db.transact(TxMode::kWrite, [&](Connection& c) {
            ensureMigrationTable(c, db.dialect());
            if (readVersion(c) >= m.version) return true;
            apply(c, db.dialect(), m, now_unix);
            report.applied_now.push_back(m.version);
            return true;
        });
    }
    report.current_version = currentSchemaVersion(db);
    return report;
}

}  // namespace billwright::storage
