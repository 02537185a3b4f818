-- wrk: GET /v1/invoices/{id}, going round the invoice ids in the file named by BW_IDS (one a
-- line), each wrk thread from its own starting point. Headers (the API key, the tenant) come
-- from wrk's -H options. bench/load/run.
local ids = {}
for line in io.lines(os.getenv("BW_IDS")) do ids[#ids + 1] = line end
local next_thread = 0
local i = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("start", next_thread * 7919)
end

function init(args)
  i = start or 0
end

function request()
  i = i + 1
  return wrk.format("GET", "/v1/invoices/" .. ids[(i % #ids) + 1])
end
