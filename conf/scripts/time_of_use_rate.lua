-- kind: rate
-- Time-of-use pricing: weekday daytime hours cost more than nights, weekends and holidays.
--
-- The contract's own rate (ctx.plain_rate) is the base: peak hours pay 125 % of it, every other
-- hour 80 %. Hours are local to the tenant's time zone: ctx.hour is 0-23, ctx.weekday is
-- 1 (Monday) to 7 (Sunday), ctx.date is the local "YYYY-MM-DD". The rate goes back as a decimal
-- string, computed exactly in integer micro-units (millionths per kWh).

local PEAK_PERCENT = 125     -- Monday to Friday, 08:00-19:59
local OFF_PEAK_PERCENT = 80  -- nights, weekends and holidays
local PEAK_FROM, PEAK_UNTIL = 8, 20
local HOLIDAYS = { ["2026-01-01"] = true, ["2026-12-25"] = true, ["2026-12-26"] = true }
local DEFAULT_RATE = "0.065" -- for a contract without a rate of its own

-- "0.065000" -> 65000: a decimal string to integer micro-units, without floating point.
-- (Pattern functions are not available; string.find with `true` searches plain text.)
local function micros(text)
  local whole, fraction = text, ""
  local dot = string.find(text, ".", 1, true)
  if dot then
    whole, fraction = string.sub(text, 1, dot - 1), string.sub(text, dot + 1)
  end
  fraction = string.sub(fraction .. "000000", 1, 6)
  return math.tointeger(tonumber(whole)) * 1000000 + math.tointeger(tonumber(fraction))
end

-- 81250 -> "0.081250"
local function decimal(m)
  return string.format("%d.%06d", m // 1000000, m % 1000000)
end

local function isPeak(ctx)
  return ctx.weekday <= 5 and not HOLIDAYS[ctx.date]
    and ctx.hour >= PEAK_FROM and ctx.hour < PEAK_UNTIL
end

function rate(ctx)
  local base = micros(ctx.plain_rate or DEFAULT_RATE)
  local percent = isPeak(ctx) and PEAK_PERCENT or OFF_PEAK_PERCENT
  -- Half up to the micro-unit: a rate has at most 6 decimals.
  return decimal((base * percent + 50) // 100)
end

-- Checked on every upload: each context is what the invoice run passes for one hour (kwh is a
-- float there, so it is written with a fraction here too).
examples = {
  {
    name = "Tuesday 09:00 is peak",
    context = { hour = 9, weekday = 2, date = "2026-01-06", month = 1,
                hour_start = "2026-01-06T15:00:00Z", kwh = 3.25, mwh = 3250000,
                month_to_date_kwh = 412.5, plain_rate = "0.065000" },
    expect = "0.081250",
  },
  {
    name = "Tuesday 22:00 is off-peak",
    context = { hour = 22, weekday = 2, date = "2026-01-06", month = 1,
                hour_start = "2026-01-07T04:00:00Z", kwh = 3.25, mwh = 3250000,
                month_to_date_kwh = 452.75, plain_rate = "0.065000" },
    expect = "0.052000",
  },
  {
    name = "Saturday noon is off-peak",
    context = { hour = 12, weekday = 6, date = "2026-01-10", month = 1,
                hour_start = "2026-01-10T18:00:00Z", kwh = 3.5, mwh = 3500000,
                month_to_date_kwh = 1201.25, plain_rate = "0.065000" },
    expect = "0.052000",
  },
  {
    name = "Christmas Day is off-peak all day",
    context = { hour = 10, weekday = 5, date = "2026-12-25", month = 12,
                hour_start = "2026-12-25T16:00:00Z", kwh = 3.25, mwh = 3250000,
                month_to_date_kwh = 7300.5, plain_rate = "0.065000" },
    expect = "0.052000",
  },
  {
    name = "rounded half up to 6 decimals",
    context = { hour = 19, weekday = 1, date = "2026-01-05", month = 1,
                hour_start = "2026-01-06T01:00:00Z", kwh = 1.5, mwh = 1500000,
                month_to_date_kwh = 88.25, plain_rate = "0.071111" },
    expect = "0.088889",  -- 0.071111 x 1.25 = 0.08888875
  },
  {
    name = "a contract without a rate uses the default",
    context = { hour = 8, weekday = 3, date = "2026-01-07", month = 1,
                hour_start = "2026-01-07T14:00:00Z", kwh = 2.75, mwh = 2750000,
                month_to_date_kwh = 510.5 },
    expect = "0.08125",
  },
}
