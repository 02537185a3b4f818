-- kind: rate
-- Volume tiers: the more energy a contract has used so far in the billing period, the cheaper
-- its next hours.
--
-- ctx.month_to_date_kwh is the energy this contract was billed in the period before the hour
-- being priced (a float, 0 in the first billed hour); ctx.kwh is the hour's own energy. An hour
-- is priced whole at the tier it starts in. Below the first threshold the contract keeps its
-- own rate (ctx.plain_rate, a decimal string such as "0.068000").

local TIERS = {                        -- from this many kWh on, this rate per kWh
  { from = 50000, rate = "0.058" },
  { from = 10000, rate = "0.062" },
}
local DEFAULT_RATE = "0.068"           -- below the tiers, for a contract without a rate

function rate(ctx)
  local used = ctx.month_to_date_kwh
  for _, tier in ipairs(TIERS) do
    if used >= tier.from then
      return tier.rate
    end
  end
  return ctx.plain_rate or DEFAULT_RATE
end

examples = {
  {
    name = "first hour of the period: the contract's rate",
    context = { hour = 0, weekday = 4, date = "2026-01-01", month = 1,
                hour_start = "2026-01-01T06:00:00Z", kwh = 35.25, mwh = 35250000,
                month_to_date_kwh = 0.0, plain_rate = "0.070000" },
    expect = "0.07",
  },
  {
    name = "just below 10,000 kWh",
    context = { hour = 13, weekday = 3, date = "2026-01-14", month = 1,
                hour_start = "2026-01-14T19:00:00Z", kwh = 35.25, mwh = 35250000,
                month_to_date_kwh = 9999.75, plain_rate = "0.070000" },
    expect = "0.070000",
  },
  {
    name = "second tier from 10,000 kWh",
    context = { hour = 14, weekday = 3, date = "2026-01-14", month = 1,
                hour_start = "2026-01-14T20:00:00Z", kwh = 35.25, mwh = 35250000,
                month_to_date_kwh = 10035.25, plain_rate = "0.070000" },
    expect = "0.062",
  },
  {
    name = "third tier from 50,000 kWh",
    context = { hour = 2, weekday = 5, date = "2026-01-30", month = 1,
                hour_start = "2026-01-30T08:00:00Z", kwh = 140.5, mwh = 140500000,
                month_to_date_kwh = 61250.5, plain_rate = "0.070000" },
    expect = "0.058000",
  },
  {
    name = "a contract without a rate below the tiers",
    context = { hour = 5, weekday = 1, date = "2026-01-05", month = 1,
                hour_start = "2026-01-05T11:00:00Z", kwh = 3.25, mwh = 3250000,
                month_to_date_kwh = 300.25 },
    expect = "0.068",
  },
}
