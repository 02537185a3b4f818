#define BOOST_TEST_MODULE plugins_payment
#include <boost/test/unit_test.hpp>
