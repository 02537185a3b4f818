#include "http/api.h"
#include "storage/migrations.h"

namespace billwright::http {

void registerSystemRoutes(Router& router, ApiContext& ctx) {
    router.add({"GET", "/healthz", Access::kPublic, [](Request&) -> HandlerResult {
                    core::JsonValue body = core::JsonValue::object();
                    body.set("status", core::JsonValue::string("ok"));
                    return Response::json(200, body);
                }});
    router.add({"GET", "/readyz", Access::kPublic, [&ctx](Request&) -> HandlerResult {
                    const bool reachable = ctx.store.ping();
                    const int version = reachable ? ctx.store.schemaVersion() : 0;
                    const int latest = storage::latestSchemaVersion();
                    const bool ready = reachable && version == latest;
                    core::JsonValue body = core::JsonValue::object();
                    body.set("status", core::JsonValue::string(ready ? "ready" : "not_ready"))
                        .set("database",
                             core::JsonValue::string(reachable ? "reachable" : "unreachable"))
                        .set("schema_version", core::JsonValue::number(version))
                        .set("latest_schema_version", core::JsonValue::number(latest));
                    return Response::json(ready ? 200 : 503, body);
                }});
    router.add({"GET", "/metrics", Access::kPublic, [&ctx](Request&) -> HandlerResult {
                    return Response::text(200, "text/plain; version=0.0.4", ctx.metrics.render());
                }});
    router.add({"GET", "/v1/openapi.yaml", Access::kPublic, [&ctx](Request&) -> HandlerResult {
                    return Response::text(200, "application/yaml", ctx.openapi_yaml);
                }});
}

}  // namespace billwright::http
