#define BOOST_TEST_MODULE plugins_providers
#include <boost/test/unit_test.hpp>
