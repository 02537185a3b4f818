#define BOOST_TEST_MODULE plugins_payment_crypto
#include <boost/test/unit_test.hpp>
