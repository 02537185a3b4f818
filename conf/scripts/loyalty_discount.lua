-- kind: invoice_adjust
-- Loyalty discount: 2 % off the energy charges of an invoice whose energy lines come to
-- 1,000.00 or more (in the invoice's currency).
--
-- ctx is the computed invoice before tax and credit: amounts are integers of minor units
-- (ctx.currency_exponent decimals), kWh and rates are decimal strings. The discount is a
-- negative integer, computed with integer division (`//`), so nothing is ever rounded twice.

local PERCENT = 2
local THRESHOLD = 1000  -- major units of the invoice's currency

function invoice_adjust(ctx)
  local unit = 1
  for _ = 1, ctx.currency_exponent do unit = unit * 10 end

  local energy, taxable = 0, true
  for _, line in ipairs(ctx.lines) do
    if line.kind == "energy" then
      energy = energy + line.amount_minor
      taxable = taxable and line.taxable
    end
  end
  if energy < THRESHOLD * unit then
    return {}
  end

  local discount = energy * PERCENT // 100  -- rounded down to the minor unit
  return {
    {
      kind = "discount",
      description = string.format("Loyalty discount: %d%% of energy charges", PERCENT),
      amount_minor = -discount,
      taxable = taxable,
    },
  }
end

examples = {
  {
    name = "energy of 1,468.80 earns 29.37",
    context = {
      tenant = { id = "ten_01jq3v5k8x7m2n4p6r8t0w2y4a" },
      customer = { id = "cus_01jq3v5k8x7m2n4p6r8t0w2y4b", name = "Ada Miner",
                   credit_balance_minor = 0 },
      currency = "USD", currency_exponent = 2,
      period = { start = "2026-10-01", ["end"] = "2026-11-01" },
      lines = {
        { kind = "energy", description = "Metered energy (PDU counters) — contract C-000042",
          contract_id = "ctr_01jq3v5k8x7m2n4p6r8t0w2y4e", method = "metered",
          kwh = "21600.000", rate = "0.068000", amount_minor = 146880, taxable = true },
        { kind = "lease_fee", description = "Equipment lease: 10 units at 24.00 a month — contract C-000042",
          contract_id = "ctr_01jq3v5k8x7m2n4p6r8t0w2y4e",
          amount_minor = 24000, taxable = true },
      },
      subtotal_minor = 170880,
      kwh = "21600.000",
    },
    expect = {
      { kind = "discount", description = "Loyalty discount: 2% of energy charges",
        amount_minor = -2937, taxable = true },
    },
  },
  {
    name = "below 1,000.00 of energy: no line",
    context = {
      tenant = { id = "ten_01jq3v5k8x7m2n4p6r8t0w2y4a" },
      customer = { id = "cus_01jq3v5k8x7m2n4p6r8t0w2y4b", name = "Ada Miner",
                   credit_balance_minor = 5000 },
      currency = "USD", currency_exponent = 2,
      period = { start = "2026-10-01", ["end"] = "2026-11-01" },
      lines = {
        { kind = "energy", description = "Metered energy (PDU counters) — contract C-000043",
          contract_id = "ctr_01jq3v5k8x7m2n4p6r8t0w2y4g", method = "metered",
          kwh = "14000.000", rate = "0.068000", amount_minor = 95200, taxable = true },
      },
      subtotal_minor = 95200,
      kwh = "14000.000",
    },
    expect = {},
  },
  {
    name = "a currency without minor units",
    context = {
      tenant = { id = "ten_01jq3v5k8x7m2n4p6r8t0w2y4a" },
      customer = { id = "cus_01jq3v5k8x7m2n4p6r8t0w2y4h", name = "Kaito Mining KK",
                   credit_balance_minor = 0 },
      currency = "JPY", currency_exponent = 0,
      period = { start = "2026-10-01", ["end"] = "2026-11-01" },
      lines = {
        { kind = "energy", description = "Metered energy (PDU counters) — contract C-000044",
          contract_id = "ctr_01jq3v5k8x7m2n4p6r8t0w2y4i", method = "metered",
          kwh = "5000.000", rate = "10.500000", amount_minor = 52500, taxable = false },
        { kind = "energy", description = "Hash-derived energy — contract C-000044",
          contract_id = "ctr_01jq3v5k8x7m2n4p6r8t0w2y4i", method = "hash",
          kwh = "120.500", rate = "10.500000", amount_minor = 1265, taxable = false },
      },
      subtotal_minor = 53765,
      kwh = "5120.500",
    },
    -- 2 % of 53,765 = 1,075.3: 1,075
    expect = {
      { kind = "discount", description = "Loyalty discount: 2% of energy charges",
        amount_minor = -1075, taxable = false },
    },
  },
}
