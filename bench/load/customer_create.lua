-- wrk: POST /v1/customers, each request a new customer with a name and e-mail address no
-- other request uses (the run's tag, the wrk thread, a counter). Headers (the API key, the
-- tenant) come from wrk's -H options. bench/load/run.
local next_thread = 0
local n = 0
local headers = {}
local prefix

function setup(thread)
  next_thread = next_thread + 1
  thread:set("tid", next_thread)
end

function init(args)
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  prefix = (os.getenv("BW_TAG") or "load") .. "-" .. tostring(tid or 0)
end

function request()
  n = n + 1
  local body = string.format(
    '{"name":"Load customer %s-%d","contact_email":"load-%s-%d@example.com"}',
    prefix, n, prefix, n)
  return wrk.format("POST", "/v1/customers", headers, body)
end
