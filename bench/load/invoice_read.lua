-- wrk: GET /v1/invoices/{id}, going round the invoice ids in the file named by BW_IDS (one a
-- line), each wrk thread from its own starting point. Headers (the API key, the tenant) come
-- from wrk's -H options. bench/load/run.
--
-- Each thread formats its requests once, in init: formatting one per request (a Lua string
-- concatenation and wrk.format's header table) cost wrk about 3.5 us of CPU a request, which
-- on a shared two-core machine is taken from the server under test. The baseline's wrk runs
-- no script at all.
local ids = {}
for line in io.lines(os.getenv("BW_IDS")) do ids[#ids + 1] = line end
local next_thread = 0
local requests = {}
local i = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("start", next_thread * 7919)
end

function init(args)
  i = start or 0
  for k, id in ipairs(ids) do requests[k] = wrk.format("GET", "/v1/invoices/" .. id) end
end

function request()
  i = i + 1
  return requests[(i % #requests) + 1]
end
