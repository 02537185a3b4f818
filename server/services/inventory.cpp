#include "services/inventory.h"

#include <map>
#include <set>

#include "core/csv.h"
#include "core/random.h"
#include "core/utf8.h"
#include "domain/billing_config.h"
#include "domain/decimal.h"
#include "domain/tenant.h"
#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {

using core::Error;
using core::ErrorCode;

namespace {

Error invalid(std::string detail) {
    return Error{ErrorCode::kValidationFailed, std::move(detail), {}};
}

void need(Error& e, bool ok, std::string field, std::string code, std::string message) {
    if (!ok) e.fields.push_back({std::move(field), std::move(code), std::move(message)});
}

core::Status done(Error e) {
    if (e.fields.empty()) return {};
    return e;
}

bool optionalTextOk(const std::optional<std::string>& v, std::size_t max) {
    return !v || domain::isValidText(*v, max);
}

// The RevenueGuard status (default, its reason, pool redirect) changes only through its own
// endpoints (services/revenue_guard.h), which record who, when and why and send the redirect
// webhook; create and PATCH refuse to change it, naming the field and the endpoint. Sending the
// current value is harmless. `after` has already dropped a reason of a customer not in default.
core::Status refuseStatusChange(const domain::Customer& before, const domain::Customer& after) {
    Error e = invalid("the default status and pool redirect have their own endpoints");
    need(e, after.in_default == before.in_default, "in_default", "use_endpoint",
         "change it with POST /v1/customers/{customer_id}/default (with a reason) or "
         "/default/clear");
    need(e, after.in_default != before.in_default || after.default_reason == before.default_reason,
         "default_reason", "use_endpoint",
         "set with the default status: POST /v1/customers/{customer_id}/default");
    need(e, after.pool_redirect == before.pool_redirect, "pool_redirect", "use_endpoint",
         "change it with POST /v1/customers/{customer_id}/pool-redirect");
    return done(std::move(e));
}

}  // namespace

Inventory::Inventory(storage::Store& store, const core::Clock& clock)
    : store_(store), clock_(clock) {}

// ---------------------------------------------------------------------------------- customers

core::Status Inventory::checkCustomer(const domain::Customer& c) {
    Error e = invalid("the customer has invalid fields");
    need(e, domain::isValidName(c.name), "name", "invalid_name",
         "must be 1 to 200 characters of text");
    need(e, !c.company_name || domain::isValidName(*c.company_name), "company_name", "invalid_name",
         "must be 1 to 200 characters of text");
    need(e, domain::isValidEmail(c.contact_email), "contact_email", "invalid_email",
         "must be an email address");
    need(e, !c.billing_email || domain::isValidEmail(*c.billing_email), "billing_email",
         "invalid_email", "must be an email address");
    need(e, !c.phone || domain::isValidPhone(*c.phone), "phone", "invalid_phone",
         "digits, spaces and + - ( ) . with at least 5 digits");
    need(e, !c.billing_currency || domain::findCurrency(*c.billing_currency).has_value(),
         "billing_currency", "unknown_currency", "must be an ISO 4217 currency code");
    need(e, !c.internal_notes || c.internal_notes->size() <= domain::kMaxNotesLength,
         "internal_notes", "out_of_range", "must be at most 4000 bytes");
    need(e, !c.default_reason || c.default_reason->size() <= domain::kMaxReasonLength,
         "default_reason", "out_of_range", "must be at most 500 bytes");
    need(e, !c.in_default || (c.default_reason && !c.default_reason->empty()), "default_reason",
         "required", "a customer in default needs a reason");
    return done(std::move(e));
}

namespace {

// Seed 000: customers enable auto-pay "once they have a payment method on file": turning it on
// needs an active default method to charge.
core::Status checkAutoPay(storage::UnitOfWork& uow, const domain::Customer& before,
                          const domain::Customer& after) {
    if (!after.auto_pay || before.auto_pay) return {};
    if (!after.id.empty()) {
        for (const auto& m : uow.paymentMethods().list(after.tenant_id, after.id))
            if (m.is_default && m.status == domain::MethodStatus::kActive) return {};
    }
    return Error::validation("auto_pay", "needs_method",
                             "file an active default payment method first "
                             "(/v1/customers/{id}/payment-methods)");
}

}  // namespace

core::Result<domain::Customer> Inventory::createCustomer(const Actor& actor,
                                                         const std::string& tenant_id,
                                                         const CustomerEdit& edit) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Customer> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        domain::Customer c;
        c.tenant_id = tenant_id;
        c.id = core::newId("cus", unixMillis(clock_));
        c.created_at = c.updated_at = clock_.nowSeconds();
        const domain::Customer fresh = c;
        edit(c);
        // Left blank, the tenant's default currency at creation; stored so a later change of
        // the default does not silently re-currency the customer's balance and contracts.
        if (!c.billing_currency) c.billing_currency = std::string(tenant->default_currency.code);
        if (!c.in_default) c.default_reason.reset();
        if (auto s = refuseStatusChange(fresh, c); !s.ok()) return std::move(s).error();
        if (auto s = checkCustomer(c); !s.ok()) return std::move(s).error();
        if (auto s = checkAutoPay(uow, fresh, c); !s.ok()) return std::move(s).error();
        uow.customers().insert(c);
        recordAudit(uow, actor, clock_, tenant_id, "customer.created", "customer", c.id,
                    std::nullopt, toJson(c));
        return c;
    });
}

core::Result<domain::Customer> Inventory::getCustomer(const std::string& tenant_id,
                                                      const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<domain::Customer> {
        auto c = uow.customers().find(tenant_id, id);
        if (!c) return Error::notFound("customer");
        return *c;
    });
}

Page<domain::Customer> Inventory::listCustomers(const std::string& tenant_id,
                                                const storage::CustomerFilter& filter,
                                                const storage::PageRequest& page) {
    return toPage(store_
                      .read([&](storage::UnitOfWork& uow) {
                          return core::Result<std::vector<domain::Customer>>(
                              uow.customers().list(tenant_id, filter, page));
                      })
                      .value(),
                  page.limit);
}

core::Result<domain::Customer> Inventory::updateCustomer(const Actor& actor,
                                                         const std::string& tenant_id,
                                                         const std::string& id,
                                                         const CustomerEdit& edit) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Customer> {
        const auto existing = uow.customers().find(tenant_id, id);
        if (!existing) return Error::notFound("customer");
        if (existing->archived_at)
            return Error::conflict("the customer is archived; unarchive it before changing it");
        domain::Customer c = *existing;
        edit(c);
        if (!c.in_default) c.default_reason.reset();
        if (auto s = refuseStatusChange(*existing, c); !s.ok()) return std::move(s).error();
        if (auto s = checkCustomer(c); !s.ok()) return std::move(s).error();
        if (auto s = checkAutoPay(uow, *existing, c); !s.ok()) return std::move(s).error();
        const auto before = toJson(*existing);
        if (core::toJson(toJson(c)) == core::toJson(before)) return c;  // nothing changed
        c.updated_at = clock_.nowSeconds();
        uow.customers().update(c);
        recordAudit(uow, actor, clock_, tenant_id, "customer.updated", "customer", c.id, before,
                    toJson(c));
        return c;
    });
}

core::Result<domain::Customer> Inventory::archiveCustomer(const Actor& actor,
                                                          const std::string& tenant_id,
                                                          const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Customer> {
        const auto existing = uow.customers().find(tenant_id, id);
        if (!existing) return Error::notFound("customer");
        if (existing->archived_at) return *existing;
        if (uow.contracts().countActiveForCustomer(tenant_id, id) > 0) {
            return Error::conflict(
                "the customer has draft or active contracts; cancel them before archiving");
        }
        domain::Customer c = *existing;
        c.archived_at = c.updated_at = clock_.nowSeconds();
        c.active = false;
        c.portal_access = false;
        uow.customers().update(c);
        recordAudit(uow, actor, clock_, tenant_id, "customer.archived", "customer", c.id,
                    toJson(*existing), toJson(c));
        return c;
    });
}

core::Result<domain::Customer> Inventory::unarchiveCustomer(const Actor& actor,
                                                            const std::string& tenant_id,
                                                            const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Customer> {
        const auto existing = uow.customers().find(tenant_id, id);
        if (!existing) return Error::notFound("customer");
        if (!existing->archived_at) return *existing;
        domain::Customer c = *existing;
        c.archived_at.reset();
        c.active = true;
        c.updated_at = clock_.nowSeconds();
        uow.customers().update(c);
        recordAudit(uow, actor, clock_, tenant_id, "customer.unarchived", "customer", c.id,
                    toJson(*existing), toJson(c));
        return c;
    });
}

// -------------------------------------------------------------------------------------- sites

core::Status Inventory::checkSite(storage::UnitOfWork& uow, const domain::Site& s) {
    Error e = invalid("the site has invalid fields");
    need(e, domain::isValidName(s.name), "name", "invalid_name",
         "must be 1 to 200 characters of text");
    need(e, optionalTextOk(s.location, 500), "location", "invalid_text",
         "must be 1 to 500 characters of text");
    if (s.operated_for_customer_id) {
        const auto c = uow.customers().find(s.tenant_id, *s.operated_for_customer_id);
        need(e, c.has_value(), "operated_for_customer_id", "not_found", "no such customer");
        need(e, !c || !c->archived_at, "operated_for_customer_id", "archived",
             "the customer is archived");
    }
    return done(std::move(e));
}

core::Result<domain::Site> Inventory::createSite(const Actor& actor, const std::string& tenant_id,
                                                 const SiteEdit& edit) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Site> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        domain::Site s;
        s.tenant_id = tenant_id;
        s.id = core::newId("sit", unixMillis(clock_));
        s.currency = std::string(tenant->default_currency.code);
        s.created_at = s.updated_at = clock_.nowSeconds();
        edit(s);
        if (auto st = checkSite(uow, s); !st.ok()) return std::move(st).error();
        uow.sites().insert(s);
        recordAudit(uow, actor, clock_, tenant_id, "site.created", "site", s.id, std::nullopt,
                    toJson(s));
        return s;
    });
}

core::Result<domain::Site> Inventory::getSite(const std::string& tenant_id, const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<domain::Site> {
        auto s = uow.sites().find(tenant_id, id);
        if (!s) return Error::notFound("site");
        return *s;
    });
}

Page<domain::Site> Inventory::listSites(const std::string& tenant_id,
                                        const std::optional<std::string>& operated_for,
                                        const storage::PageRequest& page) {
    return toPage(store_
                      .read([&](storage::UnitOfWork& uow) {
                          return core::Result<std::vector<domain::Site>>(
                              uow.sites().list(tenant_id, operated_for, page));
                      })
                      .value(),
                  page.limit);
}

core::Result<domain::Site> Inventory::updateSite(const Actor& actor, const std::string& tenant_id,
                                                 const std::string& id, const SiteEdit& edit) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Site> {
        const auto existing = uow.sites().find(tenant_id, id);
        if (!existing) return Error::notFound("site");
        domain::Site s = *existing;
        edit(s);
        if (auto st = checkSite(uow, s); !st.ok()) return std::move(st).error();
        const auto before = toJson(*existing);
        if (core::toJson(toJson(s)) == core::toJson(before)) return s;
        s.updated_at = clock_.nowSeconds();
        uow.sites().update(s);
        recordAudit(uow, actor, clock_, tenant_id, "site.updated", "site", s.id, before, toJson(s));
        return s;
    });
}

core::Status Inventory::deleteSite(const Actor& actor, const std::string& tenant_id,
                                   const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Status {
        const auto existing = uow.sites().find(tenant_id, id);
        if (!existing) return Error::notFound("site");
        if (uow.sites().countReferences(tenant_id, id) > 0) {
            return Error::conflict("equipment or contracts refer to this site; move them first");
        }
        uow.sites().remove(tenant_id, id);
        recordAudit(uow, actor, clock_, tenant_id, "site.deleted", "site", id, toJson(*existing),
                    std::nullopt);
        return {};
    });
}

// ---------------------------------------------------------------------------------- equipment

core::Status validateEquipmentFields(domain::Equipment& eq) {
    Error e = invalid("the equipment has invalid fields");
    need(e, domain::isValidIdentifierText(eq.serial_number, domain::kMaxSerialLength),
         "serial_number", "invalid_text", "must be 1 to 100 printable characters");
    need(e, domain::isValidName(eq.model), "model", "invalid_name",
         "must be 1 to 200 characters of text");
    need(e, eq.hashrate_mth > 0, "hashrate_ths", "out_of_range", "must be more than 0");
    need(e, eq.power_mw > 0, "power_w", "out_of_range", "must be more than 0");
    need(e, !eq.pdu_port || domain::isValidIdentifierText(*eq.pdu_port, domain::kMaxPortLength),
         "pdu_port", "invalid_text", "must be 1 to 100 printable characters");
    if (eq.efficiency_mjth == 0 && eq.hashrate_mth > 0 && eq.power_mw > 0) {
        eq.efficiency_mjth = domain::efficiencyFrom(eq.power_mw, eq.hashrate_mth).value_or(0);
        eq.efficiency_computed = true;
    }
    return done(std::move(e));
}

core::Status Inventory::checkEquipment(storage::UnitOfWork& uow, domain::Equipment& eq,
                                       const std::optional<std::string>& previous_serial,
                                       const std::optional<std::string>& previous_port) {
    if (auto s = validateEquipmentFields(eq); !s.ok()) return s;
    Error e = invalid("the equipment has invalid fields");
    if (eq.site_id) {
        need(e, uow.sites().find(eq.tenant_id, *eq.site_id).has_value(), "site_id", "not_found",
             "no such site");
    }
    if (eq.owner_customer_id) {
        const auto owner = uow.customers().find(eq.tenant_id, *eq.owner_customer_id);
        need(e, owner.has_value(), "owner_customer_id", "not_found", "no such customer");
        need(e, !owner || !owner->archived_at, "owner_customer_id", "archived",
             "the customer is archived");
    }
    if (!e.fields.empty()) return e;
    Error conflict{ErrorCode::kConflict, "another unit already uses this identifier", {}};
    if (eq.serial_number != previous_serial) {
        need(conflict, !uow.equipment().serialTaken(eq.tenant_id, eq.serial_number),
             "serial_number", "duplicate", "another unit has this serial number");
    }
    if (eq.pdu_port && eq.pdu_port != previous_port) {
        need(conflict, !uow.equipment().portTaken(eq.tenant_id, *eq.pdu_port), "pdu_port",
             "duplicate", "another unit uses this PDU port");
    }
    return done(std::move(conflict));
}

core::Result<domain::Equipment> Inventory::createEquipment(const Actor& actor,
                                                           const std::string& tenant_id,
                                                           const EquipmentEdit& edit) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Equipment> {
        domain::Equipment eq;
        eq.tenant_id = tenant_id;
        eq.id = core::newId("eqp", unixMillis(clock_));
        eq.created_at = eq.updated_at = clock_.nowSeconds();
        edit(eq);
        // The sample key first: it locks the one sample_key row, so creators queue here
        // before the serial and port checks read (and, on MySQL, lock) the index gaps where
        // they then insert; checked first, two creators deadlock there. A refused unit rolls
        // its key back.
        eq.sample_key = uow.equipment().reserveSampleKeys(1);
        if (auto s = checkEquipment(uow, eq, std::nullopt, std::nullopt); !s.ok())
            return std::move(s).error();
        uow.equipment().insert(eq);
        recordAudit(uow, actor, clock_, tenant_id, "equipment.created", "equipment", eq.id,
                    std::nullopt, toJson(eq, std::nullopt));
        return eq;
    });
}

core::Result<domain::Equipment> Inventory::getEquipment(const std::string& tenant_id,
                                                        const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<domain::Equipment> {
        auto eq = uow.equipment().find(tenant_id, id);
        if (!eq) return Error::notFound("equipment");
        return *eq;
    });
}

Page<domain::Equipment> Inventory::listEquipment(const std::string& tenant_id,
                                                 const storage::EquipmentFilter& filter,
                                                 const storage::PageRequest& page) {
    return toPage(store_
                      .read([&](storage::UnitOfWork& uow) {
                          return core::Result<std::vector<domain::Equipment>>(
                              uow.equipment().list(tenant_id, filter, page));
                      })
                      .value(),
                  page.limit);
}

core::Result<domain::Equipment> Inventory::updateEquipment(const Actor& actor,
                                                           const std::string& tenant_id,
                                                           const std::string& id,
                                                           const EquipmentEdit& edit) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Equipment> {
        const auto existing = uow.equipment().find(tenant_id, id);
        if (!existing) return Error::notFound("equipment");
        domain::Equipment eq = *existing;
        edit(eq);
        if (auto s = checkEquipment(uow, eq, existing->serial_number, existing->pdu_port); !s.ok())
            return std::move(s).error();
        const auto before = toJson(*existing, std::nullopt);
        if (core::toJson(toJson(eq, std::nullopt)) == core::toJson(before)) return eq;
        eq.updated_at = clock_.nowSeconds();
        uow.equipment().update(eq);
        recordAudit(uow, actor, clock_, tenant_id, "equipment.updated", "equipment", eq.id, before,
                    toJson(eq, std::nullopt));
        return eq;
    });
}

std::optional<std::string> Inventory::activeContractOf(const std::string& tenant_id,
                                                       const std::string& equipment_id) {
    return store_
        .read([&](storage::UnitOfWork& uow) {
            return core::Result<std::optional<std::string>>(
                uow.contracts().activeContractForEquipment(tenant_id, equipment_id));
        })
        .value();
}

std::map<std::string, std::string> Inventory::activeContractsOf(
    const std::string& tenant_id, const std::vector<domain::Equipment>& units) {
    std::vector<std::string> ids;
    ids.reserve(units.size());
    for (const auto& u : units) ids.push_back(u.id);
    return store_
        .read([&](storage::UnitOfWork& uow) {
            std::map<std::string, std::string> out;
            for (auto& [unit, contract] :
                 uow.contracts().activeContractsForEquipment(tenant_id, ids))
                out.emplace(std::move(unit), std::move(contract));
            return core::Result<std::map<std::string, std::string>>(std::move(out));
        })
        .value();
}

namespace {

// The CSV import's columns; serial_number, model, hashrate_ths and power_w are required.
constexpr std::string_view kImportColumns[] = {
    "serial_number",     "model",  "hashrate_ths", "power_w", "efficiency_jth", "site_id",
    "owner_customer_id", "status", "pdu_port"};

std::optional<std::string> cell(const std::vector<std::string>& fields,
                                const std::map<std::string, std::size_t>& index,
                                const std::string& name) {
    const auto it = index.find(name);
    if (it == index.end() || fields[it->second].empty()) return std::nullopt;
    return fields[it->second];
}

}  // namespace

core::Result<ImportResult> Inventory::importEquipmentCsv(const Actor& actor,
                                                         const std::string& tenant_id,
                                                         std::string_view csv) {
    ImportResult result;
    auto reject = [&](std::size_t line, std::string field, std::string code, std::string message) {
        result.errors.push_back({line, std::move(field), std::move(code), std::move(message)});
    };
    if (csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);  // a UTF-8 byte order mark
    // Cells end up in error reports and stored text: a file that is not UTF-8 is refused whole
    // (found by fuzzing: an unknown column's raw bytes made the problem+json answer invalid JSON).
    if (const std::size_t bad = core::firstInvalidUtf8(csv); bad != std::string_view::npos) {
        reject(core::lineOfOffset(csv, bad), "", "malformed_csv", "the file is not UTF-8 text");
        return result;
    }
    core::CsvReader reader(csv);
    std::vector<std::string> fields;
    if (!reader.next(fields)) {
        reject(reader.error().empty() ? 1 : reader.line(), "", "malformed_csv",
               reader.error().empty() ? "the file is empty; the first line names the columns"
                                      : reader.error());
        return result;
    }
    const std::size_t header_line = reader.line();
    const std::size_t header_size = fields.size();
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        bool known = false;
        for (const auto c : kImportColumns) known = known || c == fields[i];
        if (!known) {
            reject(header_line, fields[i], "unknown_column", "is not an import column");
        } else if (!index.emplace(fields[i], i).second) {
            reject(header_line, fields[i], "duplicate_column", "appears twice");
        }
    }
    for (const auto required : {"serial_number", "model", "hashrate_ths", "power_w"}) {
        if (index.find(required) == index.end())
            reject(header_line, required, "required", "the header must name this column");
    }
    if (!result.errors.empty()) return result;

    const auto now = clock_.nowSeconds();
    const auto millis = unixMillis(clock_);
    std::vector<std::size_t> lines;
    std::map<std::string, std::size_t> serial_lines;
    std::map<std::string, std::size_t> port_lines;
    while (reader.next(fields)) {
        const std::size_t line = reader.line();
        if (fields.size() != header_size) {
            reject(line, "", "malformed_csv",
                   "the row has " + std::to_string(fields.size()) + " cells; the header has " +
                       std::to_string(header_size));
            continue;
        }
        if (result.created.size() + result.errors.size() >= kMaxImportRows) {
            reject(line, "", "too_many_rows",
                   "an import takes at most " + std::to_string(kMaxImportRows) + " rows");
            break;
        }
        domain::Equipment eq;
        eq.tenant_id = tenant_id;
        eq.id = core::newId("eqp", millis);
        eq.created_at = eq.updated_at = now;
        const std::size_t errors_before = result.errors.size();
        eq.serial_number = cell(fields, index, "serial_number").value_or("");
        eq.model = cell(fields, index, "model").value_or("");
        const auto quantity = [&](const char* name, int decimals, std::int64_t& out) {
            const auto text = cell(fields, index, name);
            if (!text) return;
            auto v = domain::parseFixedField(name, *text, decimals, 1, std::int64_t{1} << 50);
            if (v.ok()) {
                out = v.value();
            } else {
                const auto& fe = v.error().fields[0];
                reject(line, fe.field, fe.code, fe.message);
            }
        };
        quantity("hashrate_ths", 3, eq.hashrate_mth);
        quantity("power_w", 3, eq.power_mw);
        quantity("efficiency_jth", 3, eq.efficiency_mjth);
        eq.site_id = cell(fields, index, "site_id");
        eq.owner_customer_id = cell(fields, index, "owner_customer_id");
        eq.pdu_port = cell(fields, index, "pdu_port");
        if (const auto status = cell(fields, index, "status")) {
            const auto parsed = domain::parseEquipmentStatus(*status);
            if (parsed) {
                eq.status = *parsed;
            } else {
                reject(line, "status", "invalid_enum",
                       "must be one of online, offline, maintenance, retired");
            }
        }
        if (auto s = validateEquipmentFields(eq); !s.ok()) {
            for (const auto& fe : s.error().fields) {
                // A cell that did not parse is already reported once.
                bool reported = false;
                for (std::size_t i = errors_before; i < result.errors.size(); ++i)
                    reported = reported || result.errors[i].field == fe.field;
                if (!reported) reject(line, fe.field, fe.code, fe.message);
            }
        }
        if (!eq.serial_number.empty()) {
            const auto [it, fresh] = serial_lines.emplace(eq.serial_number, line);
            if (!fresh)
                reject(line, "serial_number", "duplicate",
                       "repeats the serial number of line " + std::to_string(it->second));
        }
        if (eq.pdu_port) {
            const auto [it, fresh] = port_lines.emplace(*eq.pdu_port, line);
            if (!fresh)
                reject(line, "pdu_port", "duplicate",
                       "repeats the PDU port of line " + std::to_string(it->second));
        }
        // Rows with errors still go through the checks against the tenant's data below, so
        // the report names every problem of every row.
        lines.push_back(line);
        result.created.push_back(std::move(eq));
    }
    if (!reader.error().empty()) reject(reader.line(), "", "malformed_csv", reader.error());
    // Rows whose problems are already known stay for the checks against the tenant's data;
    // nothing is written once any row has a problem.
    if (result.created.empty() && result.errors.empty())
        reject(header_line, "", "no_rows", "the file has a header but no rows");

    auto written = store_.write([&](storage::UnitOfWork& uow) -> core::Result<ImportResult> {
        // The sample keys first, as in createEquipment: their row lock queues importers and
        // creators before the reads below lock the serial and port ranges they insert into.
        std::int64_t key =
            uow.equipment().reserveSampleKeys(static_cast<std::int64_t>(result.created.size()));
        // Cross-record checks against the tenant's data, every row reported.
        std::set<std::string> serials;
        for (auto& s : uow.equipment().existingSerials(tenant_id)) serials.insert(std::move(s));
        std::set<std::string> ports;
        for (auto& p : uow.equipment().existingPorts(tenant_id)) ports.insert(std::move(p));
        std::map<std::string, bool> sites;
        std::map<std::string, bool> customers;
        for (std::size_t i = 0; i < result.created.size(); ++i) {
            const auto& eq = result.created[i];
            const std::size_t line = lines[i];
            if (!eq.serial_number.empty() && serials.count(eq.serial_number) != 0)
                reject(line, "serial_number", "duplicate", "another unit has this serial number");
            if (eq.pdu_port && ports.count(*eq.pdu_port) != 0)
                reject(line, "pdu_port", "duplicate", "another unit uses this PDU port");
            if (eq.site_id) {
                auto [it, fresh] = sites.emplace(*eq.site_id, false);
                if (fresh) it->second = uow.sites().find(tenant_id, *eq.site_id).has_value();
                if (!it->second) reject(line, "site_id", "not_found", "no such site");
            }
            if (eq.owner_customer_id) {
                auto [it, fresh] = customers.emplace(*eq.owner_customer_id, false);
                if (fresh)
                    it->second = uow.customers().find(tenant_id, *eq.owner_customer_id).has_value();
                if (!it->second) reject(line, "owner_customer_id", "not_found", "no such customer");
            }
        }
        if (!result.errors.empty()) {
            // Not an error for the transaction's sake: nothing was written, roll back.
            return Error{ErrorCode::kValidationFailed, "rejected", {}};
        }
        for (auto& eq : result.created) eq.sample_key = key++;
        uow.equipment().insertMany(result.created);
        core::JsonValue after = core::JsonValue::object();
        after.set("rows",
                  core::JsonValue::number(static_cast<std::int64_t>(result.created.size())));
        recordAudit(uow, actor, clock_, tenant_id, "equipment.imported", "equipment_import",
                    result.created.empty() ? "" : result.created.front().id, std::nullopt,
                    std::move(after));
        return result;
    });
    if (!written.ok() && result.errors.empty()) return std::move(written).error();
    if (!result.errors.empty()) {
        std::stable_sort(result.errors.begin(), result.errors.end(),
                         [](const auto& a, const auto& b) { return a.line < b.line; });
        result.created.clear();
    }
    return result;
}

// ----------------------------------------------------------------------------------- settings

core::Result<domain::TenantBillingSettings> Inventory::getSettings(const std::string& tenant_id) {
    return store_.read([&](storage::UnitOfWork& uow) {
        auto s = uow.tenantSettings().find(tenant_id);
        if (s) return core::Result<domain::TenantBillingSettings>(*s);
        domain::TenantBillingSettings fresh;
        fresh.tenant_id = tenant_id;
        return core::Result<domain::TenantBillingSettings>(fresh);
    });
}

core::Result<domain::TenantBillingSettings> Inventory::updateSettings(
    const Actor& actor, const std::string& tenant_id,
    const std::function<void(domain::TenantBillingSettings&)>& edit) {
    return store_.write(
        [&](storage::UnitOfWork& uow) -> core::Result<domain::TenantBillingSettings> {
            const auto existing = uow.tenantSettings().find(tenant_id);
            domain::TenantBillingSettings s;
            if (existing) {
                s = *existing;
            } else {
                s.tenant_id = tenant_id;
                s.created_at = clock_.nowSeconds();
            }
            edit(s);
            if (auto valid = domain::validateBillingSettings(s); !valid.ok())
                return std::move(valid).error();
            if (existing && *existing == s) return s;  // nothing changed, nothing to audit
            s.updated_at = clock_.nowSeconds();
            uow.tenantSettings().upsert(s);
            const auto tenant = uow.tenants().find(tenant_id);
            recordAudit(uow, actor, clock_, tenant_id, "billing_settings.updated",
                        "billing_settings", tenant_id,
                        existing ? std::optional<core::JsonValue>(
                                       toJson(*existing, tenant->default_currency))
                                 : std::nullopt,
                        toJson(s, tenant->default_currency));
            return s;
        });
}

}  // namespace billwright::services
