#define BOOST_TEST_MODULE services
#include <boost/test/unit_test.hpp>
