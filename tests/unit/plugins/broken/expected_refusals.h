#pragma once

#include <map>
#include <string>

namespace billwright::testing {

// Every file of the broken-plugin directory (tests/unit/plugins/broken) and the refusal code
// the loader must give it ("" = it loads). Shared by the loader tests and the API tests.
inline const std::map<std::string, std::string> kBrokenPluginRefusals = {
    {"abi_1_0_billing.so", ""},
    {"abi_1_0_full_size.so", ""},
    {"abi_major_2.so", "abi_major_mismatch"},
    {"abi_minor_newer.so", "abi_minor_too_new"},
    {"bad_id.so", "bad_id"},
    {"bad_key_name.so", "bad_config_key"},
    {"bad_key_secret_default.so", "bad_config_key"},
    {"bad_key_type.so", "bad_config_key"},
    {"bad_kinds_none.so", "bad_kinds"},
    {"bad_kinds_unknown.so", "bad_kinds"},
    {"bad_magic.so", "bad_magic"},
    {"bad_size_huge.so", "bad_size"},
    {"bad_size_small.so", "bad_size"},
    {"billing_without_method.so", "bad_billing_method"},
    {"duplicate_a.so", ""},
    {"duplicate_b.so", "duplicate_id"},
    {"good_processor.so", ""},
    {"good_throwing.so", ""},
    {"init_fails.so", "init_failed"},
    {"no_entry_point.so", "missing_entry_point"},
    {"not_a_library.so", "not_a_shared_library"},
    {"null_descriptor.so", "null_descriptor"},
    {"payment_abi_1_0.so", "bad_kinds"},
    {"payment_bad_table_size.so", "bad_payment_processor"},
    {"payment_descriptor_1_0_size.so", "bad_payment_processor"},
    {"payment_no_method_types.so", "bad_payment_processor"},
    {"payment_refunds_without_entry.so", "bad_payment_processor"},
    {"payment_table_without_kind.so", "bad_payment_processor"},
    {"payment_unknown_flags.so", "bad_payment_processor"},
    {"payment_unknown_method_type.so", "bad_payment_processor"},
    {"payment_without_table.so", "bad_payment_processor"},
};

}  // namespace billwright::testing
