#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/request.h"
#include "http/router.h"
#include "services/api_keys.h"
#include "services/contracts.h"
#include "services/hashprices.h"
#include "services/idempotency.h"
#include "services/inventory.h"
#include "services/invoice_runs.h"
#include "services/invoicing.h"
#include "services/outbox.h"
#include "services/payments.h"
#include "services/platform_billing.h"
#include "services/plugins.h"
#include "services/resolutions.h"
#include "services/revenue_guard.h"
#include "services/scripts.h"
#include "services/telemetry.h"
#include "services/usage_chain.h"
#include "storage/repositories.h"

namespace billwright::http {

// Everything the handlers use, owned by the application (app/) and borrowed here.
struct ApiContext {
    services::PlatformBilling& billing;
    services::ApiKeys& keys;
    services::Idempotency& idempotency;
    services::Inventory& inventory;
    services::Telemetry& telemetry;
    services::Contracts& contracts;
    services::Plugins& plugins;
    services::BillingChain& chain;
    services::Hashprices& hashprices;
    services::Outbox& outbox;
    services::Invoicing& invoicing;
    services::InvoiceRuns& invoice_runs;
    services::Scripts& scripts;
    services::Payments& payments;
    services::RevenueGuard& revenue_guard;
    services::Resolutions& resolutions;
    storage::Store& store;
    core::Metrics& metrics;
    core::Logger& log;
    std::string openapi_yaml;
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_bulk_body_bytes = 32 * 1024 * 1024;
};

// A request as it came off the wire, before routing and authentication.
struct RawRequest {
    std::string method;
    std::string path;
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool body_too_large = false;
    bool bad_uri = false;
};

class Api {
public:
    explicit Api(ApiContext context);
    // Never throws: every failure becomes a problem response, logged once.
    Response handle(const RawRequest& raw);
    const Router& router() const { return router_; }
    // The largest body the route for (method, path) accepts; the server reads no more.
    std::size_t bodyLimit(std::string_view method, std::string_view path) const;

private:
    Response dispatch(const RawRequest& raw, Request& request, std::string& route_name);

    ApiContext ctx_;
    Router router_;
};

using ContextHandler = HandlerResult (*)(ApiContext&, Request&);
inline Handler bindHandler(ApiContext& ctx, ContextHandler fn) {
    return [&ctx, fn](Request& r) { return fn(ctx, r); };
}

// Registration lists, one per resource file under handlers/.
void registerSystemRoutes(Router& router, ApiContext& ctx);
void registerTenantRoutes(Router& router, ApiContext& ctx);
void registerPlatformInvoiceRoutes(Router& router, ApiContext& ctx);
void registerApiKeyRoutes(Router& router, ApiContext& ctx);
void registerAuditRoutes(Router& router, ApiContext& ctx);
void registerCustomerRoutes(Router& router, ApiContext& ctx);
void registerSiteRoutes(Router& router, ApiContext& ctx);
void registerEquipmentRoutes(Router& router, ApiContext& ctx);
void registerTelemetryRoutes(Router& router, ApiContext& ctx);
void registerContractRoutes(Router& router, ApiContext& ctx);
void registerPluginRoutes(Router& router, ApiContext& ctx);
void registerHashpriceRoutes(Router& router, ApiContext& ctx);
void registerBillingSettingsRoutes(Router& router, ApiContext& ctx);
void registerInvoiceRoutes(Router& router, ApiContext& ctx);
void registerOutboxRoutes(Router& router, ApiContext& ctx);
void registerScriptRoutes(Router& router, ApiContext& ctx);
void registerPaymentRoutes(Router& router, ApiContext& ctx);
void registerRevenueGuardRoutes(Router& router, ApiContext& ctx);

}  // namespace billwright::http
