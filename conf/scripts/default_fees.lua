-- kind: fees
-- Suggested fees for a quote, from its equipment lines (docs/scripting.md, "fees").
--
--   install            25.00 per unit
--   transfer           15.00 per unit when the customer ships the units to the site
--                      (receiving and inspection); none when the tenant procures them
--   shipping_handling  procured units: 1.5 % of the equipment subtotal, at least 50.00
--   hosting_deposit    one month (730 h) of the units' nameplate power at the quote's rate
--                      per kWh, two months on a month-to-month term
--   admin              waived on orders of 50,000.00 or more; otherwise the tenant's default
--   sales_tax          not returned: the tenant's default applies
--
-- Every amount is an integer of minor units of ctx.currency; a fee left out of the result (or
-- nil) keeps the tenant's default. Decimal strings are read exactly, in integer arithmetic.

local HOURS_PER_MONTH = 730

-- "3500.000" -> 3500000 with places = 3; "0.068" -> 68000 with places = 6.
local function fixed(text, places)
  local whole, fraction = text, ""
  local dot = string.find(text, ".", 1, true)
  if dot then
    whole, fraction = string.sub(text, 1, dot - 1), string.sub(text, dot + 1)
  end
  fraction = string.sub(fraction .. string.rep("0", places), 1, places)
  return math.tointeger(tonumber(whole .. fraction))
end

-- 10 ^ exponent as an integer (the `^` operator always gives a float).
local function pow10(exponent)
  local n = 1
  for _ = 1, exponent do n = n * 10 end
  return n
end

function fees(ctx)
  local unit = pow10(ctx.currency_exponent)  -- minor units in one major unit
  local units, subtotal, power_mw = 0, 0, 0
  for _, line in ipairs(ctx.lines) do
    units = units + line.quantity
    subtotal = subtotal + line.quantity * line.unit_price_minor
    power_mw = power_mw + line.quantity * fixed(line.power_w, 3)
  end

  local out = { install = units * 25 * unit }

  if ctx.fulfilment == "customer_ships" then
    out.transfer = units * 15 * unit
    out.shipping_handling = 0
  else
    out.transfer = 0
    out.shipping_handling = math.max(subtotal * 15 // 1000, 50 * unit)
  end

  local rate = ctx.rate_per_kwh or ctx.default_rate_per_kwh
  if rate then
    local months = ctx.term == "month_to_month" and 2 or 1
    local wh = power_mw * HOURS_PER_MONTH // 1000           -- Wh in a month
    -- Wh x micro-units per kWh x minor units per unit / (1000 Wh x 1e6 micro), half up.
    out.hosting_deposit = months * ((wh * fixed(rate, 6) * unit + 500000000) // 1000000000)
  end

  if subtotal >= 50000 * unit then
    out.admin = 0
  end
  return out
end

examples = {
  {
    name = "10 procured S21 on a 1-year term",
    context = {
      currency = "USD", currency_exponent = 2,
      fulfilment = "procured", term = "1_year", rate_per_kwh = "0.068",
      site = { id = "sit_01jq3v5k8x7m2n4p6r8t0w2y4c", name = "Abilene North" },
      lines = {
        { description = "Antminer S21", quantity = 10, unit_price_minor = 350000,
          power_w = "3500.000", hashrate_ths = "200.000" },
      },
      default_fees = { admin = 7500, transfer = 0, install = 2000, hosting_deposit = 0,
                       shipping_handling = 0, sales_tax = 0 },
    },
    -- 35 kW x 730 h x 0.068 = 1737.40; 1.5 % of 35,000.00 = 525.00
    expect = { install = 25000, transfer = 0, shipping_handling = 52500,
               hosting_deposit = 173740 },
  },
  {
    name = "2 customer-shipped S19 month to month",
    context = {
      currency = "USD", currency_exponent = 2,
      fulfilment = "customer_ships", term = "month_to_month", rate_per_kwh = "0.07",
      site = { id = "sit_01jq3v5k8x7m2n4p6r8t0w2y4c", name = "Abilene North" },
      lines = {
        { description = "Antminer S19 XP (customer's own)", quantity = 2,
          unit_price_minor = 0, power_w = "3250.000", hashrate_ths = "141.000" },
      },
      default_fees = { admin = 7500 },
    },
    -- 6.5 kW x 730 h x 0.07 = 332.15, twice
    expect = { install = 5000, transfer = 3000, shipping_handling = 0,
               hosting_deposit = 66430 },
  },
  {
    name = "a large order waives the admin fee; no rate, no deposit",
    context = {
      currency = "EUR", currency_exponent = 2,
      fulfilment = "procured", term = "2_years",
      site = { id = "sit_01jq3v5k8x7m2n4p6r8t0w2y4c", name = "Abilene North" },
      lines = {
        { description = "Antminer S21 Hydro", quantity = 12, unit_price_minor = 420000,
          power_w = "5360.000", hashrate_ths = "335.000" },
        { description = "Hydro cooling kit", quantity = 1, unit_price_minor = 150000,
          power_w = "0.000", hashrate_ths = "0.000" },
      },
      default_fees = { admin = 7500 },
    },
    -- subtotal 50,400.00 + 1,500.00 = 51,900.00; 1.5 % = 778.50
    expect = { install = 32500, transfer = 0, shipping_handling = 77850, admin = 0 },
  },
}
