// The invoice text cache (services/invoice_text_cache.h): found only for the revision it was
// made from, never replaced by an older revision, kept within its bytes.

#include <boost/test/unit_test.hpp>

#include <string>

#include "services/invoice_text_cache.h"

using billwright::services::InvoiceTextCache;

BOOST_AUTO_TEST_SUITE(invoice_text_cache)

BOOST_AUTO_TEST_CASE(a_text_is_found_only_for_its_tenant_invoice_and_revision) {
    InvoiceTextCache cache(1 << 20);
    BOOST_TEST(!cache.find("ten_a", "inv_1", 0).has_value());
    cache.put("ten_a", "inv_1", 3, R"({"id":"inv_1","v":3})");
    BOOST_TEST(cache.find("ten_a", "inv_1", 3).value_or("") == R"({"id":"inv_1","v":3})");
    BOOST_TEST(!cache.find("ten_a", "inv_1", 4).has_value());  // changed since
    BOOST_TEST(!cache.find("ten_a", "inv_1", 2).has_value());
    BOOST_TEST(!cache.find("ten_b", "inv_1", 3).has_value());  // another tenant's id
    BOOST_TEST(!cache.find("ten_a", "inv_2", 3).has_value());

    cache.put("ten_a", "inv_1", 4, R"({"v":4})");  // a newer revision replaces it
    BOOST_TEST(cache.find("ten_a", "inv_1", 4).value_or("") == R"({"v":4})");
    cache.put("ten_a", "inv_1", 3, R"({"v":3})");  // a slow reader of an older one does not
    BOOST_TEST(cache.find("ten_a", "inv_1", 4).value_or("") == R"({"v":4})");
    BOOST_TEST(!cache.find("ten_a", "inv_1", 3).has_value());
}

BOOST_AUTO_TEST_CASE(the_cache_stays_within_its_bytes_and_zero_keeps_nothing) {
    const std::string text(100, 'x');
    const std::size_t entry = std::string("ten_a\ninv_00").size() + text.size();
    InvoiceTextCache cache(entry * 3);
    for (int i = 0; i < 3; ++i) cache.put("ten_a", "inv_0" + std::to_string(i), 1, text);
    BOOST_TEST(cache.bytes() == entry * 3);
    BOOST_TEST(cache.find("ten_a", "inv_00", 1).has_value());
    // The fourth does not fit: what was kept is dropped, the fourth kept.
    cache.put("ten_a", "inv_03", 1, text);
    BOOST_TEST(cache.bytes() == entry);
    BOOST_TEST(!cache.find("ten_a", "inv_00", 1).has_value());
    BOOST_TEST(cache.find("ten_a", "inv_03", 1).value_or("") == text);
    // Replacing an entry counts its new size only.
    cache.put("ten_a", "inv_03", 2, std::string(10, 'y'));
    BOOST_TEST(cache.bytes() == entry - 90);
    // A text larger than the whole cache is not kept (and drops nothing).
    cache.put("ten_a", "inv_04", 1, std::string(entry * 3, 'z'));
    BOOST_TEST(!cache.find("ten_a", "inv_04", 1).has_value());
    BOOST_TEST(cache.find("ten_a", "inv_03", 2).has_value());

    InvoiceTextCache none(0);
    none.put("ten_a", "inv_1", 1, "{}");
    BOOST_TEST(!none.find("ten_a", "inv_1", 1).has_value());
    BOOST_TEST(none.bytes() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
