// The equipment CSV import (services::Inventory::importEquipmentCsv, behind POST
// /v1/equipment/import): the fuzzed text is imported into a fresh tenant of the in-process
// application (FuzzApp), so every input starts from an empty inventory. Input: the CSV.
//
// Invariants: all or nothing (with any error nothing is created, and the tenant's inventory is
// exactly what the import says it created); errors come in line order with a code; every unit
// created is stored, valid on its own (validateEquipmentFields) and has a serial number unique in
// the import.

#include <cstdint>
#include <set>
#include <string>

#include "domain/inventory.h"
#include "fuzz_app.h"
#include "fuzz_support.h"
#include "services/inventory.h"

using billwright::fuzz::check;
using billwright::fuzz::FuzzApp;
namespace services = billwright::services;
namespace storage = billwright::storage;

namespace {

FuzzApp* app = nullptr;
std::uint64_t tenants = 0;

std::size_t countEquipment(const std::string& tenant_id) {
    std::size_t count = 0;
    storage::PageRequest page;
    page.limit = 500;
    while (true) {
        const auto listed = app->inventory().listEquipment(tenant_id, {}, page);
        count += listed.items.size();
        if (!listed.has_more || listed.items.empty()) break;
        page.starting_after = listed.items.back().id;
    }
    return count;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    app = new FuzzApp;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view csv(reinterpret_cast<const char*>(data), size);
    const std::string tenant = app->create(
        "POST", "/v1/tenants",
        R"({"name":"Import )" + std::to_string(++tenants) + R"(","timezone":"UTC"})", "super");

    const auto imported = app->inventory().importEquipmentCsv(app->actor(), tenant, csv);
    if (!imported.ok()) {
        check(imported.error().code != billwright::core::ErrorCode::kInternal,
              "an import never fails internally", imported.error().detail);
        check(countEquipment(tenant) == 0, "a refused import creates nothing");
        return 0;
    }
    const services::ImportResult& result = imported.value();
    if (!result.errors.empty()) {
        check(result.created.empty(), "an import with errors creates nothing");
        std::size_t previous = 0;
        for (const auto& e : result.errors) {
            check(e.line >= previous, "import errors come in line order");
            check(!e.code.empty(), "an import error has a code");
            previous = e.line;
        }
    }
    check(countEquipment(tenant) == result.created.size(),
          "the inventory holds exactly what the import created");
    std::set<std::string> serials;
    for (const auto& unit : result.created) {
        check(serials.insert(unit.serial_number).second, "serial numbers are unique",
              unit.serial_number);
        const auto stored = app->inventory().getEquipment(tenant, unit.id);
        check(stored.ok() && stored.value().serial_number == unit.serial_number,
              "a created unit is stored", unit.id);
        billwright::domain::Equipment copy = stored.value();
        check(services::validateEquipmentFields(copy).ok(), "a stored unit is valid", unit.id);
    }
    return 0;
}
